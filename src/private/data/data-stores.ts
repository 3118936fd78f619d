import { ArnFormat, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createAccessLogBucket, logAccessInto, sendEventsToEventBridge } from './access-logs';
import { createTableBackup } from './backup';
import { acknowledge, HIPAA, inPacks, NIST } from '../core/compliance';
import { PlatformSettings } from '../settings/settings';

/** The resources that hold the platform's data, and the key that encrypts them. */
export interface DataStores {
  readonly encryptionKey: kms.Key;
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly repository: ecr.Repository;
}

/**
 * Creates the KMS key, the data bucket (with its access-log bucket), the features table and the image
 * repository directly under `scope`, so their construct ids (and logical IDs) are the platform's own.
 */
export function createDataStores(scope: Construct, s: PlatformSettings): DataStores {
  const key = new kms.Key(scope, 'EncryptionKey', {
    description: `Encrypts the ${s.names.prefix} batch platform's data and logs (${s.environment})`,
    enableKeyRotation: true,
    removalPolicy: s.removalPolicy,
    pendingWindow: Duration.days(7),
  });
  const region = Stack.of(scope).region;
  // CloudWatch Logs may use the key only for the log groups it encrypts, named by their encryption context
  // (names, not Refs: a Ref would make the key depend on the log groups that depend on it). kms:Describe* is
  // left out: no encryption context comes with it, so the condition never let it through.
  key.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
    principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
    resources: ['*'],
    conditions: {
      ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => logGroupArnsEncryptedWith(key) }) },
    },
  }));
  // Grants on the key only for AWS services acting for a caller (DynamoDB, S3, ECR, Backup), never to a
  // principal directly: a grant would outlive any change to this policy (Control Tower CT.KMS.PR.3).
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsExceptToAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));

  const accessLogs = createAccessLogBucket(scope, 'AccessLogBucket', {
    disposable: s.isDev,
    versioned: s.versioned,
    removalPolicy: s.removalPolicy,
    autoDeleteObjects: s.autoDeleteObjects,
    expiration: Duration.days(365),
  });
  const bucket = new s3.Bucket(scope, 'DataBucket', {
    bucketName: s.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: s.versioned,
    removalPolicy: s.removalPolicy,
    autoDeleteObjects: s.autoDeleteObjects,
    // Removes only parts of uploads that never completed; no object or version is ever expired.
    lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
  logAccessInto(bucket, s.bucketName, accessLogs, 'data-bucket/');
  sendEventsToEventBridge(bucket);
  acknowledge(bucket, ...inPacks('S3BucketReplicationEnabled', 'Cross-region replication needs a bucket in a second region, which this single-region stack cannot create; within the region the bucket is versioned (outside dev), retained on stack deletion and KMS-encrypted'));
  if (s.isDev && !s.versioned) {
    acknowledge(bucket, ...inPacks('S3BucketVersioningEnabled', "dev's data is disposable (the bucket is emptied and destroyed with the stack); every other environment versions the bucket by default"));
  }

  const table = new dynamodb.Table(scope, 'FeaturesTable', {
    tableName: s.tableName,
    partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: s.pointInTimeRecovery },
    deletionProtection: s.deletionProtection,
    removalPolicy: s.removalPolicy,
  });
  if (s.backupPlan) {
    createTableBackup(scope, { table: table, encryptionKey: key, retention: Duration.days(35) });
  } else if (s.isDev) {
    acknowledge(table, ...inPacks('DynamoDBInBackupPlan', "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment backs it up daily with AWS Backup by default", [NIST, HIPAA]));
  }
  if (s.isDev && !s.pointInTimeRecovery) {
    acknowledge(table,
      { id: 'AwsSolutions-DDB3', reason: "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment turns point-in-time recovery on by default" },
      ...inPacks('DynamoDBPITREnabled', "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment turns point-in-time recovery on by default", [NIST, HIPAA]));
  }

  const repository = new ecr.Repository(scope, 'ImageRepository', {
    repositoryName: s.repositoryName,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.KMS,
    encryptionKey: key,
    // The seed's push steps re-push `:latest`, so tags stay mutable.
    imageTagMutability: ecr.TagMutability.MUTABLE,
    lifecycleRules: [{ description: 'Keep the 30 newest images', maxImageCount: 30 }],
    removalPolicy: s.removalPolicy,
    emptyOnDelete: s.autoDeleteObjects,
  });

  return { encryptionKey: key, bucket, table, repository };
}

/**
 * The ARNs (as encryption contexts give them) of the named log groups of the stack that this key encrypts,
 * wherever they are in the construct tree (jobs, workflows, flow logs).
 */
function logGroupArnsEncryptedWith(key: kms.IKey): string[] {
  const stack = Stack.of(key);
  const keyArn = JSON.stringify(stack.resolve(key.keyArn));
  const names = stack.node.findAll()
    .filter((c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup && Stack.of(c) === stack)
    .filter(c => c.kmsKeyId !== undefined && JSON.stringify(stack.resolve(c.kmsKeyId)) === keyArn)
    .map(c => c.logGroupName)
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort().map(n => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: n, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
}
