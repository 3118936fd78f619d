/**
 * The names and shared constants of the workflow's states: what the definition builder, its watch, its failure
 * path and the tests that run the definition agree on.
 */
import type { StartedBy } from './run-input';

/** The error of a DynamoDB call whose condition failed, as the optimized integration names it. */
export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * An execution that does not exist (any more), as the SDK integration's DescribeExecution and StopExecution name it:
 * the capitalisation of its service prefix is not documented, so both spellings.
 */
export const NO_SUCH_EXECUTION = ['Sfn.ExecutionDoesNotExistException', 'SFN.ExecutionDoesNotExistException'];

/** What the workflow does with the rest of a run when one of its jobs fails (internal twin of `OnJobFailure`). */
export type FailureMode = 'STOP_ALL' | 'FINISH_INDEPENDENT';

/** Options of the definition. */
export interface WorkflowOptions {
  /** How long a run may take: past it, the workflow terminates every job of the run and fails. */
  readonly runTimeoutSeconds: number;
  /** What happens to the other jobs when a job fails. */
  readonly failureMode: FailureMode;
  /** The job queue's log group, named in the failure message. */
  readonly logGroupName: string;
  /** The job workflow's own name: `resumeFrom` must be an execution of it. */
  readonly stateMachineName: string;
  /** The run workflow's name (`ON_DEMAND_EGRESS`): `resumeFrom` may be one of its executions too. */
  readonly runWorkflowName: string;
  /** With on-demand egress: only the run workflow and the backfill may start a run (run-input.ts). @default - anyone */
  readonly startedOnlyBy?: StartedBy;
  /** The table of date claims: a run claims its date before any job (run-claim.ts). @default - no claim */
  readonly claimTableName?: string;
}

/** The key under `$.jobs` that holds a job's ID. Names are validated to keep this unique. */
export function jobKey(name: string): string {
  return name.replace(/-/g, '_');
}

/** The names of the states of a final job's branch that read its outcome (besides its submit and skip states). */
export function sinkOutcomeNames(name: string): { error: string; read: string; failed: string; refused: string } {
  return { error: `${name} error?`, read: `Read ${name}`, failed: `${name} failed`, refused: `${name} refused` };
}

/** The name of the state that submits a job. */
export function submitStateName(name: string, sink: boolean): string {
  return sink ? `Run ${name}` : `Submit ${name}`;
}

/**
 * Every job of a run is named `<run tag>-<job name>`, the run tag being the MD5 of the execution ARN: the
 * watch, the failure path and the cleanup of a stopped run find the run's jobs with one `ListJobs` filter
 * (`JOB_NAME` = `<run tag>-*`), whoever submitted them. The tag is 32 characters, a job name at most 64, so
 * the Batch name stays within its 128.
 */
export function runTag(executionArnPath: string): string {
  return `States.Hash(${executionArnPath}, 'MD5')`;
}

/** The `ListJobs` name filter of a run, from a path to its execution ARN. */
export function runFilter(executionArnPath: string): string {
  return `States.Format('{}-*', ${runTag(executionArnPath)})`;
}

/** The Batch job name of a workflow job, given the path to the run tag. */
export function batchJobName(name: string, tagPath = '$.run.tag'): string {
  return `States.Format('{}-${name}', ${tagPath})`;
}

export const STATE_NAMES = {
  resolveDate: 'Resolve run date',
  givenDate: 'Use given date',
  checkDate: 'Check given date',
  executionDate: 'Use execution start date',
  setUp: 'Set up the run',
  invalidInput: 'Invalid input',
  runAll: 'Run and watch',
  runSinks: 'Wait for final jobs',
  sinksDone: 'Final jobs ended',
  sinksOutcome: 'Every final job succeeded?',
  allSucceeded: 'Break: all succeeded',
  someFailed: 'Break: a job failed',
  breakCause: 'Final job results',
  succeeded: 'All jobs succeeded',
  readSinksOk: 'Read final job results of the run',
  summary: 'Summarize the run',
  readSinks: 'Read final job results',
  sinksUnknown: 'Final job results unknown',
  listReported: 'List the run\'s jobs',
  reportJobs: 'Report each job',
  checkJob: 'Check job',
  describeJob: 'Describe job',
  jobFound: 'Job found',
  jobStatus: 'Job status',
  jobNotSubmitted: 'Job not submitted',
  jobUnknown: 'Job status unknown',
  jobFailedWithReason: 'Job failed with reason',
  jobFailedWithExitCode: 'Job failed with exit code',
  jobFailedSecondHand: 'Job failed second-hand',
  jobTimedOut: 'Job stopped at runTimeout',
  jobFailed: 'Job failed',
  jobSucceeded: 'Job succeeded',
  jobOther: 'Job not ended',
  collectLines: 'Collect report lines',
  collectFailures: 'Collect job failures',
  collectTimeouts: 'Collect timeouts',
  headlineKind: 'What failed',
  failureMessage: 'Build failure message',
  failed: 'Workflow failed',
} as const;

/** Error names the final-job branch breaks out of the Parallel state with (a Fail state is the only way). */
export const BREAK_SUCCEEDED = 'Workflow.AllJobsSucceeded';
export const BREAK_FAILED = 'Workflow.JobsFailed';

/** The reasons the workflow gives Batch when it terminates a job. */
export const TERMINATE_REASONS = {
  failed: 'Workflow run failed: another job of the run failed',
  blocked: 'Workflow run failed: a job it depends on failed',
  timeout: 'Workflow run stopped: runTimeout reached',
  stopped: 'Workflow run stopped from outside (StopExecution or timeout)',
} as const;

/** Seconds between two looks at the run's jobs: the first, and the most (the interval doubles up to it). */
export const WATCH_FIRST_SECONDS = 30;
export const WATCH_MAX_SECONDS = 180;

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

/** Choice conditions that hold when the path exists and is a number. */
export function isNumber(path: string): Array<{ [key: string]: unknown }> {
  return [{ Variable: path, IsPresent: true }, { Variable: path, IsNumeric: true }];
}

/**
 * A Choice condition: the JSON text at `path` (from `States.JsonToString`) has a job whose `Status` is one of
 * `statuses`. Both compact and spaced JSON are matched, since how Step Functions spaces it is not documented.
 */
export function hasStatus(path: string, statuses: string[]): { [key: string]: unknown } {
  return {
    Or: statuses.flatMap(s => [
      { Variable: path, StringMatches: `*"Status":"${s}"*` },
      { Variable: path, StringMatches: `*"Status": "${s}"*` },
    ]),
  };
}

export const ACTIVE_STATUSES = ['SUBMITTED', 'RUNNABLE', 'STARTING', 'RUNNING'];
export const OPEN_STATUSES = [...ACTIVE_STATUSES, 'PENDING'];

/** A state map under construction. */
export type States = { [name: string]: unknown };
