/**
 * Reading synthesized templates, shared by the tests, the scripts and the consumer checks: a state machine's
 * definition as JSON (or as text), the state machines of a template, and the policy statements a role, an identity
 * policy or a resource policy holds. Plain template JSON in, plain JSON out (no CDK objects), so it works on a
 * `Template.toJSON()` and on a `cdk.out/*.template.json` alike.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A CloudFormation template, or the part of one these helpers read. */
export interface TemplateJson {
  readonly Resources?: { [logicalId: string]: any };
}

/** A readable placeholder for a CloudFormation token inside a definition string: `${Ref}` or `${Resource.Attribute}`. */
export function tokenPlaceholder(token: any): string {
  if (token.Ref) return `\${${token.Ref}}`;
  if (token['Fn::GetAtt']) return `\${${token['Fn::GetAtt'].join('.')}}`;
  return `\${${Object.keys(token)[0]}}`;
}

/**
 * The definition string of a state machine resource as one text: its `Fn::Join` flattened, each token (Ref,
 * Fn::GetAtt, ...) written by `writeToken`, by default as a placeholder such as `${PlatformJobQueue45479A00}`. A
 * script that measures the definition passes a writer that gives ARNs of realistic length instead. A definition
 * kept in S3 (`DefinitionS3Location`, a large workflow) is read from its asset file in `assemblyDir` (the cloud
 * assembly's directory), each `${name}` of its `DefinitionSubstitutions` written the same way.
 */
export function definitionText(stateMachine: any, writeToken: (token: any) => string = tokenPlaceholder, assemblyDir?: string): string {
  const location = stateMachine.Properties.DefinitionS3Location;
  if (location !== undefined) {
    if (assemblyDir === undefined) throw new Error('the definition is in S3 (DefinitionS3Location): pass the cloud assembly\'s directory');
    const text: string = fs.readFileSync(path.join(assemblyDir, `asset.${location.Key}`), 'utf8');
    const substitutions = stateMachine.Properties.DefinitionSubstitutions ?? {};
    return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name) => {
      const value = substitutions[name];
      if (value === undefined) throw new Error(`the definition's ${whole} has no substitution`);
      return typeof value === 'string' ? value : writeToken(value);
    });
  }
  const def = stateMachine.Properties.DefinitionString;
  if (typeof def === 'string') return def;
  const [delimiter, parts] = def['Fn::Join'] as [string, any[]];
  return parts.map(p => (typeof p === 'string' ? p : writeToken(p))).join(delimiter);
}

/**
 * The definition of a state machine resource as a JSON object, every token written by `writeToken` (by default a
 * placeholder such as `${PlatformJobQueue45479A00}`; tokens sit inside JSON strings, so the text stays parseable).
 */
export function definitionOf(stateMachine: any, writeToken: (token: any) => string = tokenPlaceholder, assemblyDir?: string): any {
  return JSON.parse(definitionText(stateMachine, writeToken, assemblyDir));
}

/** The state machines of a template whose logical ID matches `id`, by logical ID. */
export function stateMachines(template: TemplateJson, id: RegExp = /./): Array<[string, any]> {
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').filter(([logicalId]) => id.test(logicalId));
}

/** The one state machine whose logical ID matches `id`; throws when there is not exactly one. */
export function onlyStateMachine(template: TemplateJson, id: RegExp): [string, any] {
  const found = stateMachines(template, id);
  if (found.length !== 1) throw new Error(`expected one state machine matching ${id}, found ${found.length}`);
  return found[0];
}

/** A policy statement, with the logical ID of the resource whose policy document holds it. */
export interface PolicyStatementOf {
  /** The logical ID of the IAM policy, or of the key, topic policy or bucket policy for a resource policy. */
  readonly id: string;
  readonly statement: any;
}

/** The statements of a policy document: its `Statement` may be one statement or a list of them. */
function statementsOfDocument(document: any): any[] {
  const statement = document?.Statement;
  return statement === undefined ? [] : Array.isArray(statement) ? statement : [statement];
}

/**
 * Every statement of the template's identity policies (`AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`), or only
 * of those attached to `roleLogicalId`, each with the policy's logical ID, in template order.
 */
export function identityPolicyStatements(template: TemplateJson, roleLogicalId?: string): PolicyStatementOf[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter(([, p]) => roleLogicalId === undefined || (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleLogicalId))
    .flatMap(([id, p]) => statementsOfDocument(p.Properties.PolicyDocument).map(statement => ({ id, statement })));
}

/** Every policy statement of the template's IAM policies (inline and managed), or only of those attached to `roleLogicalId`. */
export function policyStatements(template: TemplateJson, roleLogicalId?: string): any[] {
  return identityPolicyStatements(template, roleLogicalId).map(s => s.statement);
}

/**
 * Every statement of the template's resource policies: KMS key policies (`AWS::KMS::Key`), SNS topic policies and
 * S3 bucket policies, each with the logical ID of the key, topic policy or bucket policy, in template order.
 */
export function resourcePolicyStatements(template: TemplateJson): PolicyStatementOf[] {
  const documentOf = new Map<string, (properties: any) => any>([
    ['AWS::KMS::Key', p => p.KeyPolicy],
    ['AWS::SNS::TopicPolicy', p => p.PolicyDocument],
    ['AWS::S3::BucketPolicy', p => p.PolicyDocument],
  ]);
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => documentOf.has(r.Type))
    .flatMap(([id, r]) => statementsOfDocument(documentOf.get(r.Type)!(r.Properties)).map(statement => ({ id, statement })));
}

/** The resources of a template of one type, as `[logicalId, resource]`. */
export function resourcesOfType(template: TemplateJson, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** The memory (MiB) of an `AWS::Batch::JobDefinition`. */
export function jobDefinitionMemory(jobDefinition: any): number {
  return Number(jobDefinition.Properties.ContainerProperties.ResourceRequirements.find((x: any) => x.Type === 'MEMORY').Value);
}

/** Every state map of a definition: its own, and those of its Parallel branches and Map processors, each on its own. */
export function stateMaps(definition: any): Array<{ [name: string]: any }> {
  return [definition.States ?? {}, ...allStates(definition).flatMap(([, state]) => [
    ...(state.Branches ?? []).map((b: any) => b.States ?? {}),
    ...[state.ItemProcessor, state.Iterator].filter(Boolean).map((p: any) => p.States ?? {}),
  ])];
}

/** The states of a definition, in every Parallel branch and Map processor too. */
export function allStates(definition: any): Array<[string, any]> {
  return Object.entries<any>(definition.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, any],
    ...(state.Branches ?? []).flatMap(allStates),
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
    ...(state.Iterator ? allStates(state.Iterator) : []),
  ]);
}

/**
 * The workflow jobs the template's state machines submit to Batch, sorted, once each: from each submitting state's
 * `JobName.$`, `States.Format('{}-<job>', <run tag>)` (the run's tag, then the workflow job's name).
 */
export function submittedJobNames(template: TemplateJson): string[] {
  const names = stateMachines(template).flatMap(([, sm]) => allStates(definitionOf(sm)))
    .map(([, state]) => submittedJobName(state))
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

/** The workflow job a state submits to Batch (from its `JobName.$`), or undefined for a state that submits none. */
export function submittedJobName(state: any): string | undefined {
  if (typeof state.Resource !== 'string' || !state.Resource.includes(':states:::batch:submitJob')) return undefined;
  return /^States\.Format\('\{\}-([^']+)',/.exec(state.Parameters?.['JobName.$'] ?? '')?.[1];
}
