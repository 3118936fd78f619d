/**
 * The props resolved once into one settings object per part (data, network, compute, workflow, monitoring), over
 * the defaults of `defaults.ts`, after every check listed in `checks.ts` passed. A builder gets its part's settings and
 * never reads the props or decides dev versus prod itself.
 */
import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkProps, checkTypes } from './checks';
import { removalWarning } from './data-checks';
import { defaultBucketName, TableKeys, tableKeysOf } from './data-model-checks';
import { dataSafetyDefaults, defaultDataSafety, defaultRetryStrategies, DEFAULTS, DEV_ENVIRONMENT, environmentDefaults, PROD_ENVIRONMENT } from './defaults';
import { PlatformNames } from './names';
import { stackNameProblems } from './stack-names';
import { hasOwnJobDefinition } from './workflow-checks';
import { DataSafety } from '../../data-safety';
import { MemoryTier } from '../../memory-tier';
import { NetworkProfile } from '../../network-profile';
import { OnJobFailure } from '../../on-job-failure';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';
import { AccessLevel, WorkflowJob } from '../../workflow-job';
import { belowPeakWarning, defaultMaxvCpus, workflowPeak } from '../workflow/workflow-capacity';

/** How every log group of the platform keeps its events. */
export interface LogSettings {
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface DataSettings {
  readonly bucketName: string;
  readonly tableName: string;
  /** The key schema of the table the platform creates; undefined only with `existingTable` (then unchecked). */
  readonly tableKeys?: TableKeys;
  readonly repositoryName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly versioned: boolean;
  readonly backupPlan: boolean;
  /** `dataSafety` is DISPOSABLE: what the compliance acknowledgements of a disposable environment say. */
  readonly disposable: boolean;
  /** Resources the team brings: used as they are, none created in their place. */
  readonly existingBucket?: s3.IBucket;
  readonly existingTable?: dynamodb.ITable;
  readonly existingEncryptionKey?: kms.IKey;
}

export interface NetworkSettings {
  /** The profile of the VPC the platform creates; undefined when the team brings its own VPC. */
  readonly profile?: NetworkProfile;
  readonly vpc?: ec2.IVpc;
}

/** A job's access to the bucket and the table, with the defaults filled in. */
export interface DataAccessSettings {
  readonly bucket: AccessLevel;
  readonly table: AccessLevel;
  readonly bucketPrefix?: string;
  readonly tableLeadingKeys?: string[];
}

/** What the shared job role may reach. */
export const SHARED_JOB_ACCESS: DataAccessSettings = { bucket: DEFAULTS.accessLevel, table: DEFAULTS.accessLevel };

/** A memory tier with its defaults filled in. */
export interface TierSettings extends MemoryTier {
  readonly cpuArchitecture: NonNullable<MemoryTier['cpuArchitecture']>;
}

/** A workflow job with its defaults filled in. */
export interface JobSettings {
  readonly name: string;
  readonly tier: TierSettings;
  readonly dependsOn: string[];
  readonly command?: string[];
  readonly environment: { [name: string]: string };
  readonly secrets?: WorkflowJob['secrets'];
  /** Set when the job runs with a role of its own. */
  readonly dataAccess?: DataAccessSettings;
  /** The job's own image, instead of its tier's. */
  readonly image?: ecs.ContainerImage;
  /** Secrets, the job role and the image can only be set in a job definition, not at submission. */
  readonly ownJobDefinition: boolean;
  readonly retryAttempts: number;
  readonly retryStrategies: batch.RetryStrategy[];
  readonly timeout?: Duration;
  readonly arraySize?: number;
}

export interface ComputeSettings {
  readonly maxvCpus: number;
  readonly useSpot: boolean;
  readonly imageTag: string;
  readonly tiers: TierSettings[];
  readonly jobs: JobSettings[];
}

export interface WorkflowSettings {
  readonly jobs: JobSettings[];
  /** How long a run may take (the workflow's watch enforces it). */
  readonly runTimeout: Duration;
  /** What a run does with its other jobs when a job fails. */
  readonly onJobFailure: OnJobFailure;
  readonly schedule?: ScheduleSettings;
}

export interface ScheduleSettings {
  /** With its time zone: the one given, or UTC. */
  readonly expression: scheduler.ScheduleExpression;
  readonly enabled: boolean;
}

export interface MonitoringSettings {
  /** The team's own topic; undefined to create one. */
  readonly alarmTopic?: sns.ITopic;
  readonly alarmEmails: string[];
  readonly runnableTimeout: Duration;
  readonly createDashboard: boolean;
}

export interface PlatformSettings {
  readonly environment: string;
  readonly dataSafety: DataSafety;
  /**
   * The synth warnings of these settings, by id: the data safety an environment name other than `dev` or `prod`
   * chose, a `maxvCpus` below the workflow's peak, a bucket and repository destroyed without being emptied.
   */
  readonly warnings: Array<{ readonly id: string; readonly message: string }>;
  readonly names: PlatformNames;
  readonly logs: LogSettings;
  readonly data: DataSettings;
  readonly network: NetworkSettings;
  readonly compute: ComputeSettings;
  readonly workflow: WorkflowSettings;
  readonly monitoring: MonitoringSettings;
  readonly createOutputs: boolean;
}

/**
 * Checks the props (every problem in one error) and resolves them. With `platform`, a physical name that another
 * platform of the app already uses is one more problem of the same report.
 */
export function resolveSettings(props: SandersBatchPlatformProps, platform?: Construct): PlatformSettings {
  const typeProblems = checkTypes(props);
  const environment = props.environment ?? DEFAULTS.environment;
  const names = new PlatformNames(props.namePrefix ?? DEFAULTS.namePrefix, environment, props.metricNamespace);
  const env = environmentDefaults(environment);
  const dataSafety = props.dataSafety ?? defaultDataSafety(environment);
  const safe = dataSafetyDefaults(dataSafety);
  const data: DataSettings = {
    bucketName: props.bucketName ?? defaultBucketName(names, props, platform),
    tableName: props.tableName ?? names.table,
    tableKeys: tableKeysOf(props),
    repositoryName: props.repositoryName ?? names.repository,
    removalPolicy: props.removalPolicy ?? safe.removalPolicy,
    // Emptying the bucket only makes sense when it is destroyed.
    autoDeleteObjects: props.autoDeleteObjects ?? (safe.autoDeleteObjects && (props.removalPolicy ?? safe.removalPolicy) === RemovalPolicy.DESTROY),
    pointInTimeRecovery: props.pointInTimeRecovery ?? safe.pointInTimeRecovery,
    deletionProtection: props.deletionProtection ?? safe.deletionProtection,
    versioned: props.versioned ?? safe.versioned,
    // The backup plan covers only a table the platform creates.
    backupPlan: props.backupPlan ?? (safe.backupPlan && props.existingTable === undefined),
    disposable: dataSafety === DataSafety.DISPOSABLE,
    existingBucket: props.existingBucket,
    existingTable: props.existingTable,
    existingEncryptionKey: props.existingEncryptionKey,
  };
  const tiers = props.memoryTiers ?? DEFAULTS.memoryTiers();
  const workflow = props.workflow ?? DEFAULTS.workflow();
  // Until the workflow is checked its peak cannot be computed; the floor is above every Fargate size.
  const checkedMaxvCpus = props.maxvCpus ?? DEFAULTS.maxvCpus.floor;
  const armTiers = tiers.filter(t => t.cpuArchitecture?._cpuArchitecture === 'ARM64');
  const createOutputs = props.createOutputs ?? DEFAULTS.createOutputs;
  if (platform !== undefined) stackNameProblems(typeProblems, platform, { names, data, createOutputs });
  checkProps(props, { environment, names, data, tiers, workflow, maxvCpus: checkedMaxvCpus, dataSafety, platform }, typeProblems);

  const tierSettings = tiers.map(t => ({ ...t, cpuArchitecture: t.cpuArchitecture ?? DEFAULTS.cpuArchitecture }));
  const jobs = workflow.map(job => resolveJob(job, tierSettings.find(t => t.name === job.tier)!));
  // The workflow's peak concurrent demand, computed once: the default of `maxvCpus`, and the warning when it is below.
  const peakDemand = workflowPeak(jobs);
  const maxvCpus = props.maxvCpus ?? defaultMaxvCpus(peakDemand, DEFAULTS.maxvCpus);
  return {
    environment,
    dataSafety,
    warnings: [
      { id: 'dataSafety', message: props.dataSafety === undefined ? dataSafetyWarning(environment, dataSafety) : undefined },
      { id: 'maxvCpusBelowPeak', message: belowPeakWarning(peakDemand, maxvCpus) },
      { id: 'removalWithoutEmptying', message: removalWarning(data) },
    ].flatMap(w => (w.message === undefined ? [] : [{ id: `@sanders/batch-platform:${w.id}`, message: w.message }])),
    names,
    logs: { retention: props.logRetention ?? DEFAULTS.logRetention, removalPolicy: data.removalPolicy },
    data,
    network: {
      profile: props.vpc !== undefined ? undefined : props.networkProfile ?? env.networkProfile,
      vpc: props.vpc,
    },
    compute: {
      maxvCpus,
      useSpot: props.useSpot ?? (env.useSpot && armTiers.length === 0),
      imageTag: props.imageTag ?? DEFAULTS.imageTag,
      tiers: tierSettings,
      jobs,
    },
    workflow: {
      jobs,
      runTimeout: props.runTimeout ?? DEFAULTS.runTimeout,
      onJobFailure: props.onJobFailure ?? DEFAULTS.onJobFailure,
      schedule: resolveSchedule(props),
    },
    monitoring: {
      alarmTopic: props.alarmTopic,
      alarmEmails: props.alarmEmails ?? DEFAULTS.alarmEmails,
      runnableTimeout: props.runnableTimeout ?? DEFAULTS.runnableTimeout,
      createDashboard: props.createDashboard ?? env.createDashboard,
    },
    createOutputs,
  };
}

/** The warning for an environment name other than `dev` or `prod` that chose the data safety. */
function dataSafetyWarning(environment: string, dataSafety: DataSafety): string | undefined {
  if (environment === DEV_ENVIRONMENT || environment === PROD_ENVIRONMENT) return undefined;
  return `environment '${environment}' is neither '${DEV_ENVIRONMENT}' nor '${PROD_ENVIRONMENT}', so its data safety is DataSafety.${dataSafety}`
    + ' (only \'dev\' is disposable by default): every resource that holds data is retained, with point-in-time recovery, deletion'
    + ' protection, versioning and a daily backup. Set dataSafety to DataSafety.RETAINED to keep this and silence this warning,'
    + ' or to DataSafety.DISPOSABLE to destroy the data with the stack';
}

function resolveJob(job: WorkflowJob, tier: TierSettings): JobSettings {
  const access = job.dataAccess;
  return {
    name: job.name,
    tier,
    dependsOn: job.dependsOn ?? [],
    command: job.command,
    environment: job.environment ?? {},
    secrets: job.secrets,
    image: job.image,
    dataAccess: access === undefined ? undefined : {
      bucket: access.bucket ?? DEFAULTS.accessLevel,
      table: access.table ?? DEFAULTS.accessLevel,
      bucketPrefix: access.bucketPrefix,
      tableLeadingKeys: access.tableLeadingKeys,
    },
    ownJobDefinition: hasOwnJobDefinition(job),
    retryAttempts: job.retryAttempts ?? DEFAULTS.retryAttempts,
    retryStrategies: job.retryStrategies ?? defaultRetryStrategies(),
    timeout: job.timeout,
    arraySize: job.arraySize,
  };
}

function resolveSchedule(props: SandersBatchPlatformProps): ScheduleSettings | undefined {
  const schedule = props.schedule;
  if (schedule === undefined) return undefined;
  // aws-cdk-lib reads a cron or rate without a time zone as `Etc/UTC`; version 0.1 wrote `UTC` (the same zone), so a
  // schedule keeps its template across the upgrade.
  const given = schedule.expression;
  const zone = given.timeZone === undefined || given.timeZone.timezoneName === TimeZone.ETC_UTC.timezoneName
    ? TimeZone.of(DEFAULTS.scheduleTimeZone) : given.timeZone;
  const expression = scheduler.ScheduleExpression.expression(given.expressionString, zone);
  return { expression, enabled: schedule.enabled ?? DEFAULTS.scheduleEnabled };
}
