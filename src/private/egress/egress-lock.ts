/**
 * Step 1 of the run workflow, the lock: one item in a small DynamoDB table, owned by the execution that holds it,
 * and the states that take it, wait for it and take over a stale one.
 */
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { CONDITION_FAILED, EgressContext } from './egress-context';
import { acknowledgeLockTable } from './egress-policy';
import { NO_SUCH_EXECUTION } from '../workflow/workflow-states';

/** The lock table's partition key, and the value of the one lock item. */
export const LOCK_KEY = 'lock';
export const LOCK_ITEM = 'egress';

/** The first wait for the lock; each further wait doubles, up to `LOCK_MAX_WAIT`. */
export const LOCK_FIRST_WAIT = Duration.seconds(30);
export const LOCK_MAX_WAIT = Duration.minutes(5);
/**
 * How many times a run waits for the lock before it gives up: 30 + 60 + 120 + 240 s, then 286 waits of
 * 5 minutes, about 24 hours. Each wait costs about 30 history events, so a run that waits this long still
 * stays far below the 25,000 events of a standard execution.
 */
export const LOCK_MAX_WAITS = 290;

/** The lock table, and the lock item's key and owner as the DynamoDB tasks name them. */
export interface LockTable {
  readonly lockTable: dynamodb.Table;
  readonly lockKey: { [key: string]: tasks.DynamoAttributeValue };
  /** This execution, the owner of the lock it takes. */
  readonly me: tasks.DynamoAttributeValue;
}

/** The states of the lock loop. */
export interface LockStates extends LockTable {
  readonly keepInput: sfn.Pass;
  readonly acquire: tasks.DynamoPutItem;
  readonly readLock: tasks.DynamoGetItem;
  readonly describeOwner: tasks.CallAwsService;
  readonly takeOver: tasks.DynamoPutItem;
  readonly waitForLock: sfn.Wait;
  readonly backOff: sfn.Pass;
  readonly capWait: sfn.Pass;
  readonly gaveUp: sfn.Fail;
}

/** Where the lock loop goes on: the failure of the run, the teardown (of a teardown-only run), the run itself. */
export interface LockExits {
  readonly failed: sfn.IChainable;
  readonly teardown: sfn.IChainable;
  readonly run: sfn.IChainable;
}

/** The lock: one item, owned by the execution that holds it. Created only with this profile. */
function createLockTable(ctx: EgressContext): LockTable {
  const { scope, props } = ctx;
  const lockTable = new dynamodb.Table(scope, 'RunLockTable', {
    tableName: props.names.runLockTable,
    partitionKey: { name: LOCK_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
  });
  acknowledgeLockTable(lockTable);
  const lockKey = { [LOCK_KEY]: tasks.DynamoAttributeValue.fromString(LOCK_ITEM) };
  const me = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
  return { lockTable, lockKey, me };
}

/** The states that take the lock, or take over a stale one. */
function takeLockStates(ctx: EgressContext, { lockTable, lockKey, me }: LockTable) {
  const { scope, retryApi, retryApiButCondition } = ctx;
  const keepInput = new sfn.Pass(scope, 'RunKeepInput', {
    stateName: 'Keep input',
    parameters: { 'input.$': '$', 'lockWait': { seconds: LOCK_FIRST_WAIT.toSeconds(), waits: 0 } },
  });
  const acquire = new tasks.DynamoPutItem(scope, 'RunTakeLock', {
    stateName: 'Take the lock',
    table: lockTable,
    item: { ...lockKey, owner: me, since: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')) },
    // Held by nobody, or already by this execution (a retried call whose first attempt went through).
    conditionExpression: 'attribute_not_exists(#lock) OR #owner = :me',
    expressionAttributeNames: { '#lock': LOCK_KEY, '#owner': 'owner' },
    expressionAttributeValues: { ':me': me },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryApiButCondition(acquire);
  const readLock = new tasks.DynamoGetItem(scope, 'RunReadLock', {
    stateName: 'Read the lock',
    table: lockTable,
    key: lockKey,
    consistentRead: true,
    resultSelector: { 'item.$': '$' },
    resultPath: '$.lock',
  });
  retryApi(readLock);
  const describeOwner = new tasks.CallAwsService(scope, 'RunDescribeLockOwner', {
    stateName: 'Describe the lock owner',
    service: 'sfn',
    action: 'describeExecution',
    parameters: { 'ExecutionArn.$': '$.lock.item.Item.owner.S' },
    iamResources: [ctx.ownExecutions],
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.lock.owner',
  });
  describeOwner.addRetry({ errors: NO_SUCH_EXECUTION, maxAttempts: 0 });
  retryApi(describeOwner);
  const takeOver = new tasks.DynamoPutItem(scope, 'RunTakeOverLock', {
    stateName: 'Take over the stale lock',
    table: lockTable,
    item: { ...lockKey, owner: me, since: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')) },
    conditionExpression: '#owner = :stale',
    expressionAttributeNames: { '#owner': 'owner' },
    expressionAttributeValues: { ':stale': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.lock.item.Item.owner.S')) },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryApiButCondition(takeOver);
  return { keepInput, acquire, readLock, describeOwner, takeOver };
}

/** The states that wait for a lock held by a running execution: 30 s, doubling up to 5 min, `LOCK_MAX_WAITS` times. */
function waitStates(ctx: EgressContext) {
  const { scope } = ctx;
  const waitForLock = new sfn.Wait(scope, 'RunWaitForLock', { stateName: 'Wait for the lock', time: sfn.WaitTime.secondsPath('$.lockWait.seconds') });
  const backOff = new sfn.Pass(scope, 'RunBackOff', {
    stateName: 'Back off',
    parameters: { 'seconds.$': 'States.MathAdd($.lockWait.seconds, $.lockWait.seconds)', 'waits.$': 'States.MathAdd($.lockWait.waits, 1)' },
    resultPath: '$.lockWait',
  });
  const capWait = new sfn.Pass(scope, 'RunCapWait', {
    stateName: 'Cap the wait',
    parameters: { 'seconds': LOCK_MAX_WAIT.toSeconds(), 'waits.$': '$.lockWait.waits' },
    resultPath: '$.lockWait',
  });
  const gaveUp = new sfn.Fail(scope, 'RunGaveUp', {
    stateName: 'Gave up waiting for the lock',
    error: 'EgressLockTimeout',
    cause: `another run held the on-demand egress lock for ${LOCK_MAX_WAITS} waits (about 24 hours)`,
  });
  return { waitForLock, backOff, capWait, gaveUp };
}

/** The lock table and the states of the lock loop, not yet connected (`connectLockLoop`). */
export function createLockStates(ctx: EgressContext): LockStates {
  const table = createLockTable(ctx);
  return { ...table, ...takeLockStates(ctx, table), ...waitStates(ctx) };
}

/** The lock loop. Nothing exists yet when it fails, so its failures end the run without a teardown. */
export function connectLockLoop(ctx: EgressContext, lock: LockStates, exits: LockExits): void {
  const { scope } = ctx;
  const { acquire, takeOver, readLock, describeOwner, waitForLock, backOff, capWait, gaveUp } = lock;
  const { failed, teardown } = exits;
  const toFailed = { errors: ['States.ALL'], resultPath: '$.error' };
  const lockHeld = new sfn.Choice(scope, 'RunLockHeld', { stateName: 'Teardown only?' })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.teardownOnly'), sfn.Condition.isBoolean('$.input.teardownOnly'),
      sfn.Condition.booleanEquals('$.input.teardownOnly', true)), teardown)
    .otherwise(exits.run);
  acquire.addCatch(readLock, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  acquire.addCatch(failed, toFailed);
  acquire.next(lockHeld);
  // Taken over by someone else in between: try again from the start.
  takeOver.addCatch(acquire, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  takeOver.addCatch(failed, toFailed);
  takeOver.next(lockHeld);
  readLock.addCatch(failed, toFailed);
  // An owner that no longer exists, under either spelling of the error, holds nothing.
  describeOwner.addCatch(takeOver, { errors: NO_SUCH_EXECUTION, resultPath: sfn.JsonPath.DISCARD });
  describeOwner.addCatch(failed, toFailed);
  const wait = new sfn.Choice(scope, 'RunWaitedTooLong', { stateName: 'Waited too long?' })
    .when(sfn.Condition.numberGreaterThanEquals('$.lockWait.waits', LOCK_MAX_WAITS), gaveUp)
    .otherwise(waitForLock);
  waitForLock.next(backOff).next(new sfn.Choice(scope, 'RunWaitCapped', { stateName: 'Wait too long?' })
    .when(sfn.Condition.numberGreaterThan('$.lockWait.seconds', LOCK_MAX_WAIT.toSeconds()), capWait.next(acquire))
    .otherwise(acquire));
  readLock.next(new sfn.Choice(scope, 'RunLockFree', { stateName: 'Lock still held?' })
    // Released between the two calls.
    .when(sfn.Condition.isNotPresent('$.lock.item.Item'), acquire)
    .otherwise(describeOwner.next(new sfn.Choice(scope, 'RunOwnerRunning', { stateName: 'Owner still running?' })
      .when(sfn.Condition.stringEquals('$.lock.owner.status', 'RUNNING'), wait)
      .otherwise(takeOver))));
}
