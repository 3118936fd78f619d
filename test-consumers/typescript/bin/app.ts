/**
 * A TypeScript team's CDK app on `@sanders/batch-platform`, installed from the npm tarball.
 *
 * - `SandersCustomerPlatformStack-<environment>`: the platform with default props, as the original Python app.
 * - `AnalyticsPlatformStack-<environment>`: a team's own tiers and workflow under its own name prefix.
 * - `OwnResourcesPlatformStack-<environment>`: the team's own bucket, table and KMS key, `dataSafety`, a schedule
 *   from aws-cdk-lib's `ScheduleExpression`, images of its own (one built from `job-image/`), alarms on the
 *   platform's metrics and a read-only role from `grantReadData`.
 */
import { App, CfnOutput, Duration, RemovalPolicy, Size, Stack, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import {
  AccessLevel,
  DataSafety,
  DefaultMemoryTiers,
  MemoryTier,
  SandersBatchPlatform,
  WorkflowJob,
} from '@sanders/batch-platform';

const app = new App();
const environment: string = app.node.tryGetContext('environment') ?? 'dev';
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-central-1' };

// Default props: the original Python app's names, tiers, workflow and outputs.
const original = new Stack(app, `SandersCustomerPlatformStack-${environment}`, { env });
new SandersBatchPlatform(original, 'Platform', { environment });

// A team of its own: two tiers, a fan-out/fan-in workflow, least-privilege data access.
const tiers: MemoryTier[] = [
  DefaultMemoryTiers.SMALL,
  { name: '30gb', memory: Size.gibibytes(30), vcpu: 4, cpuArchitecture: ecs.CpuArchitecture.ARM64 },
];
const workflow: WorkflowJob[] = [
  { name: 'ingest', tier: '2gb', command: ['python', 'ingest.py', 'Ref::date'], dataAccess: { bucket: AccessLevel.READ_WRITE, bucketPrefix: 'raw/', table: AccessLevel.NONE } },
  { name: 'score', tier: '30gb', dependsOn: ['ingest'], arraySize: 4, timeout: Duration.hours(2) },
  { name: 'report', tier: '2gb', dependsOn: ['ingest', 'score'], retryAttempts: 1, environment: { REPORT_FORMAT: 'parquet' } },
];
const analytics = new Stack(app, `AnalyticsPlatformStack-${environment}`, { env });
new SandersBatchPlatform(analytics, 'Platform', {
  environment,
  namePrefix: 'analytics',
  // A team of its own gives its table keys (only the Sanders prefix has the Python app's as defaults).
  tablePartitionKey: { name: 'account_id', type: dynamodb.AttributeType.STRING },
  tableSortKey: { name: 'event_time', type: dynamodb.AttributeType.NUMBER },
  memoryTiers: tiers,
  workflow,
});

// The team's own bucket, table and key (checked by scripts/ci/check-consumer.ts).
const prefix = 'ts-own';
const own = new Stack(app, `OwnResourcesPlatformStack-${environment}`, { env });
const key = new kms.Key(own, 'DataKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
const bucket = new s3.Bucket(own, 'Data', {
  bucketName: `${prefix}-own-data-${environment}`,
  encryption: s3.BucketEncryption.KMS,
  encryptionKey: key,
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
});
// The key schema the platform's jobs expect: partition key customer_id, sort key date, both strings.
const table = new dynamodb.Table(own, 'Features', {
  tableName: `${prefix}_own_features_${environment}`,
  partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
  encryptionKey: key,
});
const ownPlatform = new SandersBatchPlatform(own, 'Platform', {
  environment,
  namePrefix: prefix,
  // The keys of the team's table, which synth checks against it.
  tablePartitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  tableSortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
  // Each environment gets the opposite of its default, so the check sees the setting take effect; DISPOSABLE in
  // prod needs the acknowledgement.
  dataSafety: environment === 'dev' ? DataSafety.RETAINED : DataSafety.DISPOSABLE,
  acknowledgeDisposableProd: true,
  existingBucket: bucket,
  existingTable: table,
  existingEncryptionKey: key,
  memoryTiers: [
    { name: 'small', memory: Size.gibibytes(2), vcpu: 1, image: ecs.ContainerImage.fromAsset('job-image') },
    { name: 'large', memory: Size.gibibytes(8), vcpu: 2 },
  ],
  workflow: [
    { name: 'prepare', tier: 'small' },
    { name: 'train', tier: 'large', dependsOn: ['prepare'], image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/python:3.12-slim') },
  ],
  schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN }) },
});
const page = new cloudwatchActions.SnsAction(ownPlatform.alarmTopic);
const alarms: Array<[string, cloudwatch.IMetric, number]> = [
  ['failed-runs', ownPlatform.metricFailedRuns(), 1],
  ['failed-jobs', ownPlatform.metricFailedJobs(), 1],
  ['stuck-jobs', ownPlatform.metricJobsStuckRunnable(), 1],
  // Runs longer than 4 hours, in milliseconds: the hour's longest.
  ['slow-runs', ownPlatform.metricRunDuration({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM }), 4 * 3600 * 1000],
];
for (const [name, metric, threshold] of alarms) {
  new cloudwatch.Alarm(own, `Alarm-${name}`, {
    alarmName: `${prefix}-${name}-${environment}`,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(page);
}
const analyst = new iam.Role(own, 'AnalystRole', { assumedBy: new iam.AccountRootPrincipal() });
ownPlatform.grantReadData(analyst);
new CfnOutput(own, 'StartRunsWith', { value: ownPlatform.stateMachine.stateMachineArn });
new CfnOutput(own, 'JobWorkflow', { value: ownPlatform.jobWorkflow.stateMachineArn });

app.synth();
