/**
 * Checks of the resources a team brings (`existingBucket`, `existingTable`, `existingEncryptionKey`), as AWS
 * Solutions Constructs check their `existingX` props: each is exclusive with its name prop and with the props that
 * only shape a resource the platform creates, and a table must have the key schema the jobs expect.
 */
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { TableKeys, tableKeysOf } from './data-model-checks';
import { Problems } from './problems';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';

/** Props that only apply to a created bucket or table, with what to do instead. */
const BUCKET_ONLY: Array<[keyof SandersBatchPlatformProps, string]> = [
  ['bucketName', 'the bucket keeps its own name'],
  ['versioned', 'turn versioning on or off on your bucket itself'],
];
const TABLE_ONLY: Array<[keyof SandersBatchPlatformProps, string]> = [
  ['tableName', 'the table keeps its own name'],
  ['pointInTimeRecovery', 'set point-in-time recovery on your table itself'],
  ['deletionProtection', 'set deletion protection on your table itself'],
  ['backupPlan', 'the platform backs up only a table it creates; back your table up with a plan of your own'],
];

/** What each brought resource must have (a bucket given as the table fails here, before anything is created). */
const KINDS: Array<[keyof SandersBatchPlatformProps, string, string]> = [
  ['existingBucket', 'bucketArn', 'an s3.IBucket such as s3.Bucket.fromBucketName(this, \'Data\', \'team-data\')'],
  ['existingTable', 'tableArn', 'a dynamodb.ITable such as dynamodb.Table.fromTableName(this, \'Features\', \'team_features\')'],
  ['existingEncryptionKey', 'keyArn', 'a kms.IKey such as kms.Key.fromKeyArn(this, \'Key\', keyArn)'],
];

export function checkExistingResources(problems: Problems, props: SandersBatchPlatformProps): void {
  for (const [prop, attribute, want] of KINDS) {
    const given = props[prop] as unknown as { [key: string]: unknown; node?: { path: string } } | undefined;
    if (given !== undefined && given !== null && typeof given === 'object' && given[attribute] === undefined) {
      problems.add(`${[prop, given.node?.path].filter(Boolean).join(' ')} has no ${attribute}: give ${want}`);
    }
  }
  const exclusive = (existing: string, only: Array<[keyof SandersBatchPlatformProps, string]>) => {
    for (const [prop, fix] of only) {
      // backupPlan: false with a table of one's own says what happens anyway.
      if (props[prop] === undefined || (prop === 'backupPlan' && props[prop] === false)) continue;
      problems.add(`${existing} and ${prop} are both given: ${prop} only shapes a resource the platform creates, and with ${existing} it creates none; leave out ${prop} (${fix})`);
    }
  };
  if (props.existingBucket !== undefined) exclusive('existingBucket', BUCKET_ONLY);
  if (props.existingTable !== undefined) {
    exclusive('existingTable', TABLE_ONLY);
    const keys = tableKeysOf(props);
    if (keys !== undefined) checkTableKeys(problems, props.existingTable, keys);
  }
  if (props.existingEncryptionKey !== undefined) checkKeySpec(problems, props.existingEncryptionKey);
}

/**
 * A key defined in the same app must be a symmetric encrypt/decrypt key: S3, DynamoDB, ECR, CloudWatch Logs, SNS and
 * AWS Backup encrypt only with those. An imported key (`Key.fromKeyArn`) carries no spec: a wrong one fails the deploy.
 */
function checkKeySpec(problems: Problems, key: kms.IKey): void {
  const cfn = (key as unknown as IConstruct).node?.defaultChild;
  if (!(cfn instanceof kms.CfnKey)) return;
  const spec = cfn.keySpec ?? kms.KeySpec.SYMMETRIC_DEFAULT;
  const usage = cfn.keyUsage ?? kms.KeyUsage.ENCRYPT_DECRYPT;
  if (spec !== kms.KeySpec.SYMMETRIC_DEFAULT || usage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
    problems.add(`existingEncryptionKey ${key.node.path} is a ${spec} key for ${usage}: S3, DynamoDB, ECR, CloudWatch Logs, SNS and AWS Backup `
      + 'encrypt only with a symmetric key; bring a key with keySpec KeySpec.SYMMETRIC_DEFAULT and keyUsage KeyUsage.ENCRYPT_DECRYPT (the defaults)');
  }
}

/**
 * The key schema of a table defined in the same app (`Table` or `TableV2`). A table imported by name or ARN
 * (`Table.fromTableName`) carries no schema, so it cannot be checked here: a wrong one fails the jobs at run time.
 */
function checkTableKeys(problems: Problems, table: dynamodb.ITable, keys: TableKeys): void {
  const cfn = (table as unknown as IConstruct).node?.defaultChild;
  if (!(cfn instanceof dynamodb.CfnTable) && !(cfn instanceof dynamodb.CfnGlobalTable)) return;
  // A TableV2 gives its attribute definitions as a token until synth: resolve both lists.
  const stack = Stack.of(cfn);
  const schema = stack.resolve(cfn.keySchema ?? []) as dynamodb.CfnTable.KeySchemaProperty[];
  const attributes = stack.resolve(cfn.attributeDefinitions ?? []) as dynamodb.CfnTable.AttributeDefinitionProperty[];
  if (!Array.isArray(schema) || !Array.isArray(attributes)) return;
  const keyOf = (type: string) => schema.find(k => k.keyType === type)?.attributeName;
  const typeOf = (name: string | undefined) => attributes.find(a => a.attributeName === name)?.attributeType;
  const [hash, range] = [keyOf('HASH'), keyOf('RANGE')];
  const [wantHash, wantRange] = [keys.partitionKey, keys.sortKey];
  if (hash !== wantHash.name || typeOf(hash) !== wantHash.type || range !== wantRange?.name || (wantRange && typeOf(range) !== wantRange.type)) {
    const has = `partition key ${hash ?? 'none'} (${typeOf(hash) ?? '-'}), sort key ${range ?? 'none'} (${typeOf(range) ?? '-'})`;
    const want = wantRange === undefined ? `partition key '${wantHash.name}' (${wantHash.type}) and no sort key`
      : `partition key '${wantHash.name}' and sort key '${wantRange.name}', `
        + (wantHash.type === 'S' && wantRange.type === 'S' ? 'both strings' : `of types ${wantHash.type} and ${wantRange.type}`);
    problems.add(`existingTable ${table.node.path} has ${has}: the platform's jobs read and write items by ${want}; bring a table with that key schema (or give its keys as tablePartitionKey and tableSortKey)`);
  }
}
