/**
 * Every physical name of the platform, in one place. The names of the Python app's resources follow its pattern
 * (`{prefix}-customer-platform-{environment}`, `{prefix}-batch-{resource}-{environment}`); those it did not have
 * use the stem `{prefix}-batch-platform-...-{environment}`, except where a resource already exists under another
 * name (a changed name replaces the resource): the runnable watch, the run workflow and the schedule, noted there.
 */
export class PlatformNames {
  /**
   * @param prefix `namePrefix`
   * @param environment `environment`
   * @param givenMetricNamespace `metricNamespace`, when the props give one
   */
  constructor(public readonly prefix: string, public readonly environment: string, private readonly givenMetricNamespace?: string) {}

  /** `Sanders/BatchPlatform` (`TeamA/BatchPlatform` for `team-a`): the namespace of the platform's own metric. */
  public get metricNamespace(): string {
    const pascal = this.prefix.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1)).join('');
    return this.givenMetricNamespace ?? `${pascal}/BatchPlatform`;
  }

  /** `sanders:on-demand-egress-vpc`: the tag key that marks a run's NAT gateway and Elastic IP (its value is the VPC ID). */
  public get egressTag(): string {
    return `${this.prefix}:on-demand-egress-vpc`;
  }

  /** `sanders-customer-platform-dev` */
  public get bucket(): string {
    return `${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `sanders_daily_customer_features_dev` */
  public get table(): string {
    return `${this.prefix}_daily_customer_features_${this.environment}`;
  }

  /** `sanders-customer-platform-dev` (the image name of the Python app's push steps, per environment) */
  public get repository(): string {
    return `${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `sanders-customer-platform-vpc-dev` */
  public get vpc(): string {
    return `${this.prefix}-customer-platform-vpc-${this.environment}`;
  }

  /** `sanders-batch-queue-dev` */
  public get jobQueue(): string {
    return `${this.prefix}-batch-queue-${this.environment}`;
  }

  /** `sanders-batch-compute-dev` (and `sanders-batch-compute-spot-dev`) */
  public computeEnvironment(spot: boolean): string {
    return `${this.prefix}-batch-compute-${spot ? 'spot-' : ''}${this.environment}`;
  }

  /** `sanders-batch-job-8gb-dev` */
  public jobDefinition(suffix: string): string {
    return `${this.prefix}-batch-job-${suffix}-${this.environment}`;
  }

  /** `sanders-customer-platform-workflow-dev` */
  public get stateMachine(): string {
    return `${this.prefix}-customer-platform-workflow-${this.environment}`;
  }

  /** `/aws/batch/sanders-customer-platform-dev` */
  public get jobLogGroup(): string {
    return `/aws/batch/${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `/aws/vpc/flowlogs/sanders-customer-platform-vpc-dev` */
  public get flowLogGroup(): string {
    return `/aws/vpc/flowlogs/${this.vpc}`;
  }

  /** `sanders-batch-platform-alerts-dev` */
  public get alarmTopic(): string {
    return `${this.prefix}-batch-platform-alerts-${this.environment}`;
  }

  /** `sanders-batch-platform-failed-runs-dev` */
  public get failedRunsAlarm(): string {
    return `${this.prefix}-batch-platform-failed-runs-${this.environment}`;
  }

  /** `sanders-batch-platform-stuck-jobs-dev` */
  public get stuckJobsAlarm(): string {
    return `${this.prefix}-batch-platform-stuck-jobs-${this.environment}`;
  }

  /** `sanders-batch-platform-dev` */
  public get dashboard(): string {
    return `${this.prefix}-batch-platform-${this.environment}`;
  }

  /** `sanders-batch-runnable-watch-dev` (created before the `batch-platform` stem; kept so it is not replaced) */
  public get runnableWatch(): string {
    return `${this.prefix}-batch-runnable-watch-${this.environment}`;
  }

  /** `sanders-batch-platform-backfill-dev`: the backfill (a date range, one run per date). */
  public get backfill(): string {
    return `${this.prefix}-batch-platform-backfill-${this.environment}`;
  }

  /**
   * `sanders-customer-platform-run-dev`: dev's run workflow (`NetworkProfile.ON_DEMAND_EGRESS`), created before the
   * `batch-platform` stem and kept (a renamed state machine is a new one, with a new ARN for every caller).
   */
  public get runWorkflow(): string {
    return `${this.prefix}-customer-platform-run-${this.environment}`;
  }

  /** `sanders-customer-platform-run-dev-lock`: the run workflow's lock table (kept with the run workflow's name). */
  public get runLockTable(): string {
    return `${this.runWorkflow}-lock`;
  }

  /** `sanders-batch-platform-run-cleanup-dev`: terminates the jobs of a run stopped from outside. */
  public get runCleanup(): string {
    return `${this.prefix}-batch-platform-run-cleanup-${this.environment}`;
  }

  /** `sanders-customer-platform-dev` (created before the `batch-platform` stem; kept so it is not replaced) */
  public get schedule(): string {
    return `${this.prefix}-customer-platform-${this.environment}`;
  }
}

/** `/aws/vendedlogs/states/<state machine name>`: a state machine's log group (Step Functions' vended logs). */
export function stateMachineLogGroupName(stateMachineName: string): string {
  return `/aws/vendedlogs/states/${stateMachineName}`;
}
