/**
 * A SubmitJob that fails may have created its job all the same. SubmitJob takes no idempotency token (the API
 * reference has no `clientToken`), and the errors worth retrying say nothing of whether Batch created the job: a
 * server error (production logs show `Batch.AWSBatchException` for a 500) and throttling (HTTP 429, which Batch's
 * API model does not name, so it arrives under the same base exception) look alike. So no SubmitJob is retried
 * blindly (issue #22, item 3). After a failed submission the workflow waits (backoff with full jitter), asks Batch
 * for the job by its run-tagged name (`ListJobs` `JOB_NAME`, which returns jobs in every status), and:
 * - found: the run keeps that job, as if the submission had answered;
 * - not found: submits again, at most `MAX_SUBMIT_RETRIES` times, and only after an error worth retrying; a job
 *   that others depend on only after a second look `CONFIRM_SECONDS` later (whether `ListJobs` lists a new job at
 *   once is not documented). A copy that slips through is caught by the run's last check (workflow-duplicates.ts).
 *
 * Jobs that others depend on share one set of states for this (`addSubmitRecoveryStates`): each job's Catch goes
 * to a small Pass state that names the job, and the shared states return to that job through a Choice. A final job
 * (submitted with `.sync`, in a branch of its own) has its own few states (`finalJobRecoveryStates`); a final
 * job found after a failed submission is waited for by looking at it with `ListJobs` every minute.
 *
 * Job names are unique case-insensitively (workflow-checks.ts), since the `JOB_NAME` filter is "a case-insensitive
 * match" and a name without `*` matches that name only.
 */
import { isString, jobKey, States, STATE_NAMES } from './workflow-states';

/** Retries after a failed submission, as the SubmitJob's own Retry did before (5, so 6 tries in all). */
export const MAX_SUBMIT_RETRIES = 5;

/** Seconds between two looks at a final job found after a failed submission. */
export const FOUND_JOB_LOOK_SECONDS = 60;

/** The upper bound (exclusive) of the first wait's random seconds; it doubles with each retry (3, 6, 12, 24, 48). */
const FIRST_WAIT_CAP = 3;

/**
 * Seconds before a second look for a job that a first look did not find, unless the error said the request was
 * throttled: whether `ListJobs` lists a job at once after SubmitJob created it is not documented.
 */
export const CONFIRM_SECONDS = 10;

/** The causes of a throttled request, which created nothing (HTTP 429, as Batch documents its throttling). */
export const THROTTLED_CAUSES = ['*Status Code: 429*', '*Too Many Requests*', '*Rate exceeded*'];

/** What `$.lost` (and `$.try`) hold before any submission failed (`Set up the run` writes them). */
export const LOST_INITIAL = { n: '', tries: 0, cap: FIRST_WAIT_CAP };
export const FINAL_TRIES_INITIAL = { tries: 0, cap: FIRST_WAIT_CAP };

export const RECOVERY_STATES = {
  sameJob: 'Resubmit: same job?',
  firstFailure: 'Resubmit: first failure of the job',
  count: 'Resubmit: count the try',
  retry: 'Resubmit: retry?',
  backOff: 'Resubmit: back off',
  find: 'Resubmit: find the job',
  found: 'Resubmit: job found?',
  confirm: 'Resubmit: look once more',
  confirmWait: 'Resubmit: wait to look once more',
  keep: 'Resubmit: keep the found job',
  record: 'Resubmit: record the found job',
  goOn: 'Resubmit: go on after the job',
  again: 'Resubmit: submit the job again',
  giveUp: 'Resubmit: give up',
} as const;

/** The Pass state a job's failed SubmitJob goes to: it names the job for the shared states. */
export function lostStateName(name: string): string {
  return `Lost ${name}`;
}

/** The Catch of a SubmitJob of a job that others depend on. */
export function lostCatch(name: string): Array<{ [key: string]: unknown }> {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lost.error', Next: lostStateName(name) }];
}

/**
 * Retried: every Batch error but a refusal (`Batch.ClientException`: an inactive job definition, a bad parameter),
 * which created nothing. Throttling and server errors come under several names (`Batch.AWSBatchException`,
 * `Batch.BatchException`, `Batch.ServerException`, `Batch.TooManyRequestsException`, ...), so the match is by prefix.
 */
const retryable = (errorPath: string) => [{ Variable: errorPath, StringMatches: 'Batch.*' }, { Not: { Variable: errorPath, StringEquals: REFUSED } }];

/** The error of a SubmitJob that Batch refused (HTTP 400): nothing was created, and trying again cannot help. */
export const REFUSED = 'Batch.ClientException';

/** The tries of the next try (at `base`): one more, the wait's bound doubled, a wait drawn below the old bound. */
const nextTry = (base: string) => ({
  'tries.$': `States.MathAdd(${base}.tries, 1)`,
  'cap.$': `States.MathAdd(${base}.cap, ${base}.cap)`,
  'wait.$': `States.MathRandom(1, ${base}.cap)`,
});

/** Where a final job's branch counts its tries (`Set up the run` writes it; each branch has its own copy). */
const FINAL_TRIES = '$.try';

/** `ListJobs` of the run's job of a name, in every status. */
function findJob(
  namePath: string | undefined, name: string | undefined, resultPath: string, next: string, onError: string,
): { [key: string]: unknown } {
  const batchName = namePath ? `States.Format('{}-{}', $.run.tag, ${namePath})` : `States.Format('{}-${name}', $.run.tag)`;
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:batch:listJobs',
    Parameters: { 'JobQueue.$': '$.run.queue', 'Filters': [{ 'Name': 'JOB_NAME', 'Values.$': `States.Array(${batchName})` }] },
    ResultSelector: { 'jobs.$': '$.JobSummaryList' },
    ResultPath: resultPath,
    // Generous: a look that fails for good fails the run. Throttled 30 % of the time, 9 tries fail together 1 in 50,000.
    Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: onError }],
    Next: next,
  };
}

/**
 * The per-job Pass states and the shared states that handle a failed SubmitJob of the jobs that others depend on.
 * `nextOf(job)` is the state after the job's submission.
 */
export function addSubmitRecoveryStates(
  states: States, jobs: Array<{ readonly name: string }>, nextOf: (i: number) => string, submitOf: (name: string) => string,
): void {
  if (jobs.length === 0) return;
  const R = RECOVERY_STATES;
  for (const job of jobs) {
    states[lostStateName(job.name)] = { Type: 'Pass', Result: { k: jobKey(job.name), n: job.name }, ResultPath: '$.lost.job', Next: R.sameJob };
  }
  // The tries are counted per job: a failure of another job starts again from the first wait.
  states[R.sameJob] = { Type: 'Choice', Choices: [{ Variable: '$.lost.job.n', StringEqualsPath: '$.lost.n', Next: R.count }], Default: R.firstFailure };
  states[R.firstFailure] = {
    Type: 'Pass',
    Parameters: { 'job.$': '$.lost.job', 'error.$': '$.lost.error', 'n.$': '$.lost.job.n', 'tries': LOST_INITIAL.tries, 'cap': LOST_INITIAL.cap },
    ResultPath: '$.lost',
    Next: R.count,
  };
  states[R.count] = {
    Type: 'Pass',
    Parameters: { 'job.$': '$.lost.job', 'error.$': '$.lost.error', 'n.$': '$.lost.n', 'looked': false, ...nextTry('$.lost') },
    ResultPath: '$.lost',
    Next: R.retry,
  };
  // Retried: what may be passing (throttling, server errors), a few times. A refusal (Batch.ClientException:
  // an inactive job definition, a bad parameter) created nothing and fails the run at once.
  states[R.retry] = {
    Type: 'Choice',
    Choices: [{ And: [{ Variable: '$.lost.tries', NumericLessThanEquals: MAX_SUBMIT_RETRIES }, ...retryable('$.lost.error.Error')], Next: R.backOff }],
    Default: R.giveUp,
  };
  states[R.backOff] = { Type: 'Wait', SecondsPath: '$.lost.wait', Next: R.find };
  // ListJobs failing too (after its own retries): whether the job exists cannot be known, so the run fails
  // (its failure path finds the job by name, and terminates it if it runs).
  states[R.find] = findJob('$.lost.n', undefined, '$.lost.found', R.found, R.giveUp);
  // Not found: looked for once more after CONFIRM_SECONDS (a throttled request created nothing), then submitted again.
  states[R.found] = {
    Type: 'Choice',
    Choices: [
      { And: isString('$.lost.found.jobs[0].JobId'), Next: R.keep },
      { Variable: '$.lost.looked', BooleanEquals: true, Next: R.again },
      { And: [...isString('$.lost.error.Cause'), { Or: THROTTLED_CAUSES.map(c => ({ Variable: '$.lost.error.Cause', StringMatches: c })) }], Next: R.again },
    ],
    Default: R.confirm,
  };
  states[R.confirm] = { Type: 'Pass', Result: true, ResultPath: '$.lost.looked', Next: R.confirmWait };
  states[R.confirmWait] = { Type: 'Wait', Seconds: CONFIRM_SECONDS, Next: R.find };
  // The found job goes under `$.jobs`, as its SubmitJob's result would have: built as JSON, since the key is the job's.
  const entry = "States.Format('\\{\"{}\":\\{\"JobId\":\"{}\",\"JobName\":\"{}\",\"skipped\":false\\}\\}', $.lost.job.k, $.lost.found.jobs[0].JobId, $.lost.n)";
  states[R.keep] = {
    Type: 'Pass',
    Parameters: { 'jobs.$': `States.JsonMerge($.jobs, States.StringToJson(${entry}), false)` },
    ResultPath: '$.lost.merged',
    Next: R.record,
  };
  states[R.record] = { Type: 'Pass', InputPath: '$.lost.merged.jobs', ResultPath: '$.jobs', Next: R.goOn };
  const back = (to: (i: number) => string) => ({
    Type: 'Choice',
    Choices: jobs.map((job, i) => ({ Variable: '$.lost.n', StringEquals: job.name, Next: to(i) })),
    Default: R.giveUp,
  });
  states[R.goOn] = back(nextOf);
  states[R.again] = back(i => submitOf(jobs[i].name));
  states[R.giveUp] = { Type: 'Pass', InputPath: '$.lost.error', ResultPath: '$.error', Next: STATE_NAMES.sinksUnknown };
}

/** Names of a final job's recovery states. */
export function finalRecoveryNames(name: string): { [state in 'again' | 'backOff' | 'find' | 'found' | 'succeeded' | 'look']: string } {
  return {
    again: `${name} again`,
    backOff: `${name} back off`,
    find: `Find ${name}`,
    found: `${name} found?`,
    succeeded: `${name} succeeded`,
    look: `${name} look again`,
  };
}

/**
 * A final job's recovery states, entered from its `error?` Choice after a submission error worth retrying.
 * `run` is its `.sync` task (submitted again when no job is found), `failed` the Pass that reports it failed (from
 * `$.found.jobs[0].JobId`), `refused` the one that reports an error.
 */
export function finalJobRecoveryStates(name: string, run: string, failed: string, refused: string): States {
  const F = finalRecoveryNames(name);
  const first = '$.found.jobs[0]';
  const status = (s: string) => ({ Variable: `${first}.Status`, StringEquals: s });
  return {
    [F.again]: { Type: 'Pass', Parameters: nextTry(FINAL_TRIES), ResultPath: FINAL_TRIES, Next: F.backOff },
    [F.backOff]: { Type: 'Wait', SecondsPath: `${FINAL_TRIES}.wait`, Next: F.find },
    [F.find]: findJob(undefined, name, '$.found', F.found, refused),
    // Found, the job is waited for here (it is the run's, and nothing resubmits it). Batch keeps an ended job "for
    // at least 7 days", and a look a minute after it ended sees it: a found job cannot be lost between looks.
    // Not found: submitted again. (A job `ListJobs` lists late, after this look, is caught by the run's check for
    // second copies, workflow-duplicates.ts: a final job's second look would cost every final job its bytes.)
    [F.found]: {
      Type: 'Choice',
      Choices: [
        { Variable: first, IsPresent: false, Next: run },
        { ...status('SUCCEEDED'), Next: F.succeeded },
        { ...status('FAILED'), Next: failed },
      ],
      Default: F.look,
    },
    [F.look]: { Type: 'Wait', Seconds: FOUND_JOB_LOOK_SECONDS, Next: F.find },
    [F.succeeded]: { Type: 'Pass', Parameters: { 'JobName': name, 'JobId.$': '$.found.jobs[0].JobId', 'failed': false, 'skipped': false }, End: true },
  };
}

/** The condition of a final job's `error?` Choice that sends a submission error to its recovery. */
export function finalRetryCondition(): { [key: string]: unknown } {
  return { And: [{ Variable: `${FINAL_TRIES}.tries`, NumericLessThan: MAX_SUBMIT_RETRIES }, ...retryable('$.error.Error')] };
}
