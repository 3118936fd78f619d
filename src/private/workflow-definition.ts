/**
 * Turns a validated workflow into an Amazon States Language definition.
 *
 * Design (see README "How the workflow runs"): every job that another job depends on is submitted
 * without waiting (`batch:submitJob`), in dependency order, with AWS Batch's own `dependsOn` pointing at
 * the job IDs of its dependencies; then every job that nothing depends on (a sink) is submitted with
 * `batch:submitJob.sync` in one branch of a Parallel state. Batch starts each job as soon as all of its
 * dependencies have succeeded, so a run takes the graph's critical path for any acyclic graph, and the
 * run succeeds only when every sink, and therefore every job, has succeeded. When a job fails, Batch fails
 * the jobs that depend on it; the workflow then names the failed jobs, cancels the jobs that have not
 * started, and ends FAILED.
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

/** describeJobs takes at most 100 job IDs per call. */
const DESCRIBE_BATCH = 100;

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
  executionDate: 'Use execution start date',
  invalidInput: 'Invalid input',
  runSinks: 'Wait for final jobs',
  succeeded: 'Run succeeded',
  anySubmitted: 'Any job submitted',
  listSubmitted: 'List submitted jobs',
  chunkSubmitted: 'Chunk submitted jobs',
  describeFailed: 'Find failed jobs',
  describeJobs: 'Describe jobs',
  cancelPending: 'Cancel jobs not started',
  cancelJob: 'Cancel job',
  cancelSkipped: 'Job already finished',
  failureMessage: 'Build failure message',
  failed: 'Run failed',
} as const;

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

/** Builds the state machine definition (ASL) for the workflow. */
export function buildWorkflowDefinition(jobs: JobSubmission[], jobQueueArn: string): { [key: string]: unknown } {
  const ordered = topologicalOrder(jobs);
  const sinkJobs = sinks(ordered);
  const sinkNames = new Set(sinkJobs.map(j => j.name));
  const upstream = ordered.filter(j => !sinkNames.has(j.name));

  const states: { [name: string]: unknown } = {};
  const catchToFailure = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE_NAMES.anySubmitted }];

  // 1. The run date: the input's "date", or the day the execution started (UTC).
  const init = (date: string) => ({ 'date.$': date, 'jobs': {}, 'failure': { names: [], reasons: [] } });
  const first = upstream.length > 0 ? submitStateName(upstream[0].name, false) : STATE_NAMES.runSinks;
  states[STATE_NAMES.resolveDate] = {
    Type: 'Choice',
    Comment: 'Every job gets the run date: the input\'s "date" (YYYY-MM-DD), or the execution\'s start date.',
    Choices: [
      {
        And: [{ Variable: '$.date', IsPresent: true }, { Variable: '$.date', IsString: true }],
        Next: STATE_NAMES.givenDate,
      },
      { Variable: '$.date', IsPresent: true, Next: STATE_NAMES.invalidInput },
    ],
    Default: STATE_NAMES.executionDate,
  };
  states[STATE_NAMES.invalidInput] = {
    Type: 'Fail',
    Error: 'InvalidInput',
    Cause: 'the execution input\'s "date" must be a string YYYY-MM-DD, or be left out to use the execution\'s start date',
  };
  states[STATE_NAMES.givenDate] = { Type: 'Pass', Parameters: init('$.date'), Next: first };
  states[STATE_NAMES.executionDate] = {
    Type: 'Pass',
    Parameters: init("States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"),
    Next: first,
  };

  // 2. Jobs that others depend on: submitted in dependency order without waiting.
  upstream.forEach((job, i) => {
    states[submitStateName(job.name, false)] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob',
      Parameters: submitParameters(job, jobQueueArn),
      ResultSelector: { 'JobId.$': '$.JobId', 'JobName.$': '$.JobName' },
      ResultPath: `$.jobs.${jobKey(job.name)}`,
      Retry: submitRetry,
      Catch: catchToFailure,
      Next: i + 1 < upstream.length ? submitStateName(upstream[i + 1].name, false) : STATE_NAMES.runSinks,
    };
  });

  // 3. Jobs nothing depends on: submitted and awaited, one branch each.
  states[STATE_NAMES.runSinks] = {
    Type: 'Parallel',
    Comment: 'Each branch submits a final job and waits for it; Batch holds it until its dependencies succeed.',
    Branches: sinkJobs.map(job => {
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
    }),
    ResultPath: '$.finished',
    Catch: catchToFailure,
    Next: STATE_NAMES.succeeded,
  };
  states[STATE_NAMES.succeeded] = { Type: 'Succeed' };

  // 4. On failure: name the failed jobs, cancel what has not started, fail the run.
  states[STATE_NAMES.anySubmitted] = upstream.length > 0
    ? {
      Type: 'Choice',
      Choices: [{ Variable: `$.jobs.${jobKey(upstream[0].name)}`, IsPresent: true, Next: STATE_NAMES.listSubmitted }],
      Default: STATE_NAMES.failureMessage,
    }
    : { Type: 'Pass', Next: STATE_NAMES.failureMessage };
  if (upstream.length > 0) {
    states[STATE_NAMES.listSubmitted] = {
      Type: 'Pass',
      Parameters: { 'ids.$': '$.jobs[*].JobId' },
      ResultPath: '$.submitted',
      Next: STATE_NAMES.chunkSubmitted,
    };
    states[STATE_NAMES.chunkSubmitted] = {
      Type: 'Pass',
      Parameters: { 'ids.$': '$.submitted.ids', 'chunks.$': `States.ArrayPartition($.submitted.ids, ${DESCRIBE_BATCH})` },
      ResultPath: '$.submitted',
      Next: STATE_NAMES.describeFailed,
    };
    states[STATE_NAMES.describeFailed] = {
      Type: 'Map',
      ItemsPath: '$.submitted.chunks',
      MaxConcurrency: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: STATE_NAMES.describeJobs,
        States: {
          [STATE_NAMES.describeJobs]: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs',
            Parameters: { 'Jobs.$': '$' },
            ResultSelector: {
              'names.$': "$.Jobs[?(@.Status == 'FAILED')].JobName",
              'reasons.$': "$.Jobs[?(@.Status == 'FAILED')].StatusReason",
            },
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
            End: true,
          },
        },
      },
      ResultSelector: { 'names.$': '$[*].names[*]', 'reasons.$': '$[*].reasons[*]' },
      ResultPath: '$.failure',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.describeError', Next: STATE_NAMES.cancelPending }],
      Next: STATE_NAMES.cancelPending,
    };
    states[STATE_NAMES.cancelPending] = {
      Type: 'Map',
      Comment: 'CancelJob stops jobs that have not started; running jobs are left to finish.',
      ItemsPath: '$.submitted.ids',
      MaxConcurrency: 10,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: STATE_NAMES.cancelJob,
        States: {
          [STATE_NAMES.cancelJob]: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:batch:cancelJob',
            Parameters: { 'JobId.$': '$', 'Reason': 'Workflow run failed: a job it depends on failed' },
            Retry: [{ ErrorEquals: SUBMIT_RETRY_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: STATE_NAMES.cancelSkipped }],
            End: true,
          },
          [STATE_NAMES.cancelSkipped]: { Type: 'Pass', End: true },
        },
      },
      ResultPath: null,
      Next: STATE_NAMES.failureMessage,
    };
  }
  states[STATE_NAMES.failureMessage] = {
    Type: 'Pass',
    Parameters: {
      'error.$': '$.error.Error',
      'cause.$':
        "States.Format('Run of {} failed. Failed jobs: {}; their reasons: {}. First error: {}: {}', $.date, " +
        'States.JsonToString($.failure.names), States.JsonToString($.failure.reasons), $.error.Error, $.error.Cause)',
    },
    Next: STATE_NAMES.failed,
  };
  states[STATE_NAMES.failed] = { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' };

  return {
    Comment: `Runs ${jobs.length} AWS Batch job(s); each starts as soon as the jobs it depends on have succeeded.`,
    StartAt: STATE_NAMES.resolveDate,
    States: states,
  };
}
