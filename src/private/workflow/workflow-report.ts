/**
 * What the failure path says about each job of a failed run: one line of the report, and for a job that
 * failed first-hand the headline that names it with its reason, exit code and logs.
 */
import { isNumber, isString, STATE_NAMES, TERMINATE_REASONS } from './workflow-states';

/**
 * Status reasons of a job that did not fail first-hand: Batch failed it because a dependency failed, the
 * workflow terminated it (after another job failed, or for a stopped run), or Step Functions terminated it
 * when it stopped the job's `.sync` task.
 */
const SECOND_HAND_REASONS = [
  { StringMatches: 'Dependent Job failed*' },
  { StringEquals: TERMINATE_REASONS.failed },
  { StringEquals: TERMINATE_REASONS.blocked },
  { StringEquals: TERMINATE_REASONS.stopped },
  { StringMatches: 'The Task state in AWS Step Functions execution*' },
];

/** A Choice condition: the string at `path` is one of the second-hand reasons. */
export function secondHand(path: string): { [key: string]: unknown } {
  return { Or: SECOND_HAND_REASONS.map(r => ({ ...r, Variable: path })) };
}

interface Line {
  readonly format: string;
  readonly args: string[];
  readonly failure?: { format: string; args: string[] };
  readonly timedOut?: boolean;
}

/** A Pass state whose output is one report entry: `line`, `failure` ('' unless first-hand) and `timedOut`. */
function reportLine(l: Line): { [key: string]: unknown } {
  const format = (f: string, args: string[]) => `States.Format('${f}', ${args.join(', ')})`;
  return {
    Type: 'Pass',
    Parameters: {
      'line.$': format(l.format, l.args),
      ...(l.failure ? { 'failure.$': format(l.failure.format, l.failure.args) } : { failure: '' }),
      'timedOut': l.timedOut ? 'yes' : '',
    },
    End: true,
  };
}

/**
 * The states that run once per job of the failed run: describe it and return its entry. Only definite
 * JSONPath is used, so the report is the same wherever JSONPath filters or wildcards behave differently (Step
 * Functions always returns a list for them; aws-local-stepfunctions unwraps a single match and fails on none).
 */
export function jobReportProcessor(logGroupName: string, jobQueueArn: string): { [key: string]: unknown } {
  const N = STATE_NAMES;
  // DescribeJobs leaves out IDs it does not know: the list may be empty, so it is tested before it is read.
  const job = '$.described.jobs[0]';
  const name = '$.JobName';
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: N.checkJob,
    States: {
      [N.checkJob]: {
        Type: 'Choice',
        Choices: [
          { And: [{ Variable: '$.item.skipped', IsPresent: true }, { Variable: '$.item.skipped', BooleanEquals: true }], Next: 'Job skipped' },
          { And: isString('$.item.JobId'), Next: N.describeJob },
        ],
        Default: 'Find job by name',
      },
      ...findByNameStates(jobQueueArn),
      [N.jobNotSubmitted]: reportLine({ format: '{}: not submitted', args: [name] }),
      ['Job skipped']: reportLine({ format: '{}: skipped (it succeeded in the resumed run, job {})', args: [name, '$.item.JobId'] }),
      ['Job refused']: reportLine({
        format: '{}: not submitted ({})', args: [name, '$.item.error'], failure: { format: 'job {} could not be submitted: {}: {}', args: [name, '$.item.error', '$.item.cause'] },
      }),
      [N.describeJob]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs',
        Parameters: { 'Jobs.$': 'States.Array($.item.JobId)' },
        ResultSelector: { 'jobs.$': '$.Jobs' },
        ResultPath: '$.described',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.describeError', Next: N.jobUnknown }],
        Next: N.jobFound,
      },
      [N.jobFound]: {
        Type: 'Choice',
        Choices: [{ And: [...isString(`${job}.Status`), ...isString(`${job}.Container.LogStreamName`)], Next: 'Job logs' }],
        Default: 'Job without logs',
      },
      ['Job logs']: {
        Type: 'Pass',
        Parameters: { 'text.$': `States.Format('logs: ${logGroupName} {}', ${job}.Container.LogStreamName)` },
        ResultPath: '$.logs',
        Next: N.jobStatus,
      },
      ['Job without logs']: {
        Type: 'Choice',
        Choices: [{ And: isString(`${job}.Status`), Next: 'No logs' }],
        Default: N.jobUnknown,
      },
      ['No logs']: { Type: 'Pass', Parameters: { text: 'no logs: it did not start' }, ResultPath: '$.logs', Next: N.jobStatus },
      [N.jobUnknown]: reportLine({ format: '{} ({}): status unknown', args: [name, '$.item.JobId'] }),
      ...jobStatusStates(job),
    },
  };
}

/**
 * A job the run has no ID for (a submission that failed, or a final job whose wait did not return) may still
 * exist: Batch is asked for it by its run-tagged name (`ListJobs` `JOB_NAME`, "a case-insensitive match"). Found,
 * it is described like any other; a wait that failed on a job that exists is reported as such, not as a job that
 * could not be submitted.
 */
function findByNameStates(jobQueueArn: string): { [name: string]: unknown } {
  const found = '$.found.jobs[0]';
  return {
    ['Find job by name']: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:batch:listJobs',
      Parameters: { JobQueue: jobQueueArn, Filters: [{ 'Name': 'JOB_NAME', 'Values.$': "States.Array(States.Format('{}-{}', $.tag, $.JobName))" }] },
      ResultSelector: { 'jobs.$': '$.JobSummaryList' },
      ResultPath: '$.found',
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Job not found' }],
      Next: 'Job found by name?',
    },
    ['Job found by name?']: {
      Type: 'Choice',
      Choices: [{ And: isString(`${found}.JobId`), Next: 'Use job found by name' }],
      Default: 'Job not found',
    },
    ['Use job found by name']: {
      Type: 'Pass',
      Parameters: { 'JobName.$': '$.JobName', 'JobId.$': `${found}.JobId`, 'waited.$': '$.item' },
      ResultPath: '$.item',
      Next: STATE_NAMES.describeJob,
    },
    ['Job not found']: {
      Type: 'Choice',
      Choices: [{ And: [...isString('$.item.error'), ...isString('$.item.cause')], Next: 'Job refused' }],
      Default: STATE_NAMES.jobNotSubmitted,
    },
  };
}

/** The states that tell a described job's outcome: why it failed (first-hand, with its exit code and logs), or its status. */
function jobStatusStates(job: string): { [name: string]: unknown } {
  const N = STATE_NAMES;
  const failed = { Variable: `${job}.Status`, StringEquals: 'FAILED' };
  const [reason, exitCode, logs, name] = [`${job}.StatusReason`, `${job}.Container.ExitCode`, '$.logs.text', '$.JobName'];
  return {
    [N.jobStatus]: {
      Type: 'Choice',
      Choices: [
        { And: [failed, ...isString(reason), { Variable: reason, StringEquals: TERMINATE_REASONS.timeout }], Next: N.jobTimedOut },
        { And: [failed, ...isString(reason), secondHand(reason)], Next: N.jobFailedSecondHand },
        { And: [failed, ...isString(reason), ...isNumber(exitCode)], Next: N.jobFailedWithExitCode },
        { And: [failed, ...isString(reason)], Next: N.jobFailedWithReason },
        { ...failed, Next: N.jobFailed },
        { And: [{ Variable: `${job}.Status`, StringEquals: 'SUCCEEDED' }, ...isString('$.item.waited.error')], Next: 'Job wait failed' },
        { Variable: `${job}.Status`, StringEquals: 'SUCCEEDED', Next: N.jobSucceeded },
      ],
      Default: N.jobOther,
    },
    [N.jobTimedOut]: reportLine({ format: '{}: FAILED ({})', args: [name, reason], timedOut: true }),
    [N.jobFailedSecondHand]: reportLine({ format: '{}: FAILED ({})', args: [name, reason] }),
    [N.jobFailedWithExitCode]: reportLine({
      format: '{}: FAILED ({}, exit code {})',
      args: [name, reason, exitCode],
      failure: { format: 'job {} failed: {} (exit code {}); {}', args: [name, reason, exitCode, logs] },
    }),
    [N.jobFailedWithReason]: reportLine({
      format: '{}: FAILED ({})', args: [name, reason], failure: { format: 'job {} failed: {}; {}', args: [name, reason, logs] },
    }),
    [N.jobFailed]: reportLine({ format: '{}: FAILED', args: [name], failure: { format: 'job {} failed; {}', args: [name, logs] } }),
    [N.jobSucceeded]: reportLine({ format: '{}: SUCCEEDED', args: [name] }),
    ['Job wait failed']: reportLine({
      format: '{}: SUCCEEDED (the Step Functions wait for it failed: {})',
      args: [name, '$.item.waited.error'],
      failure: { format: 'job {} succeeded, but the Step Functions wait for it failed: {}: {}', args: [name, '$.item.waited.error', '$.item.waited.cause'] },
    }),
    [N.jobOther]: reportLine({ format: '{}: {}', args: [name, `${job}.Status`] }),
  };
}
