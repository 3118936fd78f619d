/**
 * Resume belongs to the run it resumes (issue 21): before any job, the job workflow describes the run given as
 * `resumeFrom` (DescribeExecution) and
 * - refuses one that does not exist, or is still RUNNING (it would run beside it: the same jobs of the same day twice);
 * - reports a run that SUCCEEDED as having nothing to resume, and ends at once (succeeded, with no job run);
 * - refuses a run that was itself a resume: its skipped jobs carry the job IDs of the run before it, which its own
 *   run tag does not find, so resuming it would run them again; the refusal names the run to resume instead;
 * - takes the resumed run's date: its input's `date`, or the day it started (UTC), as the job workflow took it;
 *   a `date` given with `resumeFrom` that is another day is refused, naming both.
 * DescribeExecution's `StartDate` is a timestamp; how the SDK integration renders it in the state data is not
 * documented: as an ISO 8601 text its day is cut from it, as anything else the run's date is unknown and the start is
 * refused unless its input had a `date` (the tests run both readings).
 */
import { isString, NO_SUCH_EXECUTION, States } from './workflow-states';

/** State names of the check of the resumed run. */
export const RESUMED_RUN_STATES = {
  describe: 'Describe the resumed run',
  notFound: 'Resumed run not found',
  notFoundText: 'Describe the missing run',
  status: 'Resumed run ended?',
  running: 'Resumed run still running',
  runningText: 'Describe the running run',
  nothing: 'Nothing to resume',
  chained: 'Resumed run a resume?',
  chainedText: 'Describe the resume of a resume',
  refuseChained: 'Resume of a resume',
  dateOf: 'Date of the resumed run',
  inputDate: 'Resumed run date from its input',
  startDate: 'Resumed run date from its start',
  noDate: 'Resumed run date unknown',
  dateGiven: 'Date given with resumeFrom?',
  sameDate: 'Same date as the resumed run?',
  otherDate: 'Describe the other date',
  refuseDate: 'Resume of another date',
  useDate: 'Use the resumed run date',
} as const;

const fail = (cause: string) => ({ Type: 'Fail', Error: 'InvalidInput', Cause: cause });
const failWith = (text: string, next: string) => ({ Type: 'Pass', Parameters: { 'text.$': text }, Next: next });

/** The states from the description of `$.resumed.arn` to `next` (the look-up of its jobs). */
export function addResumedRunStates(states: States, next: string): void {
  const R = RESUMED_RUN_STATES;
  const run = '$.resumed.run';
  states[R.describe] = {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
    Parameters: { 'ExecutionArn.$': '$.resumed.arn' },
    ResultSelector: { 'status.$': '$.Status', 'input.$': 'States.StringToJson($.Input)', 'startDate.$': '$.StartDate' },
    ResultPath: run,
    Retry: [
      // No such run is an answer (the service prefix matched both ways it may be spelled); anything else is retried.
      { ErrorEquals: [...NO_SUCH_EXECUTION, 'Sfn.InvalidArnException', 'SFN.InvalidArnException'], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' },
    ],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.resumed.error', Next: R.notFoundText }],
    Next: R.status,
  };
  states[R.notFoundText] = failWith("States.Format('resumeFrom {} could not be described ({}): give the ARN of a run of this state machine that has ended', $.resumed.arn, $.resumed.error.Error)", R.notFound);
  states[R.notFound] = { Type: 'Fail', Error: 'InvalidInput', CausePath: '$.text' };
  states[R.status] = {
    Type: 'Choice',
    Choices: [
      { Variable: `${run}.status`, StringEquals: 'RUNNING', Next: R.runningText },
      { Variable: `${run}.status`, StringEquals: 'SUCCEEDED', Next: R.nothing },
    ],
    Default: R.chained,
  };
  states[R.runningText] = failWith("States.Format('resumeFrom {} is still RUNNING: a resume would run the same jobs of the same date beside it; wait until it has ended (or stop it), then resume it', $.resumed.arn)", R.running);
  states[R.running] = { Type: 'Fail', Error: 'InvalidInput', CausePath: '$.text' };
  states[R.nothing] = {
    Type: 'Pass',
    Parameters: { 'resumeFrom.$': '$.resumed.arn', 'status': 'SUCCEEDED', 'nothingToResume': 'the resumed run succeeded: every job of its date succeeded in it, so no job was run', 'jobs': [] },
    End: true,
  };
  states[R.chained] = {
    Type: 'Choice',
    Choices: [{ And: isString(`${run}.input.resumeFrom`), Next: R.chainedText }],
    Default: R.dateOf,
  };
  states[R.chainedText] = failWith(
    "States.Format('resumeFrom {} was itself a resume of {}: resume that run instead (its succeeded jobs are skipped again, the rest run again); a resume of a resume would run again the jobs it skipped', $.resumed.arn, "
    + `${run}.input.resumeFrom)`, R.refuseChained);
  states[R.refuseChained] = { Type: 'Fail', Error: 'InvalidInput', CausePath: '$.text' };
  addResumedDateStates(states, next);
}

/** The resumed run's date, compared with a given one, or taken as the run date. */
function addResumedDateStates(states: States, next: string): void {
  const R = RESUMED_RUN_STATES;
  const run = '$.resumed.run';
  states[R.dateOf] = {
    Type: 'Choice',
    Choices: [
      { And: isString(`${run}.input.date`), Next: R.inputDate },
      { And: [...isString(`${run}.startDate`), { Variable: `${run}.startDate`, StringMatches: '????-??-??T*' }], Next: R.startDate },
      { And: isString('$.input.date'), Next: next },
    ],
    Default: R.noDate,
  };
  states[R.inputDate] = { Type: 'Pass', Parameters: { 'date.$': `${run}.input.date` }, ResultPath: '$.resumed.date', Next: R.dateGiven };
  states[R.startDate] = { Type: 'Pass', Parameters: { 'date.$': `States.ArrayGetItem(States.StringSplit(${run}.startDate, 'T'), 0)` }, ResultPath: '$.resumed.date', Next: R.dateGiven };
  states[R.noDate] = fail('the date of the run given as resumeFrom could not be told from its description: give its date as "date" with "resumeFrom"');
  states[R.dateGiven] = { Type: 'Choice', Choices: [{ And: isString('$.input.date'), Next: R.sameDate }], Default: R.useDate };
  states[R.sameDate] = { Type: 'Choice', Choices: [{ Variable: '$.input.date', StringEqualsPath: '$.resumed.date.date', Next: next }], Default: R.otherDate };
  states[R.otherDate] = failWith(
    "States.Format('date {} is not the date of the run given as resumeFrom ({}, a run of {}): a resume runs the jobs of the date of the run it resumes; leave date out, or start a new run of {}', $.input.date, $.resumed.arn, $.resumed.date.date, $.input.date)",
    R.refuseDate);
  states[R.refuseDate] = { Type: 'Fail', Error: 'InvalidInput', CausePath: '$.text' };
  states[R.useDate] = { Type: 'Pass', InputPath: '$.resumed.date.date', ResultPath: '$.date', Next: next };
}
