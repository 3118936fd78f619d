import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { stuckJobsMetric } from './runnable-watch';
import { PlatformNames } from '../settings/names';

export interface PlatformDashboardProps {
  readonly names: PlatformNames;
  readonly runStateMachine: sfn.IStateMachine;
  readonly jobWorkflow: sfn.IStateMachine;
  readonly backfill: sfn.IStateMachine;
  readonly failedJobsRule: events.IRule;
  readonly alarms: cloudwatch.IAlarm[];
  readonly runnableTimeout: Duration;
  readonly period: Duration;
}

/** The operations dashboard: runs, run duration, job failures, stuck jobs and the alarms. */
export function createDashboard(scope: Construct, props: PlatformDashboardProps): cloudwatch.Dashboard {
  const { period } = props;
  const sm = props.runStateMachine;
  const sum = (label: string) => ({ period, statistic: cloudwatch.Stats.SUM, label });
  // AWS Batch publishes no metrics: a failed job is one match of the rule that matches this queue's FAILED jobs.
  const failedJobs = new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'TriggeredRules',
    dimensionsMap: { RuleName: props.failedJobsRule.ruleName },
    ...sum('Jobs failed'),
  });
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: props.names.dashboard,
    defaultInterval: Duration.days(7),
    widgets: [
      [
        new cloudwatch.GraphWidget({
          title: 'Runs',
          width: 12,
          left: [
            sm.metricStarted(sum('Started')),
            sm.metricSucceeded(sum('Succeeded')),
            sm.metricFailed(sum('Failed')),
            sm.metricTimedOut(sum('Timed out')),
            sm.metricAborted(sum('Stopped')),
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
        new cloudwatch.GraphWidget({ title: `Jobs RUNNABLE for over ${props.runnableTimeout.toHumanString()}`, width: 12, left: [stuckJobsMetric(props.names, period)] }),
      ],
      [
        // Each date of a backfill is a run of the job workflow (counted under Runs too, unless ON_DEMAND_EGRESS).
        new cloudwatch.GraphWidget({
          title: 'Backfills (left) and runs of the job workflow, each backfilled date one (right)',
          width: 24,
          left: [props.backfill.metricStarted(sum('Backfills started')), props.backfill.metricSucceeded(sum('Backfills succeeded')), props.backfill.metricFailed(sum('Backfills failed'))],
          right: [props.jobWorkflow.metricStarted(sum('Runs started')), props.jobWorkflow.metricSucceeded(sum('Runs succeeded')), props.jobWorkflow.metricFailed(sum('Runs failed'))],
        }),
      ],
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: props.alarms })],
    ],
  });
}
