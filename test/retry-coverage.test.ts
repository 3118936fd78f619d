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
