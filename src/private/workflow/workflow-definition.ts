/**
 * Turns a validated workflow into an Amazon States Language definition.
 *
 * Design (docs/workflows.md): every job that another job depends on is submitted without waiting
 * (`batch:submitJob`), in dependency order, with AWS Batch's own `dependsOn` pointing at the job IDs of its
 * dependencies; then every job that nothing depends on (a final job, or sink) is submitted with
 * `batch:submitJob.sync` in one branch of a Parallel state. Batch starts each job as soon as all of its
 * dependencies have succeeded, so a run takes the graph's critical path for any acyclic graph, and the run
 * succeeds only when every final job, and therefore every job, has succeeded. When a job fails, Batch fails the
 * jobs that depend on it; a final job's task fails, Step Functions stops the other branches, and the workflow
 * cancels every submitted job that has not started, reports what became of each, and ends FAILED with an error
 * that names the job that failed first-hand (not because a dependency failed), its reason and its exit code.
 * Every `.sync` task has a timeout (`runTimeout`), so a job that Batch never ends cannot hold a run forever.
 */
import { addFailureStates } from './workflow-failure';
import { sinks, topologicalOrder } from './workflow-graph';
import {
  DEFAULT_RUN_TIMEOUT_SECONDS, isString, jobKey, MAX_BRANCHES, sinkGroupStateName, STATE_NAMES, submitStateName,
  SUBMIT_RETRY_ERRORS, WorkflowOptions,
} from './workflow-states';

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


function submitParameters(job: JobSubmission, jobQueueArn: string): { [key: string]: unknown } {
  const params: { [key: string]: unknown } = {
    JobName: job.name,
    JobQueue: jobQueueArn,
    JobDefinition: job.jobDefinitionArn,
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
  params.RetryStrategy = { Attempts: job.retryAttempts, EvaluateOnExit: job.evaluateOnExit };
  if (job.timeoutSeconds !== undefined) params.Timeout = { AttemptDurationSeconds: job.timeoutSeconds };
  if (job.arraySize !== undefined) params.ArrayProperties = { Size: job.arraySize };
  return params;
}

const submitRetry = [{ ErrorEquals: SUBMIT_RETRY_ERRORS, IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2 }];


/**
 * Choice conditions that hold for a YYYY-MM-DD string whose day its month does not have. An RFC 3339 check
 * accepts any day 01-31; Step Functions has no date arithmetic, so the short months are listed, and
 * 29 February is allowed only in leap years: years ending in a multiple of 4 other than 00, and centuries
 * divisible by 400 (0000, 0400, ..., 9600).
 */
export function impossibleDays(path: string): Array<{ [key: string]: unknown }> {
  const two = (n: number) => String(n).padStart(2, '0');
  const leap = [
    ...Array.from({ length: 24 }, (_, i) => `*${two(4 * (i + 1))}-02-29`),
    ...Array.from({ length: 25 }, (_, i) => `${two(4 * i)}00-02-29`),
  ];
  return [
    ...['02-30', '02-31', '04-31', '06-31', '09-31', '11-31'].map(md => ({ Variable: path, StringMatches: `*-${md}` })),
    {
      And: [
        { Variable: path, StringMatches: '*-02-29' },
        { Not: { Or: leap.map(pattern => ({ Variable: path, StringMatches: pattern })) } },
      ],
    },
  ];
}

/** One branch of the final wait: submit a job nothing depends on and wait for it to end. */
function sinkBranch(job: JobSubmission, jobQueueArn: string, runTimeoutSeconds: number): { [key: string]: unknown } {
  const stateName = submitStateName(job.name, true);
  return {
    StartAt: stateName,
    States: {
      [stateName]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: submitParameters(job, jobQueueArn),
        ResultSelector: { 'JobId.$': '$.JobId', 'JobName.$': '$.JobName', 'Status.$': '$.Status' },
        // A job that Batch never ends (e.g. held PENDING on a dependency that had already failed when it was
        // submitted) fails its task with States.Timeout, which the failure path catches.
        TimeoutSeconds: runTimeoutSeconds,
        Retry: submitRetry,
        End: true,
      },
    },
  };
}

/** Builds the state machine definition (ASL) for the workflow. */
export function buildWorkflowDefinition(
  jobs: JobSubmission[], jobQueueArn: string, options: WorkflowOptions = { runTimeoutSeconds: DEFAULT_RUN_TIMEOUT_SECONDS },
): { [key: string]: unknown } {
  const N = STATE_NAMES;
  const ordered = topologicalOrder(jobs);
  const sinkJobs = sinks(ordered);
  const sinkNames = new Set(sinkJobs.map(j => j.name));
  const upstream = ordered.filter(j => !sinkNames.has(j.name));

  const states: { [name: string]: unknown } = {};
  const catchToFailure = [{
    ErrorEquals: ['States.ALL'],
    ResultPath: '$.error',
    Next: upstream.length > 0 ? N.listSubmitted : N.failureKind,
  }];

  // 1. The run date: the input's "date" (checked to be YYYY-MM-DD), or the day the execution started (UTC).
  //    Every job that others depend on gets a placeholder under $.jobs, replaced by its ID once submitted,
  //    so the failure path can list them with definite paths.
  const placeholders: { [key: string]: unknown } = {};
  for (const job of upstream) placeholders[jobKey(job.name)] = { JobName: job.name };
  const init = (date: string) => ({ 'date.$': date, ...(upstream.length > 0 ? { jobs: placeholders, report: [] } : {}) });
  const first = upstream.length > 0 ? submitStateName(upstream[0].name, false) : N.runSinks;
  states[N.resolveDate] = {
    Type: 'Choice',
    Comment: 'Every job gets the run date: the input\'s "date" (YYYY-MM-DD), or the execution\'s start date (UTC).',
    Choices: [
      {
        And: isString('$.date'),
        Next: N.givenDate,
      },
      { Variable: '$.date', IsPresent: true, Next: N.invalidInput },
    ],
    Default: N.executionDate,
  };
  states[N.invalidInput] = {
    Type: 'Fail',
    Error: 'InvalidInput',
    Cause: 'the execution input\'s "date" must be a date YYYY-MM-DD, or be left out to use the execution\'s start date',
  };
  states[N.givenDate] = {
    Type: 'Pass',
    Parameters: { ...init('$.date'), 'dateCheck.$': "States.Format('{}T00:00:00Z', $.date)" },
    Next: N.checkDate,
  };
  states[N.checkDate] = {
    Type: 'Choice',
    Comment: 'A YYYY-MM-DD date followed by T00:00:00Z is an RFC 3339 timestamp; anything else is not. '
      + 'Days a month does not have (31 April, 30 February, 29 February outside leap years) are refused first.',
    Choices: [
      { Or: impossibleDays('$.date'), Next: N.invalidInput },
      { Variable: '$.dateCheck', IsTimestamp: true, Next: first },
    ],
    Default: N.invalidInput,
  };
  states[N.executionDate] = {
    Type: 'Pass',
    Parameters: init("States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"),
    Next: first,
  };

  // 2. Jobs that others depend on: submitted in dependency order without waiting; Batch holds each one
  //    PENDING until its dependencies have succeeded.
  upstream.forEach((job, i) => {
    states[submitStateName(job.name, false)] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob',
      Parameters: submitParameters(job, jobQueueArn),
      ResultSelector: { 'JobId.$': '$.JobId', 'JobName.$': '$.JobName' },
      ResultPath: `$.jobs.${jobKey(job.name)}`,
      Retry: submitRetry,
      Catch: catchToFailure,
      Next: i + 1 < upstream.length ? submitStateName(upstream[i + 1].name, false) : N.runSinks,
    };
  });

  // 3. Jobs nothing depends on: submitted and awaited, one branch each. The run succeeds only when every one
  //    of them succeeded, and each of them only runs when everything it depends on succeeded.
  const branches = sinkJobs.map(job => sinkBranch(job, jobQueueArn, options.runTimeoutSeconds));
  const groups: Array<Array<{ [key: string]: unknown }>> = [];
  for (let i = 0; i < branches.length; i += MAX_BRANCHES) groups.push(branches.slice(i, i + MAX_BRANCHES));
  states[N.runSinks] = {
    Type: 'Parallel',
    Comment: 'Each branch submits a final job and waits for it; Batch holds it until its dependencies succeed.',
    Branches: groups.length === 1 ? groups[0] : groups.map((group, i) => ({
      StartAt: sinkGroupStateName(i),
      States: { [sinkGroupStateName(i)]: { Type: 'Parallel', Branches: group, End: true } },
    })),
    ResultPath: null,
    Catch: catchToFailure,
    Next: N.succeeded,
  };
  states[N.succeeded] = { Type: 'Succeed' };

  // 4. On failure: stop every submitted job that has not started, report what became of each, fail the run.
  addFailureStates(states, upstream, options);

  return {
    Comment: `Runs ${jobs.length} AWS Batch job(s); each starts as soon as the jobs it depends on have succeeded.`,
    StartAt: N.resolveDate,
    States: states,
  };
}
