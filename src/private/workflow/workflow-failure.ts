/**
 * The workflow's failure path, entered when the final jobs have ended and one of them did not succeed, or
 * when a submission was refused: make sure every job of the run has ended (terminating what is left, or with
 * FINISH_INDEPENDENT letting what does not depend on a failed job finish), then describe every job and fail
 * the run with an error that names the job that failed first-hand, its reason, exit code and logs.
 */
import { jobReportProcessor } from './workflow-report';
import { jobKey, FailureMode, isString, MAX_BRANCHES, STATE_NAMES, States, WorkflowOptions } from './workflow-states';
import { startWatch, watchStates, WatchOptions } from './workflow-watch';

export interface FailurePathProps {
  /** Jobs submitted without waiting, in submission order. */
  readonly upstream: Array<{ readonly name: string }>;
  /** The final jobs, in the groups of the final Parallel state. */
  readonly sinkGroups: Array<Array<{ readonly name: string }>>;
  readonly jobQueueArn: string;
  readonly failureMode: FailureMode;
  readonly options: WorkflowOptions;
}

/** Where the failure path finds the result of final job `i` of group `g`. */
export function sinkResultPath(g: number, i: number): string {
  return `$.sinks.results[${g}][${i}]`;
}

/** An inline Map over the report that keeps one field of each entry. */
function collect(field: string, resultPath: string, next: string, resultSelector?: { [key: string]: string }): { [key: string]: unknown } {
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
    ResultPath: resultPath,
    Next: next,
  };
}

/** The final jobs' results: from the branch that broke out, or (a submission refused) none. */
function addSinkResults(states: States, p: FailurePathProps, next: string): void {
  const N = STATE_NAMES;
  states[N.readSinks] = {
    Type: 'Pass',
    Parameters: { 'results.$': 'States.StringToJson($.error.Cause)' },
    ResultPath: '$.sinks',
    Next: next,
  };
  states[N.sinksUnknown] = {
    Type: 'Pass',
    Result: { results: p.sinkGroups.map(group => group.map(j => ({ JobName: j.name }))) },
    ResultPath: '$.sinks',
    Next: next,
  };
}

/** Describes every job of the run and collects the report's lines, first-hand failures and timeouts. */
function addReport(states: States, p: FailurePathProps, next: string): void {
  const N = STATE_NAMES;
  const paths = [
    ...p.upstream.map(j => `$.jobs.${jobKey(j.name)}`),
    ...p.sinkGroups.flatMap((group, g) => group.map((_, i) => sinkResultPath(g, i))),
  ];
  states[N.listReported] = {
    Type: 'Pass',
    Parameters: { 'jobs.$': `States.Array(${paths.join(', ')})` },
    ResultPath: '$.reported',
    Next: N.reportJobs,
  };
  states[N.reportJobs] = {
    Type: 'Map',
    Comment: 'Describes each job of the run, which has ended by now.',
    ItemsPath: '$.reported.jobs',
    ItemSelector: { 'JobName.$': '$$.Map.Item.Value.JobName', 'item.$': '$$.Map.Item.Value', 'tag.$': '$.run.tag' },
    MaxConcurrency: MAX_BRANCHES,
    ItemProcessor: jobReportProcessor(p.options.logGroupName, p.jobQueueArn),
    ResultPath: '$.report',
    Next: N.collectLines,
  };
  // Each entry is { line, failure, timedOut }; ArrayUnique leaves at most one '' among the failures, so the
  // first or second entry names a job that failed first-hand, if any did.
  states[N.collectLines] = collect('line', '$.lines', N.collectFailures);
  states[N.collectFailures] = collect('failure', '$.failures', N.collectTimeouts, { 'list.$': 'States.ArrayUnique($)' });
  states[N.collectTimeouts] = collect('timedOut', '$.timeouts', next, { 'any.$': "States.ArrayContains($, 'yes')" });
}

/** The headline: the job that failed first-hand; else runTimeout; else the error that ended the run. */
function addHeadline(states: States, p: FailurePathProps, next: string): void {
  const N = STATE_NAMES;
  const failures = '$.failures.list';
  const nonEmpty = (i: number) => [...isString(`${failures}[${i}]`), { Not: { Variable: `${failures}[${i}]`, StringEquals: '' } }];
  const headline = (parameters: { [key: string]: unknown }) => ({ Type: 'Pass', Parameters: parameters, ResultPath: '$.headline', Next: next });
  states[N.headlineKind] = {
    Type: 'Choice',
    Choices: [
      { And: nonEmpty(0), Next: 'Name job that failed first-hand 1' },
      { And: nonEmpty(1), Next: 'Name job that failed first-hand 2' },
      { Variable: '$.timeouts.any', BooleanEquals: true, Next: 'Name runTimeout' },
      { And: [...isString('$.error.Error'), ...isString('$.error.Cause'), { Not: { Variable: '$.error.Error', StringMatches: 'Workflow.*' } }], Next: 'Name error' },
    ],
    Default: 'Name unknown failure',
  };
  for (const i of [0, 1]) states[`Name job that failed first-hand ${i + 1}`] = headline({ 'error': 'JobFailed', 'text.$': `${failures}[${i}]` });
  states['Name runTimeout'] = headline({
    error: 'RunTimeout',
    text: `the run did not end within runTimeout (${p.options.runTimeoutSeconds} seconds): its jobs were terminated`,
  });
  states['Name error'] = headline({ 'error.$': '$.error.Error', 'text.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" });
  states['Name unknown failure'] = headline({ error: 'JobFailed', text: 'a job failed, and no report names it' });
}

/** Adds the failure path's states. */
export function addFailureStates(states: States, p: FailurePathProps): void {
  const N = STATE_NAMES;
  const settle: WatchOptions = {
    prefix: 'Settle', kind: 'settle', jobQueueArn: p.jobQueueArn, filterPath: '$.run.filter', failureMode: p.failureMode, next: N.listReported,
  };
  addSinkResults(states, p, 'Settle: start');
  states['Settle: start'] = startWatch(settle, 'Settle: wait');
  Object.assign(states, watchStates(settle));
  addReport(states, p, N.headlineKind);
  addHeadline(states, p, N.failureMessage);
  states[N.failureMessage] = {
    Type: 'Pass',
    Parameters: {
      'error.$': '$.headline.error',
      'cause.$': "States.Format('Run of {} failed: {}. Jobs: {}', $.date, $.headline.text, States.JsonToString($.lines))",
    },
    Next: N.failed,
  };
  states[N.failed] = { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' };
}
