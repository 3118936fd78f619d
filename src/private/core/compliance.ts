/**
 * Acknowledgements of compliance-rule findings, written where the construct they cover is created.
 *
 * They are the construct metadata that aws-cdk-lib's `Validations.of(scope).acknowledge()` writes
 * (type `aws:cdk:acknowledged-rules`, data `{ ruleId: reason }`). cdk-nag 3 reads that metadata on a
 * resource and on every ancestor, so the library needs no cdk-nag import at run time: a consumer who
 * never adds a rule pack carries nothing but a few metadata entries. The metadata is written directly
 * because `acknowledge()` rejects ids with more than one `::`, and cdk-nag's IAM5 finding ids contain
 * them (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]`).
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { settleLogicalIds } from './namespace';

/** The four cdk-nag rule packs the platform is checked against, by their rule-id prefixes. */
export const NIST = 'NIST.800.53.R5';
export const HIPAA = 'HIPAA.Security';
export const PCI = 'PCI.DSS.321';

/** One acknowledged finding. */
export interface Acknowledgement {
  /** The cdk-nag rule id, with the finding in brackets for a rule that reports several, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why the finding is accepted for this construct. */
  readonly reason: string;
}

/** Records acknowledgements on a construct; they cover it and every construct below it. */
export function acknowledge(scope: IConstruct, ...acknowledgements: Acknowledgement[]): void {
  const data: { [id: string]: string } = { ...acknowledgedOn(scope) };
  for (const a of acknowledgements) data[a.id] = a.reason;
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data);
}

/** The acknowledgements recorded on one construct (not its ancestors), rule id to reason. */
export function acknowledgedOn(scope: IConstruct): { [id: string]: string } {
  const entries = scope.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
  return entries.length > 0 ? { ...(entries[entries.length - 1].data as { [id: string]: string }) } : {};
}

/**
 * The same reason for one rule under each pack that has it (e.g. `S3BucketReplicationEnabled` is in NIST,
 * HIPAA and PCI).
 */
export function inPacks(rule: string, reason: string, packs: string[] = [NIST, HIPAA, PCI]): Acknowledgement[] {
  return packs.map(pack => ({ id: `${pack}-${rule}`, reason }));
}

/**
 * The id of an `AwsSolutions-IAM5` finding for a wildcard resource, as cdk-nag writes it: the resource
 * with `Ref` and `Fn::GetAtt` rendered as `<LogicalId>` and `<LogicalId.Attribute>`. The logical IDs are
 * those of the construct tree when this is called.
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  settleLogicalIds(scope);
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** cdk-nag's rendering of a resolved CloudFormation value (utils/flatten-cfn-reference in cdk-nag). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  const obj = node as Record<string, any>;
  if (obj['Fn::Join']) {
    const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (obj['Fn::Sub']) return flatten(obj['Fn::Sub']);
  if (obj['Fn::GetAtt']) {
    const [resource, attribute] = obj['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (obj['Fn::ImportValue']) return flatten(obj['Fn::ImportValue']);
  if (obj.Ref) return `<${flatten(obj.Ref)}>`;
  return Token.isUnresolved(node) ? String(node) : JSON.stringify(node);
}

/** A reason for every wildcard finding whose text matches `pattern`. */
export interface WildcardReason {
  /** Matched against the finding after `AwsSolutions-IAM5[`, e.g. `Resource::*` or `Action::s3:GetObject*`. */
  readonly pattern: RegExp;
  /** Why such a wildcard is needed for this role. */
  readonly reason: string;
}

/**
 * Acknowledges the `AwsSolutions-IAM5` findings of policy statements (call it once the role holds
 * every statement), each with the reason of the first pattern it matches. A finding no pattern matches
 * stays unacknowledged, so a wildcard added later shows up in the rule packs instead of being waved through.
 */
export function acknowledgeWildcards(scope: IConstruct, statements: any[], reasons: WildcardReason[]): void {
  const findings = new Set<string>();
  settleLogicalIds(scope);
  for (const statement of Stack.of(scope).resolve(statements) ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of ([] as unknown[]).concat(statement.Action ?? [])) {
      if (typeof action === 'string' && action.includes('*')) findings.add(`Action::${action}`);
    }
    for (const resource of ([] as unknown[]).concat(statement.Resource ?? [])) {
      const flat = flatten(resource);
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  for (const finding of findings) {
    const match = reasons.find(r => r.pattern.test(finding));
    if (match) acknowledge(scope, { id: `AwsSolutions-IAM5[${finding}]`, reason: match.reason });
  }
}
