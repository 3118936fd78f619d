import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { PlatformMetrics } from './metrics';
import { PlatformNames } from '../settings/names';

export interface PlatformDashboardProps {
  readonly names: PlatformNames;
  /** The metrics the construct's `metricXxx` methods return: the dashboard graphs the same ones. */
  readonly metrics: PlatformMetrics;
  readonly alarms: cloudwatch.IAlarm[];
  readonly runnableTimeout: Duration;
}

/** The operations dashboard: runs, run duration, job failures, stuck jobs and the alarms. */
export function createDashboard(scope: Construct, props: PlatformDashboardProps): cloudwatch.Dashboard {
  const { metrics } = props;
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: props.names.dashboard,
    defaultInterval: Duration.days(7),
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
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: props.alarms })],
    ],
  });
}
