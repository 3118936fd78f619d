/**
 * Synth-time validation of the construct's props. Every check runs before any resource is created,
 * so bad input never leaves a half-built construct tree; all problems are reported together.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { describeFargateMemory, FARGATE_VCPUS, fargateMemoryValuesMiB, fargateVcpusForMemory } from './fargate';
import { MemoryTier } from '../../memory-tier';
import { AccessLevel, WorkflowJob } from '../../workflow-job';
import { renderEvaluateOnExit } from '../compute/retry';
import { findCycle } from '../workflow/workflow-graph';

/** Collects problems and throws them as one error. */
export class Problems {
  private readonly messages: string[] = [];

  public add(message: string): void {
    this.messages.push(message);
  }

  public get count(): number {
    return this.messages.length;
  }

  public throwIfAny(what: string): void {
    if (this.messages.length === 0) return;
    const list = this.messages.map(m => `  - ${m}`).join('\n');
    throw new Error(`invalid ${what} (${this.messages.length} problem${this.messages.length > 1 ? 's' : ''}):\n${list}`);
  }
}

/** Fails on an unresolved token where a literal is needed to validate or to build names. */
export function requireLiteral(problems: Problems, what: string, value: unknown): boolean {
  if (value !== undefined && Token.isUnresolved(value)) {
    problems.add(`${what} is an unresolved token (${String(value)}); it must be a literal known at synth time, because names and the workflow are built from it`);
    return false;
  }
  return true;
}

const ENVIRONMENT = /^[a-z][a-z0-9]{0,15}$/;
const PREFIX = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
const TIER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = ['RUN_DATE', 'JOB_NAME'];

/** Batch: a job may depend on at most 20 jobs. */
export const MAX_DEPENDENCIES = 20;

export function validateEnvironment(problems: Problems, environment: string): void {
  if (!requireLiteral(problems, 'environment', environment)) return;
  if (!ENVIRONMENT.test(environment)) {
    problems.add(`environment '${environment}' is not valid: use 1-16 lowercase letters and digits starting with a letter, e.g. 'dev', 'staging' or 'prod'`);
  }
}

export function validatePrefix(problems: Problems, prefix: string): void {
  if (!requireLiteral(problems, 'namePrefix', prefix)) return;
  if (!PREFIX.test(prefix) || prefix.includes('--')) {
    problems.add(`namePrefix '${prefix}' is not valid: use 1-20 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (it starts the S3 bucket name), e.g. 'sanders' or 'team-a'`);
  }
}

/** S3 bucket name rules. */
export function validateBucketName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'bucketName', name)) return;
  const why: string[] = [];
  if (name.length < 3 || name.length > 63) why.push(`it is ${name.length} characters long (3-63 allowed)`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) why.push('only lowercase letters, digits, dots and hyphens are allowed, starting and ending with a letter or digit');
  if (name.includes('..')) why.push('it contains two adjacent dots');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) why.push('it looks like an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) why.push("it starts with 'xn--', 'sthree-' or 'amzn-s3-demo-'");
  if (/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name)) why.push("it ends with '-s3alias', '--ol-s3', '--x-s3', '--table-s3' or '.mrap'");
  if (why.length > 0) problems.add(`bucket name '${name}' is not valid: ${why.join('; ')}. Choose a shorter namePrefix or environment, or set bucketName`);
}

export function validateTableName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'tableName', name)) return;
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) {
    problems.add(`table name '${name}' is not valid: DynamoDB allows 3-255 letters, digits, '_', '.' and '-'`);
  }
}

export function validateRepositoryName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'repositoryName', name)) return;
  if (name.length < 2 || name.length > 256 || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(name)) {
    problems.add(`repository name '${name}' is not valid: ECR allows 2-256 lowercase letters and digits, separated by single '.', '_', '-' or '/'`);
  }
}

/** Validates the tiers and returns them by name. */
export function validateTiers(problems: Problems, tiers: MemoryTier[]): Map<string, MemoryTier> {
  const byName = new Map<string, MemoryTier>();
  if (tiers.length === 0) {
    problems.add('memoryTiers is empty: give at least one tier, e.g. { name: \'2gb\', memory: Size.gibibytes(2), vcpu: 1 }');
  }
  for (const tier of tiers) {
    const label = `memory tier '${tier.name}'`;
    if (!requireLiteral(problems, 'a memory tier name', tier.name) || !requireLiteral(problems, `${label} vcpu`, tier.vcpu)) continue;
    if (!TIER_NAME.test(tier.name)) {
      problems.add(`memory tier name '${tier.name}' is not valid: use 1-32 lowercase letters, digits and hyphens, starting with a letter or digit, e.g. '8gb'`);
    }
    if (byName.has(tier.name)) {
      problems.add(`memory tier '${tier.name}' is defined twice: tier names must be unique`);
    }
    byName.set(tier.name, tier);
    if (tier.memory.isUnresolved()) {
      problems.add(`${label} memory is an unresolved token; give a literal Size such as Size.gibibytes(8)`);
      continue;
    }
    const memoryMiB = tier.memory.toMebibytes({ rounding: 2 /* SizeRoundingBehavior.NONE */ });
    const allowed = fargateMemoryValuesMiB(tier.vcpu);
    if (!allowed) {
      problems.add(`${label} has vcpu ${tier.vcpu}, which Fargate does not offer: use one of ${FARGATE_VCPUS.join(', ')}`);
    } else if (!allowed.includes(memoryMiB)) {
      const fits = fargateVcpusForMemory(memoryMiB);
      const hint = fits.length > 0 ? `; ${memoryMiB} MiB fits vcpu ${fits.join(' or ')}` : '';
      problems.add(`${label} has ${memoryMiB} MiB of memory with vcpu ${tier.vcpu}, which Fargate rejects: with ${tier.vcpu} vCPU use ${describeFargateMemory(tier.vcpu)}${hint}`);
    }
    if (tier.ephemeralStorage?.isUnresolved()) {
      problems.add(`${label} ephemeralStorage is an unresolved token; give a literal Size such as Size.gibibytes(50)`);
    } else if (tier.ephemeralStorage) {
      const gib = tier.ephemeralStorage.toMebibytes({ rounding: 2 }) / 1024;
      if (!Number.isInteger(gib) || gib < 21 || gib > 200) {
        problems.add(`${label} has ${gib} GiB of ephemeral storage: Fargate allows a whole number of GiB from 21 to 200, e.g. Size.gibibytes(50)`);
      }
    }
  }
  return byName;
}

function validateDuration(problems: Problems, label: string, d: Duration | undefined, minSeconds: number): void {
  if (d === undefined || d.isUnresolved()) return;
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < minSeconds) {
    problems.add(`${label} is ${seconds} seconds: AWS Batch needs a whole number of at least ${minSeconds} seconds, e.g. Duration.hours(1)`);
  }
}

/** `runTimeout`: whole seconds, from 1 minute to 1 year (the longest a Step Functions standard execution runs). */
export function validateRunTimeout(problems: Problems, d: Duration): void {
  if (d.isUnresolved()) {
    problems.add('runTimeout is an unresolved token: give a literal Duration such as Duration.hours(24)');
    return;
  }
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > 365 * 24 * 3600) {
    problems.add(`runTimeout ${seconds} seconds is not valid: give whole seconds from 1 minute to 1 year (a Step Functions standard execution runs at most a year), e.g. Duration.hours(24)`);
  }
}

const EXIT_CODE_PATTERN = /^[0-9]*\*?$/;
const REASON_PATTERN = /^[A-Za-z0-9.: \t]*\*?$/;

/**
 * One `evaluateOnExit` entry: exit code patterns are digits with an optional trailing `*`; reason patterns are
 * letters, digits, periods, colons and white space with an optional trailing `*`; each at most 512 characters.
 *
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_EvaluateOnExit.html
 */
function validateRetryRule(problems: Problems, label: string, rule: { [key: string]: string }): void {
  const checks: Array<[string, string | undefined, RegExp, string]> = [
    ['onExitCode', rule.OnExitCode, EXIT_CODE_PATTERN, "digits, optionally ending with '*', e.g. '137' or '1*'"],
    ['onReason', rule.OnReason, REASON_PATTERN, "letters, digits, '.', ':' and spaces, optionally ending with '*'"],
    ['onStatusReason', rule.OnStatusReason, REASON_PATTERN, "letters, digits, '.', ':' and spaces, optionally ending with '*'"],
  ];
  if (checks.every(([, value]) => value === undefined)) {
    problems.add(`${label} has a retry strategy that matches nothing: give onExitCode, onReason or onStatusReason`);
  }
  for (const [field, value, pattern, allowed] of checks) {
    if (value === undefined || Token.isUnresolved(value)) continue;
    if (!pattern.test(value) || value.length > 512) {
      problems.add(`${label} has a retry strategy with ${field} '${value}', which AWS Batch rejects: use up to 512 ${allowed}`);
    }
  }
}

/** Validates the workflow against the tiers. */
export function validateWorkflow(problems: Problems, jobs: WorkflowJob[], tiers: Map<string, MemoryTier>, isDefault = false): void {
  if (jobs.length === 0) {
    problems.add("workflow is empty: give at least one job, e.g. { name: 'daily', tier: '2gb' }");
    return;
  }
  const names = new Set<string>();
  const keys = new Map<string, string>();
  for (const job of jobs) {
    if (!requireLiteral(problems, 'a workflow job name', job.name)) continue;
    const label = `workflow job '${job.name}'`;
    if (!JOB_NAME.test(job.name)) {
      problems.add(`workflow job name '${job.name}' is not valid: use 1-64 letters, digits, hyphens and underscores, starting with a letter or digit (AWS Batch job names; Step Functions state names)`);
    }
    if (names.has(job.name)) problems.add(`workflow job '${job.name}' is defined twice: job names must be unique`);
    names.add(job.name);
    const key = job.name.replace(/-/g, '_');
    const clash = keys.get(key);
    if (clash !== undefined && clash !== job.name) {
      problems.add(`workflow jobs '${clash}' and '${job.name}' differ only in '-' versus '_': rename one, they share a key in the workflow's state`);
    }
    keys.set(key, job.name);
    if (!tiers.has(job.tier)) {
      problems.add(`${label} uses tier '${job.tier}', which does not exist: use one of ${[...tiers.keys()].map(t => `'${t}'`).join(', ')} or add it to memoryTiers` +
        (isDefault ? ' (the job is from the default workflow, which needs tiers \'2gb\', \'8gb\' and \'16gb\': with your own memoryTiers, pass your own workflow too)' : ''));
    }
    const deps = job.dependsOn ?? [];
    if (deps.includes(job.name)) problems.add(`${label} depends on itself: remove '${job.name}' from its dependsOn`);
    if (new Set(deps).size !== deps.length) problems.add(`${label} lists a dependency twice in dependsOn: list each job once`);
    if (deps.length > MAX_DEPENDENCIES) {
      problems.add(`${label} depends on ${deps.length} jobs: AWS Batch allows at most ${MAX_DEPENDENCIES}; add an intermediate job that depends on some of them`);
    }
    if (job.retryAttempts !== undefined && (!Number.isInteger(job.retryAttempts) || job.retryAttempts < 1 || job.retryAttempts > 10)) {
      problems.add(`${label} has retryAttempts ${job.retryAttempts}: AWS Batch allows a whole number from 1 to 10`);
    }
    if (job.retryStrategies !== undefined && (job.retryStrategies.length === 0 || job.retryStrategies.length > 5)) {
      problems.add(`${label} has ${job.retryStrategies.length} retryStrategies: AWS Batch allows 1 to 5 (leave it out for the default)`);
    }
    for (const rule of renderEvaluateOnExit(job.retryStrategies ?? [])) validateRetryRule(problems, label, rule);
    validateDuration(problems, `${label} timeout`, job.timeout, 60);
    if (job.arraySize !== undefined && (!Number.isInteger(job.arraySize) || job.arraySize < 2 || job.arraySize > 10000)) {
      problems.add(`${label} has arraySize ${job.arraySize}: AWS Batch array jobs have 2 to 10,000 children (leave it out for a single job)`);
    }
    for (const name of Object.keys(job.environment ?? {})) {
      if (!ENV_VAR.test(name)) problems.add(`${label} has environment variable '${name}': names are letters, digits and '_', not starting with a digit`);
      if (RESERVED_ENV.includes(name)) problems.add(`${label} sets environment variable '${name}', which the platform sets itself: choose another name`);
    }
    for (const name of Object.keys(job.secrets ?? {})) {
      if (!ENV_VAR.test(name)) problems.add(`${label} has secret '${name}': names are letters, digits and '_', not starting with a digit`);
      if (RESERVED_ENV.includes(name)) problems.add(`${label} has a secret named '${name}', a variable the platform sets itself: choose another name`);
      if ((job.environment ?? {})[name] !== undefined) problems.add(`${label} sets '${name}' both as an environment variable and as a secret: keep one`);
    }
    const prefix = job.dataAccess?.bucketPrefix;
    if (prefix !== undefined && (prefix.length === 0 || prefix.startsWith('/') || prefix.includes('*'))) {
      problems.add(`${label} has dataAccess.bucketPrefix '${prefix}': give a key prefix such as 'raw/', without a leading '/' or '*'`);
    }
    validateDataAccess(problems, label, job);
  }
  let dependenciesExist = true;
  for (const job of jobs) {
    for (const dep of job.dependsOn ?? []) {
      if (!names.has(dep)) {
        dependenciesExist = false;
        problems.add(`workflow job '${job.name}' depends on '${dep}', which is not a job of the workflow: use one of ${[...names].map(n => `'${n}'`).join(', ')}`);
      }
    }
  }
  if (dependenciesExist) {
    // A job that depends on itself is reported above; it is not a cycle worth a second message.
    const cycle = findCycle(jobs.map(j => ({ name: j.name, dependsOn: (j.dependsOn ?? []).filter(d => d !== j.name) })));
    if (cycle) problems.add(`workflow has a cycle: ${cycle.join(' -> ')}; remove one of these dependencies`);
  }
}

/** A job's declared data access must be one IAM can express and must not contradict itself. */
function validateDataAccess(problems: Problems, label: string, job: WorkflowJob): void {
  const access = job.dataAccess;
  if (access === undefined) return;
  const prefix = access.bucketPrefix;
  if (prefix !== undefined && !requireLiteral(problems, `${label} dataAccess.bucketPrefix`, prefix)) return;
  if (prefix !== undefined && access.bucket === AccessLevel.NONE) {
    problems.add(`${label} has dataAccess.bucketPrefix '${prefix}' but bucket access NONE: remove the prefix or give bucket AccessLevel.READ or READ_WRITE`);
  }
  if (prefix !== undefined && prefix.length > 0 && !/^[A-Za-z0-9!_.'()/-]+$/.test(prefix)) {
    problems.add(`${label} has dataAccess.bucketPrefix '${prefix}' with characters outside S3's safe set (letters, digits, ! _ . ' ( ) / -): IAM matches such keys unreliably; choose a prefix such as 'raw/'`);
  }
  const keys = access.tableLeadingKeys;
  if (keys === undefined) return;
  if (keys.length === 0) {
    problems.add(`${label} has an empty dataAccess.tableLeadingKeys: an empty list would match no item; leave it out for every item or give partition key values such as ['customer-1']`);
  }
  if (access.table === AccessLevel.NONE) {
    problems.add(`${label} has dataAccess.tableLeadingKeys but table access NONE: remove the keys or give table AccessLevel.READ or READ_WRITE`);
  }
  for (const key of keys) {
    if (!requireLiteral(problems, `${label} dataAccess.tableLeadingKeys entry`, key)) continue;
    if (key.length === 0 || key.length > 2048) {
      problems.add(`${label} has dataAccess.tableLeadingKeys entry '${key}': give a partition key value of 1-2048 characters, e.g. 'customer-1' or 'eu-*'`);
    }
  }
}
