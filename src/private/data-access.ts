import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLevel, JobDataAccess } from '../workflow-job';

const TABLE_READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
const TABLE_WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * Grants a job role exactly the declared access to the platform's bucket and table (and the KMS use
 * that goes with it, through the L2 grants).
 */
export function grantDataAccess(role: iam.IGrantable, bucket: s3.IBucket, table: dynamodb.ITable, access: JobDataAccess): void {
  const bucketLevel = access.bucket ?? AccessLevel.READ_WRITE;
  const keys = access.bucketPrefix !== undefined ? `${access.bucketPrefix}*` : '*';
  if (bucketLevel === AccessLevel.READ) bucket.grantRead(role, keys);
  if (bucketLevel === AccessLevel.READ_WRITE) bucket.grantReadWrite(role, keys);

  const tableLevel = access.table ?? AccessLevel.READ_WRITE;
  if (tableLevel === AccessLevel.NONE) return;
  if (access.tableLeadingKeys === undefined) {
    if (tableLevel === AccessLevel.READ) table.grantReadData(role);
    else table.grantReadWriteData(role);
    return;
  }
  // Item-level access: only items whose partition key matches. Scan cannot be limited this way, so it is left out.
  const actions = tableLevel === AccessLevel.READ ? TABLE_READ : [...TABLE_READ, ...TABLE_WRITE];
  iam.Grant.addToPrincipal({
    grantee: role,
    actions,
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.tableLeadingKeys } },
  });
  const encryptionKey = table.encryptionKey;
  if (encryptionKey) {
    if (tableLevel === AccessLevel.READ) encryptionKey.grantDecrypt(role);
    else encryptionKey.grantEncryptDecrypt(role);
  }
}
