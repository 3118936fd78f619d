/**
 * Every default of the platform as it reaches the template, each a literal from where it is documented: the prop's
 * `@default` (docs/props.md), the README's "In every environment" and its environment table, docs/operations.md and
 * docs/networking-and-cost.md. src/private/settings/defaults.ts is where they live; a changed value there must fail
 * here, fast (issue 26: the `defaults` mutation group runs this file for each of its mutants).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { platformStack, platformTemplate } from './util';
import { definitionOf, stateMachines } from '../scripts/lib/templates';
import { DataSafety } from '../src';

const dev = platformTemplate();
const prod = platformTemplate({ environment: 'prod' });
const staging = platformTemplate({ environment: 'staging' });
const resources = (t: Template, type: string): any[] => Object.values(t.findResources(type));
const only = (t: Template, type: string): any => {
  const found = resources(t, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const machine = (t: Template, id: RegExp) => {
  const found = stateMachines(t.toJSON(), id);
  expect(found).toHaveLength(1);
  return found[0][1];
};
/** The job workflow's retry strategies, written once in its "Set up the run" state and read by every submission. */
const retryStrategies = (t: Template): any[] => {
  const states = definitionOf(machine(t, /^PlatformWorkflow[0-9A-F]{8}$/)).States;
  const submits = Object.values(states).filter((s: any) => s.Resource?.includes(':batch:submitJob')) as any[];
  expect(submits.length).toBeGreaterThan(0);
  expect(new Set(submits.map(s => s.Parameters['RetryStrategy.$']))).toEqual(new Set(['$.run.retry[0]']));
  return states['Set up the run'].Parameters.run.retry;
};

describe('names (README: `{namePrefix}-…-{environment}`, namePrefix `sanders`, environment `dev`)', () => {
  test('the job workflow of a stack without props is sanders-customer-platform-workflow-dev', () => {
    expect(machine(dev, /^PlatformWorkflow[0-9A-F]{8}$/).Properties.StateMachineName).toBe('sanders-customer-platform-workflow-dev');
  });
});

describe('compute (README, "In every environment")', () => {
  test('the default workflow gets the floor of 64 vCPUs in each compute environment', () => {
    expect(resources(dev, 'AWS::Batch::ComputeEnvironment').map(r => r.Properties.ComputeResources.MaxvCpus)).toEqual([64, 64]);
  });

  test('a workflow that could use 280 vCPUs at once (70 jobs of 4 vCPU) gets the cap, 256', () => {
    const wide = platformTemplate({ workflow: Array.from({ length: 70 }, (_, i) => ({ name: `j${i}`, tier: '16gb' })) });
    expect(resources(wide, 'AWS::Batch::ComputeEnvironment').map(r => r.Properties.ComputeResources.MaxvCpus)).toEqual([256, 256]);
  });

  test('image tag latest, X86_64, 3 attempts per job (`imageTag`, `cpuArchitecture`, `retryAttempts`)', () => {
    for (const jd of resources(dev, 'AWS::Batch::JobDefinition')) {
      const container = jd.Properties.ContainerProperties;
      expect(container.RuntimePlatform.CpuArchitecture).toBe('X86_64');
      const image = container.Image['Fn::Join'][1];
      expect(image[image.length - 1]).toBe(':latest');
    }
    expect(retryStrategies(dev).map(r => r.Attempts)).toEqual([3]);
  });

  test('the retry rules: infrastructure failures retried, an exit code of the application not (docs/props.md, retryStrategies)', () => {
    // AWS Batch's job retries page (RetryStrategy.EvaluateOnExit) and the ECS stopped-task errors the rules name.
    const expected = [
      { Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' },
      { Action: 'RETRY', OnStatusReason: 'ResourceInitializationError*' },
      { Action: 'RETRY', OnStatusReason: 'Task failed to start*' },
      { Action: 'RETRY', OnReason: 'CannotPullContainerError*' },
      { Action: 'EXIT', OnExitCode: '*' },
    ];
    expect(retryStrategies(dev).map(r => r.EvaluateOnExit)).toEqual([expected]);
  });

  test('dev runs Spot first and builds no NAT gateway (on-demand egress); prod and any other name on-demand with a NAT gateway per AZ', () => {
    expect(resources(dev, 'AWS::Batch::ComputeEnvironment').map(r => r.Properties.ComputeResources.Type).sort()).toEqual(['FARGATE', 'FARGATE_SPOT']);
    dev.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const t of [prod, staging]) {
      expect(resources(t, 'AWS::Batch::ComputeEnvironment').map(r => r.Properties.ComputeResources.Type)).toEqual(['FARGATE']);
      t.resourceCountIs('AWS::EC2::NatGateway', 2);
    }
  });
});

describe('run time (README, "In every environment"; docs/operations.md)', () => {
  test('a run may take 24 hours (86,400 s); its execution times out an hour later (90,000 s)', () => {
    const text = JSON.stringify(definitionOf(machine(dev, /^PlatformWorkflow[0-9A-F]{8}$/)));
    expect(definitionOf(machine(dev, /^PlatformWorkflow[0-9A-F]{8}$/)).TimeoutSeconds).toBe(90000);
    expect(text).toContain('86400');
  });

  test('a job counts as stuck after 30 minutes (1,800 s) in RUNNABLE', () => {
    expect(JSON.stringify(definitionOf(machine(dev, /^PlatformRunnableWatch[0-9A-F]{8}$/)))).toContain('"Seconds":1800');
  });

  test('a backfill runs one date at a time and does not stop at a failed date unless asked (docs/workflows.md)', () => {
    expect(JSON.stringify(definitionOf(machine(dev, /^PlatformBackfill[0-9A-F]{8}$/)))).toContain('"defaults":{"maxConcurrency":1,"stopOnFailure":false}');
  });
});

describe('retention (docs/props.md and docs/operations.md)', () => {
  test('logs kept one year (365 days)', () => {
    for (const t of [dev, prod]) {
      const days = resources(t, 'AWS::Logs::LogGroup').map(r => r.Properties.RetentionInDays);
      expect(days.length).toBeGreaterThan(0);
      expect(new Set(days)).toEqual(new Set([365]));
    }
  });

  test('the 30 newest images kept; a deleted key waits 7 days', () => {
    const policy = JSON.parse(only(dev, 'AWS::ECR::Repository').Properties.LifecyclePolicy.LifecyclePolicyText);
    expect(policy.rules.map((r: any) => r.selection.countNumber)).toEqual([30]);
    expect(only(dev, 'AWS::KMS::Key').Properties.PendingWindowInDays).toBe(7);
  });

  test('access logs kept 365 days, their older versions 30 days; unfinished uploads removed after 7 days', () => {
    const rules = (t: Template) => resources(t, 'AWS::S3::Bucket').flatMap(b => b.Properties.LifecycleConfiguration.Rules);
    const accessLogs = rules(prod).find(r => r.Id === 'ExpireAccessLogs');
    expect(accessLogs).toMatchObject({ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    for (const r of rules(prod)) expect(r.AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 7 });
  });

  test('prod backs the table up daily at 03:00 UTC and keeps each backup 35 days', () => {
    expect(only(prod, 'AWS::Backup::BackupPlan').Properties.BackupPlan.BackupPlanRule.map((r: any) => [r.ScheduleExpression, r.Lifecycle]))
      .toEqual([['cron(0 3 * * ? *)', { DeleteAfterDays: 35 }]]);
  });
});

describe('data safety (README environment table: dev disposable, every other name keeps its data)', () => {
  const bucketsAndTables = (t: Template) =>
    [...resources(t, 'AWS::S3::Bucket'), ...resources(t, 'AWS::DynamoDB::Table')].map(r => r.DeletionPolicy);

  test('dev: deleted with the stack, objects emptied, no point-in-time recovery, no versions, no backups', () => {
    expect(new Set(bucketsAndTables(dev))).toEqual(new Set(['Delete']));
    expect(resources(dev, 'Custom::S3AutoDeleteObjects')).toHaveLength(2);
    dev.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false }, DeletionProtectionEnabled: false });
    for (const b of resources(dev, 'AWS::S3::Bucket')) expect(b.Properties.VersioningConfiguration).toBeUndefined();
    dev.resourceCountIs('AWS::Backup::BackupPlan', 0);
  });

  test('prod is the name whose disposable data needs acknowledgeDisposableProd; another name neither dev nor prod is warned about', () => {
    expect(() => platformTemplate({ environment: 'prod', dataSafety: DataSafety.DISPOSABLE })).toThrow(/DataSafety\.DISPOSABLE in environment 'prod'/);
    expect(() => platformTemplate({ environment: 'staging', dataSafety: DataSafety.DISPOSABLE })).not.toThrow();
    const warned = (environment: string) => Annotations.fromStack(platformStack({ environment }).stack)
      .findWarning('*', Match.stringLikeRegexp(`environment '${environment}' is neither 'dev' nor 'prod'`)).length;
    expect([warned('dev'), warned('prod'), warned('staging')]).toEqual([0, 0, 1]);
  });

  test.each([['prod', prod], ['staging', staging]])('%s: retained, versioned, point-in-time recovery, deletion protection, backups', (_, t) => {
    expect(new Set(bucketsAndTables(t))).toEqual(new Set(['Retain']));
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    t.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true });
    for (const b of resources(t, 'AWS::S3::Bucket')) expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    t.resourceCountIs('AWS::Backup::BackupPlan', 1);
  });
});

describe('monitoring (docs/operations.md)', () => {
  test('each alarm looks at one 5-minute period and fires on the first failed run or stuck job', () => {
    const alarms = resources(dev, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2);
    for (const a of alarms) expect([a.Properties.Period, a.Properties.EvaluationPeriods, a.Properties.Threshold]).toEqual([300, 1, 1]);
  });

  test('no e-mail subscription unless alarmEmails is given', () => {
    dev.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('a dashboard of the last 7 days in prod and any other name, none in dev', () => {
    dev.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    for (const t of [prod, staging]) expect(JSON.stringify(only(t, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody)).toContain('{\\"start\\":\\"-P7D\\"');
  });

  test('the stack outputs the names and ARNs a team needs (createOutputs)', () => {
    expect(Object.keys(dev.toJSON().Outputs ?? {})).toContain('StepFunctionsStateMachineARN');
  });
});

describe('schedule (docs/props.md, WorkflowSchedule)', () => {
  test('a cron without a time zone runs in UTC, enabled, a missed start dropped after an hour and retried 5 times', () => {
    const t = platformTemplate({ schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2' }) } });
    const schedule = only(t, 'AWS::Scheduler::Schedule').Properties;
    expect([schedule.ScheduleExpressionTimezone, schedule.State, schedule.Target.RetryPolicy])
      .toEqual(['UTC', 'ENABLED', { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 5 }]);
  });
});
