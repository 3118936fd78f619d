/**
 * Turns a validated workflow into an Amazon States Language definition.
 *
 * Design (docs/workflows.md): every job that another job depends on is submitted without waiting
 * (`batch:submitJob`), in dependency order, with AWS Batch's own `dependsOn` pointing at the job IDs of its
 * dependencies; then a Parallel state runs two branches side by side:
 * - the final jobs (those nothing depends on), each submitted with `batch:submitJob.sync` in a branch of its
 *   own that catches its failure, so that this branch ends only when every final job has ended. Batch starts
 *   each job as soon as all of its dependencies have succeeded, so a run takes the graph's critical path;
 * - the watch (workflow-watch.ts), which looks at every job of the run and terminates what must not run on
 *   when a job fails or runTimeout passes.
 * The final-job branch then breaks out of the Parallel state with a Fail state (the only way to end the other
 * branch): success, or the failure path, which terminates what is left, waits until every job of the run has
 * ended, and fails naming the job that failed first-hand, its reason, exit code and logs. No step relies on
 * Step Functions stopping a `.sync` job of a stopped branch, nor on Batch failing a job whose dependency failed.
 */
import { addRunClaim } from './run-claim';
import { addDateStates } from './run-date';
import { jobWorkflowInputStates } from './run-input';
import { addSubmitRecoveryStates, finalJobRecoveryStates, finalRecoveryNames, finalRetryCondition, lostCatch } from './submit-recovery';
import { addDuplicateCheckStates, DUPLICATE_STATES } from './workflow-duplicates';
import { addFailureStates } from './workflow-failure';
import { sinks, topologicalOrder } from './workflow-graph';
import { addResumeStates, RESUME_STATES, skipChoiceName, skipCondition, skippedJob, skippedName } from './workflow-resume';
import {
  batchJobName, BREAK_FAILED, BREAK_SUCCEEDED, isString, jobKey, MAX_BRANCHES,
  sinkGroupStateName, sinkOutcomeNames, STATE_NAMES, States, submitStateName, WorkflowOptions,
} from './workflow-states';
import { startWatch, watchStates, WatchOptions } from './workflow-watch';

/** A job as the definition needs it, with ARNs already resolved (or tokens). */
export interface JobSubmission {
  readonly name: string;
  readonly jobDefinitionArn: string;
  readonly dependsOn: string[];
  readonly command?: string[];
  readonly environment: { [name: string]: string };
  readonly retryAttempts: number;
  readonly evaluateOnExit: Array<{ [key: string]: string }>;
  readonly timeoutSeconds?: number;
  readonly arraySize?: number;
}

/** A job's retry strategy as SubmitJob takes it. */
function retryStrategy(job: JobSubmission): { [key: string]: unknown } {
  return { Attempts: job.retryAttempts, EvaluateOnExit: job.evaluateOnExit };
}

/**
 * The jobs' retry strategies, each once: the run's data carries them (`$.run.retry`) and each SubmitJob names
 * its own by path, instead of repeating the same rules in every job's state (about 300 bytes of definition each).
 */
function sharedRetryStrategies(jobs: JobSubmission[]): { list: unknown[]; pathOf: (job: JobSubmission) => string } {
  const keys = [...new Set(jobs.map(job => JSON.stringify(retryStrategy(job))))];
  return { list: keys.map(k => JSON.parse(k)), pathOf: job => `$.run.retry[${keys.indexOf(JSON.stringify(retryStrategy(job)))}]` };
}

/** Where the run's data holds the job queue's ARN, which every SubmitJob names (instead of its own copy). */
const QUEUE_PATH = '$.run.queue';

function submitParameters(job: JobSubmission, retryPath: string): { [key: string]: unknown } {
  const params: { [key: string]: unknown } = {
    'JobName.$': batchJobName(job.name),
    'JobQueue.$': QUEUE_PATH,
    'JobDefinition': job.jobDefinitionArn,
  };
  if (job.dependsOn.length > 0) {
    params.DependsOn = job.dependsOn.map(d => ({ 'JobId.$': `$.jobs.${jobKey(d)}.JobId` }));
  }
  params.Parameters = { 'date.$': '$.date' };
  const environment = [
    { 'Name': 'RUN_DATE', 'Value.$': '$.date' },
    { Name: 'JOB_NAME', Value: job.name },
    ...Object.entries(job.environment).map(([Name, Value]) => ({ Name, Value })),
  ];
  params.ContainerOverrides = {
    ...(job.command ? { Command: job.command } : {}),
    Environment: environment,
  };
  params['RetryStrategy.$'] = retryPath;
  if (job.timeoutSeconds !== undefined) params.Timeout = { AttemptDurationSeconds: job.timeoutSeconds };
  if (job.arraySize !== undefined) params.ArrayProperties = { Size: job.arraySize };
  return params;
}

/**
 * One branch of the final wait: submit a job nothing depends on and wait for it to end. Its outcome is the
 * branch's output (`{ JobName, JobId, failed }`), never an error, so the wait ends only when every final job
 * has ended.
 */
function sinkBranch(job: JobSubmission, index: number, retryPath: string): { [key: string]: unknown } {
  const run = submitStateName(job.name, true);
  const { error, read, failed, refused } = sinkOutcomeNames(job.name);
  return {
    StartAt: skipChoiceName(job.name),
    States: {
      // Resuming: a final job that succeeded in the resumed run (after all of its dependencies) is not run again.
      [skipChoiceName(job.name)]: { Type: 'Choice', Choices: [{ ...skipCondition(index, job.dependsOn), Next: skippedName(job.name) }], Default: run },
      [skippedName(job.name)]: { Type: 'Pass', Parameters: { ...skippedJob(job.name, index), failed: false }, End: true },
      [run]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: submitParameters(job, retryPath),
        ResultSelector: { 'JobName': job.name, 'JobId.$': '$.JobId', 'failed': false, 'skipped': false },
        // Not retried blindly: a failed submission may have created the job (submit-recovery.ts).
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: error }],
        End: true,
      },
      // A job that failed fails its task with States.TaskFailed and its description (JSON) as the cause.
      [error]: {
        Type: 'Choice',
        Choices: [
          { And: [...isString('$.error.Cause'), { Variable: '$.error.Cause', StringMatches: '{*}' }], Next: read },
          { ...finalRetryCondition(), Next: finalRecoveryNames(job.name).again },
        ],
        Default: refused,
      },
      [read]: { Type: 'Pass', Parameters: { 'jobs.$': 'States.Array(States.StringToJson($.error.Cause))' }, ResultPath: '$.found', Next: failed },
      [failed]: { Type: 'Pass', Parameters: { 'JobName': job.name, 'JobId.$': '$.found.jobs[0].JobId', 'failed': true, 'skipped': false }, End: true },
      [refused]: {
        Type: 'Pass',
        Parameters: { 'JobName': job.name, 'failed': true, 'skipped': false, 'error.$': '$.error.Error', 'cause.$': "States.Format('{}', $.error.Cause)" },
        End: true,
      },
      ...finalJobRecoveryStates(job.name, run, failed, refused),
    },
  };
}

/** The final jobs in groups of at most MAX_BRANCHES, as the failure path reads their results. */
export function sinkGroups<T>(sinkJobs: T[]): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < sinkJobs.length; i += MAX_BRANCHES) groups.push(sinkJobs.slice(i, i + MAX_BRANCHES));
  return groups;
}

/** The branch that runs the final jobs and then breaks out of the Parallel state, with their results as the cause. */
function finalJobsBranch(
  sinkJobs: JobSubmission[], firstIndex: number, retry: ReturnType<typeof sharedRetryStrategies>,
): { [key: string]: unknown } {
  const N = STATE_NAMES;
  const failedResult = ['*"failed":true*', '*"failed": true*'].map(p => ({ Variable: '$.text', StringMatches: p }));
  return {
    StartAt: N.runSinks,
    States: {
      [N.runSinks]: {
        Type: 'Parallel',
        Comment: 'Each branch submits a final job and waits for it to end; Batch holds it until its dependencies succeed.',
        Branches: sinkGroups(sinkJobs).map((group, i) => ({
          StartAt: sinkGroupStateName(i),
          States: {
            [sinkGroupStateName(i)]: {
              Type: 'Parallel',
              Branches: group.map((j, k) => sinkBranch(j, firstIndex + i * MAX_BRANCHES + k, retry.pathOf(j))),
              End: true,
            },
          },
        })),
        Next: N.sinksDone,
      },
      [N.sinksDone]: { Type: 'Pass', Parameters: { 'text.$': 'States.JsonToString($)' }, Next: N.sinksOutcome },
      [N.sinksOutcome]: { Type: 'Choice', Choices: [{ Or: failedResult, Next: N.someFailed }], Default: N.allSucceeded },
      // Every final job, and so every job, succeeded (or was skipped): the results go to the run's summary.
      [N.allSucceeded]: { Type: 'Fail', Error: BREAK_SUCCEEDED, CausePath: '$.text' },
      [N.someFailed]: { Type: 'Fail', Error: BREAK_FAILED, CausePath: '$.text' },
    },
  };
}

/**
 * A run that succeeded ends with its summary: the date, the input, and every job with its ID and whether it was
 * skipped (it succeeded in the run given as resumeFrom) or ran.
 */
function addSummaryStates(states: States, upstream: JobSubmission[], groups: JobSubmission[][]): void {
  const N = STATE_NAMES;
  const paths = [
    ...upstream.map(j => `$.jobs.${jobKey(j.name)}`),
    ...groups.flatMap((group, g) => group.map((_, i) => `$.sinks.results[${g}][${i}]`)),
  ];
  states[N.readSinksOk] = { Type: 'Pass', Parameters: { 'results.$': 'States.StringToJson($.error.Cause)' }, ResultPath: '$.sinks', Next: DUPLICATE_STATES.known };
  // Every job succeeded: unless a job ran twice (workflow-duplicates.ts), the run ends with its summary.
  addDuplicateCheckStates(states, N.summary);
  states[N.summary] = {
    Type: 'Pass',
    Parameters: { 'date.$': '$.date', 'input.$': '$.input', 'jobs.$': `States.Array(${paths.join(', ')})` },
    Next: N.succeeded,
  };
  states[N.succeeded] = { Type: 'Succeed' };
}

/** Builds the state machine definition (ASL) for the workflow. */
export function buildWorkflowDefinition(
  jobs: JobSubmission[], jobQueueArn: string, options: WorkflowOptions,
): { [key: string]: unknown } {
  const N = STATE_NAMES;
  const failureMode = options.failureMode;
  const ordered = topologicalOrder(jobs);
  const sinkJobs = sinks(ordered);
  const sinkNames = new Set(sinkJobs.map(j => j.name));
  const upstream = ordered.filter(j => !sinkNames.has(j.name));
  // Input keys (and, with on-demand egress, who started the run) are checked before anything else (run-input.ts).
  const states: States = jobWorkflowInputStates(options.stateMachineName, N.resolveDate, options.startedOnlyBy);
  const retry = sharedRetryStrategies(ordered);
  addDateStates(states, { upstream, jobCount: ordered.length, retryStrategies: retry.list, jobQueueArn }, RESUME_STATES.resume);
  const names = [...upstream, ...sinkJobs].map(j => j.name);
  const firstJob = upstream.length > 0 ? skipChoiceName(upstream[0].name) : N.runAll;
  addResumeStates(states, { ...options, names, jobQueueArn, next: addRunClaim(states, options, firstJob) });

  // Jobs that others depend on: submitted in dependency order without waiting; Batch holds each one PENDING
  // until its dependencies have succeeded. Resuming, one that succeeded in the resumed run is skipped.
  const nextOf = (i: number) => (i + 1 < upstream.length ? skipChoiceName(upstream[i + 1].name) : N.runAll);
  upstream.forEach((job, i) => {
    const next = nextOf(i);
    const submit = submitStateName(job.name, false);
    states[skipChoiceName(job.name)] = { Type: 'Choice', Choices: [{ ...skipCondition(i, job.dependsOn), Next: skippedName(job.name) }], Default: submit };
    states[skippedName(job.name)] = { Type: 'Pass', Parameters: skippedJob(job.name, i), ResultPath: `$.jobs.${jobKey(job.name)}`, Next: next };
    states[submit] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob',
      Parameters: submitParameters(job, retry.pathOf(job)),
      ResultSelector: { 'JobId.$': '$.JobId', 'JobName': job.name, 'skipped': false },
      ResultPath: `$.jobs.${jobKey(job.name)}`,
      // Not retried blindly: a failed submission may have created the job (submit-recovery.ts).
      Catch: lostCatch(job.name),
      Next: next,
    };
  });
  addSubmitRecoveryStates(states, upstream, nextOf, name => submitStateName(name, false));

  const watch: WatchOptions = { prefix: 'Watch', kind: 'watch', jobQueueArn, filterPath: '$.run.filter', failureMode, runTimeoutSeconds: options.runTimeoutSeconds };
  states[N.runAll] = {
    Type: 'Parallel',
    Comment: 'The final jobs, and a watch over every job of the run; the first branch ends the state when every final job has ended.',
    Branches: [
      finalJobsBranch(sinkJobs, upstream.length, retry),
      { StartAt: 'Watch: start', States: { 'Watch: start': startWatch(watch, 'Watch: wait'), ...watchStates(watch) } },
    ],
    ResultPath: null,
    Catch: [
      { ErrorEquals: [BREAK_SUCCEEDED], ResultPath: '$.error', Next: N.readSinksOk },
      { ErrorEquals: [BREAK_FAILED], ResultPath: '$.error', Next: N.readSinks },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: N.sinksUnknown },
    ],
    Next: N.succeeded,
  };
  addSummaryStates(states, upstream, sinkGroups(sinkJobs));
  addFailureStates(states, { upstream, sinkGroups: sinkGroups(sinkJobs), jobQueueArn, failureMode, options });

  return {
    Comment: `Runs ${jobs.length} AWS Batch job(s); each starts as soon as the jobs it depends on have succeeded.`,
    StartAt: Object.keys(states)[0],
    // A backstop: the watch stops the run at runTimeout; an execution that times out is cleaned up by a rule.
    TimeoutSeconds: options.runTimeoutSeconds + 3600,
    States: states,
  };
}

