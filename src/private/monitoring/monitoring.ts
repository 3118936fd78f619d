/**
 * Alerts and the dashboard: an SNS topic told about failed, timed-out and aborted runs and failed Batch
 * jobs (EventBridge rules), alarms on failed runs and on jobs stuck in RUNNABLE, and a CloudWatch dashboard.
 *
 * AWS Batch publishes no CloudWatch metrics of its own, so the job figures come from EventBridge:
 * - failed jobs: the `TriggeredRules` metric of the rule that matches this queue's FAILED jobs (one per job);
 * - stuck jobs: each job that enters RUNNABLE starts a small watcher state machine that waits
 *   `runnableTimeout`, looks the job up, and puts `JobsStuckRunnable` = 1 if it is still RUNNABLE.
 *   Nothing runs, and nothing is paid, while no job is queued.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { PlatformNames } from '../settings/names';

/** The namespace of the platform's own metrics. */
export const METRIC_NAMESPACE = 'Sanders/BatchPlatform';

export interface MonitoringProps {
  readonly names: PlatformNames;
  /** The state machine a run is started with. */
  readonly runStateMachine: sfn.IStateMachine;
  readonly jobQueue: batch.IJobQueue;
  readonly encryptionKey: kms.IKey;
  readonly alarmTopic?: sns.ITopic;
  readonly alarmEmails: string[];
  readonly runnableTimeout: Duration;
  readonly createDashboard: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface PlatformMonitoring {
  readonly alarmTopic: sns.ITopic;
  readonly failedRunsAlarm: cloudwatch.Alarm;
  readonly stuckJobsAlarm: cloudwatch.Alarm;
  readonly dashboard?: cloudwatch.Dashboard;
}

export function createMonitoring(scope: Construct, props: MonitoringProps): PlatformMonitoring {
  const { names } = props;
  const topic = props.alarmTopic ?? createTopic(scope, props);
  for (const email of props.alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));

  // Failed, timed-out and stopped runs.
  const ef = (path: string) => events.EventField.fromPath(path);
  new events.Rule(scope, 'FailedRunsRule', {
    description: `Tells ${topic.node.id} about runs of ${names.prefix}'s batch platform (${names.environment}) that failed, timed out or were stopped`,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [props.runStateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    },
    targets: [new targets.SnsTopic(topic, {
      message: events.RuleTargetInput.fromText(
        `Batch platform ${names.environment}: run ${ef('$.detail.name')} ended ${ef('$.detail.status')}. `
        + `Execution: ${ef('$.detail.executionArn')}. Error: ${ef('$.detail.error')}. Cause: ${ef('$.detail.cause')}`),
    })],
  });

  // Failed jobs of this queue (after their retries: a retried attempt goes back to RUNNABLE, not FAILED).
  // Counted, not told: a failed run's one alert (above) names the job that failed first-hand, its reason, exit
  // code and logs, and the jobs Batch or the workflow failed after it would each have alerted on their own.
  const failedJobsRule = new events.Rule(scope, 'FailedJobsRule', {
    description: `Counts jobs of queue ${names.jobQueue} that failed (the run's alert names them)`,
    eventPattern: {
      source: ['aws.batch'],
      detailType: ['Batch Job State Change'],
      detail: { status: ['FAILED'], jobQueue: [props.jobQueue.jobQueueArn] },
    },
  });

  const runnableWatch = createRunnableWatch(scope, props);
  new events.Rule(scope, 'RunnableJobsRule', {
    description: `Starts a watch of ${props.runnableTimeout.toHumanString()} for each job of queue ${names.jobQueue} that enters RUNNABLE`,
    eventPattern: {
      source: ['aws.batch'],
      detailType: ['Batch Job State Change'],
      detail: { status: ['RUNNABLE'], jobQueue: [props.jobQueue.jobQueueArn] },
    },
    targets: [new targets.SfnStateMachine(runnableWatch, {
      // Managed policies, not inline ones (IAMNoInlinePolicy of the NIST, HIPAA and PCI packs).
      role: new ManagedPolicyRole(scope, 'RunnableJobsRuleRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: 'Lets EventBridge start the runnable-job watch',
      }),
    })],
  });

  const period = Duration.minutes(5);
  const failedRuns = props.runStateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM });
  const failedRunsAlarm = new cloudwatch.Alarm(scope, 'FailedRunsAlarm', {
    alarmName: `${names.prefix}-batch-platform-failed-runs-${names.environment}`,
    alarmDescription: 'A run of the batch platform\'s workflow failed',
    metric: failedRuns,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const stuckJobs = new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: 'JobsStuckRunnable',
    dimensionsMap: { JobQueue: names.jobQueue },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
  const stuckJobsAlarm = new cloudwatch.Alarm(scope, 'StuckJobsAlarm', {
    alarmName: `${names.prefix}-batch-platform-stuck-jobs-${names.environment}`,
    alarmDescription: `A job of queue ${names.jobQueue} waited in RUNNABLE for more than ${props.runnableTimeout.toHumanString()} (no capacity, a vCPU limit, or a compute environment that cannot start tasks)`,
    metric: stuckJobs,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const alarm of [failedRunsAlarm, stuckJobsAlarm]) alarm.addAlarmAction(new cwActions.SnsAction(topic));

  let dashboard: cloudwatch.Dashboard | undefined;
  if (props.createDashboard) {
    const sm = props.runStateMachine;
    const failedJobs = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: failedJobsRule.ruleName },
      statistic: cloudwatch.Stats.SUM,
      period,
      label: 'Jobs failed',
    });
    dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
      dashboardName: `${names.prefix}-batch-platform-${names.environment}`,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Runs',
            width: 12,
            left: [
              sm.metricStarted({ period, statistic: cloudwatch.Stats.SUM, label: 'Started' }),
              sm.metricSucceeded({ period, statistic: cloudwatch.Stats.SUM, label: 'Succeeded' }),
              sm.metricFailed({ period, statistic: cloudwatch.Stats.SUM, label: 'Failed' }),
              sm.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM, label: 'Timed out' }),
              sm.metricAborted({ period, statistic: cloudwatch.Stats.SUM, label: 'Stopped' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Run duration (ms)',
            width: 12,
            left: [
              sm.metricTime({ period, statistic: cloudwatch.Stats.AVERAGE, label: 'Average' }),
              sm.metricTime({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'Longest' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Job failures', width: 12, left: [failedJobs] }),
          new cloudwatch.GraphWidget({ title: `Jobs RUNNABLE for over ${props.runnableTimeout.toHumanString()}`, width: 12, left: [stuckJobs] }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [failedRunsAlarm, stuckJobsAlarm] })],
      ],
    });
  }
  return { alarmTopic: topic, failedRunsAlarm, stuckJobsAlarm, dashboard };
}

function createTopic(scope: Construct, props: MonitoringProps): sns.Topic {
  const stack = Stack.of(scope);
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    topicName: `${props.names.prefix}-batch-platform-alerts-${props.names.environment}`,
    displayName: `Batch platform alerts (${props.names.environment})`,
    masterKey: props.encryptionKey,
    enforceSSL: true,
  });
  // An encrypted topic: the services that publish to it need the key.
  props.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  // The topic policy the EventBridge targets add replaces SNS's default one, so alarms need their own grant.
  topic.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['sns:Publish'],
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    },
  }));
  return topic;
}

/** Waits `runnableTimeout` after a job entered RUNNABLE and counts it if it is still there. */
function createRunnableWatch(scope: Construct, props: MonitoringProps): sfn.StateMachine {
  const name = `${props.names.prefix}-batch-runnable-watch-${props.names.environment}`;
  const wait = new sfn.Wait(scope, 'RunnableWatchWait', {
    stateName: 'Wait runnable timeout', time: sfn.WaitTime.duration(props.runnableTimeout),
  });
  const describe = new tasks.CallAwsService(scope, 'RunnableWatchDescribe', {
    stateName: 'Describe job',
    service: 'batch',
    action: 'describeJobs',
    parameters: { 'Jobs.$': 'States.Array($.detail.jobId)' },
    // DescribeJobs has no resource-level permissions.
    iamResources: ['*'],
    resultSelector: { 'jobs.$': '$.Jobs' },
    resultPath: '$.check',
  });
  describe.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });
  const count = new tasks.CallAwsService(scope, 'RunnableWatchCount', {
    stateName: 'Count stuck job',
    service: 'cloudwatch',
    action: 'putMetricData',
    parameters: {
      Namespace: METRIC_NAMESPACE,
      MetricData: [{ MetricName: 'JobsStuckRunnable', Value: 1, Unit: 'Count', Dimensions: [{ Name: 'JobQueue', Value: props.names.jobQueue }] }],
    },
    // PutMetricData has no resource-level permissions.
    iamResources: ['*'],
    iamAction: 'cloudwatch:PutMetricData',
    resultPath: sfn.JsonPath.DISCARD,
  });
  const done = new sfn.Succeed(scope, 'RunnableWatchDone', { stateName: 'Done' });
  // A job RUNNABLE again for its next attempt has run in between: it is not the one the event was about (the
  // event of its new RUNNABLE starts a watch of its own). Attempts are counted when the event came and now.
  const attempts = new sfn.Pass(scope, 'RunnableWatchAttempts', {
    stateName: 'Count attempts',
    parameters: { 'then.$': 'States.ArrayLength($.detail.attempts)', 'now.$': 'States.ArrayLength($.check.jobs[0].Attempts)' },
    resultPath: '$.attempts',
  });
  const hasAttempts = sfn.Condition.and(
    sfn.Condition.isPresent('$.detail.attempts'), sfn.Condition.isPresent('$.check.jobs[0].Attempts'));
  const definition = wait.next(describe).next(
    new sfn.Choice(scope, 'RunnableWatchStill', { stateName: 'Still RUNNABLE?' })
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.check.jobs[0].Status'), sfn.Condition.stringEquals('$.check.jobs[0].Status', 'RUNNABLE'), hasAttempts),
        attempts.next(new sfn.Choice(scope, 'RunnableWatchSameAttempt', { stateName: 'Same attempt?' })
          .when(sfn.Condition.numberEqualsJsonPath('$.attempts.then', '$.attempts.now'), count)
          .otherwise(done)))
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.check.jobs[0].Status'), sfn.Condition.stringEquals('$.check.jobs[0].Status', 'RUNNABLE')), count)
      .otherwise(done),
  );
  count.next(done);
  const { stateMachine: watch, role } = createLoggedStateMachine(scope, 'RunnableWatch', {
    stateMachineName: name,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    roleDescription: 'Role of the runnable-job watch: describes Batch jobs, puts one metric, writes its logs and traces',
    comment: `Counts a job still RUNNABLE ${props.runnableTimeout.toHumanString()} after it entered RUNNABLE`,
    encryptionKey: props.encryptionKey,
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: batch:DescribeJobs, cloudwatch:PutMetricData (IAM has no resource type for metrics), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
  ]);
  return watch;
}
