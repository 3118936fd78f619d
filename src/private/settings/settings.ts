/**
 * Every default of the construct in one place, resolved from the props and validated before any
 * resource is created.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PlatformNames } from './names';
import { OperationsSettings, resolveOperations } from './operations-settings';
import {
  Problems, requireLiteral, validateBucketName, validateEnvironment, validatePrefix, validateRepositoryName,
  validateTableName, validateTiers, validateWorkflow, validateRunTimeout,
} from './validation';
import { DefaultMemoryTiers, MemoryTier } from '../../memory-tier';
import { OnJobFailure } from '../../on-job-failure';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';
import { DefaultWorkflow, WorkflowJob } from '../../workflow-job';
import { defaultMaxvCpus } from '../workflow/workflow-capacity';

/** The environment whose resources are disposable. Every other environment keeps its data. */
export const DEV_ENVIRONMENT = 'dev';

export interface PlatformSettings {
  readonly environment: string;
  readonly isDev: boolean;
  readonly names: PlatformNames;
  readonly tiers: MemoryTier[];
  readonly workflow: WorkflowJob[];
  readonly imageTag: string;
  readonly bucketName: string;
  readonly tableName: string;
  readonly repositoryName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly versioned: boolean;
  readonly backupPlan: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly maxvCpus: number;
  readonly createOutputs: boolean;
  /** How long a run may take (the workflow's watch enforces it). */
  readonly runTimeout: Duration;
  /** What a run does with its other jobs when a job fails. */
  readonly onJobFailure: OnJobFailure;
  /** Network profile, Spot, schedule and alerts (`operations-settings.ts`). */
  readonly operations: OperationsSettings;
}

/**
 * Whether a workflow job runs on a job definition of its own instead of its tier's: secrets and the job role
 * can only be set in a job definition, not at submission.
 */
export function hasOwnJobDefinition(job: WorkflowJob): boolean {
  return job.secrets !== undefined || job.dataAccess !== undefined;
}

export function resolveSettings(props: SandersBatchPlatformProps): PlatformSettings {
  const problems = new Problems();
  const environment = props.environment ?? DEV_ENVIRONMENT;
  const prefix = props.namePrefix ?? 'sanders';
  const before = problems.count;
  validateEnvironment(problems, environment);
  validatePrefix(problems, prefix);
  // Names built from a bad environment or prefix would only repeat that problem.
  const namesValid = problems.count === before;
  const names = new PlatformNames(prefix, environment);
  const isDev = environment === DEV_ENVIRONMENT;

  const bucketName = props.bucketName ?? names.bucket;
  const tableName = props.tableName ?? names.table;
  const repositoryName = props.repositoryName ?? names.repository;
  if (namesValid || props.bucketName !== undefined) validateBucketName(problems, bucketName);
  if (namesValid || props.tableName !== undefined) validateTableName(problems, tableName);
  if (namesValid || props.repositoryName !== undefined) validateRepositoryName(problems, repositoryName);

  const imageTag = props.imageTag ?? 'latest';
  if (requireLiteral(problems, 'imageTag', imageTag) && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag)) {
    problems.add(`imageTag '${imageTag}' is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
  }

  const removalPolicy = props.removalPolicy ?? (isDev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
  const autoDeleteObjects = props.autoDeleteObjects ?? (isDev && removalPolicy === RemovalPolicy.DESTROY);
  if (removalPolicy === RemovalPolicy.SNAPSHOT) {
    problems.add('removalPolicy is RemovalPolicy.SNAPSHOT, which S3 buckets, ECR repositories, KMS keys and log groups do not support: use RemovalPolicy.RETAIN (keep the data) or RemovalPolicy.DESTROY');
  }
  if (autoDeleteObjects && removalPolicy !== RemovalPolicy.DESTROY) {
    problems.add(`autoDeleteObjects is true but removalPolicy is ${removalPolicy}: emptying the bucket only makes sense when it is destroyed; set removalPolicy to RemovalPolicy.DESTROY or autoDeleteObjects to false`);
  }

  const maxvCpus = props.maxvCpus ?? 64;
  if (requireLiteral(problems, 'maxvCpus', maxvCpus) && (!Number.isInteger(maxvCpus) || maxvCpus < 1 || maxvCpus > 10000)) {
    problems.add(`maxvCpus ${maxvCpus} is not valid: give a whole number from 1 to 10000 (the most vCPUs the platform runs at once)`);
  }

  const tiers = props.memoryTiers ?? DefaultMemoryTiers.all();
  const workflow = props.workflow ?? DefaultWorkflow.jobs();
  const tiersByName = validateTiers(problems, tiers);
  validateWorkflow(problems, workflow, tiersByName, props.workflow === undefined);
  const runTimeout = props.runTimeout ?? Duration.hours(24);
  validateRunTimeout(problems, runTimeout);
  for (const tier of tiers) {
    if (tier.vcpu > maxvCpus) {
      problems.add(`memory tier '${tier.name}' needs ${tier.vcpu} vCPUs but maxvCpus is ${maxvCpus}: raise maxvCpus`);
    }
  }
  for (const n of namesValid ? [...tiers.map(t => t.name), ...workflow.filter(hasOwnJobDefinition).map(j => j.name)] : []) {
    const defName = names.jobDefinition(n);
    if (defName.length > 128) problems.add(`job definition name '${defName}' is longer than AWS Batch's 128 characters: shorten the tier or job name`);
  }

  const operations = resolveOperations(problems, props, isDev);

  problems.throwIfAny('SandersBatchPlatform configuration');
  return {
    environment,
    isDev,
    names,
    tiers,
    workflow,
    imageTag,
    bucketName,
    tableName,
    repositoryName,
    removalPolicy,
    autoDeleteObjects,
    pointInTimeRecovery: props.pointInTimeRecovery ?? !isDev,
    deletionProtection: props.deletionProtection ?? !isDev,
    versioned: props.versioned ?? !isDev,
    backupPlan: props.backupPlan ?? !isDev,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    maxvCpus: props.maxvCpus ?? defaultMaxvCpus(workflow, tiers),
    createOutputs: props.createOutputs ?? true,
    runTimeout,
    onJobFailure: props.onJobFailure ?? OnJobFailure.STOP_ALL,
    operations,
  };
}
