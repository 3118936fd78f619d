import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SandersBatchPlatform } from '../src';
import { platformStack, platformTemplate } from './util';
import { onlyStateMachine, stateMachines } from '../scripts/lib/templates';
import { METRIC_NAMESPACE } from '../src/private/monitoring/metrics';

/** The logical ID of the state machine a run starts with (the StepFunctionsStateMachineARN output). */
function runStateMachineId(template: Template): string {
  return template.toJSON().Outputs.StepFunctionsStateMachineARN.Value.Ref;
}

/** The RUNNABLE watch's definition string as JSON text (its quotes escaped, its tokens as CloudFormation wrote them). */
function runnableWatchText(template: Template): string {
  return JSON.stringify(onlyStateMachine(template.toJSON(), /RunnableWatch/)[1].Properties.DefinitionString);
}

describe.each(['dev', 'prod'])('alerts and dashboard in %s', environment => {
  // GIVEN a platform with default props
  const { stack } = platformStack({ environment });
  // WHEN it is synthesized
  const template = Template.fromStack(stack);
  const runId = runStateMachineId(template);

  test('creates a KMS-encrypted, TLS-only alert topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `sanders-batch-platform-alerts-${environment}`,
      KmsMasterKeyId: Match.anyValue(),
    });
    // CloudWatch publishes an alarm to an encrypted topic only if the key lets it: "kms:Decrypt" and
    // "kms:GenerateDataKey*" for cloudwatch.amazonaws.com (SNS developer guide, "Enable compatibility between event
    // sources from AWS services and encrypted topics"), for this account's alarms only.
    const keyPolicies = Object.values(template.findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
    expect(keyPolicies.filter((st: any) => st.Principal?.Service === 'cloudwatch.amazonaws.com')).toEqual([{
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    }]);
    for (const statement of [
      { Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: Match.anyValue(), ArnLike: Match.anyValue() }) },
    ]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) } });
    }
  });

  test('lets EventBridge publish with a role of its own, not through the topic or key policy', () => {
    const policies = [
      ...Object.values(template.findResources('AWS::SNS::TopicPolicy')).map(r => r.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::KMS::Key')).map(r => r.Properties.KeyPolicy),
    ];
    expect(JSON.stringify(policies)).not.toContain('events.amazonaws.com');
    const rule = (name: string) => Object.entries(template.findResources('AWS::Events::Rule')).find(([id]) => id.includes(name))![1];
    const [target] = rule('FailedRunsRule').Properties.Targets;
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PlatformAlertPublishRole/), 'Arn'] });
    // Failed jobs are counted, not told: the failed run's one alert names them.
    expect(rule('FailedJobsRule').Properties.Targets).toBeUndefined();
  });

  test('tells the topic about failed, timed-out and aborted runs, and about each failed date of a backfill', () => {
    const [jobWorkflowId] = onlyStateMachine(template.toJSON(), /^PlatformWorkflow[0-9A-F]{8}$/);
    // In dev a run is an execution of the run workflow, and a backfilled date one of the job workflow (named
    // backfill-<date>-...), which no run workflow execution wraps; in prod both are executions of the job workflow.
    const runs = environment === 'dev'
      ? { $or: [{ stateMachineArn: [{ Ref: runId }] }, { stateMachineArn: [{ Ref: jobWorkflowId }], name: [{ prefix: 'backfill-' }] }] }
      : { stateMachineArn: [{ Ref: runId }] };
    expect(environment === 'dev' ? jobWorkflowId : runId).toMatch(/^PlatformWorkflow[0-9A-F]{8}$/);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { ...runs, status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('AlarmTopic') }, InputTransformer: Match.anyValue() })],
    });
  });

  test('the alert of a run names the environment, the run, how it ended, its execution, error and cause (docs/operations.md)', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule'))
      .find((r: any) => r.Properties.EventPattern.detail?.status?.includes('FAILED') && r.Properties.EventPattern.source[0] === 'aws.states') as any;
    expect(rule.Properties.Targets[0].InputTransformer).toEqual({
      InputPathsMap: {
        'detail-name': '$.detail.name',
        'detail-status': '$.detail.status',
        'detail-executionArn': '$.detail.executionArn',
        'detail-error': '$.detail.error',
        'detail-cause': '$.detail.cause',
      },
      InputTemplate: `"Batch platform ${environment}: run <detail-name> ended <detail-status>. Execution: <detail-executionArn>. `
        + 'Error: <detail-error>. Cause: <detail-cause>"',
    });
  });

  test('counts failed jobs of the platform\'s queue without an alert of their own (the failed run\'s alert names the job)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        'detail': { status: ['FAILED'], jobQueue: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('JobQueue'), 'JobQueueArn'] }] },
      },
      Targets: Match.absent(),
    });
  });

  test('the RUNNABLE watch counts a job only while it waits for the same attempt as when it entered RUNNABLE', () => {
    const text = runnableWatchText(template);
    expect(text).toContain('States.ArrayLength($.detail.attempts)');
    expect(text).toContain('States.ArrayLength($.check.jobs[0].Attempts)');
    expect(text).toMatch(/NumericEqualsPath\\":\\"\$\.attempts\.now/);
  });

  test('alarms on failed runs into the topic (an action Control Tower requires), besides the alert of each run', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `sanders-batch-platform-failed-runs-${environment}`,
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: runId } }],
      Statistic: 'Sum',
      // docs/operations.md: "`ExecutionsFailed` >= 1 in 5 minutes": one period of 300 s
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });

  test('alarms on jobs stuck in RUNNABLE, counted by a watch started for each RUNNABLE job', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `sanders-batch-platform-stuck-jobs-${environment}`,
      Namespace: METRIC_NAMESPACE,
      MetricName: 'JobsStuckRunnable',
      Dimensions: [{ Name: 'JobQueue', Value: `sanders-batch-queue-${environment}` }],
      // One stuck job (JobsStuckRunnable = 1, summed over 5 minutes) is enough: docs/operations.md, "the alarm ... fires on it";
      // no watch puts anything while no job is stuck, which is no alarm.
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], detail: { status: ['RUNNABLE'], jobQueue: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('JobQueue'), 'JobQueueArn'] }] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('RunnableWatch') } })],
    });
    const text = runnableWatchText(template);
    expect(text).toContain('\\"Seconds\\":1800');
    expect(text).toContain('aws-sdk:batch:describeJobs');
    expect(text).toContain('aws-sdk:cloudwatch:putMetricData');
  });

  test('has two alarms, and a dashboard by default outside dev', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    // Dev leaves the $3/month dashboard out by default, to idle at $5 or less.
    template.resourceCountIs('AWS::CloudWatch::Dashboard', environment === 'dev' ? 0 : 1);
  });

  test('the dashboard shows runs, durations, job failures and stuck jobs', () => {
    const withDashboard = platformTemplate({ environment, createDashboard: true });
    const { Properties } = Object.values(withDashboard.findResources('AWS::CloudWatch::Dashboard'))[0] as any;
    expect(Properties.DashboardName).toBe(`sanders-batch-platform-${environment}`);
    const body = JSON.stringify(Properties.DashboardBody);
    for (const metric of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionTime', 'TriggeredRules', 'JobsStuckRunnable']) {
      expect(body).toContain(metric);
    }
  });

  test('the dashboard\'s graph of runs: each of the run state machine\'s counts, summed, under its own label', () => {
    const withDashboard = platformTemplate({ environment, createDashboard: true });
    const { Properties } = Object.values(withDashboard.findResources('AWS::CloudWatch::Dashboard'))[0] as any;
    // The body is a Fn::Join of text and references; with each reference as a placeholder it is the dashboard's JSON.
    const body = JSON.parse(Properties.DashboardBody['Fn::Join'][1].map((part: unknown) => typeof part === 'string' ? part : 'REF').join(''));
    const runs = body.widgets.find((w: any) => w.properties.title === 'Runs');
    expect(runs.properties.metrics.map((m: any[]) => [m[1], m[m.length - 1]])).toEqual([
      ['ExecutionsStarted', { label: 'Started', stat: 'Sum' }],
      ['ExecutionsSucceeded', { label: 'Succeeded', stat: 'Sum' }],
      ['ExecutionsFailed', { label: 'Failed', stat: 'Sum' }],
      ['ExecutionsTimedOut', { label: 'Timed out', stat: 'Sum' }],
      ['ExecutionsAborted', { label: 'Stopped', stat: 'Sum' }],
    ]);
  });

  test('logs the jobs into a log group kept a year, and every state machine at level ALL with X-Ray', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/batch/sanders-customer-platform-${environment}`, RetentionInDays: 365 });
    for (const [, sm] of stateMachines(template.toJSON())) {
      expect(sm.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
  });
});

describe('alert options', () => {
  test('subscribes the alarm e-mail addresses', () => {
    const template = platformTemplate({ alarmEmails: ['oncall@example.com', 'lead@example.com'] });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  test('sends alerts to a topic the team brings, and creates none', () => {
    // GIVEN a team's topic
    const app = new App();
    const stack = new Stack(app, 'TeamStack', { env: { account: '123456789012', region: 'eu-central-1' } });
    const topic = sns.Topic.fromTopicArn(stack, 'TeamTopic', 'arn:aws:sns:eu-central-1:123456789012:team-alerts');
    // WHEN
    const platform = new SandersBatchPlatform(stack, 'Platform', { alarmTopic: topic, alarmEmails: ['oncall@example.com'] });
    const template = Template.fromStack(stack);
    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(platform.alarmTopic).toBe(topic);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:eu-central-1:123456789012:team-alerts'] });
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: 'arn:aws:sns:eu-central-1:123456789012:team-alerts' })] });
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: 'arn:aws:sns:eu-central-1:123456789012:team-alerts' });
  });

  test('waits runnableTimeout before counting a job as stuck', () => {
    const template = platformTemplate({ runnableTimeout: Duration.hours(2) });
    expect(runnableWatchText(template)).toContain('\\"Seconds\\":7200');
  });

  test('leaves the dashboard out on request', () => {
    const { platform } = platformStack({ createDashboard: false });
    Template.fromStack(Stack.of(platform)).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(platform.dashboard).toBeUndefined();
  });

  test('keeps the logs as long as logRetention says', () => {
    const template = platformTemplate({ logRetention: logs.RetentionDays.ONE_MONTH });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/batch/sanders-customer-platform-dev', RetentionInDays: 30 });
  });

  test('fails when an alarm e-mail address is not one', () => {
    expect(() => platformStack({ alarmEmails: ['oncall@example.com', 'not-an-address'] }))
      .toThrow(/alarmEmails entry 'not-an-address' is not an e-mail address/);
  });

  test('fails when runnableTimeout is shorter than a minute', () => {
    expect(() => platformStack({ runnableTimeout: Duration.seconds(30) })).toThrow(/runnableTimeout 30 seconds is not valid: give 1 minute to 7 days/);
  });
});
