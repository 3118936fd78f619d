/**
 * Resuming a failed run: `{"date": "...", "resumeFrom": "<execution ARN of a failed run>"}`.
 *
 * The failed run's jobs are found by their names (`<MD5 of its execution ARN>-<job>`, the run tag), one
 * `ListJobs` call per job of the workflow, exactly like the watch finds a run's jobs. A job is skipped when
 * it SUCCEEDED in that run and every job it depends on is skipped too (so a job whose dependencies changed
 * since, or ran again, runs again). A skipped job keeps the job ID of the run it succeeded in: the jobs that
 * depend on it are submitted with Batch `DependsOn` on that SUCCEEDED job, which Batch counts as a dependency
 * that has succeeded. The new run's own jobs carry its own run tag, so the watch, the failure path and the
 * cleanup of a stopped run only ever see (and terminate) the jobs of the new run.
 */
import { addResumedRunStates, RESUMED_RUN_STATES } from './workflow-resume-run';
import { isString, jobKey, States } from './workflow-states';

/** State names of the resume steps. */
export const RESUME_STATES = {
  resume: 'Resume a run?',
  invalid: 'Invalid resumeFrom',
  given: 'Resume the given run',
  ofRunWorkflow: 'Resume the run workflow\'s job workflow run',
  find: 'Find the resumed run\'s jobs',
  lookUp: 'Look up each job of the resumed run',
  list: 'Resume: list job',
  matches: 'Resume: each listed job',
  match: 'Resume: job succeeded?',
  keep: 'Resume: succeeded job',
  drop: 'Resume: other job',
  unique: 'Resume: job IDs',
  pick: 'Resume: pick job ID',
  first: 'Resume: first job ID',
  second: 'Resume: second job ID',
  none: 'Resume: no job ID',
  ...RESUMED_RUN_STATES,
} as const;

export interface ResumeStatesProps {
  /** Every job of the workflow, in resume order. */
  readonly names: string[];
  readonly jobQueueArn: string;
  /** The job workflow's name: `resumeFrom` is an execution of it... */
  readonly stateMachineName: string;
  /** ...or of the run workflow (`ON_DEMAND_EGRESS`), which runs the job workflow under its own execution name. */
  readonly runWorkflowName: string;
  /** The state after the resume steps. */
  readonly next: string;
}

/** The state that decides whether a job is skipped (before its `Submit` or `Run` state). */
export function skipChoiceName(name: string): string {
  return `Skip ${name}?`;
}

/** The Pass state that records a skipped job. */
export function skippedName(name: string): string {
  return `Skipped ${name}`;
}

/**
 * Where the job ID of job `index` (in resume order) in the resumed run is: a string when it SUCCEEDED there,
 * `false` when it did not. Outside a resume the run's set-up fills `$.resume.found` with one number per job
 * (`notResuming`), so the path exists for every job and nothing is skipped.
 */
function foundPath(index: number): string {
  return `$.resume.found[${index}]`;
}

/** The `$.resume.found` of a run that resumes nothing: one number per job (no string, so no job is skipped). */
export function notResuming(jobCount: number): string {
  // States.ArrayRange makes at most 1,000 items. A workflow's definition holds fewer jobs: each takes at least
  // 1 kB of its 1 MiB, and the stack budget refuses a larger one at synth, naming its size.
  return `States.ArrayRange(1, ${Math.min(Math.max(jobCount, 1), 1000)}, 1)`;
}

/**
 * A Choice condition: job `index` (in resume order) succeeded in the resumed run and each of its dependencies
 * is skipped. Every dependency comes earlier in resume order, so its entry under `$.jobs` already says whether
 * it was skipped (its Submit or Skipped state wrote it) when this condition is evaluated.
 */
export function skipCondition(index: number, dependsOn: string[]): { [key: string]: unknown } {
  const succeeded = { Variable: foundPath(index), IsString: true };
  if (dependsOn.length === 0) return succeeded;
  return { And: [succeeded, ...dependsOn.map(d => ({ Variable: `$.jobs.${jobKey(d)}.skipped`, BooleanEquals: true }))] };
}

/** What a skipped job leaves in place of its submission: the job ID of the run it succeeded in. */
export function skippedJob(name: string, index: number): { [key: string]: unknown } {
  return { 'JobName': name, 'JobId.$': foundPath(index), 'skipped': true };
}

/**
 * The steps after the run date: whether the input asks to resume, a check that `resumeFrom` is an execution of
 * this job workflow, and a look-up of every job of the workflow (`names`, in resume order) in that run.
 */
export function addResumeStates(states: States, p: ResumeStatesProps): void {
  const R = RESUME_STATES;
  const from = '$.input.resumeFrom';
  const executionOf = (name: string) => ({ And: [...isString(from), { Variable: from, StringMatches: `arn:*:states:*:*:execution:${name}:*` }] });
  states[R.resume] = {
    Type: 'Choice',
    Comment: 'A run given "resumeFrom" (the execution ARN of a failed run) skips the jobs that succeeded in it.',
    Choices: [
      { ...executionOf(p.stateMachineName), Next: R.given },
      { ...executionOf(p.runWorkflowName), Next: R.ofRunWorkflow },
      { Variable: from, IsPresent: true, Next: R.invalid },
    ],
    Default: p.next,
  };
  states[R.invalid] = {
    Type: 'Fail',
    Error: 'InvalidInput',
    Cause: `the execution input's "resumeFrom" must be the ARN of an execution of ${p.stateMachineName} (arn:aws:states:<region>:<account>:execution:${p.stateMachineName}:<name>) or, with on-demand egress, of ${p.runWorkflowName}: a failed run of the same date`,
  };
  states[R.given] = { Type: 'Pass', Parameters: { 'arn.$': from }, ResultPath: '$.resumed', Next: R.describe };
  // The run workflow starts the job workflow under its own execution name: the same ARN, the job workflow's name in it.
  const part = (i: number) => `States.ArrayGetItem(States.StringSplit(${from}, ':'), ${i})`;
  states[R.ofRunWorkflow] = {
    Type: 'Pass',
    Parameters: { 'arn.$': `States.Format('{}:{}:{}:{}:{}:execution:${p.stateMachineName}:{}', ${[0, 1, 2, 3, 4, 7].map(part).join(', ')})` },
    ResultPath: '$.resumed',
    Next: R.describe,
  };
  addResumedRunStates(states, R.find);
  states[R.find] = {
    Type: 'Pass',
    Parameters: { 'from.$': '$.resumed.arn', 'tag.$': "States.Hash($.resumed.arn, 'MD5')", 'names': p.names },
    ResultPath: '$.resume',
    Next: R.lookUp,
  };
  states[R.lookUp] = {
    Type: 'Map',
    Comment: 'For each job of the workflow, its job ID in the resumed run if it SUCCEEDED there, else false.',
    ItemsPath: '$.resume.names',
    ItemSelector: { 'name.$': '$$.Map.Item.Value', 'tag.$': '$.resume.tag' },
    MaxConcurrency: 10,
    ItemProcessor: lookUpProcessor(p.jobQueueArn),
    ResultPath: '$.resume.found',
    Next: p.next,
  };
}

/** One job's look-up: `ListJobs` by its exact name in the resumed run (case-insensitive), then the exact-case SUCCEEDED one. */
function lookUpProcessor(jobQueueArn: string): { [key: string]: unknown } {
  const R = RESUME_STATES;
  const ids = '$.ids.list';
  const nonEmpty = (i: number) => [...isString(`${ids}[${i}]`), { Not: { Variable: `${ids}[${i}]`, StringEquals: '' } }];
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: R.list,
    States: {
      [R.list]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:listJobs',
        Parameters: {
          JobQueue: jobQueueArn,
          Filters: [{ 'Name': 'JOB_NAME', 'Values.$': "States.Array(States.Format('{}-{}', $.tag, $.name))" }],
          MaxResults: 100,
        },
        ResultSelector: { 'jobs.$': '$.JobSummaryList' },
        ResultPath: '$.listed',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2 }],
        // Not found out: the job runs again, as it would without resuming.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: R.none }],
        Next: R.matches,
      },
      [R.matches]: {
        Type: 'Map',
        ItemsPath: '$.listed.jobs',
        ItemSelector: {
          'name.$': '$$.Map.Item.Value.JobName',
          'status.$': '$$.Map.Item.Value.Status',
          'id.$': '$$.Map.Item.Value.JobId',
          'expected.$': "States.Format('{}-{}', $.tag, $.name)",
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: R.match,
          States: {
            [R.match]: {
              Type: 'Choice',
              Choices: [{ And: [{ Variable: '$.name', StringEqualsPath: '$.expected' }, { Variable: '$.status', StringEquals: 'SUCCEEDED' }], Next: R.keep }],
              Default: R.drop,
            },
            [R.keep]: { Type: 'Pass', OutputPath: '$.id', End: true },
            [R.drop]: { Type: 'Pass', Result: '', End: true },
          },
        },
        ResultSelector: { 'list.$': 'States.ArrayUnique($)' },
        ResultPath: '$.ids',
        Next: R.pick,
      },
      // ArrayUnique leaves at most one '', so the first or second entry is the ID if there is one.
      [R.pick]: {
        Type: 'Choice',
        Choices: [{ And: nonEmpty(0), Next: R.first }, { And: nonEmpty(1), Next: R.second }],
        Default: R.none,
      },
      [R.first]: { Type: 'Pass', OutputPath: `${ids}[0]`, End: true },
      [R.second]: { Type: 'Pass', OutputPath: `${ids}[1]`, End: true },
      [R.none]: { Type: 'Pass', Result: false, End: true },
    },
  };
}
