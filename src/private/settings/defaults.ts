/**
 * Every default value of the platform, in one place. `resolveSettings` layers the props over these; no builder
 * holds a default of its own. Each one is also written in the `@default` of its prop.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
} as const;

/**
 * The data-safety default of an environment name: `dev` is disposable, any other name keeps its data. A name other
 * than `dev` or `prod` gets a synth warning (`dataSafetyWarning`), unless `dataSafety` is given.
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
