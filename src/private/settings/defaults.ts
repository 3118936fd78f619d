/**
 * Every default value of the platform, in one place. `resolveSettings` layers the props over these; no builder
 * holds a default of its own. Each one is also written in the `@default` of its prop.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DataSafety } from '../../data-safety';
import { DefaultMemoryTiers, MemoryTier } from '../../memory-tier';
import { NetworkProfile } from '../../network-profile';
import { OnJobFailure } from '../../on-job-failure';
import { AccessLevel, DefaultWorkflow, WorkflowJob } from '../../workflow-job';

/** The environment whose data is disposable by default. Every other environment keeps its data by default. */
export const DEV_ENVIRONMENT = 'dev';
/** The production environment: disposable data there needs `acknowledgeDisposableProd`. */
export const PROD_ENVIRONMENT = 'prod';

/** Defaults that do not depend on the environment. */
export const DEFAULTS = {
  environment: DEV_ENVIRONMENT,
  namePrefix: 'sanders',
  imageTag: 'latest',
  /**
   * `maxvCpus` when none is given is the workflow's peak demand, rounded up, but at least `floor` and at most
   * `cap` (a wider workflow then waits for capacity unless `maxvCpus` is raised: synth warns).
   */
  maxvCpus: { floor: 64, cap: 256 },
  logRetention: logs.RetentionDays.ONE_YEAR,
  createOutputs: true,
  /** How long a run may take before the workflow's watch stops it. */
  runTimeout: Duration.hours(24),
  /** A failed run is run again as a whole, so work after the first failure would be paid twice. */
  onJobFailure: OnJobFailure.STOP_ALL,
  /** How long a job may wait in RUNNABLE before the stuck-jobs alarm fires. */
  runnableTimeout: Duration.minutes(30),
  scheduleTimeZone: 'UTC',
  scheduleEnabled: true,
  alarmEmails: [] as string[],
  /** A workflow job's attempts (AWS Batch `RetryStrategy.Attempts`). */
  retryAttempts: 3,
  cpuArchitecture: ecs.CpuArchitecture.X86_64,
  /** A job's access to the bucket and to the table, when `dataAccess` leaves one out. */
  accessLevel: AccessLevel.READ_WRITE,
  memoryTiers: (): MemoryTier[] => DefaultMemoryTiers.all(),
  workflow: (): WorkflowJob[] => DefaultWorkflow.jobs(),
  /** Fixed, not props: how long access logs and daily backups are kept, how long a deleted key waits. */
  accessLogExpiration: Duration.days(365),
  backupRetention: Duration.days(35),
  keyPendingWindow: Duration.days(7),
  imagesKept: 30,
  /** Parts of uploads that never completed are removed after this long. */
  incompleteUploadExpiration: Duration.days(7),
  /** Access logs' older versions (when versioned) are removed after this long. */
  accessLogNoncurrentExpiration: Duration.days(30),
  /** When AWS Backup backs the table up each day (UTC). */
  backupTime: { hour: '3', minute: '0' },
  /** A scheduled start that cannot happen within this long is dropped rather than run late; retried this often. */
  scheduleMaxEventAge: Duration.hours(1),
  scheduleRetryAttempts: 5,
  /** The period of the metric methods (and so of the alarms and the dashboard's graphs) unless a caller gives one. */
  metricPeriod: Duration.minutes(5),
  /** An alarm goes to ALARM on the first period with one run failed or one job stuck. */
  alarm: { threshold: 1, evaluationPeriods: 1 },
  /** The time range the dashboard opens with. */
  dashboardInterval: Duration.days(7),
  /** A backfill's input when it leaves these out (applied by the backfill state machine at run time). */
  backfill: { maxConcurrency: 1, stopOnFailure: false },
} as const;

/**
 * The default retry conditions for jobs on Fargate: retry what the infrastructure broke, not what the
 * application did. At most 5 rules (Batch's limit); the first rule whose patterns all match decides, and Batch
 * retries an attempt that no rule matches
 * (https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html, which shows `onStatusReason:
 * "Task failed to start"` as a rule to retry).
 *
 * 1. status reason `Your Spot Task was interrupted*`: Fargate Spot reclaimed the capacity (the ECS stop reason of
 *    an interrupted Spot task; its container exits 143, so this rule must come before the exit-code rule).
 * 2. status reason `ResourceInitializationError*`: Fargate could not set the task up, e.g.
 *    `ResourceInitializationError: unable to pull secrets or registry auth: ...` (ECS stopped task errors,
 *    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html).
 * 3. status reason `Task failed to start*`: the task never ran (Batch's own retry example).
 * 4. container reason `CannotPullContainerError*`: the image pull failed
 *    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html); with Batch's
 *    `Task failed to start` status reason rule 3 already matches, this covers any other status reason.
 *    `CannotStartContainerError` (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-start-container.html)
 *    comes with `Task failed to start` too.
 * 5. any exit code: the application ran and failed: exit, no retry.
 *
 * Anything else without an exit code (a Fargate error not listed) matches no rule, so Batch retries it. The
 * EC2 reason `Host EC2*` (CDK's `Reason.SPOT_INSTANCE_RECLAIMED`) never occurs on Fargate and is not listed.
 */
export function defaultRetryStrategies(): batch.RetryStrategy[] {
  return [
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'Your Spot Task was interrupted*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'ResourceInitializationError*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'Task failed to start*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onReason: 'CannotPullContainerError*' })),
    batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
  ];
}

/**
 * The data-safety default of an environment name: `dev` is disposable, any other name keeps its data. A name other
 * than `dev` or `prod` gets a synth warning (`PlatformSettings.warnings`), unless `dataSafety` is given.
 */
export function defaultDataSafety(environment: string): DataSafety {
  return environment === DEV_ENVIRONMENT ? DataSafety.DISPOSABLE : DataSafety.RETAINED;
}

/** The defaults of the props that keep data, from `dataSafety`. */
export interface DataSafetyDefaults {
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly versioned: boolean;
  readonly backupPlan: boolean;
}

export function dataSafetyDefaults(dataSafety: DataSafety): DataSafetyDefaults {
  return dataSafety === DataSafety.DISPOSABLE ? {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    pointInTimeRecovery: false,
    deletionProtection: false,
    versioned: false,
    backupPlan: false,
  } : {
    removalPolicy: RemovalPolicy.RETAIN,
    autoDeleteObjects: false,
    pointInTimeRecovery: true,
    deletionProtection: true,
    versioned: true,
    backupPlan: true,
  };
}

/**
 * The defaults that are about cost, not safety, from the environment name: `dev` idles cheaply, every other name is
 * built for production. They do not follow `dataSafety`: a disposable staging still wants production's network.
 */
export interface EnvironmentDefaults {
  readonly networkProfile: NetworkProfile;
  /** Unless a memory tier runs on ARM64, which Fargate Spot does not support. */
  readonly useSpot: boolean;
  readonly createDashboard: boolean;
}

export function environmentDefaults(environment: string): EnvironmentDefaults {
  return environment === DEV_ENVIRONMENT ? {
    networkProfile: NetworkProfile.ON_DEMAND_EGRESS,
    useSpot: true,
    // Off in dev: a dashboard is $3 a month beyond an account's first three, which with the rotated KMS key
    // would lift dev's idle cost over $5.
    createDashboard: false,
  } : {
    networkProfile: NetworkProfile.NAT_GATEWAY_PER_AZ,
    useSpot: false,
    createDashboard: true,
  };
}
