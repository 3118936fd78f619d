/**
 * Runs the ON_DEMAND_EGRESS run workflow's real definition (from the template) in aws-local-stepfunctions,
 * with every AWS call replaced by a local handler that records it. The lock table is a small in-memory
 * DynamoDB that evaluates the workflow's own condition expressions, shared by runs that execute concurrently.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { startAt } from '../scripts/lib/sim/fixed-start-time';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { allStates, definitionOf, onlyStateMachine, policyStatements, stateMachines } from '../scripts/lib/templates';
import { EGRESS_TAG, LOCK_ITEM, LOCK_KEY } from '../src/private/egress/egress-workflow';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const RUNS = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev';
/**
 * The statuses of a job that has not ended (AWS Batch user guide, "Job states": SUBMITTED, PENDING, RUNNABLE,
 * STARTING, RUNNING; SUCCEEDED and FAILED are the ended ones): the teardown waits while the queue has one.
 */
const UNENDED_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];
/** The teardown gives up waiting after 30 minutes of looks 30 s apart (docs/networking-and-cost.md): 60 looks. */
const JOBS_ENDED_MAX_LOOKS = 60;
const ME = `${RUNS}:me`;
const OTHER = `${RUNS}:other`;
/** When every run of this file starts: 30 s before midnight UTC on 2026-11-26, whatever the day the test runs. */
const RUN_START = '2026-11-26T23:59:30.000Z';

const { stack } = platformStack();
const template = Template.fromStack(stack);

function runDefinition(): any {
  return definitionOf(onlyStateMachine(template.toJSON(), /RunWorkflow/)[1]);
}

class ConditionalCheckFailed extends Error {
  constructor() {
    super('The conditional request failed');
    this.name = 'DynamoDB.ConditionalCheckFailedException';
  }
}

/** The lock table: one item per key, and the workflow's condition expressions (`a OR b`, `attribute_not_exists(#n)`, `#n = :v`) evaluated for real. */
class LockTable {
  public readonly items = new Map<string, any>();

  public put(input: any): void {
    this.check(input);
    this.items.set(input.Item[LOCK_KEY].S, input.Item);
  }

  public get(input: any): any {
    const item = this.items.get(input.Key[LOCK_KEY].S);
    return item ? { Item: item } : {};
  }

  public delete(input: any): void {
    this.check(input);
    this.items.delete(input.Key[LOCK_KEY].S);
  }

  private check(input: any): void {
    if (!input.ConditionExpression) return;
    const item = this.items.get((input.Item ?? input.Key)[LOCK_KEY].S);
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const holds = (term: string): boolean => {
      const notExists = /^attribute_not_exists\((#\w+)\)$/.exec(term);
      if (notExists) return item?.[names[notExists[1]]] === undefined;
      const equals = /^(#\w+) = (:\w+)$/.exec(term);
      if (equals) return item?.[names[equals[1]]]?.S !== undefined && item[names[equals[1]]].S === values[equals[2]].S;
      throw new Error(`unsupported condition term ${term}`);
    };
    if (!input.ConditionExpression.split(' OR ').some((t: string) => holds(t.trim()))) throw new ConditionalCheckFailed();
  }
}

interface World {
  readonly lock: LockTable;
  /** Execution ARN to status, as DescribeExecution reports it. */
  readonly executions: Map<string, string>;
  /** Every call of every run, in order. */
  readonly log: Array<[string, string, any]>;
}

function world(): World {
  return { lock: new LockTable(), executions: new Map(), log: [] };
}

interface Scenario {
  readonly input: unknown;
  readonly executionId?: string;
  readonly world?: World;
  readonly jobWorkflow?: (input: any) => any;
  readonly createRouteFails?: boolean;
  readonly findNatGatewaysFails?: boolean;
  /** Called each time this run sees the lock owner RUNNING. */
  readonly onOwnerRunning?: (count: number) => void;
  /** The statuses in which the job queue has a job, at each look of the teardown (0, 1, ...): none when left out. */
  readonly queueAt?: (look: number) => string[];
  /** Per state: the errors its first calls fail with, in order (e.g. throttling), before it answers. */
  readonly failFirst?: { [state: string]: string[] };
  /** The NAT gateway's state at each DescribeNatGateways, in order: `available` at once when left out, and after the last. */
  readonly natStates?: string[];
}

interface Outcome {
  readonly calls: Array<[string, any]>;
  readonly waits: number[];
  readonly result?: any;
  readonly error?: any;
  /** Every state entered, in order (Map iterations included). */
  readonly entered: string[];
}

async function run(scenario: Scenario): Promise<Outcome> {
  const w = scenario.world ?? world();
  const id = scenario.executionId ?? ME;
  w.executions.set(id, 'RUNNING');
  const calls: Array<[string, any]> = [];
  let ownerRunning = 0;
  const record = (name: string, output: (input: any) => any = () => ({})) => async (input: any) => {
    calls.push([name, input]);
    w.log.push([id, name, input]);
    return output(input);
  };
  const handlers: { [state: string]: (input: any) => Promise<any> } = {
    'Take the lock': record('PutItem', input => { w.lock.put(input); return {}; }),
    'Read the lock': record('GetItem', input => w.lock.get(input)),
    'Describe the lock owner': record('DescribeExecution', input => {
      const status = w.executions.get(input.ExecutionArn);
      if (!status) throw Object.assign(new Error('no such execution'), { name: 'Sfn.ExecutionDoesNotExistException' });
      if (status === 'RUNNING') scenario.onOwnerRunning?.(++ownerRunning);
      return { Status: status };
    }),
    'Take over the stale lock': record('TakeOver', input => { w.lock.put(input); return {}; }),
    // The date's claim before the lock (egress-date-check.ts, executed in run-claim.test.ts): taken.
    'Claim the run date': async () => ({}),
    'Release the lock': record('DeleteItem', input => { w.lock.delete(input); return {}; }),
    'Allocate Address': record('AllocateAddress', () => ({ AllocationId: 'eipalloc-1' })),
    'Create NAT Gateway': record('CreateNatGateway', () => ({ NatGateway: { NatGatewayId: 'nat-1' } })),
    // (After the last of `natStates`, available: a run that does not stop at `failed` goes on rather than loop.)
    'Describe NAT Gateway': record('DescribeNatGateways', () => ({
      NatGateways: [{ State: scenario.natStates?.[calls.filter(([n]) => n === 'DescribeNatGateways').length - 1] ?? 'available' }],
    })),
    'Create Route 1': record('CreateRoute', () => {
      if (scenario.createRouteFails) throw Object.assign(new Error('route exists'), { name: 'Ec2.RouteAlreadyExistsException' });
      return {};
    }),
    'Create Route 2': record('CreateRoute'),
    'Replace Route 1': record('ReplaceRoute'),
    'Replace Route 2': record('ReplaceRoute'),
    'Run job workflow': record('StartExecution', async input => ({ Output: await (scenario.jobWorkflow ?? (() => ({ ok: true })))(input), ExecutionArn: 'inner' })),
    ...Object.fromEntries(UNENDED_STATUSES.map(status => [`List ${status} jobs`, record('ListJobs', () => {
      const look = calls.filter(([n, i]) => n === 'ListJobs' && i.JobStatus === status).length - 1;
      return { JobSummaryList: (scenario.queueAt?.(look) ?? []).includes(status) ? [{ jobId: `job-${look}`, jobName: 'x', status }] : [] };
    })])),
    'Stop the stopped run\'s job workflow': record('StopExecution', input => {
      if (w.executions.get(input.ExecutionArn) !== 'RUNNING') throw Object.assign(new Error('not running'), { name: 'Sfn.ExecutionDoesNotExistException' });
      w.executions.set(input.ExecutionArn, 'ABORTED');
      return {};
    }),
    'Delete Route 1': record('DeleteRoute'),
    'Delete Route 2': record('DeleteRoute'),
    'Find NAT Gateways': record('FindNatGateways', () => {
      if (scenario.findNatGatewaysFails) throw Object.assign(new Error('throttled'), { name: 'Ec2.RequestLimitExceeded' });
      return { NatGateways: [{ NatGatewayId: 'nat-1' }] };
    }),
    'Delete NAT Gateway': record('DeleteNatGateway'),
    'Check NAT Gateways Gone': record('CheckNatGatewaysGone', () => ({ NatGateways: [] })),
    'Find Addresses': record('FindAddresses', () => ({ Addresses: [{ AllocationId: 'eipalloc-1' }] })),
    'Release Address': record('ReleaseAddress'),
  };
  for (const [state, errors] of Object.entries(scenario.failFirst ?? {})) {
    const answer = handlers[state];
    const left = [...errors];
    handlers[state] = async input => {
      const name = left.shift();
      if (name === undefined) return answer(input);
      calls.push([`${state} failed`, input]);
      throw Object.assign(new Error(name), { name });
    };
  }
  const waits = Object.fromEntries(['Wait for the lock', 'Wait for NAT gateway', 'Wait for NAT gateways to go', 'Wait for jobs to end'].map(n => [n, 0]));
  const noRetryDelay = new Proxy({}, { get: () => 0 });
  const machine = new StateMachine(runDefinition(), { validationOptions: { checkPaths: false, checkArn: false } });
  // The interpreter stamps StartTime itself, from the clock: the run starts 30 s before midnight UTC, on the 26th.
  const execution = startAt(RUN_START, () => machine.run(scenario.input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: noRetryDelay },
    context: {
      Execution: { Id: id, Name: id.split(':').pop(), Input: scenario.input },
      StateMachine: { Id: 'arn:aws:states:eu-central-1:123456789012:stateMachine:sanders-customer-platform-run-dev' },
      State: { Name: 'any', EnteredTime: '2026-11-26T23:59:31.000Z' },
    },
  }));
  const lockWaits: number[] = [];
  const entered: string[] = [];
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'StateEntered' && event.state.name === 'Wait for the lock') lockWaits.push(event.state.input.lockWait.seconds);
    }
  })();
  let outcome: Outcome;
  try {
    outcome = { calls, waits: lockWaits, entered, result: await execution.result };
  } catch (error) {
    outcome = { calls, waits: lockWaits, entered, error };
  }
  await events;
  w.executions.set(id, outcome.error ? 'FAILED' : 'SUCCEEDED');
  return outcome;
}

const names = (calls: Array<[string, any]>) => calls.map(([n]) => n);
/** One look at the queue: a ListJobs per status of a job that has not ended. */
const LOOK = UNENDED_STATUSES.map(() => 'ListJobs');
const TEARDOWN = [...LOOK, 'DeleteRoute', 'DeleteRoute', 'FindNatGateways', 'DeleteNatGateway', 'CheckNatGatewaysGone', 'FindAddresses', 'ReleaseAddress'];

describe('the on-demand egress run workflow', () => {
  test('passes asl-validator', () => {
    const { isValid, errors } = aslValidator(runDefinition(), { checkArn: false, checkPaths: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  test('takes the lock, creates egress, runs the jobs with the scheduled date, removes everything it created and releases the lock', async () => {
    // GIVEN a scheduled start WHEN it runs
    const w = world();
    const { calls, result, error, entered } = await run({ input: { scheduledTime: '2026-11-26T02:30:00Z' }, world: w });
    // THEN
    expect(error).toBeUndefined();
    // The order docs/networking-and-cost.md gives: the lock, an address, a NAT gateway (waited for), the routes, the
    // job workflow, the wait until no job of the queue is unended, then routes, NAT gateway and address removed, the lock
    // released. State names are what the execution history shows an operator.
    expect(entered.slice(entered.indexOf('Claim the run date'))).toEqual([
      'Claim the run date', 'Take the lock', 'Teardown only?', 'Allocate Address', 'Create NAT Gateway', 'Wait for NAT gateway',
      'Describe NAT Gateway', 'NAT gateway ready?', 'Create Route 1', 'Create Route 2', 'Backfill?', 'Run job workflow',
      'Start waiting for jobs', 'A stopped run?', 'List SUBMITTED jobs', 'List PENDING jobs', 'List RUNNABLE jobs', 'List STARTING jobs',
      'List RUNNING jobs', 'Every job ended?', 'Jobs ended', 'Delete Route 1', 'Delete Route 2', 'Find NAT Gateways', 'Delete NAT gateways',
      'Delete NAT Gateway', 'Wait for NAT gateways to go', 'Check NAT Gateways Gone', 'NAT gateways gone?', 'Find Addresses',
      'Release addresses', 'Release Address', 'Release the lock', 'Outcome', 'Job workflow output', 'Done',
    ]);
    expect(names(calls)).toEqual([
      'PutItem', 'AllocateAddress', 'CreateNatGateway', 'DescribeNatGateways', 'CreateRoute', 'CreateRoute', 'StartExecution',
      ...TEARDOWN, 'DeleteItem',
    ]);
    expect(calls[0][1]).toMatchObject({
      Item: { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: ME } },
      ConditionExpression: 'attribute_not_exists(#lock) OR #owner = :me',
    });
    expect(calls.find(([n]) => n === 'DeleteItem')![1]).toMatchObject({ ConditionExpression: '#owner = :me', ExpressionAttributeValues: { ':me': { S: ME } } });
    expect(w.lock.items.size).toBe(0);
    expect(calls.find(([n]) => n === 'StartExecution')![1]).toMatchObject({ Input: { scheduledTime: '2026-11-26T02:30:00Z', date: '2026-11-26' } });
    expect(calls.find(([n]) => n === 'CreateNatGateway')![1]).toMatchObject({ AllocationId: 'eipalloc-1' });
    expect(calls.filter(([n]) => n === 'CreateRoute').map(([, i]) => i.NatGatewayId)).toEqual(['nat-1', 'nat-1']);
    expect(calls.find(([n]) => n === 'DeleteNatGateway')![1]).toEqual({ NatGatewayId: 'nat-1' });
    expect(calls.find(([n]) => n === 'ReleaseAddress')![1]).toEqual({ AllocationId: 'eipalloc-1' });
    expect(result).toEqual({ ok: true });
  });

  test('keeps a given date, and uses the run\'s start date when there is none', async () => {
    const given = await run({ input: { date: '2026-01-31' } });
    // (with the run as the parent the job workflow requires under on-demand egress: run-input.ts)
    expect(given.calls.find(([n]) => n === 'StartExecution')![1].Input).toEqual({ date: '2026-01-31', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: ME });
    const none = await run({ input: {} });
    expect(none.calls.find(([n]) => n === 'StartExecution')![1].Input).toEqual({ date: '2026-11-26', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: ME });
  });

  test('tears down, releases the lock and fails when the job workflow fails', async () => {
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, jobWorkflow: () => { throw new Error('job model-training failed'); } });
    expect(error).toBeDefined();
    expect(names(calls).slice(-(TEARDOWN.length + 1))).toEqual([...TEARDOWN, 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('releases the lock and fails when the teardown itself fails', async () => {
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, findNatGatewaysFails: true });
    expect(error.cause.name).toBe('Ec2.RequestLimitExceeded');
    expect(names(calls).slice(-2)).toEqual(['FindNatGateways', 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('fails with the job workflow\'s error, not the teardown\'s, when both failed (and releases the lock)', async () => {
    // docs/networking-and-cost.md, step 4: "release the lock ... then succeed with the job workflow's output or fail with its error"
    const w = world();
    const jobFailed = () => { throw Object.assign(new Error('job model-training failed'), { name: 'States.TaskFailed' }); };
    const { error } = await run({ input: {}, world: w, jobWorkflow: jobFailed, findNatGatewaysFails: true });
    expect([error.cause.name, error.cause.message]).toEqual(['States.TaskFailed', 'job model-training failed']);
    expect(w.lock.items.size).toBe(0);
  });

  test.each([
    // retried 4 times (5 tries), as every call of the teardown...
    ['Delete NAT Gateway', 5],
    ['Check NAT Gateways Gone', 5],
    ['Find Addresses', 5],
    // ... but the address: it stays associated for a moment after its NAT gateway is deleted, so 8 retries (9 tries)
    ['Release Address', 9],
  ])('a %s that fails %d times in a row fails the run with its error, and the lock is still released', async (state, tries) => {
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, failFirst: { [state]: Array(tries).fill('Ec2.InternalError') } });
    expect(names(calls).filter(n => n === `${state} failed`)).toHaveLength(tries);
    expect(error.cause.name).toBe('Ec2.InternalError');
    expect(names(calls).slice(-1)).toEqual(['DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('an address released on the 9th try (associated a while after its NAT gateway went) is released, and the run succeeds', async () => {
    const { calls, result, error } = await run({ input: {}, failFirst: { 'Release Address': Array(8).fill('Ec2.InvalidIPAddress.InUse') } });
    expect(error).toBeUndefined();
    expect(result).toEqual({ ok: true });
    expect(names(calls).slice(-2)).toEqual(['ReleaseAddress', 'DeleteItem']);
  });

  test('a run whose lock another run took over while it ran leaves the new owner\'s lock, and still ends as its job workflow did', async () => {
    // "Released only by its owner" (docs/networking-and-cost.md, step 4: "a DeleteItem conditioned on being its owner")
    const w = world();
    const takenOver = () => { w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } }); return { ok: true }; };
    const { calls, result, error } = await run({ input: {}, world: w, jobWorkflow: takenOver });
    expect(error).toBeUndefined();
    expect(result).toEqual({ ok: true });
    // A failed condition is an answer, not an outage: not retried.
    expect(names(calls).filter(n => n === 'DeleteItem')).toHaveLength(1);
    expect(w.lock.items.get(LOCK_ITEM).owner.S).toBe(OTHER);
  });

  test('finds the addresses to release by the egress tag for this VPC only', async () => {
    // docs/networking-and-cost.md, step 4: "every Elastic IP tagged {prefix}:on-demand-egress-vpc=<vpc id>"
    const { calls } = await run({ input: {} });
    expect(calls.find(([n]) => n === 'FindAddresses')![1]).toEqual({
      Filters: [{ Name: `tag:${EGRESS_TAG}`, Values: [expect.stringMatching(/^\$\{PlatformVpc[0-9A-F]{8}\}$/)] }],
    });
  });

  test.each(['failed', 'deleted'])('a NAT gateway that ends %s (not available) fails the run with EgressFailed: no job runs, egress is torn down, the lock released', async state => {
    // A NAT gateway's states: "pending | failed | available | deleting | deleted" (EC2 API reference, NatGateway)
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, natStates: ['pending', state] });
    expect(error.cause.name).toBe('EgressFailed');
    expect(names(calls).filter(n => n === 'DescribeNatGateways')).toHaveLength(2);
    expect(names(calls)).not.toContain('StartExecution');
    expect(names(calls).slice(-TEARDOWN.length - 1)).toEqual([...TEARDOWN, 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test.each<[string, number, Partial<Scenario>]>([
    // retried 4 times, as every look of the run workflow
    ['Describe NAT Gateway', 5, {}],
    // retried 6 times, as every call that creates egress (a route an earlier run left is replaced)
    ['Replace Route 1', 7, { createRouteFails: true }],
    ['Create NAT Gateway', 7, {}],
  ])('a %s that fails %d times in a row fails the run with its error: no job runs, egress is torn down, the lock released', async (state, tries, scenario) => {
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, ...scenario, failFirst: { [state]: Array(tries).fill('Ec2.InternalError') } });
    expect(names(calls).filter(n => n === `${state} failed`)).toHaveLength(tries);
    expect(error.cause.name).toBe('Ec2.InternalError');
    expect(names(calls)).not.toContain('StartExecution');
    expect(names(calls).slice(-TEARDOWN.length - 1)).toEqual([...TEARDOWN, 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('a second run waits, backing off, until the first releases the lock, and only then creates egress', async () => {
    // GIVEN two runs started together, the first holding the lock while its jobs run
    const w = world();
    let finishJobs: () => void = () => {};
    const jobsDone = new Promise<void>(resolve => { finishJobs = resolve; });
    // If the waiting run never sees the first one running, let the jobs finish anyway, so the assertions fail rather than the test hanging.
    const safety = setTimeout(() => finishJobs(), 2000);
    const first = run({ input: {}, world: w, executionId: ME, jobWorkflow: async () => { await jobsDone; return { run: 1 }; } });
    // WHEN the second has seen the first running six times
    const second = run({ input: {}, world: w, executionId: OTHER, onOwnerRunning: n => { if (n === 6) finishJobs(); } });
    const [a, b] = await Promise.all([first, second]);
    clearTimeout(safety);
    // THEN both succeed, one after the other
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const log = w.log.map(([who, call]) => `${who === ME ? 'A' : 'B'}:${call}`);
    const firstRelease = log.indexOf('A:DeleteItem');
    expect(log.indexOf('A:AllocateAddress')).toBeGreaterThan(-1);
    expect(log.indexOf('A:AllocateAddress')).toBeLessThan(firstRelease);
    // The second did not create anything while the first held the lock...
    expect(log.slice(0, firstRelease).filter(c => c.startsWith('B:')).every(c => ['B:PutItem', 'B:GetItem', 'B:DescribeExecution'].includes(c))).toBe(true);
    expect(log.indexOf('B:AllocateAddress')).toBeGreaterThan(firstRelease);
    // ... saw the first as the owner, and waited 30 s, doubling up to 5 minutes.
    const described = b.calls.filter(([n]) => n === 'DescribeExecution').map(([, i]) => i.ExecutionArn);
    expect(described.length).toBeGreaterThanOrEqual(6);
    expect(new Set(described)).toEqual(new Set([ME]));
    expect(b.waits.slice(0, 6)).toEqual([30, 60, 120, 240, 300, 300]);
    expect(b.waits.slice(6).every(s => s === 300)).toBe(true);
    expect(w.lock.items.size).toBe(0);
  });

  test('a lock whose owner is no longer running is taken over', async () => {
    // GIVEN a lock left by a run that was stopped before it could release it
    const w = world();
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } });
    w.executions.set(OTHER, 'ABORTED');
    // WHEN a run starts
    const { calls, error } = await run({ input: {}, world: w });
    // THEN it takes the lock over (conditioned on the stale owner), runs and releases it
    expect(error).toBeUndefined();
    expect(names(calls).slice(0, 5)).toEqual(['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver', 'AllocateAddress']);
    expect(calls[3][1]).toMatchObject({ ConditionExpression: '#owner = :stale', ExpressionAttributeValues: { ':stale': { S: OTHER } }, Item: { owner: { S: ME } } });
    // The owner is read strongly consistent ("ConsistentRead: If set to true, then the operation uses strongly consistent
    // reads", DynamoDB API reference, GetItem): an eventually consistent read may miss the owner that just took it.
    expect(calls[1][1]).toMatchObject({ ConsistentRead: true });
    expect(w.lock.items.size).toBe(0);
  });

  test('a lock whose owner execution does not exist is taken over', async () => {
    const w = world();
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: `${RUNS}:deleted` } });
    const { calls, error } = await run({ input: {}, world: w });
    expect(error).toBeUndefined();
    expect(names(calls).slice(0, 4)).toEqual(['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver']);
  });

  test('gives up, creating nothing and leaving the lock to its owner, after waiting about 24 hours', async () => {
    const w = world();
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } });
    w.executions.set(OTHER, 'RUNNING');
    const { calls, waits, error } = await run({ input: {}, world: w });
    expect(error.cause.name).toBe('EgressLockTimeout');
    // About 24 hours (docs/networking-and-cost.md): 30 + 60 + 120 + 240 s, then 286 waits of 300 s, 86,250 s.
    expect(waits).toHaveLength(290);
    const seconds = waits.reduce((sum, s) => sum + s, 0);
    expect(seconds / 3600).toBeGreaterThan(23.5);
    expect(seconds / 3600).toBeLessThan(24.5);
    expect(names(calls)).not.toContain('AllocateAddress');
    expect(names(calls)).not.toContain('DeleteItem');
    expect(w.lock.items.get(LOCK_ITEM).owner.S).toBe(OTHER);
  });

  test('replaces a default route an earlier run left behind', async () => {
    const { calls, error } = await run({ input: {}, createRouteFails: true });
    expect(error).toBeUndefined();
    expect(names(calls).slice(4, 8)).toEqual(['CreateRoute', 'ReplaceRoute', 'CreateRoute', 'StartExecution']);
  });

  // Step Functions names SDK errors `<Service>.<Error>` with an `Exception` suffix (developer guide, AWS SDK
  // service integrations); production logs show EC2's as `Ec2.Ec2Exception`. Neither can be checked offline.
  test.each([['Ec2.RequestLimitExceededException'], ['Ec2.Ec2Exception'], ['EC2.RequestLimitExceeded']])(
    'retries throttled egress calls (%s) and goes on, creating each thing once and never replacing a route it could create', async name => {
      const throttled = [name, name, name];
      const states = ['Allocate Address', 'Create NAT Gateway', 'Create Route 1', 'Create Route 2'];
      const { calls, error } = await run({ input: {}, failFirst: Object.fromEntries(states.map(s => [s, throttled])) });
      expect(error).toBeUndefined();
      expect(names(calls).filter(n => !n.endsWith(' failed')).slice(1, 7)).toEqual([
        'AllocateAddress', 'CreateNatGateway', 'DescribeNatGateways', 'CreateRoute', 'CreateRoute', 'StartExecution',
      ]);
      for (const s of states) expect(names(calls).filter(n => n === `${s} failed`)).toHaveLength(3);
    });

  test.each([
    ['Allocate Address', 'Ec2.AddressLimitExceededException'],
    ['Create NAT Gateway', 'Ec2.NatGatewayLimitExceededException'],
    ['Create NAT Gateway', 'EC2.NatGatewayLimitExceeded'],
    // EC2 error codes: the subnet or the address of the request does not exist.
    ['Create NAT Gateway', 'Ec2.InvalidSubnetID.NotFoundException'],
    ['Create NAT Gateway', 'Ec2.InvalidAllocationID.NotFoundException'],
  ])('a permanent error of %s (%s) is not retried: the run tears down, releases the lock and fails with it', async (state, name) => {
    const w = world();
    const { calls, error } = await run({ input: {}, world: w, failFirst: { [state]: [name, name] } });
    expect(names(calls).filter(n => n === `${state} failed`)).toHaveLength(1);
    expect(names(calls)).not.toContain('StartExecution');
    expect([error.cause?.name, error.cause?.message]).toEqual([name, name]);
    expect(names(calls).slice(-1)).toEqual(['DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('every call that creates or removes a route, an address or a NAT gateway is retried 6 times, from 2 s doubling, with full jitter', () => {
    // Many calls of one account may be throttled at once: "full jitter" spreads their retries ("JitterStrategy ... FULL",
    // Step Functions developer guide, "Handling errors in Step Functions workflows", retrier fields); a throttled create
    // is retried (docs/networking-and-cost.md, step 2).
    const states = new Map(allStates(runDefinition()));
    for (const name of ['Allocate Address', 'Create NAT Gateway', 'Create Route 1', 'Create Route 2', 'Replace Route 1', 'Replace Route 2', 'Delete Route 1', 'Delete Route 2']) {
      const retry: any[] = states.get(name).Retry;
      expect([name, retry[retry.length - 1]]).toEqual([name, { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' }]);
    }
  });

  test('a teardown-only run (after a stopped run) takes over the stopped run\'s lock, creates nothing, removes what is tagged and releases the lock', async () => {
    // GIVEN a run stopped while it held the lock
    const w = world();
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } });
    w.executions.set(OTHER, 'ABORTED');
    // WHEN the teardown-only run starts
    const { calls, error } = await run({ input: { teardownOnly: true }, world: w });
    // THEN
    expect(error).toBeUndefined();
    expect(names(calls)).toEqual(['PutItem', 'GetItem', 'DescribeExecution', 'TakeOver', ...TEARDOWN, 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('removes egress only once no job on the queue has not ended, looking again every 30 s', async () => {
    // GIVEN jobs that are still RUNNING, then STARTING and RUNNABLE, at the first two looks
    const queue = [['RUNNING'], ['STARTING', 'RUNNABLE']];
    // WHEN the run's teardown starts
    const { calls, error } = await run({ input: {}, queueAt: look => queue[look] ?? [] });
    // THEN it looks three times and deletes the first route only after the third look found nothing
    expect(error).toBeUndefined();
    const order = names(calls);
    expect(order.filter(n => n === 'ListJobs')).toHaveLength(3 * UNENDED_STATUSES.length);
    expect(order.indexOf('DeleteRoute')).toBe(order.lastIndexOf('ListJobs') + 1);
    expect(order.lastIndexOf('ListJobs')).toBeGreaterThan(order.indexOf('StartExecution'));
    const lists = calls.filter(([n]) => n === 'ListJobs').map(([, i]) => i);
    expect(lists[0]).toMatchObject({ JobQueue: expect.stringMatching(/^\$\{PlatformJobQueue\w+\.JobQueueArn\}$/), MaxResults: 1 });
    expect(new Set(lists.map(i => i.JobStatus))).toEqual(new Set(UNENDED_STATUSES));
  });

  test('tears down anyway after 30 minutes of jobs that do not end (a job submitted outside any run)', async () => {
    const { calls, result, error } = await run({ input: {}, queueAt: () => ['RUNNABLE'] });
    expect(error).toBeUndefined();
    expect(result).toEqual({ ok: true });
    const looks = names(calls).filter(n => n === 'ListJobs').length / UNENDED_STATUSES.length;
    expect(looks).toBe(JOBS_ENDED_MAX_LOOKS + 1);
    expect(names(calls).slice(-TEARDOWN.length - 1 + LOOK.length)).toEqual([...TEARDOWN.slice(LOOK.length), 'DeleteItem']);
  });

  test('jobs that have ended by the last look (the 61st, 30 minutes in) were waited for: the teardown says so, not that it gave up', async () => {
    // GIVEN a job RUNNABLE at the first 60 looks, ended by the 61st
    const { calls, entered, error } = await run({ input: {}, queueAt: look => (look < JOBS_ENDED_MAX_LOOKS ? ['RUNNABLE'] : []) });
    // THEN the teardown went on after the 61st look as after any look that found no job (the run's jobsEnded.gaveUp is
    // false: docs/networking-and-cost.md says it is true only past the 30 minutes)
    expect(error).toBeUndefined();
    expect(names(calls).filter(n => n === 'ListJobs')).toHaveLength((JOBS_ENDED_MAX_LOOKS + 1) * UNENDED_STATUSES.length);
    expect(entered.filter(s => ['Jobs ended', 'Stop waiting for jobs'].includes(s))).toEqual(['Jobs ended']);
  });

  // Each call of the run workflow is tried 5 times (4 retries), as the lock's (egress-lock.test.ts) and the teardown's.
  test.each(UNENDED_STATUSES)('a look at the %s jobs that fails 5 times in a row does not keep egress: the teardown goes on, the run ends as its job workflow did', async status => {
    const w = world();
    const state = `List ${status} jobs`;
    const { calls, entered, result, error } = await run({ input: {}, world: w, queueAt: () => ['RUNNING'], failFirst: { [state]: Array(5).fill('Batch.ServerException') } });
    expect(error).toBeUndefined();
    expect(result).toEqual({ ok: true });
    expect(names(calls).filter(n => n === `${state} failed`)).toHaveLength(5);
    expect(entered.filter(s => ['Jobs ended', 'Stop waiting for jobs'].includes(s))).toEqual(['Stop waiting for jobs']);
    expect(names(calls).slice(-TEARDOWN.length - 1 + LOOK.length)).toEqual([...TEARDOWN.slice(LOOK.length), 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('a look throttled 4 times in a row is retried: the teardown still waits for the job it then sees', async () => {
    const { calls, entered, error } = await run({
      input: {}, queueAt: look => (look === 0 ? ['RUNNING'] : []), failFirst: { 'List RUNNING jobs': Array(4).fill('Batch.ServerException') },
    });
    expect(error).toBeUndefined();
    expect(names(calls).filter(n => n === 'ListJobs')).toHaveLength(2 * UNENDED_STATUSES.length);
    expect(entered.filter(s => ['Jobs ended', 'Stop waiting for jobs'].includes(s))).toEqual(['Jobs ended']);
  });

  test('a teardown-only run first stops the job workflow run of the stopped run (named like it), then waits for its jobs', async () => {
    // GIVEN a run stopped while its job workflow still runs (if Step Functions did not stop the child)
    const w = world();
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } });
    w.executions.set(OTHER, 'ABORTED');
    // The job workflow's name is a token in the template (its ARN's sixth part): the IAM test checks it is the job workflow's.
    const child = 'arn:${AWS::Partition}:states:eu-central-1:123456789012:execution:${Fn::Select}:other';
    w.executions.set(child, 'RUNNING');
    // WHEN the teardown-only run the rule starts for it runs, while the child's jobs take one more look to end
    const { calls, error } = await run({ input: { teardownOnly: true, stoppedRun: 'other' }, world: w, queueAt: look => (look === 0 ? ['RUNNING'] : []) });
    // THEN it stops the child first, waits for the jobs, and only then removes egress
    expect(error).toBeUndefined();
    expect(names(calls).slice(4, 6)).toEqual(['StopExecution', 'ListJobs']);
    expect(calls[4][1]).toEqual({ ExecutionArn: child, Error: 'RunStopped', Cause: expect.stringContaining('stopped') });
    expect(w.executions.get(child)).toBe('ABORTED');
    expect(names(calls).slice(5)).toEqual([...LOOK, ...TEARDOWN, 'DeleteItem']);
    // AND a child that ended already is not an error
    w.lock.items.set(LOCK_ITEM, { [LOCK_KEY]: { S: LOCK_ITEM }, owner: { S: OTHER } });
    const again = await run({ input: { teardownOnly: true, stoppedRun: 'other' }, world: w });
    expect(again.error).toBeUndefined();
    expect(names(again.calls)).toContain('ReleaseAddress');
  });

  test('the rule that starts a teardown-only run names the stopped run', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ status: ['ABORTED', 'TIMED_OUT'] }) }),
      Targets: [Match.objectLike({ InputTransformer: { InputPathsMap: { 'detail-name': '$.detail.name' }, InputTemplate: '{"teardownOnly":true,"stoppedRun":<detail-name>}' } })],
    });
  });

  test('the documented teardown before cdk destroy (docs/operations.md) removes what runs left behind and releases the lock', async () => {
    // GIVEN the commands of docs/operations.md's "Destroying dev"
    const doc = readFileSync(join(__dirname, '..', 'docs', 'operations.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Destroying dev'), doc.indexOf('\n## ', doc.indexOf('## Destroying dev') + 1));
    const input = JSON.parse(/start-execution --state-machine-arn "\$RUN_ARN"[^\n]*\n\s*--input '([^']+)'/.exec(section)![1]);
    expect(section).toContain('OutputKey==`StepFunctionsStateMachineARN`');
    expect(section.indexOf('npx cdk destroy -c environment=dev')).toBeGreaterThan(section.indexOf('start-execution'));
    // ... whose output is the run workflow in dev
    const [runWorkflow] = onlyStateMachine(template.toJSON(), /RunWorkflow/);
    expect(template.toJSON().Outputs.StepFunctionsStateMachineARN.Value).toEqual({ Ref: runWorkflow });
    // WHEN that run starts with no lock held (FindNatGateways and FindAddresses report what a failed teardown left)
    const w = world();
    const { calls, error } = await run({ input, world: w });
    // THEN it creates nothing, removes the tagged NAT gateway and address, and releases the lock
    expect(error).toBeUndefined();
    expect(names(calls)).toEqual(['PutItem', ...TEARDOWN, 'DeleteItem']);
    expect(w.lock.items.size).toBe(0);
  });

  test('a teardown-only run waits while another run holds the lock', async () => {
    const w = world();
    let finishJobs: () => void = () => {};
    const jobsDone = new Promise<void>(resolve => { finishJobs = resolve; });
    // If the waiting run never sees the first one running, let the jobs finish anyway, so the assertions fail rather than the test hanging.
    const safety = setTimeout(() => finishJobs(), 2000);
    // The teardown-only run starts once the other run holds the lock and runs its jobs (not by event-loop timing).
    let jobsRunning: () => void = () => {};
    const holding = new Promise<void>(resolve => { jobsRunning = resolve; });
    const running = run({ input: {}, world: w, executionId: OTHER, jobWorkflow: async () => { jobsRunning(); await jobsDone; return {}; } });
    await holding;
    expect(w.lock.items.get(LOCK_ITEM)?.owner.S).toBe(OTHER);
    const teardown = run({ input: { teardownOnly: true }, world: w, executionId: ME, onOwnerRunning: () => finishJobs() });
    await Promise.all([running, teardown]);
    clearTimeout(safety);
    const log = w.log.map(([who, call]) => `${who === ME ? 'T' : 'R'}:${call}`);
    expect(log.indexOf('T:DeleteRoute')).toBeGreaterThan(log.indexOf('R:DeleteItem'));
  });
});

describe('the run workflow\'s permissions', () => {
  const statements = () => policyStatements(template.toJSON());
  /** IAM actions are case-insensitive; CallAwsService writes them camelCase (`ec2:deleteNatGateway`). */
  const withAction = (action: string) => statements().filter(s => [s.Action].flat().some((a: string) => a.toLowerCase() === action.toLowerCase()));
  const tagKey = (kind: 'ec2:ResourceTag' | 'aws:RequestTag') => `${kind}/${EGRESS_TAG}`;
  const vpcRef = { Ref: expect.stringMatching(/Vpc/) };

  test('watches and stops only the job workflow\'s executions, not those of a state machine whose name starts the same', () => {
    // The job workflow (the run workflow is `PlatformRunWorkflow...`).
    const [jobWorkflow] = onlyStateMachine(template.toJSON(), /^PlatformWorkflow[0-9A-F]{8}$/);
    const found = withAction('states:StopExecution').filter(st => JSON.stringify(st.Resource).includes(`"Ref":"${jobWorkflow}"`));
    // The .sync task's, and the teardown's (it stops a stopped run's job workflow run).
    expect(found).toHaveLength(2);
    for (const statement of found) {
      const parts: any[] = statement.Resource['Fn::Join'][1];
      // `...:execution:<job workflow name>:*`, never the name prefix `...:execution:<job workflow name>*`.
      expect(parts[parts.length - 1]).toBe(':*');
      expect(parts[parts.length - 2]).toEqual({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: jobWorkflow }] }] });
    }
  });

  test('deletes and releases only NAT gateways and addresses tagged for the platform VPC', () => {
    for (const action of ['ec2:DeleteNatGateway', 'ec2:ReleaseAddress']) {
      const found = withAction(action);
      expect(found).toHaveLength(1);
      expect(found[0].Condition).toEqual({ StringEquals: { [tagKey('ec2:ResourceTag')]: vpcRef } });
    }
  });

  test('creates addresses and NAT gateways only tagged for the platform VPC, in its first public subnet only', () => {
    const [allocate] = withAction('ec2:AllocateAddress');
    expect(allocate.Condition).toEqual({ StringEquals: { [tagKey('aws:RequestTag')]: vpcRef } });
    const createNat = withAction('ec2:CreateNatGateway');
    const natgateway = createNat.find(s => JSON.stringify(s.Resource).includes(':natgateway/*'));
    expect(natgateway.Condition).toEqual({ StringEquals: { [tagKey('aws:RequestTag')]: vpcRef } });
    const address = createNat.find(s => JSON.stringify(s.Resource).includes(':elastic-ip/*'));
    expect(address.Condition).toEqual({ StringEquals: { [tagKey('ec2:ResourceTag')]: vpcRef } });
    const subnet = createNat.filter(s => JSON.stringify(s.Resource).includes(':subnet/'));
    expect(subnet).toHaveLength(1);
    const [prefix, subnetRef] = subnet[0].Resource['Fn::Join'][1].slice(-2);
    expect(prefix).toMatch(/:subnet\/$/);
    expect(subnetRef).toEqual({ Ref: expect.stringMatching(/PublicSubnet1Subnet/) });
    expect(JSON.stringify(createNat)).not.toContain('subnet/*');
    const [tagging] = withAction('ec2:CreateTags');
    expect(tagging.Condition.StringEquals).toMatchObject({ 'ec2:CreateAction': ['AllocateAddress', 'CreateNatGateway'], [tagKey('aws:RequestTag')]: vpcRef });
  });

  test('routes only in the platform\'s route tables, with no statement on NAT gateways that IAM would never apply', () => {
    const routing = [...withAction('ec2:CreateRoute'), ...withAction('ec2:ReplaceRoute')];
    expect(routing.length).toBeGreaterThan(0);
    for (const s of routing) expect(JSON.stringify(s.Resource)).toMatch(/:route-table\/\",\{\"Ref\":\"PlatformVpcPrivateSubnet\dRouteTable/);
  });

  test('creates a NAT gateway only in the platform VPC\'s first public subnet, with a client token', () => {
    const vpc = withAction('ec2:CreateNatGateway').filter(s => JSON.stringify(s.Resource).includes(':vpc/'));
    expect(vpc).toHaveLength(1);
    const definition = JSON.stringify(stateMachines(template.toJSON()));
    expect(definition).toContain('ClientToken.$');
  });

  test('uses the platform key for the lock item only through DynamoDB', () => {
    // "kms:ViaService ... limits use of a KMS key to requests from specified AWS services" (AWS KMS developer guide,
    // condition keys): the lock table is encrypted with the platform key, which the run workflow reaches only through it.
    const lockKey = statements().filter(s => JSON.stringify(s.Action) === JSON.stringify(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']));
    expect(lockKey.length).toBeGreaterThan(0);
    for (const s of lockKey) expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } });
  });

  test('reads and writes only the lock table, and describes only its own executions', () => {
    const lockTable = Object.keys(template.findResources('AWS::DynamoDB::Table')).find(id => id.includes('RunLockTable'))!;
    for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem']) {
      const found = withAction(action).filter(s => JSON.stringify(s.Resource).includes(lockTable));
      expect(found.length).toBeGreaterThan(0);
    }
    const [describe] = withAction('states:DescribeExecution').filter(s => JSON.stringify(s.Resource).includes('sanders-customer-platform-run-dev:*'));
    expect(describe).toBeDefined();
  });
});

describe('the lock table', () => {
  test('is created with the run workflow: on demand, encrypted with the platform key, destroyed with the dev stack', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        TableName: 'sanders-customer-platform-run-dev-lock',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: LOCK_KEY, KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EncryptionKey'), 'Arn'] } },
      }),
    });
  });

  test('is not created without ON_DEMAND_EGRESS', () => {
    const prod = Template.fromStack(platformStack({ environment: 'prod' }).stack);
    expect(Object.keys(prod.findResources('AWS::DynamoDB::Table')).filter(id => id.includes('RunLockTable'))).toHaveLength(0);
  });
});
