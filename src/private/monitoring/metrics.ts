/**
 * The platform's metrics, built in one place: the construct's `metricXxx` methods, the alarms and the dashboard all
 * take theirs from here, so what a team graphs or alarms on is what the platform's own alarms watch.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DEFAULTS } from '../settings/defaults';
import { PlatformNames } from '../settings/names';

/** The namespace of the platform's own metric for the Sanders prefix (`PlatformNames.metricNamespace` for any). */
export const METRIC_NAMESPACE = 'Sanders/BatchPlatform';

export interface PlatformMetricsProps {
  readonly names: PlatformNames;
  /** The state machine a run is started with. */
  readonly runStateMachine: sfn.IStateMachine;
  /** The rule that matches the queue's FAILED jobs (AWS Batch publishes no metrics of its own). */
  readonly failedJobsRule: events.IRule;
}

/** Metric builders; each takes `MetricOptions` over its defaults, as the L2s' `metricXxx` methods do. */
export class PlatformMetrics {
  constructor(private readonly props: PlatformMetricsProps) {}

  /** Runs that failed (the run state machine's `ExecutionsFailed`), summed over 5 minutes. */
  public failedRuns(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.props.runStateMachine.metricFailed({ period: DEFAULTS.metricPeriod, statistic: cloudwatch.Stats.SUM, ...options });
  }

  /** Jobs of the queue that failed after their retries: matches of the failed-jobs rule, summed over 5 minutes. */
  public failedJobs(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: this.props.failedJobsRule.ruleName },
      period: DEFAULTS.metricPeriod,
      statistic: cloudwatch.Stats.SUM,
      ...options,
    });
  }

  /** Jobs of the queue still RUNNABLE `runnableTimeout` after they entered RUNNABLE, summed over 5 minutes. */
  public jobsStuckRunnable(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.props.names.metricNamespace,
      metricName: 'JobsStuckRunnable',
      dimensionsMap: { JobQueue: this.props.names.jobQueue },
      period: DEFAULTS.metricPeriod,
      statistic: cloudwatch.Stats.SUM,
      ...options,
    });
  }

  /** How long runs take (the run state machine's `ExecutionTime`, in milliseconds), averaged over 5 minutes. */
  public runDuration(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.props.runStateMachine.metricTime({ period: DEFAULTS.metricPeriod, statistic: cloudwatch.Stats.AVERAGE, ...options });
  }

  /** Runs by how they started and ended, for the dashboard's graph of runs. */
  public runCounts(): cloudwatch.Metric[] {
    const sm = this.props.runStateMachine;
    const sum = (label: string) => ({ period: DEFAULTS.metricPeriod, statistic: cloudwatch.Stats.SUM, label });
    return [
      sm.metricStarted(sum('Started')),
      sm.metricSucceeded(sum('Succeeded')),
      this.failedRuns({ label: 'Failed' }),
      sm.metricTimedOut(sum('Timed out')),
      sm.metricAborted(sum('Stopped')),
    ];
  }
}
