/**
 * Every check of the props, in one pass with one report: all problems are thrown together, before any resource
 * exists. The single checks live in `validation.ts` (names, tiers, workflow).
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { PROD_ENVIRONMENT } from './defaults';
import { checkExistingResources } from './existing-checks';
import { checkDataSafety, checkImageTag, checkJobDefinitionNames, checkJobSubmissions, checkPropTypes } from './input-checks';
import { PlatformNames } from './names';
import type { DataSettings } from './settings';
import {
  Problems, requireLiteral, validateBucketName, validateEnvironment, validatePrefix, validateRepositoryName,
  validateRunTimeout, validateTableName, validateTiers, validateWorkflow,
} from './validation';
import { DataSafety } from '../../data-safety';
import { MemoryTier } from '../../memory-tier';
import { NetworkProfile } from '../../network-profile';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';
import { WorkflowJob } from '../../workflow-job';
import { WorkflowSchedule } from '../../workflow-schedule';

/** The values the checks need beyond the props, as `resolveSettings` derived them. */
export interface CheckedValues {
  readonly environment: string;
  readonly names: PlatformNames;
  readonly data: DataSettings;
  readonly tiers: MemoryTier[];
  readonly workflow: WorkflowJob[];
  readonly maxvCpus: number;
}

/**
 * Whether a workflow job runs on a job definition of its own instead of its tier's: secrets, the job role and
 * the image can only be set in a job definition, not at submission.
 */
export function hasOwnJobDefinition(job: WorkflowJob): boolean {
  return job.secrets !== undefined || job.dataAccess !== undefined || job.image !== undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The JavaScript types of the props, before anything is derived from them: resolving the defaults and the other
 * checks would trip over a wrong type. Throws when a type is wrong in a way they would stumble over; returns the
 * problems found so far, for `checkProps`.
 */
export function checkTypes(props: SandersBatchPlatformProps): Problems {
  const problems = new Problems();
  if (!checkPropTypes(problems, props)) problems.throwIfAny('SandersBatchPlatform configuration');
  return problems;
}

/** Throws one error listing every problem of the props (with those `checkTypes` found). */
export function checkProps(props: SandersBatchPlatformProps, v: CheckedValues, problems: Problems = new Problems()): void {
  const namesValid = checkNames(problems, props, v);
  checkData(problems, v.data, props);
  checkDisposableProd(problems, v.environment, props);
  checkExistingResources(problems, props);
  checkCompute(problems, props, v, namesValid);
  checkOperations(problems, props);
  problems.throwIfAny('SandersBatchPlatform configuration');
}

/** Returns whether the environment and prefix are valid (names built from bad ones would only repeat the problem). */
function checkNames(problems: Problems, props: SandersBatchPlatformProps, v: CheckedValues): boolean {
  const before = problems.count;
  validateEnvironment(problems, v.environment);
  validatePrefix(problems, v.names.prefix);
  const namesValid = problems.count === before;
  if (namesValid || props.bucketName !== undefined) validateBucketName(problems, v.data.bucketName);
  if (namesValid || props.tableName !== undefined) validateTableName(problems, v.data.tableName);
  if (namesValid || props.repositoryName !== undefined) validateRepositoryName(problems, v.data.repositoryName);
  if (props.imageTag !== undefined) checkImageTag(problems, props.imageTag);
  return namesValid;
}

function checkData(problems: Problems, data: DataSettings, props: SandersBatchPlatformProps): void {
  if (data.removalPolicy === RemovalPolicy.SNAPSHOT) {
    problems.add('removalPolicy is RemovalPolicy.SNAPSHOT, which S3 buckets, ECR repositories, KMS keys and log groups do not support: use RemovalPolicy.RETAIN (keep the data) or RemovalPolicy.DESTROY');
  }
  checkDataSafety(problems, data.removalPolicy, props.deletionProtection);
  if (data.autoDeleteObjects && data.removalPolicy !== RemovalPolicy.DESTROY) {
    problems.add(`autoDeleteObjects is true but removalPolicy is ${data.removalPolicy}: emptying the bucket only makes sense when it is destroyed; set removalPolicy to RemovalPolicy.DESTROY or autoDeleteObjects to false`);
  }
}

/** A schedule needs its `expression` (JavaScript callers may leave it out, or give the strings of version 0.1). */
function checkSchedule(problems: Problems, schedule: WorkflowSchedule): void {
  const old = schedule as { cronExpression?: unknown; timeZone?: unknown };
  const example = "expression: ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN })";
  if (old.cronExpression !== undefined || old.timeZone !== undefined) {
    const given = [old.cronExpression !== undefined ? `cronExpression '${old.cronExpression}'` : undefined, old.timeZone !== undefined ? `timeZone '${old.timeZone}'` : undefined]
      .filter(Boolean).join(' and ');
    problems.add(`schedule has ${given}, which version 0.2 replaced with expression: give `
      + `expression: ScheduleExpression.expression('cron(${old.cronExpression ?? '30 2 * * ? *'})', TimeZone.of('${old.timeZone ?? 'UTC'}')), or ${example}`);
  } else if (schedule.expression === undefined) {
    problems.add(`schedule has no expression: give ${example}`);
  }
}

/** A production environment whose data would go with the stack needs a word that this is meant. */
function checkDisposableProd(problems: Problems, environment: string, props: SandersBatchPlatformProps): void {
  if (environment !== PROD_ENVIRONMENT || props.dataSafety !== DataSafety.DISPOSABLE || props.acknowledgeDisposableProd === true) return;
  problems.add(`dataSafety is DataSafety.DISPOSABLE in environment '${PROD_ENVIRONMENT}': the bucket, table, repository and key would be destroyed with the stack, without point-in-time recovery or backup; remove dataSafety (prod keeps its data by default), or set acknowledgeDisposableProd to true if prod's data really is disposable`);
}

function checkCompute(problems: Problems, props: SandersBatchPlatformProps, v: CheckedValues, namesValid: boolean): void {
  const { maxvCpus, tiers, workflow } = v;
  if (requireLiteral(problems, 'maxvCpus', maxvCpus) && (!Number.isInteger(maxvCpus) || maxvCpus < 1 || maxvCpus > 10000)) {
    problems.add(`maxvCpus ${maxvCpus} is not valid: give a whole number from 1 to 10000 (the most vCPUs the platform runs at once)`);
  }
  const tiersByName = validateTiers(problems, tiers);
  validateWorkflow(problems, workflow, tiersByName, props.workflow === undefined);
  checkJobSubmissions(problems, workflow);
  if (props.runTimeout !== undefined) validateRunTimeout(problems, props.runTimeout);
  for (const tier of tiers) {
    if (tier.vcpu > maxvCpus) {
      problems.add(`memory tier '${tier.name}' needs ${tier.vcpu} vCPUs but maxvCpus is ${maxvCpus}: raise maxvCpus`);
    }
  }
  if (namesValid) {
    checkJobDefinitionNames(problems, tiers.map(t => t.name), workflow.filter(hasOwnJobDefinition).map(j => j.name), n => v.names.jobDefinition(n));
  }
  // Fargate Spot runs only X86_64 tasks: an ARM64 job in a Spot-first queue would never be placed on Spot.
  const armTiers = tiers.filter(t => t.cpuArchitecture?._cpuArchitecture === 'ARM64').map(t => t.name);
  if (props.useSpot === true && armTiers.length > 0) {
    problems.add(`useSpot is true but memory tier(s) ${armTiers.map(t => `'${t}'`).join(', ')} run on ARM64, which Fargate Spot does not support: set useSpot to false or use X86_64 for those tiers`);
  }
}

/** Network, schedule and alerts. */
function checkOperations(problems: Problems, props: SandersBatchPlatformProps): void {
  if (props.networkProfile !== undefined && !Object.values(NetworkProfile).includes(props.networkProfile)) {
    problems.add(`networkProfile '${props.networkProfile}' is not a network profile: use one of ${Object.values(NetworkProfile).join(', ')}`);
  }
  if (props.vpc !== undefined && props.networkProfile !== undefined) {
    problems.add(`networkProfile ${props.networkProfile} and vpc are both given: a network profile shapes only the VPC the platform creates; leave out networkProfile when you bring your own VPC`);
  }
  if (props.vpc !== undefined && props.vpc.privateSubnets.length === 0) {
    problems.add(`vpc ${Token.isUnresolved(props.vpc.vpcId) ? '(imported)' : props.vpc.vpcId} has no private subnets with egress: the jobs run in PRIVATE_WITH_EGRESS subnets that reach ECR, CloudWatch Logs and Batch through a NAT gateway or interface endpoints; import the VPC with its privateSubnetIds`);
  }
  if (props.schedule !== undefined) checkSchedule(problems, props.schedule);
  const alarmEmails = props.alarmEmails ?? [];
  for (const email of new Set(alarmEmails.filter((e, i) => alarmEmails.indexOf(e) !== i))) {
    problems.add(`alarmEmails lists '${email}' more than once: list each address once`);
  }
  for (const email of alarmEmails) {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      problems.add(`alarmEmails entry '${email}' is not an e-mail address: give addresses such as 'oncall@example.com'`);
    }
  }
  const runnableTimeout = props.runnableTimeout;
  const seconds = runnableTimeout === undefined || runnableTimeout.isUnresolved() ? undefined : runnableTimeout.toSeconds();
  if (runnableTimeout !== undefined && seconds !== undefined && (seconds < 60 || seconds > 7 * 24 * 3600)) {
    problems.add(`runnableTimeout ${runnableTimeout.toHumanString()} is not valid: give 1 minute to 7 days (how long a job may wait in RUNNABLE before the alarm fires)`);
  }
}
