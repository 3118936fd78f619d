/**
 * Reading synthesized templates, shared by the tests, the scripts and the consumer checks: a state machine's
 * definition as JSON, and the policy statements a role holds. Plain template JSON in, plain JSON out (no CDK
 * objects), so it works on a `Template.toJSON()` and on a `cdk.out/*.template.json` alike.
 */

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
 * The definition of a state machine resource as a JSON object, every token (Ref, Fn::GetAtt, ...) replaced by a
 * placeholder such as `${PlatformJobQueue45479A00}` (tokens sit inside JSON strings, so the text stays parseable).
 */
export function definitionOf(stateMachine: any): any {
  const def = stateMachine.Properties.DefinitionString;
  const parts: any[] = typeof def === 'string' ? [def] : def['Fn::Join'][1];
  return JSON.parse(parts.map(p => (typeof p === 'string' ? p : tokenPlaceholder(p))).join(''));
}

/** The state machines of a template whose logical ID matches `id`, by logical ID. */
export function stateMachines(template: TemplateJson, id: RegExp = /./): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([logicalId, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.test(logicalId));
}

/** The one state machine whose logical ID matches `id`; throws when there is not exactly one. */
export function onlyStateMachine(template: TemplateJson, id: RegExp): [string, any] {
  const found = stateMachines(template, id);
  if (found.length !== 1) throw new Error(`expected one state machine matching ${id}, found ${found.length}`);
  return found[0];
}

/** Every policy statement of the template's IAM policies (inline and managed), or only of those attached to `roleLogicalId`. */
export function policyStatements(template: TemplateJson, roleLogicalId?: string): any[] {
  return Object.values(template.Resources ?? {})
    .filter(r => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter(p => roleLogicalId === undefined || (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleLogicalId))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
}
