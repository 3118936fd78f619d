/**
 * A second team's platform: its own prefix, its own tiers (one on Graviton) and a job graph that is
 * not series-parallel (A -> C, A -> D, B -> D), with a job that has narrower data access.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Size } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { SandersCustomerPlatformStack } from './platform-stack';
import { AccessLevel } from '../../src';

const app = new App();
export const stack = new SandersCustomerPlatformStack(app, 'staging', {
  platform: {
    namePrefix: 'team-a',
    // A team of its own states its table keys (here the same as the Sanders default, so the table is unchanged).
    tablePartitionKey: { name: 'customer_id', type: AttributeType.STRING },
    tableSortKey: { name: 'date', type: AttributeType.STRING },
    memoryTiers: [
      { name: 'small', memory: Size.gibibytes(1), vcpu: 0.5 },
      { name: 'large', memory: Size.gibibytes(32), vcpu: 8, cpuArchitecture: ecs.CpuArchitecture.ARM64 },
    ],
    workflow: [
      { name: 'ingest-a', tier: 'small', command: ['python', 'ingest.py', '--date', 'Ref::date'] },
      { name: 'ingest-b', tier: 'small', timeout: Duration.minutes(30), retryAttempts: 2 },
      { name: 'report-a', tier: 'small', dependsOn: ['ingest-a'], dataAccess: { bucket: AccessLevel.READ, table: AccessLevel.NONE } },
      { name: 'train', tier: 'large', dependsOn: ['ingest-a', 'ingest-b'], environment: { MODEL: 'gbm' } },
    ],
  },
});

new IntegTest(app, 'SandersBatchPlatformCustomWorkflow', {
  testCases: [stack],
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
