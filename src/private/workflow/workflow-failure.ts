/**
 * The workflow's failure path: when a job fails (or a submission is refused, or runTimeout passes), stop every
 * submitted job that has not started, report what became of each, and fail the run with an error that names
 * the job that failed first-hand, its reason and its exit code.
 */
import { CANCEL_REASON, isString, jobKey, MAX_BRANCHES, STATE_NAMES, SUBMIT_RETRY_ERRORS, WorkflowOptions } from './workflow-states';

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

/** Adds the failure path's states; `upstream` are the jobs submitted without waiting, in submission order. */
export function addFailureStates(states: { [name: string]: unknown }, upstream: Array<{ readonly name: string }>, options: WorkflowOptions): void {
  const N = STATE_NAMES;
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
}
