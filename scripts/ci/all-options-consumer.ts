/**
 * A consumer app with every option of `SandersBatchPlatform` on, for the checks that read templates (the
 * conformance audit and cfn-lint), in three stacks:
 * - dev with on-demand egress, Spot, secrets, per-job data access with a key prefix and leading keys, array jobs,
 *   timeouts and retry rules, a tier image from a registry and `OnJobFailure.FINISH_INDEPENDENT`;
 * - prod-like with NAT gateways, its own resource names, `DataSafety.RETAINED` and each of its data props,
 *   backup, dashboard, schedule, alert e-mails, ARM64 and ephemeral storage;
 * - prod on the team's own resources (`vpc`, `existingBucket`, `existingTable`, `existingEncryptionKey`,
 *   `alarmTopic`) with `DataSafety.DISPOSABLE` (and so `acknowledgeDisposableProd`), a job image built from a
 *   directory (`ContainerImage.fromAsset`) and no outputs.
 * The props that only shape what the platform creates (`networkProfile`, `bucketName`, `versioned`, `tableName`,
 * `pointInTimeRecovery`, `deletionProtection`, `backupPlan`) are not allowed with the ones that bring a resource of
 * the team's instead, so the prod-like stack has the former and the third stack the latter.
 * Synthesized into the directory given as the first argument.
 */
import * as path from 'path';
import { App, Duration, RemovalPolicy, Size, Stack, TimeZone } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AccessLevel, DataSafety, GlobalNames, NetworkProfile, OnJobFailure, SandersBatchPlatform } from '../../src';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out/all-options-consumer' });

const dev = new Stack(app, 'AllOptionsDev');
const apiKey = secretsmanager.Secret.fromSecretNameV2(dev, 'ApiKey', 'team-x/api-key');
const dbPassword = ssm.StringParameter.fromSecureStringParameterAttributes(dev, 'DbPassword', { parameterName: '/team-x/db-password' });
new SandersBatchPlatform(dev, 'Platform', {
  environment: 'dev',
  namePrefix: 'team-x',
  tablePartitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  tableSortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
  metricNamespace: 'TeamX/Jobs',
  useSpot: true,
  networkProfile: NetworkProfile.ON_DEMAND_EGRESS,
  alarmEmails: ['ops@example.com'],
  createDashboard: true,
  runnableTimeout: Duration.minutes(20),
  runTimeout: Duration.hours(6),
  imageTag: 'v1.2.3',
  maxvCpus: 32,
  // dev's default (dataSafety DISPOSABLE), given.
  autoDeleteObjects: true,
  onJobFailure: OnJobFailure.FINISH_INDEPENDENT,
  memoryTiers: [
    { name: 'small', memory: Size.gibibytes(2), vcpu: 1, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/python:3.12-slim') },
    { name: 'big', memory: Size.gibibytes(16), vcpu: 4, ephemeralStorage: Size.gibibytes(50) },
  ],
  workflow: [
    { name: 'fetch', tier: 'small', command: ['fetch', 'Ref::date'], secrets: { API_KEY: batch.Secret.fromSecretsManager(apiKey) }, timeout: Duration.minutes(30) },
    { name: 'load', tier: 'small', secrets: { DB_PASSWORD: batch.Secret.fromSsmParameter(dbPassword) }, dependsOn: ['fetch'] },
    {
      name: 'score',
      tier: 'big',
      dependsOn: ['fetch'],
      arraySize: 4,
      retryAttempts: 5,
      dataAccess: { bucket: AccessLevel.READ, bucketPrefix: 'features/', table: AccessLevel.READ_WRITE, tableLeadingKeys: ['customer-1', 'batch-*'] },
    },
    { name: 'report', tier: 'small', dependsOn: ['load', 'score'], environment: { FORMAT: 'csv' }, dataAccess: { table: AccessLevel.NONE } },
  ],
});

const prod = new Stack(app, 'AllOptionsProd');
new SandersBatchPlatform(prod, 'Platform', {
  environment: 'prod',
  namePrefix: 'team-x',
  tablePartitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  // The default, given: the bucket below is named by bucketName.
  globalNames: GlobalNames.FIXED,
  networkProfile: NetworkProfile.SINGLE_NAT_GATEWAY,
  // prod's default, given; each data prop below says the same once more.
  dataSafety: DataSafety.RETAINED,
  bucketName: 'team-x-features-prod',
  tableName: 'team_x_features_prod',
  repositoryName: 'team-x-jobs-prod',
  removalPolicy: RemovalPolicy.RETAIN,
  pointInTimeRecovery: true,
  deletionProtection: true,
  versioned: true,
  backupPlan: true,
  createDashboard: true,
  logRetention: logs.RetentionDays.TWO_YEARS,
  schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', timeZone: TimeZone.EUROPE_BERLIN }) },
  alarmEmails: ['ops@example.com', 'oncall@example.com'],
  memoryTiers: [
    { name: 'arm', memory: Size.gibibytes(8), vcpu: 2, cpuArchitecture: ecs.CpuArchitecture.ARM64 },
  ],
  workflow: [
    { name: 'ingest', tier: 'arm', timeout: Duration.hours(2) },
    { name: 'train', tier: 'arm', dependsOn: ['ingest'], dataAccess: { bucket: AccessLevel.READ_WRITE, bucketPrefix: 'models/' } },
  ],
});

// The team's own VPC, key, bucket, table and alert topic, in the environment prod with disposable data.
const own = new Stack(app, 'AllOptionsOwnResources');
const vpc = new ec2.Vpc(own, 'Vpc', {
  maxAzs: 2,
  natGateways: 1,
  subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
    { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  ],
  gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 }, DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
});
// The team's key from another stack, imported: its policy already lets CloudWatch Logs and CloudWatch alarms use it
// (the platform adds those statements only to a key of the same app; the consumer apps' stacks have such a key).
const key = kms.Key.fromKeyArn(own, 'Key', 'arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555');
const bucket = new s3.Bucket(own, 'Data', {
  encryption: s3.BucketEncryption.KMS,
  encryptionKey: key,
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  versioned: true,
});
// A Table (a TableV2 with a customer-managed key needs a stack with a region; these stacks have none).
const table = new dynamodb.Table(own, 'Features', {
  partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
  encryptionKey: key,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
});
const topic = new sns.Topic(own, 'Alerts', { masterKey: key, enforceSSL: true });
// CloudWatch alarms publish to the topic.
topic.addToResourcePolicy(new iam.PolicyStatement({
  actions: ['sns:Publish'],
  principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
  resources: [topic.topicArn],
  conditions: { StringEquals: { 'aws:SourceAccount': own.account } },
}));
new SandersBatchPlatform(own, 'Platform', {
  environment: 'prod',
  namePrefix: 'team-y',
  dataSafety: DataSafety.DISPOSABLE,
  acknowledgeDisposableProd: true,
  vpc,
  existingBucket: bucket,
  existingTable: table,
  existingEncryptionKey: key,
  alarmTopic: topic,
  // The outputs with the original Python app's keys are the default of the other two stacks.
  createOutputs: false,
  memoryTiers: [{ name: 'small', memory: Size.gibibytes(2), vcpu: 1 }],
  workflow: [
    { name: 'prepare', tier: 'small', image: ecs.ContainerImage.fromAsset(path.join(__dirname, '../../test-consumers/typescript/job-image')) },
    { name: 'train', tier: 'small', dependsOn: ['prepare'] },
  ],
});
app.synth();
