/**
 * The watch of jobs stuck in RUNNABLE. AWS Batch publishes no CloudWatch metrics of its own: each job that enters
 * RUNNABLE starts a small state machine that waits `runnableTimeout`, looks the job up, and puts
 * `JobsStuckRunnable` = 1 if it is still RUNNABLE. Nothing runs, and nothing is paid, while no job is queued.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { PlatformNames } from '../settings/names';
import { LogSettings } from '../settings/settings';

export interface RunnableWatchProps {
  readonly names: PlatformNames;
  readonly jobQueue: batch.IJobQueue;
  readonly runnableTimeout: Duration;
  readonly encryptionKey: kms.IKey;
  readonly logs: LogSettings;
}

/** The watch and the rule that starts it for each job of the queue that enters RUNNABLE. */
export function createRunnableWatchRule(scope: Construct, props: RunnableWatchProps): void {
  const runnableWatch = createRunnableWatch(scope, props);
  new events.Rule(scope, 'RunnableJobsRule', {
    description: `Starts a watch of ${props.runnableTimeout.toHumanString()} for each job of queue ${props.names.jobQueue} that enters RUNNABLE`,
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
}

/** Waits `runnableTimeout` after a job entered RUNNABLE and counts it if it is still there. */
function createRunnableWatch(scope: Construct, props: RunnableWatchProps): sfn.StateMachine {
  const name = props.names.runnableWatch;
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
  // A custom state, not CallAwsService: its IAM statement could not carry the namespace condition added below.
  // The construct id is the state's name (CustomState has no stateName).
  const count = new sfn.CustomState(scope, 'Count stuck job', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Stack.of(scope).partition}:states:::aws-sdk:cloudwatch:putMetricData`,
      Parameters: {
        Namespace: props.names.metricNamespace,
        MetricData: [{ MetricName: 'JobsStuckRunnable', Value: 1, Unit: 'Count', Dimensions: [{ Name: 'JobQueue', Value: props.names.jobQueue }] }],
      },
      ResultPath: null,
      // A throttled PutMetricData would lose the count: retried, with jitter (every watch of a burst calls at once).
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }],
    },
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
  const stillRunnable = sfn.Condition.and(
    sfn.Condition.isPresent('$.check.jobs[0].Status'), sfn.Condition.stringEquals('$.check.jobs[0].Status', 'RUNNABLE'));
  const definition = wait.next(describe).next(
    new sfn.Choice(scope, 'RunnableWatchStill', { stateName: 'Still RUNNABLE?' })
      .when(sfn.Condition.and(stillRunnable, hasAttempts),
        attempts.next(new sfn.Choice(scope, 'RunnableWatchSameAttempt', { stateName: 'Same attempt?' })
          .when(sfn.Condition.numberEqualsJsonPath('$.attempts.then', '$.attempts.now'), count)
          .otherwise(done)))
      .when(stillRunnable, count)
      .otherwise(done),
  );
  count.next(done);
  const { stateMachine: watch, role } = createLoggedStateMachine(scope, 'RunnableWatch', {
    stateMachineName: name,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    roleDescription: 'Role of the runnable-job watch: describes Batch jobs, puts one metric, writes its logs and traces',
    comment: `Counts a job still RUNNABLE ${props.runnableTimeout.toHumanString()} after it entered RUNNABLE`,
    encryptionKey: props.encryptionKey,
    logRetention: props.logs.retention,
    removalPolicy: props.logs.removalPolicy,
  });
  // PutMetricData has no resource-level permissions: the namespace condition is what limits it.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': props.names.metricNamespace } },
  }));
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: batch:DescribeJobs, cloudwatch:PutMetricData (in the platform\'s namespace only) (IAM has no resource type for metrics), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
  ]);
  return watch;
}
