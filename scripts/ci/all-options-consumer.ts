/**
 * A consumer app with every option of `SandersBatchPlatform` on, for the checks that read templates (the
 * conformance audit and cfn-lint): dev with on-demand egress, Spot, secrets, per-job data access with a key
 * prefix and leading keys, array jobs, timeouts and retry rules; prod-like with NAT gateways, backup, dashboard,
 * schedule, alert e-mails, ARM64 and ephemeral storage. Synthesized into the directory given as the first argument.
 */
import { App, Duration, RemovalPolicy, Size, Stack, TimeZone } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AccessLevel, NetworkProfile, SandersBatchPlatform } from '../../src';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out/all-options-consumer' });

const dev = new Stack(app, 'AllOptionsDev');
const apiKey = secretsmanager.Secret.fromSecretNameV2(dev, 'ApiKey', 'team-x/api-key');
const dbPassword = ssm.StringParameter.fromSecureStringParameterAttributes(dev, 'DbPassword', { parameterName: '/team-x/db-password' });
new SandersBatchPlatform(dev, 'Platform', {
  environment: 'dev',
  namePrefix: 'team-x',
  useSpot: true,
  networkProfile: NetworkProfile.ON_DEMAND_EGRESS,
  alarmEmails: ['ops@example.com'],
  createDashboard: true,
  runnableTimeout: Duration.minutes(20),
  runTimeout: Duration.hours(6),
  imageTag: 'v1.2.3',
  maxvCpus: 32,
  memoryTiers: [
    { name: 'small', memory: Size.gibibytes(2), vcpu: 1 },
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
  networkProfile: NetworkProfile.SINGLE_NAT_GATEWAY,
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
app.synth();
