/**
 * The run workflow of `NetworkProfile.ON_DEMAND_EGRESS`: egress that exists only while a run needs it.
 *
 * It wraps the job workflow (which it starts with `states:startExecution.sync:2`) in four steps:
 *
 * 1. Take the lock: one item in a small DynamoDB table, written with a conditional `PutItem` whose owner is
 *    the execution ARN. A run that finds the lock held by a RUNNING execution waits (30 s, doubling up to
 *    5 min, for about 24 hours at most); a lock whose owner is no longer RUNNING (stopped, timed out, or
 *    failed before it could release) is taken over with a `PutItem` conditioned on that stale owner.
 * 2. Create egress: an Elastic IP, a NAT gateway in the first public subnet, and a `0.0.0.0/0` route to it
 *    in each private route table (replacing a route a failed run may have left).
 * 3. Run the job workflow with the input and the run date; or, for an input `{"backfill": {...}}`, the backfill
 *    with that input, so that egress is created once for every date of the backfill.
 * 4. Always tear down, whatever step 2 or 3 did: delete the routes, every NAT gateway and Elastic IP tagged
 *    for this VPC (so a run also cleans up what an earlier run left behind), release the lock (a `DeleteItem`
 *    conditioned on this execution being the owner, also when the teardown itself failed), then succeed or
 *    fail as the job workflow did.
 *
 * A stopped (aborted) execution runs no catch, so an EventBridge rule starts a teardown-only run
 * (`{"teardownOnly": true}`) when one is aborted or times out; it takes the lock like any run (taking it
 * over from the stopped execution), tears down and releases it.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, HIPAA, inPacks, NIST } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { OnDemandEgressTarget } from '../network/network';
import { PlatformNames } from '../settings/names';

/** The tag that marks a run's NAT gateway and Elastic IP; its value is the VPC ID. */
export const EGRESS_TAG = 'sanders:on-demand-egress-vpc';

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

export interface EgressRunWorkflowProps {
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  readonly target: OnDemandEgressTarget;
  readonly jobWorkflow: sfn.IStateMachine;
  /** The backfill, which the run step starts instead of the job workflow for an input `{"backfill": {...}}`. */
  readonly backfill: sfn.IStateMachine;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** `sanders-customer-platform-run-dev` */
export function runStateMachineName(names: PlatformNames): string {
  return `${names.prefix}-customer-platform-run-${names.environment}`;
}

interface ScopedAwsCallProps extends tasks.CallAwsServiceProps {
  /** Conditions on the statement of the call's own action (on `iamResources`). */
  readonly conditions?: { [key: string]: unknown };
}

/** An SDK integration whose own policy statement carries conditions (CallAwsService has no option for them). */
class ScopedAwsCall extends tasks.CallAwsService {
  constructor(scope: Construct, id: string, props: ScopedAwsCallProps) {
    super(scope, id, props);
    if (props.conditions) this.taskPolicies?.[0].addConditions(props.conditions);
  }
}

/**
 * Starts the job workflow and waits for it. CDK's own statement for the wait names the job workflow's executions by
 * name prefix (`...:execution:<name>*`, which also matches a state machine `<name>2`); this one names exactly the
 * executions of the job workflow (`...:execution:<name>:*`).
 */
class StartJobWorkflow extends tasks.StepFunctionsStartExecution {
  constructor(scope: Construct, id: string, props: tasks.StepFunctionsStartExecutionProps & { readonly stateMachine: sfn.IStateMachine }) {
    super(scope, id, props);
    const policies = this.taskPolicies as iam.PolicyStatement[] | undefined;
    const i = policies?.findIndex(p => p.actions.includes('states:DescribeExecution')) ?? -1;
    if (!policies || i < 0) throw new Error('internal: the StartExecution task has no DescribeExecution statement to scope');
    const stack = Stack.of(scope);
    const jobWorkflowName = stack.splitArn(props.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
    policies[i] = new iam.PolicyStatement({
      actions: policies[i].actions,
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${jobWorkflowName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });
  }
}

export function createEgressRunWorkflow(scope: Construct, props: EgressRunWorkflowProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  const name = runStateMachineName(props.names);
  const ownExecutions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const vpcId = props.vpc.vpcId;
  const tags = [{ Key: EGRESS_TAG, Value: vpcId }, { Key: 'Name', Value: `${name}-egress` }];
  const routeTableArns = props.target.privateRouteTableIds.map(id => stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }));
  const publicSubnetArn = stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: props.target.publicSubnet.subnetId });
  const ec2Arn = (type: string) => stack.formatArn({ service: 'ec2', resource: type, resourceName: '*' });
  /** Only what a run tagged for this VPC (delete, release, and routes to it). */
  const taggedForVpc = { StringEquals: { [`ec2:ResourceTag/${EGRESS_TAG}`]: vpcId } };
  /** Only when the request tags the new resource for this VPC. */
  const requestTaggedForVpc = { StringEquals: { [`aws:RequestTag/${EGRESS_TAG}`]: vpcId } };
  const retryApi = (task: sfn.TaskStateBase) => task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
  const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';
  /** A failed condition is an answer, not an outage: no retry, straight to the catch. */
  const retryApiButCondition = (task: sfn.TaskStateBase) => {
    task.addRetry({ errors: [CONDITION_FAILED], maxAttempts: 0 });
    return retryApi(task);
  };
  type ExtraProps = Partial<ScopedAwsCallProps>;
  const ec2Call = (id: string, action: string, parameters: { [key: string]: unknown }, iamResources: string[], extra: ExtraProps = {}) =>
    new ScopedAwsCall(scope, `RunEgress${id}`, {
      stateName: id.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/\bNat\b/g, 'NAT'),
      service: 'ec2',
      action,
      parameters,
      iamResources,
      ...extra,
    });

  // The lock: one item, owned by the execution that holds it. Created only with this profile.
  const lockTable = new dynamodb.Table(scope, 'RunLockTable', {
    tableName: `${name}-lock`,
    partitionKey: { name: LOCK_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
  });
  const transientLock = 'It holds only the transient lock item of the run workflow (which execution currently owns the on-demand egress), never data: a lost item is re-created by the next run, and a stale one is taken over';
  acknowledge(lockTable,
    { id: 'AwsSolutions-DDB3', reason: transientLock },
    ...inPacks('DynamoDBPITREnabled', transientLock, [NIST, HIPAA]),
    ...inPacks('DynamoDBInBackupPlan', transientLock, [NIST, HIPAA]));
  const lockKey = { [LOCK_KEY]: tasks.DynamoAttributeValue.fromString(LOCK_ITEM) };
  const me = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));

  // 1. Take the lock.
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
    iamResources: [ownExecutions],
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.lock.owner',
  });
  describeOwner.addRetry({ errors: ['Sfn.ExecutionDoesNotExistException'], maxAttempts: 0 });
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

  // 4. Teardown (defined first: every failure after the lock is taken goes here).
  const deleteRoutes = props.target.privateRouteTableIds.map((routeTableId, i) =>
    ec2Call(`DeleteRoute${i + 1}`, 'deleteRoute', { RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0' }, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD }));
  const findNats = ec2Call('FindNatGateways', 'describeNatGateways', {
    Filter: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available'] }],
  }, ['*'], { resultSelector: { 'gateways.$': '$.NatGateways' }, resultPath: '$.teardown' });
  retryApi(findNats);
  const deleteNat = ec2Call('DeleteNatGateway', 'deleteNatGateway', { 'NatGatewayId.$': '$.NatGatewayId' }, [ec2Arn('natgateway')], {
    resultPath: sfn.JsonPath.DISCARD, conditions: taggedForVpc,
  });
  retryApi(deleteNat);
  const deleteNats = new sfn.Map(scope, 'RunEgressDeleteNatGateways', {
    stateName: 'Delete NAT gateways', itemsPath: '$.teardown.gateways', maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(deleteNat);
  const waitDeleted = new sfn.Wait(scope, 'RunEgressWaitDeleted', { stateName: 'Wait for NAT gateways to go', time: sfn.WaitTime.duration(Duration.seconds(20)) });
  const checkDeleted = ec2Call('CheckNatGatewaysGone', 'describeNatGateways', {
    Filter: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available', 'deleting'] }],
  }, ['*'], { resultSelector: { 'gateways.$': '$.NatGateways' }, resultPath: '$.teardown' });
  retryApi(checkDeleted);
  const findAddresses = ec2Call('FindAddresses', 'describeAddresses', {
    Filters: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }],
  }, ['*'], { resultSelector: { 'addresses.$': '$.Addresses' }, resultPath: '$.teardown' });
  retryApi(findAddresses);
  const releaseAddress = ec2Call('ReleaseAddress', 'releaseAddress', { 'AllocationId.$': '$.AllocationId' }, [ec2Arn('elastic-ip')], {
    resultPath: sfn.JsonPath.DISCARD, conditions: taggedForVpc,
  });
  // The address stays associated for a moment after its NAT gateway is deleted.
  releaseAddress.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(15), maxAttempts: 8, backoffRate: 1.5 });
  const releaseAddresses = new sfn.Map(scope, 'RunEgressReleaseAddresses', {
    stateName: 'Release addresses', itemsPath: '$.teardown.addresses', maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(releaseAddress);
  const failed = new sfn.Fail(scope, 'RunFailed', { stateName: 'Run failed', errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const teardownFailed = new sfn.Fail(scope, 'RunTeardownFailed', { stateName: 'Teardown failed', errorPath: '$.teardownError.Error', causePath: '$.teardownError.Cause' });
  const output = new sfn.Pass(scope, 'RunOutput', { stateName: 'Job workflow output', outputPath: '$.run.Output' });
  const done = new sfn.Succeed(scope, 'RunDone', { stateName: 'Done' });
  const outcome = new sfn.Choice(scope, 'RunOutcome', { stateName: 'Outcome' })
    .when(sfn.Condition.isPresent('$.error'), failed)
    .when(sfn.Condition.isPresent('$.teardownError'), teardownFailed)
    .when(sfn.Condition.isPresent('$.run.Output'), output.next(done))
    .otherwise(done);
  // Released only by its owner: a run whose stale lock was taken over must not release the new owner's.
  const release = new tasks.DynamoDeleteItem(scope, 'RunReleaseLock', {
    stateName: 'Release the lock',
    table: lockTable,
    key: lockKey,
    conditionExpression: '#owner = :me',
    expressionAttributeNames: { '#owner': 'owner' },
    expressionAttributeValues: { ':me': me },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryApiButCondition(release);
  // Not the owner any more, or DynamoDB unreachable: the lock is then stale (this execution ends) and the next run takes it over.
  release.addCatch(outcome, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  release.next(outcome);

  let teardown: sfn.IChainable = findNats;
  for (let i = deleteRoutes.length - 1; i >= 0; i--) {
    // No route (nothing was created, or a previous run removed it) is fine.
    deleteRoutes[i].addCatch(teardown, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    deleteRoutes[i].next(teardown);
    teardown = deleteRoutes[i];
  }
  // A teardown that fails after its retries still releases the lock; the run fails, and the next run's teardown
  // (or a teardown-only run) removes what is left.
  for (const step of [findNats, deleteNats, checkDeleted, findAddresses, releaseAddresses]) {
    step.addCatch(release, { errors: ['States.ALL'], resultPath: '$.teardownError' });
  }
  findNats.next(deleteNats).next(waitDeleted).next(checkDeleted).next(
    new sfn.Choice(scope, 'RunEgressGone', { stateName: 'NAT gateways gone?' })
      .when(sfn.Condition.isPresent('$.teardown.gateways[0]'), waitDeleted)
      .otherwise(findAddresses.next(releaseAddresses).next(release)),
  );
  const catchToTeardown = { errors: ['States.ALL'], resultPath: '$.error' };

  // 2. Create egress.
  const allocate = ec2Call('AllocateAddress', 'allocateAddress', {
    Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: tags }],
  }, [ec2Arn('elastic-ip')], {
    resultSelector: { 'AllocationId.$': '$.AllocationId' }, resultPath: '$.egress.address', conditions: requestTaggedForVpc,
  });
  const createNat = ec2Call('CreateNatGateway', 'createNatGateway', {
    'SubnetId': props.target.publicSubnet.subnetId,
    'AllocationId.$': '$.egress.address.AllocationId',
    'TagSpecifications': [{ ResourceType: 'natgateway', Tags: tags }],
    // One NAT gateway per run, however often the call is retried.
    'ClientToken.$': "States.Hash($$.Execution.Id, 'MD5')",
  }, [ec2Arn('natgateway')], {
    resultSelector: { 'NatGatewayId.$': '$.NatGateway.NatGatewayId' },
    resultPath: '$.egress.nat',
    conditions: requestTaggedForVpc,
    additionalIamStatements: [
      // CreateNatGateway is authorized on the subnet and the address too: only the platform's first public subnet,
      // and only an address this workflow allocated (tagged for this VPC).
      new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [publicSubnetArn] }),
      // ...and on the VPC, as the IAM service reference lists it.
      new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: vpcId })] }),
      new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [ec2Arn('elastic-ip')], conditions: taggedForVpc }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('natgateway'), ec2Arn('elastic-ip')],
        conditions: { StringEquals: { 'ec2:CreateAction': ['AllocateAddress', 'CreateNatGateway'], [`aws:RequestTag/${EGRESS_TAG}`]: vpcId } },
      }),
    ],
  });
  const waitNat = new sfn.Wait(scope, 'RunEgressWaitNat', { stateName: 'Wait for NAT gateway', time: sfn.WaitTime.duration(Duration.seconds(15)) });
  const describeNat = ec2Call('DescribeNatGateway', 'describeNatGateways', { 'NatGatewayIds.$': 'States.Array($.egress.nat.NatGatewayId)' }, ['*'], {
    resultSelector: { 'State.$': '$.NatGateways[0].State' }, resultPath: '$.egress.state',
  });
  retryApi(describeNat);
  const natFailed = new sfn.Pass(scope, 'RunEgressNatFailed', {
    stateName: 'NAT gateway failed',
    parameters: { Error: 'EgressFailed', Cause: 'the run\'s NAT gateway did not become available' },
    resultPath: '$.error',
  }).next(teardown);

  // A route may name the NAT gateway only if a run tagged it for this VPC (where the NAT gateway is authorized as a target).
  const createRoutes = props.target.privateRouteTableIds.map((routeTableId, i) => {
    const params = { 'RouteTableId': routeTableId, 'DestinationCidrBlock': '0.0.0.0/0', 'NatGatewayId.$': '$.egress.nat.NatGatewayId' };
    const create = ec2Call(`CreateRoute${i + 1}`, 'createRoute', params, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD });
    // A route left by a run that could not tear down is replaced.
    const replace = ec2Call(`ReplaceRoute${i + 1}`, 'replaceRoute', params, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD });
    replace.addCatch(teardown, catchToTeardown);
    create.addCatch(replace, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    return { create, replace };
  });
  // Throttled create calls were not carried out and are retried (CreateNatGateway is idempotent by its client
  // token; AllocateAddress has none, so only throttling is retried); the EC2 error's prefix is matched both ways.
  const throttled = ['Ec2.RequestLimitExceeded', 'EC2.RequestLimitExceeded', 'Ec2.Throttling', 'EC2.Throttling'];
  for (const t of [allocate, createNat, ...createRoutes.flatMap(r => [r.create, r.replace])]) {
    t.addRetry({ errors: throttled, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2 });
  }
  createNat.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 2, backoffRate: 2 });
  for (const t of [allocate, createNat]) t.addCatch(teardown, catchToTeardown);
  describeNat.addCatch(teardown, catchToTeardown);

  // 3. Run the job workflow, with the run date: the input's, the scheduled time's, or the run's start date.
  const dateFrom = (id: string, stateName: string, expression: string) =>
    new sfn.Pass(scope, id, { stateName, parameters: { 'date.$': expression }, resultPath: '$.runDate' });
  const merge = new sfn.Pass(scope, 'RunMergeInput', {
    stateName: 'Add run date to input',
    parameters: { 'value.$': 'States.JsonMerge($.input, $.runDate, false)' },
    resultPath: '$.runInput',
  });
  const resolveDate = new sfn.Choice(scope, 'RunResolveDate', { stateName: 'Resolve run date' })
    .when(sfn.Condition.isPresent('$.input.date'), dateFrom('RunGivenDate', 'Use given date', '$.input.date').next(merge))
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.scheduledTime'), sfn.Condition.isString('$.input.scheduledTime')),
      dateFrom('RunScheduledDate', 'Use scheduled date', "States.ArrayGetItem(States.StringSplit($.input.scheduledTime, 'T'), 0)").next(merge))
    .otherwise(dateFrom('RunStartDate', 'Use run start date', "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)").next(merge));

  const runJobs = new StartJobWorkflow(scope, 'RunJobWorkflow', {
    stateName: 'Run job workflow',
    stateMachine: props.jobWorkflow,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromJsonPathAt('$.runInput.value'),
    name: sfn.JsonPath.stringAt('$$.Execution.Name'),
    resultSelector: { 'Output.$': '$.Output', 'ExecutionArn.$': '$.ExecutionArn' },
    resultPath: '$.run',
  });
  runJobs.addCatch(teardown, catchToTeardown);
  const runBackfill = new StartJobWorkflow(scope, 'RunBackfill', {
    stateName: 'Run backfill',
    stateMachine: props.backfill,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromJsonPathAt('$.input.backfill'),
    name: sfn.JsonPath.stringAt('$$.Execution.Name'),
    resultSelector: { 'Output.$': '$.Output', 'ExecutionArn.$': '$.ExecutionArn' },
    resultPath: '$.run',
  });
  runBackfill.addCatch(teardown, catchToTeardown);
  runBackfill.next(teardown);
  const chooseRun = new sfn.Choice(scope, 'RunChooseRun', { stateName: 'Backfill?' })
    .when(sfn.Condition.isPresent('$.input.backfill'), runBackfill)
    .otherwise(runJobs);

  let afterRoutes: sfn.IChainable = chooseRun;
  for (let i = createRoutes.length - 1; i >= 0; i--) {
    createRoutes[i].create.next(afterRoutes);
    createRoutes[i].replace.next(afterRoutes);
    afterRoutes = createRoutes[i].create;
  }
  runJobs.next(teardown);

  const createEgress = allocate.next(createNat).next(waitNat).next(describeNat).next(
    new sfn.Choice(scope, 'RunEgressNatReady', { stateName: 'NAT gateway ready?' })
      .when(sfn.Condition.stringEquals('$.egress.state.State', 'available'), afterRoutes)
      .when(sfn.Condition.or(sfn.Condition.stringEquals('$.egress.state.State', 'failed'), sfn.Condition.stringEquals('$.egress.state.State', 'deleted')), natFailed)
      .otherwise(waitNat),
  );
  merge.next(createEgress);

  // The lock loop. Nothing exists yet when it fails, so its failures end the run without a teardown.
  const toFailed = { errors: ['States.ALL'], resultPath: '$.error' };
  const lockHeld = new sfn.Choice(scope, 'RunLockHeld', { stateName: 'Teardown only?' })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.teardownOnly'), sfn.Condition.isBoolean('$.input.teardownOnly'),
      sfn.Condition.booleanEquals('$.input.teardownOnly', true)), teardown)
    .otherwise(resolveDate);
  acquire.addCatch(readLock, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  acquire.addCatch(failed, toFailed);
  acquire.next(lockHeld);
  // Taken over by someone else in between: try again from the start.
  takeOver.addCatch(acquire, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  takeOver.addCatch(failed, toFailed);
  takeOver.next(lockHeld);
  readLock.addCatch(failed, toFailed);
  describeOwner.addCatch(takeOver, { errors: ['Sfn.ExecutionDoesNotExistException'], resultPath: sfn.JsonPath.DISCARD });
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

  const definition = keepInput.next(acquire);

  const { stateMachine, role } = createLoggedStateMachine(scope, 'RunWorkflow', {
    stateMachineName: name,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    roleDescription: 'Role of the run workflow: takes the egress lock, creates and deletes the run\'s NAT gateway, address and routes, runs the job workflow',
    comment: 'Runs the job workflow with a NAT gateway that exists only for the run (NetworkProfile.ON_DEMAND_EGRESS)',
    encryptionKey: props.encryptionKey,
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  // The lock item is encrypted with the platform key: usable only through DynamoDB.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    resources: [props.encryptionKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
  }));

  new events.Rule(scope, 'RunAbortedCleanup', {
    description: `Tears down the on-demand egress of ${name} when a run is stopped or times out`,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['ABORTED', 'TIMED_OUT'] },
    },
    targets: [new targets.SfnStateMachine(stateMachine, {
      input: events.RuleTargetInput.fromObject({ teardownOnly: true }),
      role: new ManagedPolicyRole(scope, 'RunAbortedCleanupRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: 'Lets EventBridge start a teardown-only run of the run workflow',
      }),
    })],
  });
  const escapedName = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: ec2:DescribeNatGateways and ec2:DescribeAddresses (finding the run\'s egress by tag), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
    { pattern: /:(natgateway|elastic-ip)\/\*\]?$/, reason: `A NAT gateway or Elastic IP the run creates has an ID only after it exists, so they are named with a wildcard, and every action on them is conditioned on the tag ${EGRESS_TAG} = the platform VPC's ID: creating and tagging them requires the request to set it (aws:RequestTag), deleting and releasing them requires them to carry it (ec2:ResourceTag); routes are limited to the private route tables (CreateRoute and ReplaceRoute take only route-table resources in the IAM service reference); ec2:CreateTags is further limited to the AllocateAddress and CreateNatGateway calls` },
    { pattern: new RegExp(`:states:.*:execution:${escapedName}:\\*$`), reason: 'Executions of the run workflow itself, whose names are given at start: it only describes the execution that owns the egress lock, to see whether that one still runs' },
    { pattern: /:states:.*:execution:.*\*$/, reason: 'Executions of the platform\'s own job workflow and backfill, named at start: the run workflow starts, watches and stops only those' },
    { pattern: /:rule\/StepFunctionsGetEventsForStepFunctionsExecutionRule$/, reason: 'The fixed EventBridge rule Step Functions uses to wait for a .sync child execution' },
  ]);
  return stateMachine;
}
