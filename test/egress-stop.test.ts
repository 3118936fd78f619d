/**
 * Stopping a dev backfill leaves nothing behind (issue 21, item 5): the teardown-only run that the rule starts for
 * a stopped run workflow execution, executed from the template's definition in aws-local-stepfunctions with every
 * Task state answered by a handler of this file (a Task state without one fails the test, so no step is skipped by
 * an unanswered call falling into a catch). It stops the backfill, every running date run of that backfill (and
 * none of another backfill's, nor a scheduled run), waits for the jobs, removes the routes, the NAT gateway and the
 * address, and releases the lock, without any `States.Runtime` error on the way.
 */
import { createHash } from 'crypto';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { startAt } from '../scripts/lib/sim/fixed-start-time';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { allStates, definitionOf, onlyStateMachine } from '../scripts/lib/templates';
import { LOCK_ITEM, LOCK_KEY } from '../src/private/egress/egress-workflow';

const { stack } = platformStack();
const template = Template.fromStack(stack);
const definition = definitionOf(onlyStateMachine(template.toJSON(), /RunWorkflow/)[1]);

const RUNS = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev';
const ME = `${RUNS}:teardown`;
// The backfill's and the job workflow's names are tokens in the template (their ARNs' sixth part).
const BACKFILL_EXECUTIONS = 'arn:${AWS::Partition}:states:eu-central-1:123456789012:execution:${Fn::Select}:';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

interface Stopped {
  /** Execution ARN to status. */
  readonly executions: Map<string, string>;
  readonly calls: Array<[string, any]>;
  readonly entered: string[];
  readonly lock: Map<string, string>;
  readonly egress: Set<string>;
}

async function teardownOnly(stoppedRun: string, executions: Map<string, string>, given?: unknown): Promise<Stopped & { error?: any }> {
  const s: Stopped = { executions, calls: [], entered: [], lock: new Map([[LOCK_ITEM, `${RUNS}:${stoppedRun}`]]), egress: new Set(['route-1', 'route-2', 'nat-1', 'eipalloc-1']) };
  const on = (call: string, answer: (input: any) => any = () => ({})) => async (input: any) => {
    s.calls.push([call, input]);
    return answer(input);
  };
  const stop = (input: any) => {
    if (s.executions.get(input.ExecutionArn) !== 'RUNNING') throw Object.assign(new Error('not running'), { name: 'Sfn.ExecutionDoesNotExistException' });
    s.executions.set(input.ExecutionArn, 'ABORTED');
    return {};
  };
  const handlers: { [state: string]: (input: any) => Promise<any> } = {
    'Take the lock': on('PutItem', () => { throw Object.assign(new Error('held'), { name: 'DynamoDB.ConditionalCheckFailedException' }); }),
    'Read the lock': on('GetItem', () => ({ Item: { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: s.lock.get(LOCK_ITEM) } } })),
    'Describe the lock owner': on('DescribeExecution', () => ({ Status: 'ABORTED' })),
    'Take over the stale lock': on('TakeOver', () => { s.lock.set(LOCK_ITEM, ME); return {}; }),
    'Release the lock': on('DeleteItem', () => { s.lock.delete(LOCK_ITEM); return {}; }),
    'Stop the stopped run\'s backfill': on('StopBackfill', stop),
    // ListExecutions: "statusFilter: If specified, only list the executions whose current execution status matches the
    // given filter" (Step Functions API reference).
    'List running job workflow runs': on('ListExecutions', input => ({
      Executions: [...s.executions]
        .filter(([arn, status]) => (input.StatusFilter === undefined || status === input.StatusFilter) && !arn.startsWith(BACKFILL_EXECUTIONS.replace('${Fn::Select}:', 'backfill:')))
        .map(([arn, status]) => ({ ExecutionArn: arn, Name: arn.split(':').pop(), Status: status })),
    })),
    'Stop a date run of the backfill': on('StopDateRun', stop),
    'Stop the stopped run\'s job workflow': on('StopJobRun', stop),
    ...Object.fromEntries(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'].map(status => [`List ${status} jobs`, on('ListJobs', () => ({ JobSummaryList: [] }))])),
    'Delete Route 1': on('DeleteRoute', () => { s.egress.delete('route-1'); return {}; }),
    'Delete Route 2': on('DeleteRoute', () => { s.egress.delete('route-2'); return {}; }),
    'Find NAT Gateways': on('FindNatGateways', () => ({ NatGateways: s.egress.has('nat-1') ? [{ NatGatewayId: 'nat-1' }] : [] })),
    'Delete NAT Gateway': on('DeleteNatGateway', () => { s.egress.delete('nat-1'); return {}; }),
    'Check NAT Gateways Gone': on('CheckNatGatewaysGone', () => ({ NatGateways: [] })),
    'Find Addresses': on('FindAddresses', () => ({ Addresses: s.egress.has('eipalloc-1') ? [{ AllocationId: 'eipalloc-1' }] : [] })),
    'Release Address': on('ReleaseAddress', () => { s.egress.delete('eipalloc-1'); return {}; }),
  };
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: false, checkArn: false } });
  const input = given ?? { teardownOnly: true, stoppedRun };
  const execution = startAt('2026-11-26T10:00:00.000Z', () => machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: new Proxy(handlers, {
        get: (target, state: string) => target[state] ?? (async () => { throw new Error(`the test has no handler for Task state '${state}'`); }),
        has: () => true,
      }),
      waitTimeOverrides: new Proxy({}, { get: () => 0 }),
      retryIntervalOverrides: new Proxy({}, { get: () => 0 }),
    },
    context: {
      Execution: { Id: ME, Name: 'teardown', Input: input },
      StateMachine: { Id: 'arn:aws:states:eu-central-1:123456789012:stateMachine:sanders-customer-platform-run-dev' },
      State: { Name: 'any', EnteredTime: '2026-11-26T10:00:01.000Z' },
    },
  }));
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') s.entered.push(event.state.name);
      if (event.type === 'StateFailed' || event.type === 'ExecutionFailed') s.calls.push(['!failed', { state: event.state?.name ?? event.type, error: event.Error ?? event.error }]);
    }
  })();
  let error: any;
  try {
    await execution.result;
  } catch (e) {
    error = e;
  }
  await events;
  return { ...s, error };
}

describe('stopping a dev backfill', () => {
  test('every Task state on the teardown-only path has a handler here', () => {
    const tasks = [...allStates(definition)].filter(([, state]) => state.Type === 'Task').map(([name]) => name);
    for (const name of ['Stop the stopped run\'s backfill', 'List running job workflow runs', 'Stop a date run of the backfill', 'Stop the stopped run\'s job workflow']) expect(tasks).toContain(name);
  });

  test('stops the backfill and each of its running date runs (no other), then removes the routes, NAT gateway and address and releases the lock', async () => {
    // GIVEN a backfill stopped with two of its dates running, beside another backfill's date and a scheduled run
    const backfill = `${BACKFILL_EXECUTIONS}bf-1`;
    const tag = md5(backfill);
    const mine = [`${BACKFILL_EXECUTIONS}backfill-2026-01-02-${tag}`, `${BACKFILL_EXECUTIONS}backfill-2026-01-03-${tag}`];
    const others = [`${BACKFILL_EXECUTIONS}backfill-2026-01-02-${md5('another')}`, `${BACKFILL_EXECUTIONS}scheduled-run`];
    const executions = new Map([[backfill, 'RUNNING'], ...[...mine, ...others].map(arn => [arn, 'RUNNING'] as [string, string])]);
    // WHEN the teardown-only run for it runs
    const s = await teardownOnly('bf-1', executions);
    // THEN it ended well, through every stop step, without a runtime error
    expect(s.error).toBeUndefined();
    // (the lock held by the stopped run, and a job workflow run of the backfill's name that never existed, are the only failed states, both caught)
    expect(s.calls.filter(([c]) => c === '!failed').map(([, f]) => f.state)).toEqual(['Take the lock', 'Stop the stopped run\'s job workflow']);
    expect(JSON.stringify(s.calls.filter(([c]) => c === '!failed'))).not.toContain('States.Runtime');
    expect(s.executions.get(backfill)).toBe('ABORTED');
    expect(mine.map(arn => s.executions.get(arn))).toEqual(['ABORTED', 'ABORTED']);
    expect(others.map(arn => s.executions.get(arn))).toEqual(['RUNNING', 'RUNNING']);
    expect(s.calls.filter(([c]) => c === 'StopDateRun').map(([, i]) => i.ExecutionArn).sort()).toEqual([...mine].sort());
    // each of the four running job workflow runs through the Map's states (names as the execution history shows them)
    const mapStates = ['Read the run\'s tag', 'A date of the backfill?', 'Stop a date run of the backfill', 'Not a date of the backfill'];
    const count = (name: string) => s.entered.filter(e => e === name).length;
    expect(mapStates.map(count)).toEqual([4, 4, 2, 2]);
    // AND nothing is left
    expect([...s.egress]).toEqual([]);
    expect(s.lock.size).toBe(0);
    const order = s.calls.map(([c]) => c);
    expect(order.indexOf('StopBackfill')).toBeLessThan(order.indexOf('ListExecutions'));
    expect(order.lastIndexOf('StopDateRun')).toBeLessThan(order.indexOf('ListJobs'));
    expect(order.indexOf('ListJobs')).toBeLessThan(order.indexOf('DeleteNatGateway'));
  });

  test('a stopped run that was not a backfill: nothing of any backfill is stopped, egress goes all the same', async () => {
    const run = `${BACKFILL_EXECUTIONS}run-1`;
    const date = `${BACKFILL_EXECUTIONS}backfill-2026-01-02-${md5(`${BACKFILL_EXECUTIONS}bf-9`)}`;
    const s = await teardownOnly('run-1', new Map([[run, 'RUNNING'], [date, 'RUNNING']]));
    expect(s.error).toBeUndefined();
    expect(s.executions.get(run)).toBe('ABORTED');
    expect(s.executions.get(date)).toBe('RUNNING');
    expect([...s.egress]).toEqual([]);
    expect(s.lock.size).toBe(0);
  });
});

describe('the dev run workflow\'s input (issue 21, item 3)', () => {
  test.each<[string, unknown, RegExp]>([
    ['a typo of date', { Date: '2026-01-02' }, /^the execution input \{"Date":"2026-01-02"\} has a key sanders-customer-platform-run-dev does not read \(a typo\?\): it reads only date \(/],
    ['a backfill that is not an object', { backfill: '2026-01-01..2026-01-10' }, /^"backfill" in the execution input of sanders-customer-platform-run-dev must be a JSON object/],
    ['a backfill given as an array', { backfill: [] }, /must be a JSON object/],
    ['an input that is not an object', ['2026-01-02'], /^the execution input of sanders-customer-platform-run-dev must be a JSON object/],
  ])('refuses %s with InvalidInput before taking the lock or creating anything', async (_, input, cause) => {
    const s = await teardownOnly('unused', new Map(), input);
    expect(s.error?.cause?.name).toBe('InvalidInput');
    expect(s.error.cause.message).toMatch(cause);
    expect(s.calls.filter(([c]) => c !== '!failed')).toEqual([]);
    expect([...s.egress].sort()).toEqual(['eipalloc-1', 'nat-1', 'route-1', 'route-2']);
  });

  test('accepts every key it reads', async () => {
    const s = await teardownOnly('unused', new Map(), { date: '2026-01-02', resumeFrom: 'x', scheduledTime: 't', backfill: {}, teardownOnly: false, stoppedRun: 'y' });
    // It went on to the lock (which the stopped run of this harness holds).
    expect(s.calls[0][0]).toBe('PutItem');
  });
});
