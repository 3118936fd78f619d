/**
 * Workflow checks: each job's name, tier, dependencies (no cycle, at most 20), retry rules, timeout, array size,
 * environment and secret names and data access, and the run timeout. What a job submits is checked against AWS's
 * size limits in `submission-checks.ts`.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { Problems, PropsCheck, requireLiteral } from './problems';
import { checkJobSubmissions } from './submission-checks';
import { MemoryTier } from '../../memory-tier';
import { AccessLevel, WorkflowJob } from '../../workflow-job';
import { renderEvaluateOnExit } from '../compute/retry';
import { stateNameClashes } from '../workflow/state-names';
import { findCycle } from '../workflow/workflow-graph';

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = ['RUN_DATE', 'JOB_NAME'];

/** Batch: a job may depend on at most 20 jobs. */
export const MAX_DEPENDENCIES = 20;

/**
 * Whether a workflow job runs on a job definition of its own instead of its tier's: secrets, the job role and
 * the image can only be set in a job definition, not at submission.
 */
export function hasOwnJobDefinition(job: WorkflowJob): boolean {
  return job.secrets !== undefined || job.dataAccess !== undefined || job.image !== undefined;
}

/**
 * The tiers a job may name: those whose name and vcpu are literals (a token is reported by the tier checks, and a
 * job naming it is not reported again).
 */
export function tiersByName(tiers: MemoryTier[]): Map<string, MemoryTier> {
  const literal = (value: unknown) => value === undefined || !Token.isUnresolved(value);
  return new Map(tiers.filter(t => literal(t.name) && literal(t.vcpu)).map(t => [t.name, t]));
}

/** The workflow against the tiers, what each job submits, and the run timeout. */
export const checkWorkflow: PropsCheck = (problems, props, v) => {
  validateWorkflow(problems, v.workflow, tiersByName(v.tiers), props.workflow === undefined);
  checkJobSubmissions(problems, v.workflow);
  if (props.runTimeout !== undefined) validateRunTimeout(problems, props.runTimeout);
};

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
    const sameLetters = [...names].find(other => other !== job.name && other.toLowerCase() === job.name.toLowerCase());
    if (sameLetters !== undefined) {
      problems.add(`workflow jobs '${sameLetters}' and '${job.name}' differ only in case: AWS Batch matches job names without case (ListJobs), so a run could not tell their jobs apart; rename one`);
    }
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
  validateGraph(problems, jobs, names);
}


/** Every dependency names a job, there is no cycle, and no two jobs would give the job workflow a state of one name. */
function validateGraph(problems: Problems, jobs: WorkflowJob[], names: Set<string>): void {
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
    if (cycle) {
      problems.add(`workflow has a cycle: ${cycle.join(' -> ')}; remove one of these dependencies`);
    } else if (names.size === jobs.length && jobs.every(j => !(j.dependsOn ?? []).includes(j.name))) {
      // Only a graph the job workflow can be built from (names unique, no job depending on itself) is checked for
      // state names two jobs would share.
      stateNameClashes(jobs).forEach(p => problems.add(p));
    }
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
