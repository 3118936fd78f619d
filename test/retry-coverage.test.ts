/**
 * Every retrier of every state machine of the example stacks can fire, and every Task state that calls AWS
 * retries throttling and service errors under each name Step Functions may give them (scripts/lib/retry-check.ts).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SandersCustomerPlatformStack } from './integ/platform-stack';
import { retryProblems } from '../scripts/lib/retry-check';
import { definitionOf, stateMachines } from '../scripts/lib/templates';
import { OnJobFailure } from '../src';

describe('the retry check', () => {
  const task = (retry: any[]) => ({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:batch:listJobs', Retry: retry, End: true } } });
  const all = { ErrorEquals: ['States.ALL'], MaxAttempts: 3 };

  test('finds a retrier that States.TaskFailed shadows (the developer guide: it matches every error but States.Timeout)', () => {
    expect(retryProblems(task([{ ErrorEquals: ['States.TaskFailed', 'States.Timeout'], MaxAttempts: 0 }, all]))).toEqual([
      'T: retrier 2 (States.ALL) is shadowed by an earlier one',
      'T: does not retry Batch.ThrottlingException, Batch.TooManyRequestsException, Batch.BatchException, Batch.AWSBatchException, Batch.ServerException',
    ]);
  });

  test('finds a call without a retry, and one that retries only some names', () => {
    expect(retryProblems(task([]))).toHaveLength(1);
    expect(retryProblems(task([{ ErrorEquals: ['Batch.TooManyRequestsException'], MaxAttempts: 3 }]))).toEqual([
      'T: does not retry Batch.ThrottlingException, Batch.BatchException, Batch.AWSBatchException, Batch.ServerException',
    ]);
  });

  test('accepts permanent errors named first and States.ALL after them, and a retrier for States.Timeout after States.TaskFailed', () => {
    expect(retryProblems(task([{ ErrorEquals: ['Batch.ClientException'], MaxAttempts: 0 }, all]))).toEqual([]);
    expect(retryProblems(task([{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 }, { ErrorEquals: ['States.Timeout'], MaxAttempts: 1 }]))).toEqual([]);
  });

  // A SubmitJob takes no idempotency token: it may be tried again only after a look for the job (issue #22, item 3).
  const submit = (extra: any, states: any = {}) => ({
    StartAt: 'S',
    States: { S: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob', End: true, ...extra }, ...states },
  });
  const list = (next: string) => ({ Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:batch:listJobs', Retry: [all], Next: next });
  const catchTo = (next: string) => ({ Catch: [{ ErrorEquals: ['States.ALL'], Next: next }] });

  test('finds a SubmitJob that retries by itself (a second job when the failed call created one)', () => {
    expect(retryProblems(submit({ Retry: [{ ErrorEquals: ['Batch.AWSBatchException'], MaxAttempts: 5 }], ...catchTo('Find') }, { Find: list('S') }))).toEqual([
      'S: retries Batch.AWSBatchException without looking for the job the failed call may have created',
    ]);
  });

  test('finds a SubmitJob that is submitted again without a look for the job, or not at all', () => {
    expect(retryProblems(submit(catchTo('Wait'), { Wait: { Type: 'Wait', Seconds: 1, Next: 'S' } }))[0]).toMatch(/^S: does not submit again after Batch\.ThrottlingException, .*Batch\.ServerException \(after looking for the job\)$/);
    expect(retryProblems(submit({}))).toHaveLength(1);
    // A look on one path does not excuse another path that skips it.
    const choice = { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'S' }], Default: 'Find' };
    expect(retryProblems(submit(catchTo('Choose'), { Choose: choice, Find: list('S') }))).toHaveLength(1);
  });

  test('accepts a SubmitJob whose failure comes back to it only through a look for the job', () => {
    const found = { Type: 'Choice', Choices: [{ Variable: '$.found', IsPresent: true, Next: 'Keep' }], Default: 'S' };
    expect(retryProblems(submit(catchTo('Wait'), {
      Wait: { Type: 'Wait', Seconds: 1, Next: 'Find' }, Find: list('Found?'), ['Found?']: found, Keep: { Type: 'Pass', End: true },
    }))).toEqual([]);
  });
});


describe('the example stacks', () => {
  const app = new App();
  const stacks = {
    'example dev': new SandersCustomerPlatformStack(app, 'dev'),
    'example prod': new SandersCustomerPlatformStack(app, 'prod'),
    'finish independent': new SandersCustomerPlatformStack(new App(), 'prod', { platform: { onJobFailure: OnJobFailure.FINISH_INDEPENDENT } }),
  };
  const findings = Object.entries(stacks).flatMap(([label, stack]) => {
    const template = Template.fromStack(stack).toJSON();
    return stateMachines(template).flatMap(([id, resource]) =>
      retryProblems(definitionOf(resource)).map(p => `${label}/${id.replace(/Platform|[0-9A-F]{8}$/g, '')}: ${p}`));
  });

  test('have state machines to check', () => {
    const count = Object.values(stacks).map(s => stateMachines(Template.fromStack(s).toJSON()).length);
    expect(count.every(n => n >= 3)).toBe(true);
  });

  test('have no shadowed retrier and no AWS call without a retry for throttling', () => {
    // Each finding is listed in full (state machine, state, the names it does not retry).
    expect(findings).toEqual([]);
  });
});
