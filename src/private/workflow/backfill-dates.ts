/**
 * The backfill's per-date steps (run the job workflow for one date and record its outcome) and its end when dates
 * failed; backfill-definition.ts wires them.
 */
import { BACKFILL_ERRORS, MAX_DESCRIBED_FAILURES } from './backfill-definition';
import { START_RETRY } from './start-retry';
import { isString, States } from './workflow-states';

/**
 * A backfill with failed dates fails (after every date ran), with `DatesFailed` and a cause that lists the failed
 * dates and describes the first MAX_DESCRIBED_FAILURES of them (status, execution, error, the headline naming the
 * failed job): a failed execution has no output, and a cause holds at most 32,768 characters. Every date's outcome
 * is the output of the `Backfill done` state in the execution's history. Each failed date alerted once as a failed
 * run of the job workflow; the backfill's own failure is not a run and does not alert again.
 */
export function failedEndStates(): States {
  return {
    'Count failed dates': { Type: 'Pass', Parameters: { 'any.$': 'States.ArrayContains($.flags, true)' }, ResultPath: '$.check', Next: 'Any date failed?' },
    'Any date failed?': { Type: 'Choice', Choices: [{ Variable: '$.check.any', BooleanEquals: true, Next: 'List failed dates' }], Default: 'Backfill succeeded' },
    // Parameters take the whole JSONPath syntax, filters included; a filter that matches nothing is not evaluated
    // (whether it gives [] or no value is the emulator's and Step Functions' own affair).
    'List failed dates': {
      Type: 'Pass',
      Parameters: { 'list.$': '$.outcomes[?(@.failed == true)]', 'dates.$': '$.outcomes[?(@.failed == true)].date' },
      ResultPath: '$.failed',
      Next: 'Describe failed dates',
    },
    'Backfill succeeded': { Type: 'Pass', Parameters: { 'from.$': '$.from', 'to.$': '$.to', 'maxConcurrency.$': '$.maxConcurrency', 'dates.$': '$.dates', 'outcomes.$': '$.outcomes' }, End: true },
    'Describe failed dates': {
      Type: 'Pass',
      Parameters: {
        'text.$': "States.Format('{} of {} dates failed: {}; the first {} of them: {}; every date\\'s outcome is the output of the Backfill done state in this execution\\'s history', "
          + `States.ArrayLength($.failed.dates), $.dates, States.JsonToString($.failed.dates), ${MAX_DESCRIBED_FAILURES}, `
          + `States.JsonToString(States.ArrayGetItem(States.ArrayPartition($.failed.list, ${MAX_DESCRIBED_FAILURES}), 0)))`,
      },
      Next: 'Backfill failed',
    },
    'Backfill failed': { Type: 'Fail', Error: BACKFILL_ERRORS.datesFailed, CausePath: '$.text' },
  };
}

/** One date: run the job workflow and wait; its outcome, whatever it was. */
export function dateStates(jobWorkflowArn: string): States {
  const child = '$.child.execution';
  // Each field a path or intrinsic ('$...', 'States...') or a plain value.
  const field = (key: string, value: string) => (/^(\$|States\.)/.test(value) ? { [`${key}.$`]: value } : { [key]: value });
  const failure = (status: string, arn: string, error: string, cause: string) => ({
    Type: 'Pass',
    Parameters: { 'date.$': '$.date', 'failed': true, ...field('status', status), ...field('executionArn', arn), ...field('error', error), ...field('cause', cause) },
    ResultPath: '$.outcome',
    Next: 'Stop on failure?',
  });
  return {
    'Run date': {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        'StateMachineArn': jobWorkflowArn,
        'Name.$': '$.name',
        'Input.$': '$.input',
      },
      ResultSelector: { 'status.$': '$.Status', 'executionArn.$': '$.ExecutionArn' },
      ResultPath: '$.run',
      // A run that failed is an outcome, not an outage: only the call's own errors are retried (start-retry.ts).
      Retry: [START_RETRY],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Date failure readable?' }],
      Next: 'Date succeeded',
    },
    'Date succeeded': { Type: 'Pass', Parameters: { 'date.$': '$.date', 'failed': false, 'status.$': '$.run.status', 'executionArn.$': '$.run.executionArn' }, End: true },
    // A failed run fails the task with its DescribeExecution output (JSON) as the cause.
    'Date failure readable?': {
      Type: 'Choice',
      Choices: [
        { And: [...isString('$.failure.Cause'), { Variable: '$.failure.Cause', StringMatches: '{*}' }], Next: 'Read date failure' },
        { And: [...isString('$.failure.Error'), ...isString('$.failure.Cause')], Next: 'Date not run' },
      ],
      Default: 'Date not run, no cause',
    },
    'Read date failure': { Type: 'Pass', Parameters: { 'execution.$': 'States.StringToJson($.failure.Cause)' }, ResultPath: '$.child', Next: 'Date failure known?' },
    'Date failure known?': {
      Type: 'Choice',
      Choices: [
        { And: [...isString(`${child}.ExecutionArn`), ...isString(`${child}.Status`), ...isString(`${child}.Error`), ...isString(`${child}.Cause`), { Not: { Variable: `${child}.Cause`, StringEquals: '' } }], Next: 'Date failed' },
        { And: [...isString(`${child}.ExecutionArn`), ...isString(`${child}.Status`), ...isString(`${child}.Error`)], Next: 'Date failed, no cause' },
        { And: [...isString(`${child}.ExecutionArn`), ...isString(`${child}.Status`)], Next: 'Date ended' },
      ],
      Default: 'Date not run',
    },
    // The headline only (up to the first '.', before the list of jobs): every date's outcome fits in the output.
    'Date failed': failure(`${child}.Status`, `${child}.ExecutionArn`, `${child}.Error`, `States.ArrayGetItem(States.StringSplit(${child}.Cause, '.'), 0)`),
    'Date failed, no cause': failure(`${child}.Status`, `${child}.ExecutionArn`, `${child}.Error`, ''),
    'Date ended': failure(`${child}.Status`, `${child}.ExecutionArn`, '', ''),
    // Not started (e.g. StartExecution refused): no execution to name.
    'Date not run': failure('FAILED', '', '$.failure.Error', '$.failure.Cause'),
    'Date not run, no cause': failure('FAILED', '', 'unknown', ''),
    'Stop on failure?': { Type: 'Choice', Choices: [{ Variable: '$.stopOnFailure', BooleanEquals: true, Next: 'Describe the stop' }], Default: 'Date outcome' },
    'Date outcome': { Type: 'Pass', OutputPath: '$.outcome', End: true },
    'Describe the stop': {
      Type: 'Pass',
      Parameters: {
        'text.$': "States.Format('date {} ended {} ({}): {}: {}; stopOnFailure stopped the backfill: the dates after it were not started and those running were stopped', $.outcome.date, $.outcome.status, $.outcome.executionArn, $.outcome.error, $.outcome.cause)",
      },
      Next: 'Stop the backfill',
    },
    'Stop the backfill': { Type: 'Fail', Error: BACKFILL_ERRORS.dateFailed, CausePath: '$.text' },
  };
}
