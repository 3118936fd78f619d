/**
 * The names and shared constants of the workflow's states: what the definition builder, its failure path and
 * the tests that run the definition agree on.
 */

/** Batch API errors worth retrying when submitting (throttling and server-side errors). */
export const SUBMIT_RETRY_ERRORS = ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException'];

/** The key under `$.jobs` that holds a job's ID. Names are validated to keep this unique. */
export function jobKey(name: string): string {
  return name.replace(/-/g, '_');
}

/** The name of the state that submits a job. */
export function submitStateName(name: string, sink: boolean): string {
  return sink ? `Run ${name}` : `Submit ${name}`;
}

export const STATE_NAMES = {
  resolveDate: 'Resolve run date',
  givenDate: 'Use given date',
  checkDate: 'Check given date',
  executionDate: 'Use execution start date',
  invalidInput: 'Invalid input',
  runSinks: 'Wait for final jobs',
  succeeded: 'All jobs succeeded',
  listSubmitted: 'List submitted jobs',
  reportJobs: 'Stop jobs not started',
  checkJob: 'Check job',
  describeJob: 'Describe job',
  jobFound: 'Job found',
  jobStatus: 'Job status',
  jobNotSubmitted: 'Job not submitted',
  jobUnknown: 'Job status unknown',
  jobFailedWithReason: 'Job failed with reason',
  jobFailedWithExitCode: 'Job failed with exit code',
  jobFailedAfterDependency: 'Job failed after a dependency',
  jobFailed: 'Job failed',
  jobSucceeded: 'Job succeeded',
  jobRunning: 'Job running',
  cancelJob: 'Cancel job',
  jobCancelled: 'Job cancelled',
  jobNotCancelled: 'Job not cancelled',
  collectLines: 'Collect report lines',
  collectFailures: 'Collect job failures',
  failureKind: 'Job or service error',
  readFailedJob: 'Read failed job',
  failedJobReason: 'Failed job has reason',
  jobHeadline: 'Name failed job',
  jobHeadlineExitCode: 'Name failed job with exit code',
  jobHeadlineNoReason: 'Name failed job without reason',
  dependentHeadline: 'Name final job failed after a dependency',
  timeoutHeadline: 'Name timeout',
  errorHeadline: 'Name error',
  errorHeadlineNoCause: 'Name error without cause',
  upstreamFailure: 'Job that failed first-hand',
  upstreamHeadline: 'Name job that failed first-hand',
  upstreamHeadlineExtend: 'Add job that failed first-hand',
  failureMessage: 'Build failure message',
  failed: 'Workflow failed',
} as const;

/** The reason the workflow gives Batch when it cancels a job. */
export const CANCEL_REASON = 'Workflow run failed: another job of the run failed';

/** Options of the definition. */
export interface WorkflowOptions {
  /** `TimeoutSeconds` of every `.sync` task: how long a final job may take from its submission. */
  readonly runTimeoutSeconds: number;
}

/** `runTimeout`'s default: 24 hours. */
export const DEFAULT_RUN_TIMEOUT_SECONDS = 24 * 3600;

/** Name of the nested Parallel state that waits for group `i` of the final jobs. */
export function sinkGroupStateName(i: number): string {
  return `${STATE_NAMES.runSinks} ${i + 1}`;
}

/**
 * The most branches of one Parallel state that aws-local-stepfunctions runs at once (and the most iterations
 * an inline Map runs at once in AWS). Final jobs are grouped into nested Parallel states of at most this many,
 * so that every final job is submitted at the start of the wait.
 */
export const MAX_BRANCHES = 40;

/**
 * Choice conditions that hold when the path exists and is a string. Step Functions fails a Choice state that
 * tests a path that is not there, so `IsPresent` comes first.
 */
export function isString(path: string): Array<{ [key: string]: unknown }> {
  return [{ Variable: path, IsPresent: true }, { Variable: path, IsString: true }];
}
