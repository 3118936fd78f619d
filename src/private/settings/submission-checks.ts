/**
 * What a workflow job submits, against AWS's limits: the environment names Batch reserves, the 8 KiB of container
 * overrides ECS passes to a Fargate task, and the 30 KiB of a SubmitJob request. A size problem names what takes
 * the room, so the fix is clear.
 */
import { defaultRetryStrategies } from './defaults';
import { Problems } from './problems';
import { WorkflowJob } from '../../workflow-job';
import { renderEvaluateOnExit } from '../compute/retry';

/** Batch sets `AWS_BATCH_*` variables itself and refuses a job that sets one. */
const RESERVED_PREFIX = 'AWS_BATCH';
/**
 * ECS's limit on a task's overrides, which Batch passes on for a Fargate job
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html: "A total of 8192 characters are
 * allowed for overrides").
 */
export const MAX_OVERRIDES_BYTES = 8192;
/** https://docs.aws.amazon.com/batch/latest/userguide/service_limits.html: job payload for SubmitJob, 30 KiB. */
export const MAX_SUBMIT_JOB_BYTES = 30 * 1024;
/** The run date every job gets, at its longest. */
const RUN_DATE_SAMPLE = '9999-12-31';

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** What the workflow sends as a job's container overrides (command and environment), as JSON. */
export function overridesBytes(job: WorkflowJob): number {
  const environment = [
    { name: 'RUN_DATE', value: RUN_DATE_SAMPLE },
    { name: 'JOB_NAME', value: job.name },
    ...Object.entries(job.environment ?? {}).map(([name, value]) => ({ name, value })),
  ];
  return utf8Length(JSON.stringify({ name: 'default', command: job.command ?? [], environment }));
}

/**
 * A generous estimate of a job's SubmitJob request: its overrides, retry rules, up to 20 dependency IDs and the
 * queue and job definition ARNs at their longest.
 */
export function submitJobBytes(job: WorkflowJob, evaluateOnExit: unknown[]): number {
  const arn = 'x'.repeat(256);
  return utf8Length(JSON.stringify({
    jobName: job.name,
    jobQueue: arn,
    jobDefinition: arn,
    parameters: { date: RUN_DATE_SAMPLE },
    containerOverrides: { command: job.command ?? [], environment: Object.entries(job.environment ?? {}).map(([name, value]) => ({ name, value })) },
    retryStrategy: { attempts: 10, evaluateOnExit },
    dependsOn: (job.dependsOn ?? []).map(() => ({ jobId: 'x'.repeat(36), type: 'SEQUENTIAL' })),
    arrayProperties: job.arraySize ? { size: job.arraySize } : undefined,
    timeout: { attemptDurationSeconds: 1e9 },
  }));
}

/** One part of what a job submits, with its size as it is sent (JSON, UTF-8). */
interface Part { readonly what: string; readonly bytes: number }

/**
 * The parts of a job's submission that the user controls, largest first, at most `count`: each environment
 * variable, the command (with its longest argument) and, for SubmitJob, the retry rules.
 */
export function largestParts(job: WorkflowJob, count: number, evaluateOnExit?: unknown[]): string {
  const parts: Part[] = Object.entries(job.environment ?? {})
    .map(([name, value]) => ({ what: `environment variable '${name}'`, bytes: utf8Length(JSON.stringify({ name, value })) }));
  const command = job.command ?? [];
  if (command.length > 0) {
    const longest = Math.max(...command.map(a => utf8Length(JSON.stringify(a))));
    parts.push({ what: `the command (${command.length} argument${command.length > 1 ? 's' : ''}, the longest ${longest} bytes)`, bytes: utf8Length(JSON.stringify(command)) });
  }
  if (evaluateOnExit !== undefined && evaluateOnExit.length > 0) {
    parts.push({ what: `the retry rules (${evaluateOnExit.length})`, bytes: utf8Length(JSON.stringify(evaluateOnExit)) });
  }
  // Stable for equal sizes: the order in which they were given.
  const shown = parts.sort((a, b) => b.bytes - a.bytes).slice(0, count);
  return shown.map(p => `${p.what} ${p.bytes} bytes`).join(', ');
}

/** Environment variable names Batch reserves, and the sizes of what a job submits. */
export function checkJobSubmission(problems: Problems, job: WorkflowJob, evaluateOnExit: unknown[]): void {
  const label = `workflow job '${job.name}'`;
  for (const name of Object.keys(job.environment ?? {})) {
    if (name.startsWith(RESERVED_PREFIX)) {
      problems.add(`${label} sets environment variable '${name}': AWS Batch reserves names starting with ${RESERVED_PREFIX} (it sets AWS_BATCH_JOB_ID, AWS_BATCH_JOB_ARRAY_INDEX, ...) and refuses the job; choose another name`);
    }
  }
  for (const name of Object.keys(job.secrets ?? {})) {
    if (name.startsWith(RESERVED_PREFIX)) {
      problems.add(`${label} has a secret named '${name}': AWS Batch reserves names starting with ${RESERVED_PREFIX}; choose another name`);
    }
  }
  const overrides = overridesBytes(job);
  if (overrides > MAX_OVERRIDES_BYTES) {
    problems.add(`${label} sends ${overrides} bytes of container overrides (command and environment), more than the ${MAX_OVERRIDES_BYTES} ECS allows for a Fargate task's overrides, so every run would fail to start it (largest: ${largestParts(job, 3)}): move large values into the image, an S3 object or a secret`);
  }
  const submit = submitJobBytes(job, evaluateOnExit);
  if (submit > MAX_SUBMIT_JOB_BYTES) {
    problems.add(`${label} makes a SubmitJob request of about ${submit} bytes, more than the ${MAX_SUBMIT_JOB_BYTES} (30 KiB) AWS Batch accepts (largest: ${largestParts(job, 3, evaluateOnExit)}): shorten its command, environment or retry rules`);
  }
}

/** Every job's submission, with the retry rules it is submitted with. */
export function checkJobSubmissions(problems: Problems, jobs: WorkflowJob[]): void {
  for (const job of jobs) {
    if (typeof job.name === 'string') checkJobSubmission(problems, job, renderEvaluateOnExit(job.retryStrategies ?? defaultRetryStrategies()));
  }
}
