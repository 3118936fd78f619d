import { ArnFormat, Lazy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createAccessLogBucket, logAccessInto, sendEventsToEventBridge } from './access-logs';
import { createTableBackup, TableBackup } from './backup';
import { acknowledge, HIPAA, inPacks, NIST } from '../core/compliance';
import { Namespace } from '../core/namespace';
import { DEFAULTS } from '../settings/defaults';
import { PlatformNames } from '../settings/names';
import type { DataSettings } from '../settings/settings';

/**
 * The data part (`Data`): the KMS key, the data bucket (with its access-log bucket), the features table (with its
 * backup where data is retained) and the image repository. A key, bucket or table the team brings is used as it is:
 * none of its own is created, and nothing of its configuration is changed (a key of the same app gets the statements
 * CloudWatch Logs needs to encrypt the platform's log groups; an imported key's policy cannot be changed).
 */
export class DataPart extends Namespace {
  public readonly encryptionKey: kms.IKey;
  public readonly bucket: s3.IBucket;
  public readonly table: dynamodb.ITable;
  public readonly repository: ecr.Repository;
  /** The table's daily backup, where the platform backs it up (other tables of the platform join it). */
  public tableBackup?: TableBackup;

  constructor(scope: Construct, id: string, names: PlatformNames, private readonly settings: DataSettings) {
    super(scope, id);
    this.encryptionKey = settings.existingEncryptionKey ?? this.createKey(names);
    allowLogsToUse(this.encryptionKey);
    if (!settings.existingEncryptionKey) {
      // Grants on the key only for AWS services acting for a caller (DynamoDB, S3, ECR, Backup), never to a
      // principal directly: a grant would outlive any change to this policy (Control Tower CT.KMS.PR.3). Not
      // imposed on a key the team brings: its grants are the team's to decide.
      this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyGrantsExceptToAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }));
    }
    this.bucket = settings.existingBucket ?? this.createBucket();
    this.table = settings.existingTable ?? this.createTable();
    this.repository = new ecr.Repository(this, 'ImageRepository', {
      repositoryName: settings.repositoryName,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // The Python app's push steps re-push `:latest`, so tags stay mutable.
      imageTagMutability: ecr.TagMutability.MUTABLE,
      lifecycleRules: [{ description: `Keep the ${DEFAULTS.imagesKept} newest images`, maxImageCount: DEFAULTS.imagesKept }],
      removalPolicy: settings.removalPolicy,
      emptyOnDelete: settings.autoDeleteObjects,
    });
  }

  private createKey(names: PlatformNames): kms.Key {
    const key = new kms.Key(this, 'EncryptionKey', {
      description: `Encrypts the ${names.prefix} batch platform's data and logs (${names.environment})`,
      enableKeyRotation: true,
      removalPolicy: this.settings.removalPolicy,
      pendingWindow: DEFAULTS.keyPendingWindow,
    });
    return key;
  }

  private createBucket(): s3.IBucket {
    const s = this.settings;
    const accessLogs = createAccessLogBucket(this, 'AccessLogBucket', {
      disposable: s.disposable,
      versioned: s.versioned,
      removalPolicy: s.removalPolicy,
      autoDeleteObjects: s.autoDeleteObjects,
      expiration: DEFAULTS.accessLogExpiration,
    });
    const bucket = new s3.Bucket(this, 'DataBucket', {
      bucketName: s.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: s.versioned,
      removalPolicy: s.removalPolicy,
      autoDeleteObjects: s.autoDeleteObjects,
      // Removes only parts of uploads that never completed; no object or version is ever expired.
      lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: DEFAULTS.incompleteUploadExpiration }],
    });
    logAccessInto(bucket, s.bucketName, accessLogs, 'data-bucket/');
    sendEventsToEventBridge(bucket);
    acknowledge(bucket, ...inPacks('S3BucketReplicationEnabled', 'Cross-region replication needs a bucket in a second region, which this single-region stack cannot create; within the region the bucket is versioned (outside dev), retained on stack deletion and KMS-encrypted'));
    if (s.disposable && !s.versioned) {
      acknowledge(bucket, ...inPacks('S3BucketVersioningEnabled', "dev's data is disposable (the bucket is emptied and destroyed with the stack); every other environment versions the bucket by default"));
    }
    return bucket;
  }

  private createTable(): dynamodb.ITable {
    const s = this.settings;
    const table = new dynamodb.Table(this, 'FeaturesTable', {
      tableName: s.tableName,
      // Checked before anything is created: a platform that creates its table has its key schema.
      partitionKey: s.tableKeys!.partitionKey,
      sortKey: s.tableKeys!.sortKey,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: s.pointInTimeRecovery },
      deletionProtection: s.deletionProtection,
      removalPolicy: s.removalPolicy,
    });
    const rebuilt = "dev's table holds disposable data, rebuilt by re-running the workflow";
    if (s.backupPlan) {
      this.tableBackup = createTableBackup(this, { table, encryptionKey: this.encryptionKey, retention: DEFAULTS.backupRetention });
    } else if (s.disposable) {
      acknowledge(table, ...inPacks('DynamoDBInBackupPlan', `${rebuilt}; every other environment backs it up daily with AWS Backup by default`, [NIST, HIPAA]));
    }
    if (s.disposable && !s.pointInTimeRecovery) {
      const reason = `${rebuilt}; every other environment turns point-in-time recovery on by default`;
      acknowledge(table, { id: 'AwsSolutions-DDB3', reason }, ...inPacks('DynamoDBPITREnabled', reason, [NIST, HIPAA]));
    }
    return table;
  }
}

/**
 * CloudWatch Logs may use the key only for the log groups it encrypts, named by their encryption context (names, not
 * Refs: a Ref would make the key depend on the log groups that depend on it). kms:Describe* is left out: no encryption
 * context comes with it, so the condition never let it through. A no-op for an imported key.
 */
function allowLogsToUse(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
    principals: [new iam.ServicePrincipal(`logs.${Stack.of(key).region}.amazonaws.com`)],
    resources: ['*'],
    conditions: {
      ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => logGroupArnsEncryptedWith(key) }) },
    },
  }));
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
