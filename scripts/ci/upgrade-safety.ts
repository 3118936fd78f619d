/**
 * Upgrade safety: compares a stack's template synthesized with the previous release and with the new build, and
 * lists every change that would make CloudFormation replace or delete a resource that holds data.
 *
 * - its logical ID is gone (deleted, or only orphaned when it had Retain: either way the stack loses it), or its
 *   type changed;
 * - a property whose change replaces the resource changed: the ones aws-cdk's own CloudFormation database
 *   (@aws-cdk/aws-service-spec, from the resource schemas' createOnlyProperties) marks as causing replacement,
 *   e.g. BucketName, TableName, KeySchema, RepositoryName, EncryptionConfiguration, EncryptionKeyArn, LogGroupName;
 *   plus the attribute types of a table's key (part of the key, declared in AttributeDefinitions);
 * - its DeletionPolicy or UpdateReplacePolicy was Retain and is not any more.
 *
 * `ts-node scripts/ci/upgrade-safety.ts <previous template.json> <new template.json>`: prints what it found and
 * exits 1 when anything would be lost. scripts/ci/upgrade-safety.sh runs it on the example prod stack.
 */
import * as fs from 'fs';

/** The resource types that hold data (the ones test/data-safety.test.ts pins in prod). */
export const DATA_TYPES = [
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::ECR::Repository',
  'AWS::KMS::Key',
  'AWS::Backup::BackupVault',
  'AWS::Logs::LogGroup',
];

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: { [name: string]: unknown };
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  readonly Resources?: { [logicalId: string]: CfnResource };
}

/** The top-level properties of a resource type whose change replaces the resource. */
export type ReplacingProperties = (type: string) => readonly string[];

/** Reads the replacing properties of DATA_TYPES from @aws-cdk/aws-service-spec ("yes" and "maybe" both count). */
export async function loadReplacingProperties(): Promise<ReplacingProperties> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadAwsServiceSpec } = require('@aws-cdk/aws-service-spec');
  const db = await loadAwsServiceSpec();
  const table = new Map<string, string[]>();
  for (const type of DATA_TYPES) {
    const resource = db.lookup('resource', 'cloudFormationType', 'equals', type).only();
    const names = Object.entries(resource.properties as { [name: string]: { causesReplacement?: string } })
      .filter(([, p]) => p.causesReplacement === 'yes' || p.causesReplacement === 'maybe')
      .map(([name]) => name)
      .sort();
    table.set(type, names);
  }
  return (type) => table.get(type) ?? [];
}

/** JSON with sorted keys, so two equal values print the same. */
function canonical(value: unknown): string {
  if (value === undefined) return '(not set)';
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map(k => [k, sort((v as { [k: string]: unknown })[k])]));
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

/** A table's key attributes with their types: changing a key attribute's type replaces the table. */
function keyAttributeTypes(props: { [name: string]: unknown } = {}): { [attribute: string]: unknown } {
  const keys = (props.KeySchema as { AttributeName: string }[] | undefined) ?? [];
  const definitions = (props.AttributeDefinitions as { AttributeName: string; AttributeType: unknown }[] | undefined) ?? [];
  return Object.fromEntries(keys.map(k => [k.AttributeName, definitions.find(d => d.AttributeName === k.AttributeName)?.AttributeType]));
}

/** Every change from `before` to `after` that would replace or delete a resource holding data, one line each. */
export function dataLossRisks(before: CfnTemplate, after: CfnTemplate, replacing: ReplacingProperties): string[] {
  const problems: string[] = [];
  const afterResources = after.Resources ?? {};
  for (const [id, old] of Object.entries(before.Resources ?? {})) {
    if (!DATA_TYPES.includes(old.Type)) continue;
    const now = afterResources[id];
    if (!now) {
      problems.push(`${id} (${old.Type}) is gone from the new template: CloudFormation would delete it, or with Retain leave it outside the stack`);
      continue;
    }
    if (now.Type !== old.Type) {
      problems.push(`${id} changes type from ${old.Type} to ${now.Type}: CloudFormation replaces it`);
      continue;
    }
    for (const name of replacing(old.Type)) {
      const [was, is] = [canonical(old.Properties?.[name]), canonical(now.Properties?.[name])];
      if (was !== is) problems.push(`${id} (${old.Type}): ${name} changes from ${was} to ${is}: CloudFormation replaces the resource`);
    }
    // A key attribute whose type changes (a new key schema is reported above).
    if (old.Type === 'AWS::DynamoDB::Table' && canonical(old.Properties?.KeySchema) === canonical(now.Properties?.KeySchema)) {
      const [was, is] = [canonical(keyAttributeTypes(old.Properties)), canonical(keyAttributeTypes(now.Properties))];
      if (was !== is) problems.push(`${id} (${old.Type}): the key's attribute types change from ${was} to ${is}: CloudFormation replaces the table`);
    }
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      if (old[policy] === 'Retain' && now[policy] !== 'Retain') {
        problems.push(`${id} (${old.Type}): ${policy} changes from Retain to ${now[policy] ?? '(not set: Delete)'}: a later replacement or stack deletion would delete its data`);
      }
    }
  }
  return problems;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 2) {
    console.error('usage: upgrade-safety.ts <previous template.json> <new template.json>');
    return 2;
  }
  const [before, after] = argv.map(f => JSON.parse(fs.readFileSync(f, 'utf8')) as CfnTemplate);
  const problems = dataLossRisks(before, after, await loadReplacingProperties());
  const compared = Object.values(before.Resources ?? {}).filter(r => DATA_TYPES.includes(r.Type)).length;
  if (problems.length > 0) {
    console.error(`upgrade-safety: the upgrade would replace or delete resources that hold data (${problems.length}):`);
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  console.log(`upgrade-safety: ${compared} resources holding data compared; none is replaced or deleted`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => process.exit(code), (e) => { console.error(e); process.exit(1); });
}
