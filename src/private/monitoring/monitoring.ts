/**
 * Alerts and the dashboard: an SNS topic told about failed, timed-out and aborted runs and failed Batch
 * jobs (EventBridge rules), alarms on failed runs and on jobs stuck in RUNNABLE, and a CloudWatch dashboard.
 */
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createAlarmTopic } from './alarm-topic';
import { createDashboard } from './dashboard';
import { PlatformMetrics } from './metrics';
import { createRunnableWatchRule } from './runnable-watch';
import { acknowledgeWildcards } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { Namespace } from '../core/namespace';
import { DEFAULTS } from '../settings/defaults';
import { PlatformNames } from '../settings/names';
import { LogSettings, MonitoringSettings } from '../settings/settings';
import { BACKFILL_RUN_PREFIX } from '../workflow/backfill-definition';

export interface MonitoringPartProps {
  readonly names: PlatformNames;
  readonly settings: MonitoringSettings;
  readonly logs: LogSettings;
  /** The state machine a run is started with. */
  readonly runStateMachine: sfn.IStateMachine;
  /** The job workflow: the state machine each date of a backfill runs (`runStateMachine` unless ON_DEMAND_EGRESS). */
  readonly jobWorkflow: sfn.IStateMachine;
  /** The backfill. */
  readonly backfill: sfn.IStateMachine;
  readonly jobQueue: batch.IJobQueue;
  readonly encryptionKey: kms.IKey;
}

/**
 * Which executions are runs that alert: those of the state machine runs are started with, and every date of a
 * backfill, each an execution of the job workflow. Without ON_DEMAND_EGRESS those are the same state machine.
 * With it, a normal run's job workflow execution is not matched (its run workflow execution alerts), only those
 * a backfill started (named `backfill-<date>-...`): one alert per failed run or date.
 */
function failedRunsMatch(props: MonitoringPartProps): { [key: string]: unknown } {
  if (props.runStateMachine === props.jobWorkflow) return { stateMachineArn: [props.runStateMachine.stateMachineArn] };
  return {
    $or: [
      { stateMachineArn: [props.runStateMachine.stateMachineArn] },
      { stateMachineArn: [props.jobWorkflow.stateMachineArn], name: [{ prefix: BACKFILL_RUN_PREFIX }] },
    ],
  };
}

/** The monitoring part (`Monitoring`). */
export class MonitoringPart extends Namespace {
  public readonly alarmTopic: sns.ITopic;
  public readonly failedRunsAlarm: cloudwatch.Alarm;
  public readonly stuckJobsAlarm: cloudwatch.Alarm;
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The metrics of the construct's `metricXxx` methods, which the alarms and the dashboard use too. */
  public readonly metrics: PlatformMetrics;

  constructor(scope: Construct, id: string, props: MonitoringPartProps) {
    super(scope, id);
    const { names, settings } = props;
    const topic = settings.alarmTopic ?? createAlarmTopic(this, names, props.encryptionKey);
    for (const email of settings.alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.alarmTopic = topic;
    const failedJobsRule = this.createEventRules(props);
    createRunnableWatchRule(this, {
      names, jobQueue: props.jobQueue, runnableTimeout: settings.runnableTimeout, encryptionKey: props.encryptionKey, logs: props.logs,
    });

    this.metrics = new PlatformMetrics({ names, runStateMachine: props.runStateMachine, failedJobsRule });
    // The alert of a failed run is the failed-runs rule's message, one per run, naming the job. The alarm notifies too,
    // but only when it goes into ALARM (not per run, and naming no job): Control Tower's CT.CLOUDWATCH.PR.1 and the
    // NIST and HIPAA packs require every alarm to have an action, and a proactive control would refuse the stack.
    this.failedRunsAlarm = this.alarm('FailedRunsAlarm', names.failedRunsAlarm,
      'Runs of the batch platform\'s workflow failed in the last 5 minutes (each failed run has its own alert naming the job)', this.metrics.failedRuns());
    this.stuckJobsAlarm = this.alarm('StuckJobsAlarm', names.stuckJobsAlarm,
      `A job of queue ${names.jobQueue} waited in RUNNABLE for more than ${settings.runnableTimeout.toHumanString()} (no capacity, a vCPU limit, or a compute environment that cannot start tasks)`,
      this.metrics.jobsStuckRunnable());
    if (settings.createDashboard) {
      this.dashboard = createDashboard(this, {
        names,
        metrics: this.metrics,
        jobWorkflow: props.jobWorkflow,
        backfill: props.backfill,
        alarms: [this.failedRunsAlarm, this.stuckJobsAlarm],
        runnableTimeout: settings.runnableTimeout,
      });
    }
  }

  /** Tells the topic about failed, timed-out and stopped runs, and counts failed jobs; returns the failed-jobs rule. */
  private createEventRules(props: MonitoringPartProps): events.Rule {
    const { names } = props;
    const topic = this.alarmTopic;
    // EventBridge publishes with a role of its own: CDK's default grants events.amazonaws.com on the topic and the
    // key with no condition, which any EventBridge rule of any account could use (confused deputy).
    const publishRole = new ManagedPolicyRole(this, 'AlertPublishRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'Lets the platform\'s EventBridge rules publish to the alert topic',
    });
    const ef = (path: string) => events.EventField.fromPath(path);
    new events.Rule(this, 'FailedRunsRule', {
      description: `Tells ${topic.node.id} about runs of ${names.prefix}'s batch platform (${names.environment}) that failed, timed out or were stopped`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { ...failedRunsMatch(props), status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.SnsTopic(topic, {
        role: publishRole,
        message: events.RuleTargetInput.fromText(
          `Batch platform ${names.environment}: run ${ef('$.detail.name')} ended ${ef('$.detail.status')}. `
          + `Execution: ${ef('$.detail.executionArn')}. Error: ${ef('$.detail.error')}. Cause: ${ef('$.detail.cause')}`),
      })],
    });
    // Failed jobs of this queue (after their retries: a retried attempt goes back to RUNNABLE, not FAILED).
    // Counted, not told: a failed run's one alert (above) names the job that failed first-hand, its reason, exit
    // code and logs, and the jobs Batch or the workflow failed after it would each have alerted on their own.
    const failedJobsRule = new events.Rule(this, 'FailedJobsRule', {
      description: `Counts jobs of queue ${names.jobQueue} that failed (the run's alert names them)`,
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job State Change'],
        detail: { status: ['FAILED'], jobQueue: [props.jobQueue.jobQueueArn] },
      },
    });
    acknowledgeWildcards(publishRole, publishRole.grantedStatements, [
      { pattern: /^Action::kms:GenerateDataKey\*$/, reason: 'SNS encrypts each published message with a data key of the platform\'s key (CDK\'s grantPublish for an encrypted topic); the role reaches only that key' },
    ]);
    return failedJobsRule;
  }

  private alarm(id: string, alarmName: string, alarmDescription: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName,
      alarmDescription,
      metric,
      threshold: DEFAULTS.alarm.threshold,
      evaluationPeriods: DEFAULTS.alarm.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    return alarm;
  }
}
