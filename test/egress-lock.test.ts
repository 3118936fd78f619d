/**
 * Every branch of the on-demand egress run's lock loop, executed in aws-local-stepfunctions on the real run
 * definition (from the template), cut at the loop's three exits: the run, the teardown of a teardown-only run, and
 * the run's failure. Nothing runs concurrently: what other runs do to the lock (take it, release it, take a stale
 * one over) happens inside this run's own DynamoDB and DescribeExecution calls, at the call a test names, so every
 * interleaving is forced, none left to the event loop.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { definitionOf, onlyStateMachine } from '../scripts/lib/templates';

const RUNS = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev';
const ME = `${RUNS}:me`;
const OTHER = `${RUNS}:other`;
const THIRD = `${RUNS}:third`;

const full = definitionOf(onlyStateMachine(Template.fromStack(platformStack().stack).toJSON(), /RunWorkflow/)[1]);

/** The run definition with the lock loop's exits replaced by Pass states that say which exit was taken. */
function lockLoop(): any {
  const states = JSON.parse(JSON.stringify(full.States));
  const held = states['Teardown only?'];
  const failed = states['Take the lock'].Catch.find((c: any) => c.ErrorEquals.includes('States.ALL')).Next;
  const exits: { [state: string]: any } = {
    [held.Choices[0].Next]: { exit: 'teardown' },
    [held.Default]: { exit: 'run' },
    [failed]: { 'exit': 'failed', 'error.$': '$.error.Error' },
  };
  for (const [name, parameters] of Object.entries(exits)) states[name] = { Type: 'Pass', Parameters: parameters, End: true };
  // Only what is reachable from the start: the rest of the run is not part of the loop.
  const reachable = new Set<string>();
  const visit = (name: string) => {
    if (reachable.has(name)) return;
    reachable.add(name);
    const s = states[name];
    [s.Next, s.Default, ...(s.Choices ?? []).map((c: any) => c.Next), ...(s.Catch ?? []).map((c: any) => c.Next)].filter(Boolean).forEach(visit);
  };
  visit(full.StartAt);
  return { StartAt: full.StartAt, States: Object.fromEntries(Object.entries(states).filter(([n]) => reachable.has(n))) };
}

class ConditionalCheckFailed extends Error {
  constructor() {
    super('The conditional request failed');
    this.name = 'DynamoDB.ConditionalCheckFailedException';
  }
}

/** The lock item, if any, and the workflow's condition expressions evaluated on it (terms joined by OR). */
class Lock {
  public item?: { owner: string };

  public put(input: any): void {
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    const holds = (term: string): boolean => {
      const notExists = /^attribute_not_exists\((#\w+)\)$/.exec(term);
      if (notExists) return names[notExists[1]] === 'lock' && this.item === undefined;
      const equals = /^(#\w+) = (:\w+)$/.exec(term);
      if (equals && names[equals[1]] === 'owner') return this.item?.owner === values[equals[2]].S;
      throw new Error(`unsupported condition term ${term}`);
    };
    if (!input.ConditionExpression.split(' OR ').some((t: string) => holds(t.trim()))) throw new ConditionalCheckFailed();
    this.item = { owner: input.Item.owner.S };
  }
}

/** What the world does at a call of this run, before the call is answered: the call's number (1, 2, ...) by kind. */
interface Script {
  readonly lock?: Lock;
  readonly input?: any;
  /** DescribeExecution's status of an owner (or throws). */
  readonly status?: (owner: string, call: number) => string;
  readonly beforePut?: (lock: Lock, call: number) => void;
  readonly beforeGet?: (lock: Lock, call: number) => void;
  readonly beforeTakeOver?: (lock: Lock, call: number) => void;
  readonly failing?: { [state: string]: string };
}

interface Outcome {
  readonly exit: string;
  readonly error?: string;
  readonly calls: string[];
  readonly waits: number[];
  readonly lock: Lock;
}

async function run(script: Script): Promise<Outcome> {
  const lock = script.lock ?? new Lock();
  const calls: string[] = [];
  const count: { [kind: string]: number } = {};
  const call = (kind: string, answer: (n: number, input: any) => any) => async (input: any) => {
    count[kind] = (count[kind] ?? 0) + 1;
    calls.push(kind);
    const failure = script.failing?.[kind];
    if (failure) throw Object.assign(new Error(failure), { name: failure });
    return answer(count[kind], input);
  };
  const handlers = {
    'Take the lock': call('PutItem', (n, input) => { script.beforePut?.(lock, n); lock.put(input); return {}; }),
    'Read the lock': call('GetItem', (n) => {
      script.beforeGet?.(lock, n);
      return lock.item ? { Item: { lock: { S: 'egress' }, owner: { S: lock.item.owner } } } : {};
    }),
    'Describe the lock owner': call('DescribeExecution', (n, input) => ({ Status: script.status!(input.ExecutionArn, n) })),
    'Take over the stale lock': call('TakeOver', (n, input) => { script.beforeTakeOver?.(lock, n); lock.put(input); return {}; }),
    // The date's claim before the lock (egress-date-check.ts, executed in run-claim.test.ts): taken.
    'Claim the run date': async () => ({}),
  };
  const machine = new StateMachine(lockLoop(), { validationOptions: { checkPaths: false, checkArn: false } });
  const execution = machine.run(script.input ?? {}, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: { 'Wait for the lock': 0 }, retryIntervalOverrides: new Proxy({}, { get: () => 0 }) },
    context: { Execution: { Id: ME, Name: 'me' }, State: { Name: 'any', EnteredTime: '2026-11-26T23:59:31.000Z' } },
  });
  const waits: number[] = [];
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered' && event.state.name === 'Wait for the lock') waits.push(event.state.input.lockWait.seconds);
    }
  })();
  let result: any;
  try {
    result = await execution.result;
  } catch (error: any) {
    result = { exit: 'execution failed', error: error.cause?.name ?? String(error) };
  }
  await events;
  return { exit: result.exit, error: result.error, calls, waits, lock };
}

const heldBy = (owner: string) => Object.assign(new Lock(), { item: { owner } });
const release = (lock: Lock) => { lock.item = undefined; };

describe('the egress lock loop', () => {
  test('a free lock is taken at once, owned by this execution', async () => {
    const { exit, calls, lock } = await run({});
    expect([exit, calls, lock.item]).toEqual(['run', ['PutItem'], { owner: ME }]);
  });

  test('a lock this execution already holds (a retried PutItem whose first try went through) is taken again', async () => {
    const { exit, calls } = await run({ lock: heldBy(ME) });
    expect([exit, calls]).toEqual(['run', ['PutItem']]);
  });

  test('a lock released between the failed PutItem and the GetItem is taken at once, without asking after an owner', async () => {
    // GIVEN a lock held by another run, which releases it just before this run reads it
    const { exit, calls, lock, waits } = await run({ lock: heldBy(OTHER), beforeGet: release, status: () => { throw new Error('no owner to ask after'); } });
    // THEN "Lock still held?" (IsPresent: false) sends it back to take the lock, and it gets it
    expect([exit, calls, waits, lock.item]).toEqual(['run', ['PutItem', 'GetItem', 'PutItem'], [], { owner: ME }]);
  });

  test('a run waits while the owner runs, backing off 30, 60, 120, 240 s and then 300 s each time, and takes the lock once it is released', async () => {
    // GIVEN an owner that runs through six looks and releases the lock before the seventh PutItem
    const { exit, calls, waits, lock } = await run({
      lock: heldBy(OTHER), status: () => 'RUNNING', beforePut: (l, n) => { if (n === 7) release(l); },
    });
    expect(exit).toBe('run');
    expect(waits).toEqual([30, 60, 120, 240, 300, 300]);
    expect(calls).toEqual([...Array(6).fill(['PutItem', 'GetItem', 'DescribeExecution']).flat(), 'PutItem']);
    expect(lock.item).toEqual({ owner: ME });
  });

  test('gives up after 290 waits (about 24 hours: 30 + 60 + 120 + 240 + 286 x 300 s = 86,250 s), leaving the lock to its owner', async () => {
    const { exit, error, waits, lock } = await run({ lock: heldBy(OTHER), status: () => 'RUNNING' });
    expect(exit).toBe('execution failed');
    expect(error).toBe('EgressLockTimeout');
    expect(waits).toHaveLength(290);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(86_250);
    expect(lock.item).toEqual({ owner: OTHER });
  });

  test.each(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'])('a lock whose owner is %s is taken over, conditioned on that owner', async status => {
    const { exit, calls, lock } = await run({ lock: heldBy(OTHER), status: () => status });
    expect([exit, calls, lock.item]).toEqual(['run', ['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver'], { owner: ME }]);
  });

  // The capitalisation of the SDK integration's service prefix is not documented: both spellings run.
  test.each(['Sfn.ExecutionDoesNotExistException', 'SFN.ExecutionDoesNotExistException'])('a lock whose owner execution does not exist (%s) is taken over at once', async name => {
    const { exit, calls, lock } = await run({
      lock: heldBy(OTHER),
      status: () => { throw Object.assign(new Error('gone'), { name }); },
    });
    expect([exit, calls, lock.item]).toEqual(['run', ['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver'], { owner: ME }]);
  });

  test('a stale lock another run took over first is not taken from it: this run starts again and waits for the new owner', async () => {
    // GIVEN a stale lock that a third run takes over just before this run does, and releases before the third PutItem
    const { exit, calls, lock, waits } = await run({
      lock: heldBy(OTHER),
      status: owner => (owner === OTHER ? 'FAILED' : 'RUNNING'),
      beforeTakeOver: l => { l.item = { owner: THIRD }; },
      beforePut: (l, n) => { if (n === 3) release(l); },
    });
    expect(calls).toEqual(['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver', 'PutItem', 'GetItem', 'DescribeExecution', 'PutItem']);
    expect(waits).toEqual([30]);
    expect([exit, lock.item]).toEqual(['run', { owner: ME }]);
  });

  test.each([
    ['PutItem', 'DynamoDB.ProvisionedThroughputExceededException', ['PutItem', 'PutItem', 'PutItem', 'PutItem', 'PutItem']],
    ['GetItem', 'DynamoDB.InternalServerErrorException', ['PutItem', ...Array(5).fill('GetItem')]],
    ['DescribeExecution', 'Sfn.AccessDeniedException', ['PutItem', 'GetItem', ...Array(5).fill('DescribeExecution')]],
    ['TakeOver', 'DynamoDB.ResourceNotFoundException', ['PutItem', 'GetItem', 'DescribeExecution', ...Array(5).fill('TakeOver')]],
  ])('a %s that keeps failing with %s is tried 5 times (4 retries), then the run fails without creating anything', async (kind, failure, calls) => {
    const outcome = await run({ lock: kind === 'PutItem' ? undefined : heldBy(OTHER), status: () => 'FAILED', failing: { [kind]: failure } });
    expect([outcome.exit, outcome.error, outcome.calls]).toEqual(['failed', failure, calls]);
  });

  test('each call of the loop rides out an outage of about a minute: 4 retries, 5 s doubling (5 + 10 + 20 + 40 s); a failed condition is not retried', () => {
    // (The tries are counted, executed, above; their spacing is not: the emulator's retries here take no time.)
    const retry = { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2 };
    const conditionFailed = { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 };
    const states = lockLoop().States;
    expect(states['Take the lock'].Retry).toEqual([conditionFailed, retry]);
    expect(states['Take over the stale lock'].Retry).toEqual([conditionFailed, retry]);
    expect(states['Read the lock'].Retry).toEqual([retry]);
    expect(states['Describe the lock owner'].Retry.slice(-1)).toEqual([retry]);
  });

  test.each([
    [{ teardownOnly: true }, 'teardown'],
    [{ teardownOnly: false }, 'run'],
    [{ teardownOnly: 'true' }, 'run'],
    [{}, 'run'],
  ])('with the input %j, the lock taken, it goes on to the %s', async (input, expected) => {
    expect((await run({ input })).exit).toBe(expected);
  });

  test('its states carry the names the execution history shows (and docs/networking-and-cost.md uses)', () => {
    // The run's input check (`Input: ...`, run-input.ts) comes before the lock and is tested on its own (egress-stop.test.ts);
    // the run date and the look at its claim come before the lock too (executed in run-claim.test.ts).
    const dateCheck = ['A run of one date?', 'Add run date to input', 'Resolve run date', 'Use given date', 'Use run start date',
      'Use scheduled date', 'Claim the run date', 'Read the date claim', 'Date claim owned?', 'Describe the date claim owner',
      'Date claim owner running?', 'Take over the date claim', 'Describe the active run', 'Run of the date active',
      'Describe the claim failure', 'Date claim failed'];
    const states = Object.entries(lockLoop().States)
      .filter(([name, st]: [string, any]) => st.Parameters?.exit === undefined && !name.startsWith('Input: ') && !dateCheck.includes(name)).map(([name]) => name);
    expect(states.sort()).toEqual([
      'Back off', 'Cap the wait', 'Describe the lock owner', 'Gave up waiting for the lock', 'Keep input', 'Lock still held?',
      'Owner still running?', 'Read the lock', 'Take over the stale lock', 'Take the lock', 'Teardown only?', 'Wait for the lock',
      'Wait too long?', 'Waited too long?',
    ]);
    expect(dateCheck.filter(name => lockLoop().States[name] === undefined)).toEqual([]);
  });
});
