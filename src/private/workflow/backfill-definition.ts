/**
 * The backfill: one execution that runs the job workflow for every date of a range.
 *
 * Input `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "maxConcurrency": 1, "stopOnFailure": false}`
 * (`from` and `to` inclusive; the last two optional). It checks the input, lists the dates, then runs a Map
 * (`MaxConcurrencyPath`: at most `maxConcurrency` dates at a time) whose iterations each start the job workflow
 * with `{"date": ...}` (`states:startExecution.sync:2`) and wait for it. A date's failure is caught, so the
 * others go on, unless `stopOnFailure`; the output lists every date's outcome.
 *
 * The date list is computed in the state machine: the JSONPath intrinsics have no date arithmetic (JSONata
 * has, but aws-local-stepfunctions, which runs every definition in the tests, does not implement it), so a loop
 * counts days as numbers (year, month, day) and a day its month does not have (`impossibleDays`, the calendar
 * the job workflow checks its date with) rolls over to the next month.
 */
import { dateStates, failedEndStates } from './backfill-dates';
import { impossibleDays } from './run-date';
import { BACKFILL_KEYS, inputCheckStates, STARTED_BY } from './run-input';
import { isNumber, isString, States } from './workflow-states';
import { DEFAULTS } from '../settings/defaults';

/**
 * The most dates one backfill runs. A year, leap years included. What it costs within Step Functions' limits:
 * about 10 history events per date to list it and 10-14 to run it (of the 25,000 of an execution), and up to
 * about 600 bytes of output per date (a failed date's headline with a status reason of 200 characters) within
 * the 256 KB of a state's data.
 */
export const MAX_BACKFILL_DATES = 366;

/** The most dates at a time: the concurrency of an inline Map state (40 iterations). */
export const MAX_BACKFILL_CONCURRENCY = 40;

/** The prefix of the execution names of the dates' runs, `backfill-<date>-<MD5 of the backfill's execution ARN>`. */
export const BACKFILL_RUN_PREFIX = 'backfill-';

/** The errors a backfill fails with. */
export const BACKFILL_ERRORS = {
  invalidDate: 'InvalidDate',
  invalidRange: 'InvalidRange',
  rangeTooLong: 'RangeTooLong',
  invalidOption: 'InvalidOption',
  dateFailed: 'DateFailed',
  datesFailed: 'DatesFailed',
} as const;

/** How many failed dates the error of a failed backfill describes in full (all of them are listed by date). */
export const MAX_DESCRIBED_FAILURES = 20;

const pad = Array.from({ length: 33 }, (_, i) => String(i).padStart(2, '0'));
const fail = (error: string, cause: string) => ({ Type: 'Fail', Error: error, Cause: cause });

/** Reads the input, applies the defaults and checks it. */
function inputStates(next: string): States {
  const E = BACKFILL_ERRORS;
  const [from, to, concurrency, stop] = ['$.input.from', '$.input.to', '$.input.maxConcurrency', '$.input.stopOnFailure'];
  const badDate = (path: string) => [...impossibleDays(path), { Variable: path, StringMatches: '0*' }];
  return {
    'Read backfill input': {
      Type: 'Pass',
      Parameters: { 'defaults': { ...DEFAULTS.backfill }, 'given.$': '$', pad },
      Next: 'Apply defaults',
    },
    'Apply defaults': {
      Type: 'Pass',
      // From a copy of the defaults: aws-local-stepfunctions' JsonMerge writes into its first argument (run-input.ts).
      Parameters: { 'input.$': 'States.JsonMerge(States.StringToJson(States.JsonToString($.defaults)), $.given, false)', 'pad.$': '$.pad' },
      Next: 'Dates given?',
    },
    'Dates given?': { Type: 'Choice', Choices: [{ And: [...isString(from), ...isString(to)], Next: 'Read dates' }], Default: 'Invalid date' },
    'Read dates': {
      Type: 'Pass',
      Parameters: { 'from.$': `States.Format('{}T00:00:00Z', ${from})`, 'to.$': `States.Format('{}T00:00:00Z', ${to})` },
      ResultPath: '$.check',
      Next: 'Dates valid?',
    },
    'Dates valid?': {
      Type: 'Choice',
      Comment: 'Each date is YYYY-MM-DD (RFC 3339 with T00:00:00Z added), a day its month has, in a year from 1000.',
      Choices: [
        { Or: [...badDate(from), ...badDate(to)], Next: 'Invalid date' },
        { And: [{ Variable: '$.check.from', IsTimestamp: true }, { Variable: '$.check.to', IsTimestamp: true }], Next: 'Range in order?' },
      ],
      Default: 'Invalid date',
    },
    'Invalid date': fail(E.invalidDate, '"from" and "to" must be dates YYYY-MM-DD that exist (e.g. 2025-02-28, not 2025-02-29), from the year 1000 on'),
    'Range in order?': { Type: 'Choice', Choices: [{ Variable: to, StringLessThanPath: from, Next: 'Invalid range' }], Default: 'Options valid?' },
    'Invalid range': fail(E.invalidRange, '"to" is before "from": the range is from "from" to "to", both included'),
    'Options valid?': {
      Type: 'Choice',
      Choices: [{
        And: [
          ...isNumber(concurrency),
          { Variable: concurrency, NumericGreaterThanEquals: 1 },
          { Variable: concurrency, NumericLessThanEquals: MAX_BACKFILL_CONCURRENCY },
          { Variable: stop, IsPresent: true },
          { Variable: stop, IsBoolean: true },
        ],
        Next: 'Read maxConcurrency',
      }],
      Default: 'Invalid option',
    },
    'Read maxConcurrency': { Type: 'Pass', Parameters: { 'text.$': `States.Format('{}', ${concurrency})` }, ResultPath: '$.check', Next: 'Whole number?' },
    'Whole number?': {
      Type: 'Choice',
      Choices: [{ Or: ['*.*', '*e*', '*E*'].map(p => ({ Variable: '$.check.text', StringMatches: p })), Next: 'Invalid option' }],
      Default: next,
    },
    'Invalid option': fail(E.invalidOption, `"maxConcurrency" must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY} (default 1) and "stopOnFailure" true or false (default false)`),
  };
}

/** A number from a zero-padded part of a date: `08` is not JSON, `108` is. */
function datePart(index: number, offset: number): string {
  return `States.MathAdd(States.StringToJson(States.Format('1{}', States.ArrayGetItem(States.StringSplit($.input.from, '-'), ${index}))), ${offset})`;
}

/** Lists the dates from `from` to `to` as `$.dates.list`, one day at a time, or fails past MAX_BACKFILL_DATES. */
function dateListStates(next: string): States {
  const format = (y: string, m: string, d: string) => `States.Format('{}-{}-{}', ${y}, ${m}, ${d})`;
  const padded = (n: string) => `States.ArrayGetItem($.pad, ${n})`;
  return {
    'Start the date list': {
      Type: 'Pass',
      Parameters: { 'y.$': datePart(0, -10000), 'm.$': datePart(1, -100), 'd.$': datePart(2, -100), 'list.$': '$.input.from', 'count': 1 },
      ResultPath: '$.cal',
      Next: 'Next day',
    },
    'Next day': {
      Type: 'Pass',
      Parameters: {
        'y.$': '$.cal.y',
        'm.$': '$.cal.m',
        'd.$': 'States.MathAdd($.cal.d, 1)',
        'date.$': format('$.cal.y', padded('$.cal.m'), padded('States.MathAdd($.cal.d, 1)')),
      },
      ResultPath: '$.next',
      Next: 'Day in month?',
    },
    'Day in month?': {
      Type: 'Choice',
      Choices: [{ Or: [{ Variable: '$.next.d', NumericGreaterThan: 31 }, ...impossibleDays('$.next.date')], Next: 'Next month' }],
      Default: 'Past the end?',
    },
    'Next month': {
      Type: 'Pass',
      Parameters: { 'y.$': '$.cal.y', 'm.$': 'States.MathAdd($.cal.m, 1)', 'd': 1, 'date.$': format('$.cal.y', padded('States.MathAdd($.cal.m, 1)'), "'01'") },
      ResultPath: '$.next',
      Next: 'Month in year?',
    },
    'Month in year?': { Type: 'Choice', Choices: [{ Variable: '$.next.m', NumericGreaterThan: 12, Next: 'Next year' }], Default: 'Past the end?' },
    'Next year': {
      Type: 'Pass',
      Parameters: { 'y.$': 'States.MathAdd($.cal.y, 1)', 'm': 1, 'd': 1, 'date.$': "States.Format('{}-01-01', States.MathAdd($.cal.y, 1))" },
      ResultPath: '$.next',
      Next: 'Past the end?',
    },
    'Past the end?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.next.date', StringGreaterThanPath: '$.input.to', Next: 'Dates listed' },
        { Variable: '$.cal.count', NumericGreaterThanEquals: MAX_BACKFILL_DATES, Next: 'Range too long' },
      ],
      Default: 'Add the day',
    },
    'Add the day': {
      Type: 'Pass',
      Parameters: {
        'y.$': '$.next.y',
        'm.$': '$.next.m',
        'd.$': '$.next.d',
        'list.$': "States.Format('{},{}', $.cal.list, $.next.date)",
        'count.$': 'States.MathAdd($.cal.count, 1)',
      },
      ResultPath: '$.cal',
      Next: 'Next day',
    },
    'Range too long': fail(BACKFILL_ERRORS.rangeTooLong, `the range has more than ${MAX_BACKFILL_DATES} dates: split it into backfills of at most ${MAX_BACKFILL_DATES} dates`),
    'Dates listed': {
      Type: 'Pass',
      Parameters: { 'list.$': "States.StringSplit($.cal.list, ',')", 'tag.$': "States.Hash($$.Execution.Id, 'MD5')" },
      ResultPath: '$.dates',
      Next: next,
    },
  };
}

/**
 * Builds the backfill's definition. `jobWorkflowArn` is the state machine each date runs; the dates' runs are
 * named `backfill-<date>-<MD5 of the backfill's execution ARN>`, unique per backfill and date.
 */
export function buildBackfillDefinition(jobWorkflowArn: string, names?: { backfill: string; runWorkflow?: string }): { [key: string]: unknown } {
  const check = inputCheckStates({
    machine: names?.backfill ?? 'the backfill',
    keys: { ...BACKFILL_KEYS, [STARTED_BY]: 'set by Step Functions when the run workflow starts the backfill' },
    prefix: 'Backfill input',
    next: 'Read backfill input',
    ...(names?.runWorkflow ? { startedBy: { names: [names.runWorkflow], instead: `${names.runWorkflow} with {"backfill": {"from": ..., "to": ...}}` } } : {}),
  });
  return {
    Comment: `Runs the job workflow for every date from "from" to "to" (at most ${MAX_BACKFILL_DATES}), at most "maxConcurrency" at a time`,
    StartAt: Object.keys(check)[0],
    States: {
      ...check,
      ...inputStates('Start the date list'),
      ...dateListStates('Run each date'),
      'Run each date': {
        Type: 'Map',
        ItemsPath: '$.dates.list',
        ItemSelector: {
          'date.$': '$$.Map.Item.Value',
          'name.$': `States.Format('${BACKFILL_RUN_PREFIX}{}-{}', $$.Map.Item.Value, $.dates.tag)`,
          'stopOnFailure.$': '$.input.stopOnFailure',
          'input': { 'date.$': '$$.Map.Item.Value', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
        },
        MaxConcurrencyPath: '$.input.maxConcurrency',
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Run date', States: dateStates(jobWorkflowArn) },
        ResultPath: '$.outcomes',
        Catch: [{ ErrorEquals: [BACKFILL_ERRORS.dateFailed], ResultPath: '$.stopped', Next: 'Backfill stopped' }],
        Next: 'Backfill done',
      },
      'Backfill stopped': { Type: 'Fail', Error: BACKFILL_ERRORS.dateFailed, CausePath: '$.stopped.Cause' },
      'Backfill done': {
        Type: 'Pass',
        Parameters: {
          'from.$': '$.input.from',
          'to.$': '$.input.to',
          'maxConcurrency.$': '$.input.maxConcurrency',
          'dates.$': 'States.ArrayLength($.dates.list)',
          'outcomes.$': '$.outcomes',
          'flags.$': '$.outcomes[*].failed',
        },
        Next: 'Count failed dates',
      },
      ...failedEndStates(),
    },
  };
}
