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

/**
 * The most branches of one Parallel state that aws-local-stepfunctions runs at once (and the most iterations
 * an inline Map runs at once in AWS). Final jobs are grouped into nested Parallel states of at most this many,
 * so that every final job is submitted at the start of the wait.
 */
export const MAX_BRANCHES = 40;

/** The reason the workflow gives Batch when it cancels a job. */
export const CANCEL_REASON = 'Workflow run failed: another job of the run failed';

/**
 * Status reasons of a job that did not fail first-hand: Batch failed it because a dependency failed, the workflow
 * cancelled it, or Step Functions terminated it when it stopped the job's `.sync` task.
 */
const SECOND_HAND_REASONS = [
  { Variable: '', StringMatches: 'Dependent Job failed*' },
  { Variable: '', StringEquals: CANCEL_REASON },
  { Variable: '', StringMatches: 'The Task state in AWS Step Functions execution*' },
];

/** A Choice condition: the string at `path` is one of the second-hand reasons. */
function secondHand(path: string): { [key: string]: unknown } {
  return { Or: SECOND_HAND_REASONS.map(r => ({ ...r, Variable: path })) };
}

/** Choice conditions that hold when the path exists and is a number. */
function isNumber(path: string): Array<{ [key: string]: unknown }> {
  return [{ Variable: path, IsPresent: true }, { Variable: path, IsNumeric: true }];
}

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

/**
 * A Pass state whose output is one line of the failure report and, for a job that failed first-hand, the
 * headline that names it (`failure`, empty otherwise).
 */
function reportLine(format: string, args: string[], failure?: { format: string; args: string[] }): { [key: string]: unknown } {
  return {
    Type: 'Pass',
    Parameters: {
      'line.$': `States.Format('${format}', ${args.join(', ')})`,
      ...(failure ? { 'failure.$': `States.Format('${failure.format}', ${failure.args.join(', ')})` } : { failure: '' }),
    },
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
  // DescribeJobs leaves out IDs it does not know: the list may be empty, so it is tested before it is read.
  const job = '$.described.jobs[0]';
  const failed = { Variable: `${job}.Status`, StringEquals: 'FAILED' };
  const reason = `${job}.StatusReason`;
  const exitCode = `${job}.Container.ExitCode`;
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: N.checkJob,
    States: {
      [N.checkJob]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.JobId', IsPresent: true, Next: N.describeJob }],
        Default: N.jobNotSubmitted,
      },
      [N.jobNotSubmitted]: reportLine('{}: not submitted', ['$.JobName']),
      [N.describeJob]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs',
        Parameters: { 'Jobs.$': 'States.Array($.JobId)' },
        ResultSelector: { 'jobs.$': '$.Jobs' },
        ResultPath: '$.described',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.describeError', Next: N.jobUnknown }],
        Next: N.jobFound,
      },
      [N.jobFound]: {
        Type: 'Choice',
        Choices: [{ And: isString(`${job}.Status`), Next: N.jobStatus }],
        Default: N.jobUnknown,
      },
      [N.jobUnknown]: reportLine('{} ({}): status unknown, not cancelled', ['$.JobName', '$.JobId']),
      [N.jobStatus]: {
        Type: 'Choice',
        Choices: [
          { And: [failed, ...isString(reason), secondHand(reason)], Next: N.jobFailedAfterDependency },
          { And: [failed, ...isString(reason), ...isNumber(exitCode)], Next: N.jobFailedWithExitCode },
          { And: [failed, ...isString(reason)], Next: N.jobFailedWithReason },
          { ...failed, Next: N.jobFailed },
          { Variable: `${job}.Status`, StringEquals: 'SUCCEEDED', Next: N.jobSucceeded },
          {
            Or: [{ Variable: `${job}.Status`, StringEquals: 'STARTING' }, { Variable: `${job}.Status`, StringEquals: 'RUNNING' }],
            Next: N.jobRunning,
          },
        ],
        Default: N.cancelJob,
      },
      [N.jobFailedAfterDependency]: reportLine('{}: FAILED ({})', ['$.JobName', reason]),
      [N.jobFailedWithExitCode]: reportLine('{}: FAILED ({}, exit code {})', ['$.JobName', reason, exitCode],
        { format: 'job {} failed: {} (exit code {})', args: ['$.JobName', reason, exitCode] }),
      [N.jobFailedWithReason]: reportLine('{}: FAILED ({})', ['$.JobName', reason],
        { format: 'job {} failed: {}', args: ['$.JobName', reason] }),
      [N.jobFailed]: reportLine('{}: FAILED', ['$.JobName'], { format: 'job {} failed', args: ['$.JobName'] }),
      [N.jobSucceeded]: reportLine('{}: SUCCEEDED', ['$.JobName']),
      [N.jobRunning]: reportLine('{}: {}, left to finish', ['$.JobName', `${job}.Status`]),
      [N.cancelJob]: {
        Type: 'Task',
        Comment: 'CancelJob stops a job that has not started; Batch then fails the jobs that depend on it. Once a job is STARTING, CancelJob succeeds without effect.',
        Resource: 'arn:aws:states:::aws-sdk:batch:cancelJob',
        Parameters: { 'JobId.$': '$.JobId', 'Reason': CANCEL_REASON },
        ResultPath: null,
        Retry: [{ ErrorEquals: SUBMIT_RETRY_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cancelError', Next: N.jobNotCancelled }],
        Next: N.jobCancelled,
      },
      [N.jobCancelled]: reportLine('{}: cancel requested, it was {}', ['$.JobName', `${job}.Status`]),
      [N.jobNotCancelled]: reportLine('{}: {}, could not be cancelled', ['$.JobName', `${job}.Status`]),
    },
  };
}

/** An inline Map over the report that keeps one field of each entry. */
function collect(field: string, next: string, resultSelector?: { [key: string]: string }): { [key: string]: unknown } {
  return {
    Type: 'Map',
    ItemsPath: '$.report',
    MaxConcurrency: MAX_BRANCHES,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: `Keep ${field}`,
      States: { [`Keep ${field}`]: { Type: 'Pass', OutputPath: `$.${field}`, End: true } },
    },
    ...(resultSelector ? { ResultSelector: resultSelector } : {}),
    ResultPath: `$.${field === 'line' ? 'lines' : 'upstream'}`,
    Next: next,
  };
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
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: N.collectLines }],
      Next: N.collectLines,
    };
    // Each report entry is { line, failure }: the report lists the lines; `failure` names a job that failed
    // first-hand ('' for any other). ArrayUnique leaves at most one '', so the first or second entry names one.
    states[N.collectLines] = collect('line', N.collectFailures);
    states[N.collectFailures] = collect('failure', N.failureKind, { 'failures.$': 'States.ArrayUnique($)' });
  }
  const lookUpstream = upstream.length > 0 ? N.upstreamFailure : N.failureMessage;
  // A job that failed fails its `.sync` task with States.TaskFailed and the job's description (JSON) as the
  // cause; a `.sync` task that ran past runTimeout fails with States.Timeout; any other error (an API call
  // refused) is reported as it is. A cause is parsed only when it looks like a JSON object, since a Pass state
  // cannot catch a failed States.StringToJson.
  states[N.failureKind] = {
    Type: 'Choice',
    Choices: [
      {
        And: [{ Variable: '$.error.Error', StringEquals: 'States.TaskFailed' }, ...isString('$.error.Cause'), { Variable: '$.error.Cause', StringMatches: '{*}' }],
        Next: N.readFailedJob,
      },
      { Variable: '$.error.Error', StringEquals: 'States.Timeout', Next: N.timeoutHeadline },
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
  const failedJob = '$.failedJob.job';
  states[N.failedJobReason] = {
    Type: 'Choice',
    Choices: [
      // A final job that failed because a job before it failed: the headline names that job if the report has it.
      { And: [...isString(`${failedJob}.JobName`), ...isString(`${failedJob}.StatusReason`), secondHand(`${failedJob}.StatusReason`)], Next: N.dependentHeadline },
      {
        And: [...isString(`${failedJob}.JobName`), ...isString(`${failedJob}.StatusReason`), ...isNumber(`${failedJob}.Container.ExitCode`)],
        Next: N.jobHeadlineExitCode,
      },
      { And: [...isString(`${failedJob}.JobName`), ...isString(`${failedJob}.StatusReason`)], Next: N.jobHeadline },
      { And: isString(`${failedJob}.JobName`), Next: N.jobHeadlineNoReason },
    ],
    Default: N.errorHeadline,
  };
  const headline = (format: string, error: string, next: string, ...args: string[]) => ({
    Type: 'Pass',
    Parameters: { 'error': error, 'text.$': `States.Format('${format}', ${args.join(', ')})` },
    ResultPath: '$.headline',
    Next: next,
  });
  states[N.jobHeadlineExitCode] = headline('job {} failed: {} (exit code {})', 'JobFailed', N.failureMessage,
    `${failedJob}.JobName`, `${failedJob}.StatusReason`, `${failedJob}.Container.ExitCode`);
  states[N.jobHeadline] = headline('job {} failed: {}', 'JobFailed', N.failureMessage, `${failedJob}.JobName`, `${failedJob}.StatusReason`);
  states[N.jobHeadlineNoReason] = headline('job {} failed', 'JobFailed', N.failureMessage, `${failedJob}.JobName`);
  states[N.dependentHeadline] = headline('job {} failed: {}', 'JobFailed', lookUpstream, `${failedJob}.JobName`, `${failedJob}.StatusReason`);
  states[N.timeoutHeadline] = {
    Type: 'Pass',
    Parameters: {
      error: 'States.Timeout',
      text: `States.Timeout: a final job did not end within runTimeout (${options.runTimeoutSeconds} seconds after its submission)`,
    },
    ResultPath: '$.headline',
    Next: lookUpstream,
  };
  states[N.errorHeadline] = {
    Type: 'Pass',
    Parameters: { 'error.$': '$.error.Error', 'text.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" },
    ResultPath: '$.headline',
    Next: lookUpstream,
  };
  states[N.errorHeadlineNoCause] = {
    Type: 'Pass',
    Parameters: { 'error.$': '$.error.Error', 'text.$': '$.error.Error' },
    ResultPath: '$.headline',
    Next: lookUpstream,
  };
  if (upstream.length > 0) {
    // A job before the final ones that failed first-hand is what the run's failure is about: a failed final job
    // is replaced by it in the headline; a timeout or a service error gets it added.
    const failures = '$.upstream.failures';
    const nonEmpty = (i: number) => [...isString(`${failures}[${i}]`), { Not: { Variable: `${failures}[${i}]`, StringEquals: '' } }];
    const jobFailed = { Variable: '$.headline.error', StringEquals: 'JobFailed' };
    // ArrayUnique keeps one '' at most: when the first entry is '', the second (if any) names a job.
    states[N.upstreamFailure] = {
      Type: 'Choice',
      Choices: [0, 1].flatMap(i => [
        { And: [...nonEmpty(i), jobFailed], Next: `${N.upstreamHeadline} ${i + 1}` },
        { And: nonEmpty(i), Next: `${N.upstreamHeadlineExtend} ${i + 1}` },
      ]),
      Default: N.failureMessage,
    };
    for (const i of [0, 1]) {
      states[`${N.upstreamHeadline} ${i + 1}`] = {
        Type: 'Pass',
        Parameters: { 'error': 'JobFailed', 'text.$': `${failures}[${i}]` },
        ResultPath: '$.headline',
        Next: N.failureMessage,
      };
      states[`${N.upstreamHeadlineExtend} ${i + 1}`] = {
        Type: 'Pass',
        Parameters: { 'error.$': '$.headline.error', 'text.$': `States.Format('{}; {}', $.headline.text, ${failures}[${i}])` },
        ResultPath: '$.headline',
        Next: N.failureMessage,
      };
    }
  }
  states[N.failureMessage] = {
    Type: 'Pass',
    Parameters: {
      'error.$': '$.headline.error',
      'cause.$': upstream.length > 0
        ? "States.Format('Run of {} failed: {}. Jobs submitted before the final ones: {}', $.date, $.headline.text, States.JsonToString($.lines))"
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
