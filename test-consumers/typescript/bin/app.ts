/**
 * A TypeScript team's CDK app on `@sanders/batch-platform`, installed from the npm tarball.
 *
 * - `SandersCustomerPlatformStack-<environment>`: the platform with default props, as the seed app.
 * - `AnalyticsPlatformStack-<environment>`: a team's own tiers and workflow under its own name prefix.
 */
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  AccessLevel,
  DefaultMemoryTiers,
  MemoryTier,
  SandersBatchPlatform,
  WorkflowJob,
} from '@sanders/batch-platform';

const app = new App();
const environment: string = app.node.tryGetContext('environment') ?? 'dev';
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-central-1' };

// Default props: the seed's names, tiers, workflow and outputs.
const seed = new Stack(app, `SandersCustomerPlatformStack-${environment}`, { env });
new SandersBatchPlatform(seed, 'Platform', { environment });

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
  memoryTiers: tiers,
  workflow,
});

app.synth();
