/**
 * The watch: a loop that looks at every job of a run with `ListJobs` (the `JOB_NAME` filter `<run tag>-*`) and
 * terminates what must not run on. The workflow runs it three ways:
 * - beside the final jobs (`watch`): it never ends by itself (the final-job branch breaks out of the Parallel
 *   state); it notices a failed job, even one whose dependents Batch holds PENDING instead of failing them,
 *   and enforces runTimeout;
 * - after a failure (`settle`): it terminates what is left and ends once two looks in a row found no job
 *   that has not ended;
 * - for a run stopped from outside (`cleanup`): as `settle`, terminating everything.
 *
 * It relies only on documented behaviour: `ListJobs` with a filter returns jobs in every status, at most 100 a
 * page; `TerminateJob` ends a job whatever its status (a job that ended is left as it is). Looks start 30 s
 * apart and double up to 3 minutes, which keeps a 24-hour run far below the 25,000 events of an execution.
 */
import { terminateBlockedStates } from './workflow-blocked';
import {
  ACTIVE_STATUSES, FailureMode, hasStatus, OPEN_STATUSES, States, TERMINATE_REASONS, WATCH_FIRST_SECONDS, WATCH_MAX_SECONDS,
} from './workflow-states';

export interface WatchOptions {
  /** Starts every state name: names are unique across the whole machine. */
  readonly prefix: string;
  readonly kind: 'watch' | 'settle' | 'cleanup';
  readonly jobQueueArn: string;
  /** Path to the `ListJobs` name filter. */
  readonly filterPath: string;
  readonly failureMode: FailureMode;
  /** `watch` only: seconds after which the run is stopped. */
  readonly runTimeoutSeconds?: number;
  /** `settle` and `cleanup`: the state after the loop. */
  readonly next?: string;
}

/** The error the watch ends the run with when its final jobs' waits outlive every job of the run. */
export const LOST_ERROR = 'JobsLost';

/** The watch's own data, `$.watch`: every field, so that a Pass state can rewrite a few. */
const FIELDS = ['seconds', 'elapsed', 'failed', 'stop', 'reason', 'active', 'open', 'quiet', 'clean', 'again'] as const;
type Field = typeof FIELDS[number];

/** A Pass state that keeps `$.watch` except the fields given (values, or `.$` paths and intrinsics). */
function update(next: string, changes: { [key: string]: unknown }): { [key: string]: unknown } {
  const params: { [key: string]: unknown } = {};
  for (const f of FIELDS) {
    if (!(f in changes) && !(`${f}.$` in changes)) params[`${f}.$`] = `$.watch.${f}`;
  }
  return { Type: 'Pass', Parameters: { ...params, ...changes }, ResultPath: '$.watch', Next: next };
}

const is = (field: Field, value: boolean) => ({ Variable: `$.watch.${field}`, BooleanEquals: value });
const retry = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2, JitterStrategy: 'FULL' }];

/** The state that starts a watch: its first `$.watch`. */
export function startWatch(options: WatchOptions, next: string): { [key: string]: unknown } {
  const stopAll = options.kind === 'cleanup' || (options.kind === 'settle' && options.failureMode === 'STOP_ALL');
  const reason = options.kind === 'cleanup' ? TERMINATE_REASONS.stopped
    : options.failureMode === 'STOP_ALL' ? TERMINATE_REASONS.failed : TERMINATE_REASONS.blocked;
  return {
    Type: 'Pass',
    Parameters: {
      // A settle or a cleanup looks at once: the jobs are there already.
      seconds: options.kind === 'watch' ? WATCH_FIRST_SECONDS : 0,
      elapsed: 0,
      failed: options.kind !== 'watch',
      stop: stopAll,
      reason,
      active: false,
      open: false,
      quiet: 0,
      clean: 0,
      again: 0,
    },
    ResultPath: '$.watch',
    Next: next,
  };
}

/** The states of one look at the run's jobs, repeated. */
export function watchStates(o: WatchOptions): States {
  const n = (s: string) => `${o.prefix}: ${s}`;
  const text = '$.watchPage.text';
  const states: States = {};
  const blocked = o.failureMode === 'FINISH_INDEPENDENT' && o.kind !== 'cleanup';
  Object.assign(states, clockStates(o, n));
  const list = (token: boolean) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:batch:listJobs',
    Parameters: {
      JobQueue: o.jobQueueArn,
      Filters: [{ 'Name': 'JOB_NAME', 'Values.$': `States.Array(${o.filterPath})` }],
      MaxResults: 100,
      ...(token ? { 'NextToken.$': '$.watchPage.page.NextToken' } : {}),
    },
    ResultPath: '$.watchPage.page',
    Retry: retry,
    // A look that fails is simply the next look's to make.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: n('look done') }],
    Next: n('read page'),
  });
  states[n('list jobs')] = list(false);
  states[n('list next page')] = list(true);
  states[n('read page')] = {
    Type: 'Pass',
    Parameters: { 'page.$': '$.watchPage.page', 'text.$': 'States.JsonToString($.watchPage.page.JobSummaryList)' },
    ResultPath: '$.watchPage',
    Next: n('page failed?'),
  };
  // Stop everything at the first failed job, or (FINISH_INDEPENDENT) only note it.
  const onFailed = o.failureMode === 'STOP_ALL' ? { failed: true, stop: true } : { failed: true };
  states[n('page failed?')] = {
    Type: 'Choice',
    Choices: [{ And: [hasStatus(text, ['FAILED']), is('failed', false)], Next: n('note failure') }],
    Default: n('page active?'),
  };
  // Stopping: look again from the first page, so that the pages before this one are terminated now too.
  states[n('note failure')] = update(o.failureMode === 'STOP_ALL' ? n('list jobs') : n('page active?'), onFailed);
  states[n('page active?')] = {
    Type: 'Choice',
    Choices: [
      { ...hasStatus(text, ACTIVE_STATUSES), Next: n('note active') },
      { ...hasStatus(text, ['PENDING']), Next: n('note open') },
    ],
    Default: n('terminate?'),
  };
  states[n('note active')] = update(n('terminate?'), { active: true, open: true });
  states[n('note open')] = update(n('terminate?'), { open: true });
  states[n('terminate?')] = {
    Type: 'Choice',
    Choices: [
      { And: [is('stop', true), hasStatus(text, OPEN_STATUSES)], Next: n('terminate page') },
      // FINISH_INDEPENDENT: once two looks in a row after a failure found nothing active, a job left PENDING may
      // wait for a job that failed (Batch holds it instead of failing it), or be an array job whose children run:
      // what it depends on decides (workflow-blocked.ts).
      {
        And: [is('failed', true), { Variable: '$.watch.quiet', NumericGreaterThanEquals: 2 }, { Not: hasStatus(text, ACTIVE_STATUSES) }, hasStatus(text, ['PENDING'])],
        Next: blocked ? n('terminate blocked') : n('terminate page'),
      },
    ],
    Default: n('more pages?'),
  };
  states[n('terminate page')] = terminatePage(n('more pages?'), `${o.prefix}: `);
  if (blocked) {
    Object.assign(states, terminateBlockedStates(`${o.prefix}: `, n('more pages?'), n('look again')));
    states[n('look again')] = update(n('wait to look again'), { 'again.$': 'States.MathAdd($.watch.again, 1)' });
    states[n('wait to look again')] = { Type: 'Wait', Seconds: 5, Next: n('list jobs') };
  }
  states[n('more pages?')] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.watchPage.page.NextToken', IsPresent: true, Next: n('list next page') }],
    Default: n('look done'),
  };
  Object.assign(states, lookDone(o, n));
  return states;
}

/** The wait between two looks, the interval that doubles up to its longest, and (watch) runTimeout. */
function clockStates(o: WatchOptions, n: (s: string) => string): States {
  const states: States = {};
  states[n('wait')] = { Type: 'Wait', SecondsPath: '$.watch.seconds', Next: n('next interval') };
  const afterClock = o.kind === 'watch' ? n('past runTimeout?') : n('list jobs');
  states[n('next interval')] = {
    Type: 'Choice',
    Choices: [
      { Variable: '$.watch.seconds', NumericLessThan: WATCH_FIRST_SECONDS, Next: n('first interval') },
      { Variable: '$.watch.seconds', NumericLessThan: WATCH_MAX_SECONDS / 2, Next: n('longer interval') },
    ],
    Default: n('longest interval'),
  };
  const clock = { 'elapsed.$': 'States.MathAdd($.watch.elapsed, $.watch.seconds)', 'active': false, 'open': false, 'again': 0 };
  states[n('first interval')] = update(afterClock, { ...clock, seconds: WATCH_FIRST_SECONDS });
  states[n('longer interval')] = update(afterClock, { ...clock, 'seconds.$': 'States.MathAdd($.watch.seconds, $.watch.seconds)' });
  states[n('longest interval')] = update(afterClock, { ...clock, seconds: WATCH_MAX_SECONDS });
  if (o.kind === 'watch') {
    states[n('past runTimeout?')] = {
      Type: 'Choice',
      Choices: [
        { And: [{ Variable: '$.watch.elapsed', NumericGreaterThanEquals: o.runTimeoutSeconds }, is('stop', false)], Next: n('stop at runTimeout') },
        // An hour after runTimeout every job has long been terminated and the final jobs have ended: the watch has
        // nothing left to do (and Step Functions wants a way out of every loop).
        { Variable: '$.watch.elapsed', NumericGreaterThanEquals: o.runTimeoutSeconds! + 3600, Next: n('end') },
      ],
      Default: n('list jobs'),
    };
    states[n('end')] = { Type: 'Succeed' };
    states[n('stop at runTimeout')] = update(n('list jobs'), { stop: true, reason: TERMINATE_REASONS.timeout });
  }
  return states;
}

/** Counts quiet and clean looks, and ends a settle or cleanup that found nothing open twice in a row. */
function lookDone(o: WatchOptions, n: (s: string) => string): States {
  const states: States = {};
  const afterQuiet = n('clean?');
  states[n('look done')] = {
    Type: 'Choice',
    Choices: [{ And: [is('failed', true), is('active', false)], Next: n('quiet look') }],
    Default: n('busy look'),
  };
  states[n('quiet look')] = update(afterQuiet, { 'quiet.$': 'States.MathAdd($.watch.quiet, 1)' });
  states[n('busy look')] = update(afterQuiet, { quiet: 0 });
  {
    states[n('clean?')] = {
      Type: 'Choice',
      Choices: [{ ...is('open', false), Next: n('clean look') }],
      Default: n('open look'),
    };
    states[n('clean look')] = update(n('settled?'), { 'clean.$': 'States.MathAdd($.watch.clean, 1)' });
    states[n('open look')] = update(n('wait'), { clean: 0 });
    // A settle or cleanup ends after two looks in a row found nothing open. The watch beside the final jobs
    // should never get there: the final-job branch ends the Parallel state as soon as its `.sync` tasks return.
    // Three such looks (at least 3.5 minutes) mean a `.sync` task waits for a job that has ended or is gone from
    // Batch (ended jobs are kept "for at least 7 days"): the watch ends the run, which reports every job.
    const lost = o.kind === 'watch' ? n('jobs lost') : o.next;
    states[n('settled?')] = {
      Type: 'Choice',
      Choices: [{ Variable: '$.watch.clean', NumericGreaterThanEquals: o.kind === 'watch' ? 3 : 2, Next: lost }],
      Default: n('wait'),
    };
    if (o.kind === 'watch') {
      states[n('jobs lost')] = {
        Type: 'Fail',
        Error: LOST_ERROR,
        Cause: 'every job of the run has ended or is gone from Batch, but Step Functions still waited for a final job',
      };
    }
  }
  return states;
}

/** A Map that terminates every job of the page that has not ended. */
function terminatePage(next: string, prefix: string): { [key: string]: unknown } {
  return {
    Type: 'Map',
    ItemsPath: '$.watchPage.page.JobSummaryList',
    ItemSelector: { 'JobId.$': '$$.Map.Item.Value.JobId', 'Status.$': '$$.Map.Item.Value.Status', 'Reason.$': '$.watch.reason' },
    MaxConcurrency: 10,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: `${prefix}ended?`,
      States: {
        [`${prefix}ended?`]: {
          Type: 'Choice',
          Choices: [{ Or: ['SUCCEEDED', 'FAILED'].map(s => ({ Variable: '$.Status', StringEquals: s })), Next: `${prefix}leave job` }],
          Default: `${prefix}terminate job`,
        },
        [`${prefix}leave job`]: { Type: 'Succeed' },
        [`${prefix}terminate job`]: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:batch:terminateJob',
          Parameters: { 'JobId.$': '$.JobId', 'Reason.$': '$.Reason' },
          ResultPath: null,
          Retry: retry,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: `${prefix}leave job` }],
          End: true,
        },
      },
    },
    ResultPath: null,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }],
    Next: next,
  };
}
