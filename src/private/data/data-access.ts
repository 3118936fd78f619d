import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { AccessLevel } from '../../workflow-job';
import { acknowledge, wildcardResourceFinding } from '../core/compliance';
import type { DataAccessSettings } from '../settings/settings';

// Explicit actions, no `s3:GetObject*`-style wildcards: a job gets what its code calls and nothing that
// a future S3 or DynamoDB action would add to a wildcard.
const OBJECT_READ = ['s3:GetObject'];
const OBJECT_WRITE = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
const BUCKET_READ = ['s3:ListBucket'];
// Asked for by some S3 clients (AWS CLI, Hadoop S3A) before any object call; it carries no `s3:prefix`,
// so it sits in a statement of its own, outside a prefix condition that would always deny it.
const BUCKET_LOCATION = ['s3:GetBucketLocation'];
const BUCKET_WRITE = ['s3:ListBucketMultipartUploads'];
const TABLE_READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
const TABLE_WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE = ['kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Grants a job role exactly the declared access to the platform's bucket and table, and the use of the
 * platform's KMS key only through S3 and DynamoDB (`kms:ViaService`).
 */
export function grantDataAccess(role: iam.IGrantable & IConstruct, bucket: s3.IBucket, table: dynamodb.ITable, access: DataAccessSettings): void {
  const region = Stack.of(role).region;
  const bucketLevel = access.bucket;
  const tableLevel = access.table;
  // The key of each store that is encrypted with one, with the service that uses it and whether it writes.
  const keyUses: Array<{ key: kms.IKey; service: string; write: boolean }> = [];

  if (bucketLevel !== AccessLevel.NONE) {
    const write = bucketLevel === AccessLevel.READ_WRITE;
    const prefix = access.bucketPrefix ?? '';
    const objects = bucket.arnForObjects(`${prefix}*`);
    add(role, [...OBJECT_READ, ...(write ? OBJECT_WRITE : [])], [objects]);
    if (access.bucketPrefix === undefined) {
      add(role, [...BUCKET_READ, ...(write ? BUCKET_WRITE : [])], [bucket.bucketArn]);
    } else {
      // s3:prefix applies to ListBucket only: ListBucketMultipartUploads would never be allowed under it (and
      // unconditioned it would list the uploads of every key), so a prefixed job does without it.
      add(role, BUCKET_READ, [bucket.bucketArn], { StringLike: { 's3:prefix': [`${prefix}*`] } });
    }
    add(role, BUCKET_LOCATION, [bucket.bucketArn]);
    acknowledge(role, {
      id: wildcardResourceFinding(role, objects),
      reason: `S3 object-level actions name objects by key; the job reaches every key ${prefix ? `under '${prefix}' ` : ''}of the platform's own bucket and no other bucket`,
    });
    if (bucket.encryptionKey) keyUses.push({ key: bucket.encryptionKey, service: `s3.${region}.amazonaws.com`, write });
  }

  if (tableLevel !== AccessLevel.NONE) {
    const write = tableLevel === AccessLevel.READ_WRITE;
    const actions = [...TABLE_READ, ...(write ? TABLE_WRITE : [])];
    if (access.tableLeadingKeys === undefined) {
      add(role, [...actions, 'dynamodb:Scan'], [table.tableArn]);
    } else {
      // Item-level access: only items whose partition key matches. Scan cannot be limited this way, so it is left
      // out; DescribeTable reads no item and has no dynamodb:LeadingKeys (the condition would never hold for it).
      add(role, actions.filter(a => a !== 'dynamodb:DescribeTable'), [table.tableArn], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.tableLeadingKeys } });
      add(role, ['dynamodb:DescribeTable'], [table.tableArn]);
    }
    if (table.encryptionKey) keyUses.push({ key: table.encryptionKey, service: `dynamodb.${region}.amazonaws.com`, write });
  }

  // One statement per key (the platform's own key encrypts both stores; a bucket or table brought in may have its own).
  for (const key of new Set(keyUses.map(u => u.key))) {
    const uses = keyUses.filter(u => u.key === key);
    const write = uses.some(u => u.write);
    add(role, [...KEY_READ, ...(write ? KEY_WRITE : [])], [key.keyArn], { StringEquals: { 'kms:ViaService': uses.map(u => u.service) } });
  }
}

function add(grantee: iam.IGrantable, actions: string[], resources: string[], conditions?: { [key: string]: any }): void {
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: resources, conditions });
}
