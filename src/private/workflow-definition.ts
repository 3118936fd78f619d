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
 * that names the failed job and its reason.
 */
import { sinks, topologicalOrder } from './workflow-graph';

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
  jobStatus: 'Job status',
  jobNotSubmitted: 'Job not submitted',
  jobUnknown: 'Job status unknown',
  jobFailedWithReason: 'Job failed with reason',
  jobFailed: 'Job failed',
  jobSucceeded: 'Job succeeded',
  jobRunning: 'Job running',
  cancelJob: 'Cancel job',
  jobCancelled: 'Job cancelled',
  jobNotCancelled: 'Job not cancelled',
  failureKind: 'Job or service error',
  readFailedJob: 'Read failed job',
  failedJobReason: 'Failed job has reason',
  jobHeadline: 'Name failed job',
  jobHeadlineNoReason: 'Name failed job without reason',
  errorHeadline: 'Name error',
  errorHeadlineNoCause: 'Name error without cause',
  failureMessage: 'Build failure message',
  failed: 'Workflow failed',
} as const;

/**
 * The most branches of one Parallel state that aws-local-stepfunctions runs at once (and the most iterations
 * an inline Map runs at once in AWS). Final jobs are grouped into nested Parallel states of at most this many,
 * so that every final job is submitted at the start of the wait.
 */
export const MAX_BRANCHES = 40;

/** Name of the nested Parallel state that waits for group `i` of the final jobs. */
export function sinkGroupStateName(i: number): string {
  return `${STATE_NAMES.runSinks} ${i + 1}`;
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
 * Choice conditions that hold when the path exists and is a string. Step Functions fails a Choice state that
 * tests a path that is not there, so `IsPresent` comes first.
 */
function isString(path: string): Array<{ [key: string]: unknown }> {
  return [{ Variable: path, IsPresent: true }, { Variable: path, IsString: true }];
}

/** A Pass state whose output is one line of the failure report. */
function reportLine(format: string, ...args: string[]): { [key: string]: unknown } {
  return {
    Type: 'Pass',
    Parameters: { 'line.$': `States.Format('${format}', ${args.join(', ')})` },
    OutputPath: '$.line',
    End: true,
  };
}

/**
 * The states that run once per submitted job when the run fails: describe the job, cancel it if it has not
 * started, and return one line that says what became of it. Only definite JSONPath is used, so the report is
 * the same wherever JSONPath filters or wildcards behave differently (Step Functions always returns a list
 * for them; aws-local-stepfunctions unwraps a single match and fails on none).
 */
function jobReportProcessor(): { [key: string]: unknown } {
  const N = STATE_NAMES;
  const job = '$.described.job';
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: N.checkJob,
    States: {
      [N.checkJob]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.JobId', IsPresent: true, Next: N.describeJob }],
        Default: N.jobNotSubmitted,
      },
      [N.jobNotSubmitted]: reportLine('{}: not submitted', '$.JobName'),
      [N.describeJob]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs',
        Parameters: { 'Jobs.$': 'States.Array($.JobId)' },
        ResultSelector: { 'job.$': '$.Jobs[0]' },
        ResultPath: '$.described',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.describeError', Next: N.jobUnknown }],
        Next: N.jobStatus,
      },
      [N.jobUnknown]: reportLine('{} ({}): status unknown, not cancelled', '$.JobName', '$.JobId'),
      [N.jobStatus]: {
        Type: 'Choice',
        Choices: [
          {
            And: [{ Variable: `${job}.Status`, StringEquals: 'FAILED' }, { Variable: `${job}.StatusReason`, IsPresent: true }],
            Next: N.jobFailedWithReason,
          },
          { Variable: `${job}.Status`, StringEquals: 'FAILED', Next: N.jobFailed },
          { Variable: `${job}.Status`, StringEquals: 'SUCCEEDED', Next: N.jobSucceeded },
          {
            Or: [{ Variable: `${job}.Status`, StringEquals: 'STARTING' }, { Variable: `${job}.Status`, StringEquals: 'RUNNING' }],
            Next: N.jobRunning,
          },
        ],
        Default: N.cancelJob,
      },
      [N.jobFailedWithReason]: reportLine('{}: FAILED ({})', '$.JobName', `${job}.StatusReason`),
      [N.jobFailed]: reportLine('{}: FAILED', '$.JobName'),
      [N.jobSucceeded]: reportLine('{}: SUCCEEDED', '$.JobName'),
      [N.jobRunning]: reportLine('{}: {}, left to finish', '$.JobName', `${job}.Status`),
      [N.cancelJob]: {
        Type: 'Task',
        Comment: 'CancelJob stops a job that has not started; Batch then fails the jobs that depend on it.',
        Resource: 'arn:aws:states:::aws-sdk:batch:cancelJob',
        Parameters: { 'JobId.$': '$.JobId', 'Reason': 'Workflow run failed: another job of the run failed' },
        ResultPath: null,
        Retry: [{ ErrorEquals: SUBMIT_RETRY_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cancelError', Next: N.jobNotCancelled }],
        Next: N.jobCancelled,
      },
      [N.jobCancelled]: reportLine('{}: cancelled, it was {}', '$.JobName', `${job}.Status`),
      [N.jobNotCancelled]: reportLine('{}: {}, could not be cancelled', '$.JobName', `${job}.Status`),
    },
  };
}

/** One branch of the final wait: submit a job nothing depends on and wait for it to end. */
function sinkBranch(job: JobSubmission, jobQueueArn: string): { [key: string]: unknown } {
  const stateName = submitStateName(job.name, true);
  return {
    StartAt: stateName,
    States: {
      [stateName]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: submitParameters(job, jobQueueArn),
        ResultSelector: { 'JobId.$': '$.JobId', 'JobName.$': '$.JobName', 'Status.$': '$.Status' },
        Retry: submitRetry,
        End: true,
      },
    },
  };
}

/** Builds the state machine definition (ASL) for the workflow. */
export function buildWorkflowDefinition(jobs: JobSubmission[], jobQueueArn: string): { [key: string]: unknown } {
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
    Comment: 'A YYYY-MM-DD date followed by T00:00:00Z is an RFC 3339 timestamp; anything else is not.',
    Choices: [{ Variable: '$.dateCheck', IsTimestamp: true, Next: first }],
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
  const branches = sinkJobs.map(job => sinkBranch(job, jobQueueArn));
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
  if (upstream.length > 0) {
    states[N.listSubmitted] = {
      Type: 'Pass',
      Parameters: { 'jobs.$': `States.Array(${upstream.map(j => `$.jobs.${jobKey(j.name)}`).join(', ')})` },
      ResultPath: '$.submitted',
      Next: N.reportJobs,
    };
    states[N.reportJobs] = {
      Type: 'Map',
      Comment: 'Describes each job submitted before the failure and cancels it if it has not started.',
      ItemsPath: '$.submitted.jobs',
      MaxConcurrency: MAX_BRANCHES,
      ItemProcessor: jobReportProcessor(),
      ResultPath: '$.report',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: N.failureKind }],
      Next: N.failureKind,
    };
  }
  // A job that failed fails its `.sync` task with States.TaskFailed and the job's description (JSON) as the
  // cause; any other error (an API call refused, a timeout) is reported as it is.
  states[N.failureKind] = {
    Type: 'Choice',
    Choices: [
      { Variable: '$.error.Error', StringEquals: 'States.TaskFailed', Next: N.readFailedJob },
      { And: isString('$.error.Cause'), Next: N.errorHeadline },
    ],
    Default: N.errorHeadlineNoCause,
  };
  states[N.readFailedJob] = {
    Type: 'Pass',
    Parameters: { 'job.$': 'States.StringToJson($.error.Cause)' },
    ResultPath: '$.failedJob',
    Next: N.failedJobReason,
  };
  states[N.failedJobReason] = {
    Type: 'Choice',
    Choices: [
      { And: [...isString('$.failedJob.job.JobName'), ...isString('$.failedJob.job.StatusReason')], Next: N.jobHeadline },
      { And: isString('$.failedJob.job.JobName'), Next: N.jobHeadlineNoReason },
    ],
    Default: N.errorHeadline,
  };
  const headline = (format: string, error: string, ...args: string[]) => ({
    Type: 'Pass',
    Parameters: { 'error': error, 'text.$': `States.Format('${format}', ${args.join(', ')})` },
    ResultPath: '$.headline',
    Next: N.failureMessage,
  });
  states[N.jobHeadline] = headline('job {} failed: {}', 'JobFailed', '$.failedJob.job.JobName', '$.failedJob.job.StatusReason');
  states[N.jobHeadlineNoReason] = headline('job {} failed', 'JobFailed', '$.failedJob.job.JobName');
  states[N.errorHeadline] = {
    Type: 'Pass',
    Parameters: { 'error.$': '$.error.Error', 'text.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" },
    ResultPath: '$.headline',
    Next: N.failureMessage,
  };
  states[N.errorHeadlineNoCause] = {
    Type: 'Pass',
    Parameters: { 'error.$': '$.error.Error', 'text.$': '$.error.Error' },
    ResultPath: '$.headline',
    Next: N.failureMessage,
  };
  states[N.failureMessage] = {
    Type: 'Pass',
    Parameters: {
      'error.$': '$.headline.error',
      'cause.$': upstream.length > 0
        ? "States.Format('Run of {} failed: {}. Jobs submitted before the final ones: {}', $.date, $.headline.text, States.JsonToString($.report))"
        : "States.Format('Run of {} failed: {}.', $.date, $.headline.text)",
    },
    Next: N.failed,
  };
  states[N.failed] = { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' };

  return {
    Comment: `Runs ${jobs.length} AWS Batch job(s); each starts as soon as the jobs it depends on have succeeded.`,
    StartAt: N.resolveDate,
    States: states,
  };
}
