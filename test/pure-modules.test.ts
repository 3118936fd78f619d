/**
 * Unit tests of the pure modules, without a synth: the job graph, Fargate's sizes, the names, the validators,
 * the settings resolution and the template readers the tests and scripts share.
 */
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { criticalPath } from '../scripts/lib/sim/critical-path';
import {
  allStates, definitionOf, definitionText, identityPolicyStatements, jobDefinitionMemory, onlyStateMachine,
  policyStatements, resourcePolicyStatements, resourcesOfType, stateMachines, submittedJobNames,
} from '../scripts/lib/templates';
import { AccessLevel, NetworkProfile, WorkflowJob } from '../src';
import { validateTiers } from '../src/private/settings/compute-checks';
import { describeFargateMemory, FARGATE_VCPUS, fargateMemoryValuesMiB, fargateVcpusForMemory } from '../src/private/settings/fargate';
import { validateBucketName } from '../src/private/settings/name-checks';
import { PlatformNames, stateMachineLogGroupName } from '../src/private/settings/names';
import { Problems } from '../src/private/settings/problems';
import { resolveSettings } from '../src/private/settings/settings';
import { validateWorkflow } from '../src/private/settings/workflow-checks';
import { findCycle, sinks, topologicalOrder } from '../src/private/workflow/workflow-graph';

describe('job graph', () => {
  const graph = [
    { name: 'c', dependsOn: ['a', 'b'] },
    { name: 'a' },
    { name: 'b', dependsOn: ['a'] },
    { name: 'd' },
  ];

  test('orders each job after its dependencies, keeping the declared order among ready jobs', () => {
    expect(topologicalOrder(graph).map(n => n.name)).toEqual(['a', 'd', 'b', 'c']);
  });

  test('the sinks are the jobs nobody depends on', () => {
    expect(sinks(graph).map(n => n.name)).toEqual(['c', 'd']);
  });

  test('finds a cycle along its jobs, and none in an acyclic graph', () => {
    expect(findCycle(graph)).toBeUndefined();
    const cycle = findCycle([{ name: 'x', dependsOn: ['z'] }, { name: 'y', dependsOn: ['x'] }, { name: 'z', dependsOn: ['y'] }]);
    expect(cycle).toHaveLength(4);
    expect(cycle![0]).toBe(cycle![3]);
  });

  test('fails when ordering a graph with a cycle', () => {
    expect(() => topologicalOrder([{ name: 'x', dependsOn: ['y'] }, { name: 'y', dependsOn: ['x'] }])).toThrow(/cycle/);
  });

  test('the critical path is the longest chain of durations', () => {
    const durations: { [name: string]: number } = { a: 10, b: 5, c: 1, d: 12 };
    expect(criticalPath(graph, n => durations[n])).toBe(16);
  });
});

describe('Fargate sizes', () => {
  test('lists the memory values of a vCPU count, by step or exactly', () => {
    expect(fargateMemoryValuesMiB(0.25)).toEqual([512, 1024, 2048]);
    expect(fargateMemoryValuesMiB(8)).toEqual([16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440]);
    expect(fargateMemoryValuesMiB(3)).toBeUndefined();
  });

  test('finds the vCPU counts that take a memory value', () => {
    expect(fargateVcpusForMemory(8192)).toEqual([1, 2, 4]);
    expect(fargateVcpusForMemory(3000)).toEqual([]);
    // 32 vCPU (64-240 GiB in steps of 8 GiB, and the 60 and 244 GiB AWS Batch's API reference lists).
    expect(fargateVcpusForMemory(61440)).toEqual([8, 32]);
    expect(fargateVcpusForMemory(249856)).toEqual([32]);
    expect(fargateVcpusForMemory(253952)).toEqual([]);
    expect(FARGATE_VCPUS).toEqual([0.25, 0.5, 1, 2, 4, 8, 16, 32]);
  });

  test('describes the valid memory for error messages', () => {
    expect(describeFargateMemory(2)).toBe('4096-16384 MiB in steps of 1024 MiB');
    expect(describeFargateMemory(0.25)).toBe('512, 1024, 2048 MiB');
    expect(describeFargateMemory(32)).toBe('61440, 65536-245760 in steps of 8192, or 249856 MiB');
  });
});

describe('names', () => {
  const names = new PlatformNames('team-a', 'staging');

  test('the Python app\'s names follow its pattern', () => {
    expect([names.bucket, names.table, names.repository, names.vpc, names.jobQueue, names.computeEnvironment(true), names.jobDefinition('8gb'), names.stateMachine])
      .toEqual(['team-a-customer-platform-staging', 'team-a_daily_customer_features_staging', 'team-a-customer-platform-staging',
        'team-a-customer-platform-vpc-staging', 'team-a-batch-queue-staging', 'team-a-batch-compute-spot-staging', 'team-a-batch-job-8gb-staging',
        'team-a-customer-platform-workflow-staging']);
  });

  test('the names of the resources the Python app did not have', () => {
    expect([names.alarmTopic, names.failedRunsAlarm, names.stuckJobsAlarm, names.dashboard, names.runCleanup])
      .toEqual(['team-a-batch-platform-alerts-staging', 'team-a-batch-platform-failed-runs-staging', 'team-a-batch-platform-stuck-jobs-staging',
        'team-a-batch-platform-staging', 'team-a-batch-platform-run-cleanup-staging']);
    // Deployed before the one stem: a renamed state machine, table or schedule would be a new resource.
    expect([names.runnableWatch, names.schedule, names.runWorkflow, names.runLockTable])
      .toEqual(['team-a-batch-runnable-watch-staging', 'team-a-customer-platform-staging', 'team-a-customer-platform-run-staging', 'team-a-customer-platform-run-staging-lock']);
    expect([names.jobLogGroup, names.flowLogGroup, stateMachineLogGroupName(names.stateMachine)])
      .toEqual(['/aws/batch/team-a-customer-platform-staging', '/aws/vpc/flowlogs/team-a-customer-platform-vpc-staging',
        '/aws/vendedlogs/states/team-a-customer-platform-workflow-staging']);
  });
});

describe('validators', () => {
  function problemsOf(check: (p: Problems) => void): string {
    const problems = new Problems();
    check(problems);
    try {
      problems.throwIfAny('test input');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }

  test('a valid bucket name has no problem', () => {
    expect(problemsOf(p => validateBucketName(p, 'sanders-customer-platform-dev'))).toBe('');
  });

  test('fails when a bucket name breaks several rules, naming each', () => {
    const message = problemsOf(p => validateBucketName(p, 'xn--Bad..Name'));
    expect(message).toMatch(/only lowercase letters/);
    expect(message).toMatch(/two adjacent dots/);
    expect(message).toMatch(/starts with 'xn--'/);
  });

  test('fails when a tier\'s memory does not fit its vCPUs, and says which vCPUs it fits', () => {
    const message = problemsOf(p => validateTiers(p, [{ name: 'odd', memory: Size.gibibytes(3), vcpu: 2 }]));
    expect(message).toMatch(/memory tier 'odd' has 3072 MiB of memory with vcpu 2, which Fargate rejects: with 2 vCPU use 4096-16384 MiB.*fits vcpu 0\.5 or 1/);
  });

  test('fails when a job uses a tier or depends on a job that does not exist, all in one report', () => {
    const tiers = new Map([['2gb', { name: '2gb', memory: Size.gibibytes(2), vcpu: 1 }]]);
    const jobs: WorkflowJob[] = [
      { name: 'a', tier: '2gb', dependsOn: ['b'] },
      { name: 'b', tier: '2gb', dependsOn: ['a'] },
      { name: 'c', tier: '4gb', dependsOn: ['nope'] },
    ];
    const message = problemsOf(p => validateWorkflow(p, jobs, tiers));
    expect(message).toMatch(/\(2 problems\)/);
    expect(message).toMatch(/workflow job 'c' uses tier '4gb', which does not exist/);
    expect(message).toMatch(/workflow job 'c' depends on 'nope', which is not a job of the workflow/);
  });
});

describe('settings', () => {
  test('dev is disposable, any other environment keeps its data, each decided once', () => {
    const dev = resolveSettings({});
    const prod = resolveSettings({ environment: 'prod' });
    expect(dev.data).toMatchObject({ disposable: true, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true, versioned: false });
    expect(prod.data).toMatchObject({ disposable: false, removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: false, versioned: true });
    expect([dev.data.backupPlan, prod.data.backupPlan]).toEqual([false, true]);
    expect([dev.network.profile, prod.network.profile]).toEqual([NetworkProfile.ON_DEMAND_EGRESS, NetworkProfile.NAT_GATEWAY_PER_AZ]);
    expect([dev.compute.useSpot, prod.compute.useSpot]).toEqual([true, false]);
    expect([dev.monitoring.createDashboard, prod.monitoring.createDashboard]).toEqual([false, true]);
    expect(prod.logs.removalPolicy).toBe(RemovalPolicy.RETAIN);
  });

  test('fills in each job\'s defaults', () => {
    const s = resolveSettings({
      memoryTiers: [{ name: 'arm', memory: Size.gibibytes(2), vcpu: 1, cpuArchitecture: ecs.CpuArchitecture.ARM64 }],
      workflow: [{ name: 'a', tier: 'arm', dataAccess: { bucket: AccessLevel.READ } }, { name: 'b', tier: 'arm', timeout: Duration.hours(1) }],
    });
    const [a, b] = s.workflow.jobs;
    expect(a).toMatchObject({ retryAttempts: 3, dependsOn: [], environment: {}, ownJobDefinition: true });
    expect(a.dataAccess).toEqual({ bucket: AccessLevel.READ, table: AccessLevel.READ_WRITE, bucketPrefix: undefined, tableLeadingKeys: undefined });
    expect(b).toMatchObject({ ownJobDefinition: false, dataAccess: undefined });
    expect(b.tier.cpuArchitecture).toBe(ecs.CpuArchitecture.ARM64);
    // Fargate Spot runs no ARM64 task: dev's Spot default is off with an ARM64 tier.
    expect(s.compute.useSpot).toBe(false);
  });

  test('fails with every problem at once', () => {
    expect(() => resolveSettings({ environment: 'Bad Env', maxvCpus: 1, alarmEmails: ['nope'] }))
      .toThrow(/\(4 problems\)[\s\S]*environment 'Bad Env'[\s\S]*tier '8gb' needs 2 vCPUs but maxvCpus is 1[\s\S]*tier '16gb'[\s\S]*alarmEmails entry 'nope'/);
  });
});

describe('template readers', () => {
  const template = {
    Resources: {
      Job: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Resource":"', { Ref: 'Queue' }, '","Next":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '"}}}']] } } },
      RunWorkflow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":"B"}' } },
      RolePolicy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Action: 's3:GetObject' }] } } },
      Other: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'OtherRole' }], PolicyDocument: { Statement: [{ Action: 'sns:Publish' }] } } },
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Action: 'kms:*' }] } } },
      TopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: { PolicyDocument: { Statement: { Action: 'sns:Publish' } } } },
      BucketPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement: [{ Action: 's3:*' }] } } },
    },
  };

  test('parses a definition with its tokens as placeholders', () => {
    expect(definitionOf(template.Resources.Job)).toEqual({ StartAt: 'A', States: { A: { Resource: '${Queue}', Next: '${Fn.Arn}' } } });
    expect(definitionOf(onlyStateMachine(template, /RunWorkflow/)[1])).toEqual({ StartAt: 'B' });
    expect(stateMachines(template).map(([id]) => id)).toEqual(['Job', 'RunWorkflow']);
  });

  test('fails when more than one state machine matches', () => {
    expect(() => onlyStateMachine(template, /./)).toThrow(/expected one state machine matching \/\.\/, found 2/);
  });

  test('lists the statements of every policy, or of one role\'s', () => {
    expect(policyStatements(template)).toEqual([{ Action: 's3:GetObject' }, { Action: 'sns:Publish' }]);
    expect(policyStatements(template, 'Role')).toEqual([{ Action: 's3:GetObject' }]);
    expect(identityPolicyStatements(template)).toEqual([
      { id: 'RolePolicy', statement: { Action: 's3:GetObject' } },
      { id: 'Other', statement: { Action: 'sns:Publish' } },
    ]);
    expect(identityPolicyStatements(template, 'OtherRole')).toEqual([{ id: 'Other', statement: { Action: 'sns:Publish' } }]);
  });

  test('lists the statements of key, topic and bucket policies, a single statement as one', () => {
    expect(resourcePolicyStatements(template)).toEqual([
      { id: 'Key', statement: { Action: 'kms:*' } },
      { id: 'TopicPolicy', statement: { Action: 'sns:Publish' } },
      { id: 'BucketPolicy', statement: { Action: 's3:*' } },
    ]);
  });

  test('writes a definition\'s tokens with the writer it is given', () => {
    const arn = (token: any) => `arn:${token.Ref ?? token['Fn::GetAtt'][0]}`;
    expect(definitionText(template.Resources.Job, arn)).toBe('{"StartAt":"A","States":{"A":{"Resource":"arn:Queue","Next":"arn:Fn"}}}');
    expect(definitionOf(template.Resources.Job, arn).States.A.Next).toBe('arn:Fn');
    expect(definitionText(template.Resources.RunWorkflow)).toBe('{"StartAt":"B"}');
  });
});

describe('template readers for the consumer checks', () => {
  const submit = (job: string) => ({ Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', Parameters: { 'JobName.$': `States.Format('{}-${job}', $.run.tag)` } });
  const definition = {
    StartAt: 'P',
    States: {
      P: { Type: 'Parallel', Branches: [{ StartAt: 'Run b', States: { 'Run b': submit('b') } }, { StartAt: 'Run a', States: { 'Run a': submit('a') } }] },
      M: { Type: 'Map', ItemProcessor: { StartAt: 'Run c', States: { 'Run c': submit('c'), 'Look': { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs', Parameters: { 'JobName.$': "States.Format('{}-x', $.t)" } } } } },
      Again: submit('a'),
    },
  };
  const template = {
    Resources: {
      Workflow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(definition) } },
      Tier: { Type: 'AWS::Batch::JobDefinition', Properties: { ContainerProperties: { ResourceRequirements: [{ Type: 'VCPU', Value: '1' }, { Type: 'MEMORY', Value: '2048' }] } } },
    },
  };

  test('finds the states of every branch and processor, and the jobs submitted to Batch, once each', () => {
    expect(allStates(definition).map(([name]) => name)).toEqual(['P', 'Run b', 'Run a', 'M', 'Run c', 'Look', 'Again']);
    // A state that is not a submitJob (here describeJobs) names no workflow job.
    expect(submittedJobNames(template)).toEqual(['a', 'b', 'c']);
  });

  test('reads resources by type and a job definition\'s memory', () => {
    expect(resourcesOfType(template, 'AWS::Batch::JobDefinition').map(([id]) => id)).toEqual(['Tier']);
    expect(resourcesOfType(template, 'AWS::S3::Bucket')).toEqual([]);
    expect(jobDefinitionMemory(template.Resources.Tier)).toBe(2048);
  });
});
