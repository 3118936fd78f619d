/**
 * What only the Sanders app may get by default, and the checks of the props that make names and the data model a
 * team's own (issue 24): `workflow` and the table keys are required with any prefix other than Sanders', the table
 * keys and the metric namespace are checked against DynamoDB's and CloudWatch's limits, and `globalNames` needs a
 * stack whose account and region are known.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { PlatformNames } from './names';
import { Problems, PropsCheck } from './problems';
import { GlobalNames } from '../../global-names';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';

/** The Sanders app's prefix (the default): the only one whose defaults are the Python app's workflow and table keys. */
export const SANDERS_PREFIX = DEFAULTS.namePrefix;

/** The table's key schema. */
export interface TableKeys {
  readonly partitionKey: dynamodb.Attribute;
  readonly sortKey?: dynamodb.Attribute;
}

/** The Python app's table keys, the defaults of the Sanders prefix. */
export const SANDERS_TABLE_KEYS: TableKeys = {
  partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
};

/** CloudWatch's namespace pattern (PutMetricData: 1-255 characters, `[^:].*`, ASCII without control characters). */
const METRIC_NAMESPACE = /^[\x20-\x39\x3b-\x7e][\x20-\x7e]{0,254}$/;
const ATTRIBUTE_TYPES: string[] = Object.values(dynamodb.AttributeType);

function isSanders(props: SandersBatchPlatformProps): boolean {
  return (props.namePrefix ?? SANDERS_PREFIX) === SANDERS_PREFIX;
}

/** The key schema the table must have: the given keys, the Sanders defaults, or undefined (none given, another prefix). */
export function tableKeysOf(props: SandersBatchPlatformProps): TableKeys | undefined {
  if (props.tablePartitionKey !== undefined) return { partitionKey: props.tablePartitionKey, sortKey: props.tableSortKey };
  return isSanders(props) ? SANDERS_TABLE_KEYS : undefined;
}

/**
 * The data bucket's name when `bucketName` is not given. With `PER_ACCOUNT_AND_REGION` and an account or region that
 * is not known at synth, the fixed name: `dataModelProblems` reports the stack's missing `env` instead.
 */
export function defaultBucketName(names: PlatformNames, props: SandersBatchPlatformProps, platform?: Construct): string {
  if (props.globalNames !== GlobalNames.PER_ACCOUNT_AND_REGION || platform === undefined) return names.bucket;
  const { account, region } = Stack.of(platform);
  if (Token.isUnresolved(account) || Token.isUnresolved(region)) return names.bucket;
  return `${names.bucket}-${account}-${region}`;
}

/** Adds a problem for each of the props of names and data model that cannot be built or would surprise its team. */
export const checkDataModel: PropsCheck = (problems, props, v) => dataModelProblems(problems, props, v.platform);

function dataModelProblems(problems: Problems, props: SandersBatchPlatformProps, platform?: Construct): void {
  const prefix = props.namePrefix ?? SANDERS_PREFIX;
  if (!isSanders(props) && props.workflow === undefined) {
    problems.add(`workflow is not given: with namePrefix '${prefix}' the platform runs only the jobs you list; give workflow: [{ name: 'daily', tier: '2gb' }] `
      + '(DefaultWorkflow.jobs() returns the Python app\'s three jobs, the default of the Sanders prefix only)');
  }
  if (!isSanders(props) && props.existingTable === undefined && props.tablePartitionKey === undefined) {
    problems.add(`tablePartitionKey is not given: with namePrefix '${prefix}' the table's key schema is yours, and it cannot change without replacing the table; `
      + "give tablePartitionKey: { name: 'customer_id', type: AttributeType.STRING } (and tableSortKey if your items have one)");
  }
  if (props.tableSortKey !== undefined && props.tablePartitionKey === undefined) {
    problems.add('tableSortKey is given without tablePartitionKey: a sort key belongs to a key schema; give tablePartitionKey too');
  }
  checkKey(problems, 'tablePartitionKey', props.tablePartitionKey);
  checkKey(problems, 'tableSortKey', props.tableSortKey);
  if (props.tablePartitionKey?.name !== undefined && props.tablePartitionKey.name === props.tableSortKey?.name) {
    problems.add(`tablePartitionKey and tableSortKey are both '${props.tableSortKey.name}': give the sort key another attribute name`);
  }
  checkNamespace(problems, props.metricNamespace);
  checkGlobalNames(problems, props, platform);
}

function checkKey(problems: Problems, prop: string, key: dynamodb.Attribute | undefined): void {
  if (key === undefined) return;
  const example = `${prop}: { name: 'customer_id', type: AttributeType.STRING }`;
  if (key === null || typeof key !== 'object') {
    problems.add(`${prop} ${JSON.stringify(key)} is not an attribute: give ${example}`);
    return;
  }
  if (typeof key.name !== 'string' || key.name.length < 1 || key.name.length > 255) {
    problems.add(`${prop} name ${JSON.stringify(key.name)} is not valid: DynamoDB key attribute names have 1-255 characters, e.g. ${example}`);
  }
  if (!ATTRIBUTE_TYPES.includes(key.type)) {
    problems.add(`${prop} type ${JSON.stringify(key.type)} is not valid: use AttributeType.STRING, NUMBER or BINARY (a key is a scalar)`);
  }
}

function checkNamespace(problems: Problems, namespace: string | undefined): void {
  if (namespace === undefined || Token.isUnresolved(namespace)) return;
  if (typeof namespace !== 'string' || !METRIC_NAMESPACE.test(namespace) || namespace.startsWith('AWS/')) {
    problems.add(`metricNamespace ${JSON.stringify(namespace)} is not valid: CloudWatch namespaces have 1-255 ASCII characters without control characters, `
      + "do not start with ':', and AWS/ is AWS's own; e.g. 'TeamA/BatchPlatform'");
  }
}

function checkGlobalNames(problems: Problems, props: SandersBatchPlatformProps, platform?: Construct): void {
  const value = props.globalNames;
  if (value === undefined) return;
  if (!Object.values(GlobalNames).includes(value)) {
    problems.add(`globalNames ${JSON.stringify(value)} is not valid: use GlobalNames.FIXED or GlobalNames.PER_ACCOUNT_AND_REGION`);
    return;
  }
  if (value !== GlobalNames.PER_ACCOUNT_AND_REGION) return;
  for (const prop of ['bucketName', 'existingBucket'] as const) {
    if (props[prop] !== undefined) {
      problems.add(`globalNames PER_ACCOUNT_AND_REGION and ${prop} are both given: it only shapes the name of a bucket the platform names itself; leave out one of them`);
    }
  }
  if (platform === undefined) return;
  const stack = Stack.of(platform);
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    problems.add(`globalNames PER_ACCOUNT_AND_REGION needs the account and region of stack '${stack.node.path}' at synth, and they are not known: `
      + "give the stack env: { account: '123456789012', region: 'eu-central-1' } (or env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION })");
  }
}
