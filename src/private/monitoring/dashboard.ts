import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PlatformMetrics } from './metrics';
import { DEFAULTS } from '../settings/defaults';
import { PlatformNames } from '../settings/names';

export interface PlatformDashboardProps {
  readonly names: PlatformNames;
  /** The metrics the construct's `metricXxx` methods return: the dashboard graphs the same ones. */
  readonly metrics: PlatformMetrics;
  /** The job workflow, which each date of a backfill runs. */
  readonly jobWorkflow: sfn.IStateMachine;
  readonly backfill: sfn.IStateMachine;
  readonly alarms: cloudwatch.IAlarm[];
  readonly runnableTimeout: Duration;
}

const sum = (label: string): cloudwatch.MetricOptions => ({ label, period: DEFAULTS.metricPeriod, statistic: cloudwatch.Stats.SUM });

/** The operations dashboard: runs, run duration, job failures, stuck jobs and the alarms. */
export function createDashboard(scope: Construct, props: PlatformDashboardProps): cloudwatch.Dashboard {
  const { metrics } = props;
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: props.names.dashboard,
    defaultInterval: DEFAULTS.dashboardInterval,
    widgets: [
      [
        new cloudwatch.GraphWidget({ title: 'Runs', width: 12, left: metrics.runCounts() }),
        new cloudwatch.GraphWidget({
          title: 'Run duration (ms)',
          width: 12,
          left: [
            metrics.runDuration({ statistic: cloudwatch.Stats.AVERAGE, label: 'Average' }),
            metrics.runDuration({ statistic: cloudwatch.Stats.MAXIMUM, label: 'Longest' }),
          ],
        }),
      ],
      [
        new cloudwatch.GraphWidget({ title: 'Job failures', width: 12, left: [metrics.failedJobs({ label: 'Jobs failed' })] }),
        new cloudwatch.GraphWidget({ title: `Jobs RUNNABLE for over ${props.runnableTimeout.toHumanString()}`, width: 12, left: [metrics.jobsStuckRunnable()] }),
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
