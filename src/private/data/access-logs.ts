import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, inPacks } from '../core/compliance';
import { DEFAULTS } from '../settings/defaults';

export interface AccessLogBucketProps {
  /** True for the dev environment, whose data is disposable. */
  readonly disposable: boolean;
  readonly versioned: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  /** How long access log objects are kept. */
  readonly expiration: Duration;
}

/**
 * The bucket that receives the data bucket's S3 server access logs: who read or wrote which object, when,
 * from where (AwsSolutions-S1, `S3BucketLoggingEnabled`).
 */
export function createAccessLogBucket(scope: Construct, id: string, props: AccessLogBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    // S3 delivers server access logs only to buckets encrypted with SSE-S3, not SSE-KMS.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: props.versioned,
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: props.autoDeleteObjects,
    lifecycleRules: [{
      id: 'ExpireAccessLogs',
      expiration: props.expiration,
      noncurrentVersionExpiration: props.versioned ? DEFAULTS.accessLogNoncurrentExpiration : undefined,
      abortIncompleteMultipartUploadAfter: DEFAULTS.incompleteUploadExpiration,
    }],
  });
  sendEventsToEventBridge(bucket);
  // cdk-nag itself accepts a bucket that is another bucket's log destination without logging of its own (S1).
  acknowledge(bucket,
    ...inPacks('S3BucketReplicationEnabled', 'Access logs are an audit copy, kept for their retention period in the region of the data they describe; a replica needs a second bucket in another region, which a single-region stack cannot create'),
    ...inPacks('S3DefaultEncryptionKMS', 'S3 delivers server access logs only to buckets with SSE-S3 (AES-256) default encryption; SSE-KMS is not supported for a log destination'),
  );
  if (!props.versioned && props.disposable) {
    acknowledge(bucket, ...inPacks('S3BucketVersioningEnabled', 'Versioning is off in dev, like the data bucket\'s: dev access logs are destroyed with the environment; every other environment versions this bucket'));
  }
  return bucket;
}

/**
 * Sends a bucket's server access logs to the log bucket under `prefix`, granting S3's log delivery service
 * write access by bucket policy, for that source bucket and account only. Done by hand rather than with
 * `serverAccessLogsBucket` so the result does not depend on a feature flag of the consumer's app
 * (without `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` CDK would fall back to the legacy
 * `LogDeliveryWrite` ACL, which needs ACLs enabled on the log bucket).
 */
export function logAccessInto(source: s3.Bucket, sourceName: string, logBucket: s3.Bucket, prefix: string): void {
  // The source's ARN from its name, not `bucketArn`: the source depends on this policy, so a reference back
  // would be a dependency cycle.
  const sourceArn = Stack.of(source).formatArn({ service: 's3', region: '', account: '', resource: sourceName });
  const result = logBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'S3ServerAccessLogDelivery',
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [logBucket.arnForObjects(`${prefix}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': sourceArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(source).account },
    },
  }));
  const cfnBucket = source.node.defaultChild as s3.CfnBucket;
  cfnBucket.loggingConfiguration = { destinationBucketName: logBucket.bucketName, logFilePrefix: prefix };
  if (result.policyDependable) cfnBucket.node.addDependency(result.policyDependable);
}

/**
 * Publishes the bucket's object events to the account's default EventBridge bus (free for S3 events), so a
 * consumer can react to new data and Control Tower's CT.S3.PR.4 is met. Set on the CloudFormation
 * resource directly: `eventBridgeEnabled` of the L2 would add a Lambda-backed custom resource.
 */
export function sendEventsToEventBridge(bucket: s3.Bucket): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}
