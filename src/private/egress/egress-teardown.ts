/**
 * Step 4 of the run workflow, the teardown: delete the routes, every NAT gateway and Elastic IP tagged for this VPC,
 * release the lock, then end as the job workflow did. Also the rule that starts a teardown-only run when a run is
 * stopped or times out.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { EgressContext } from './egress-context';
import { ec2Names, retryEc2 } from './egress-create';
import { jobsEndedSteps } from './egress-jobs-ended';
import { LockTable } from './egress-lock';
import { ManagedPolicyRole } from '../core/managed-policy-role';

/** The teardown's entry, and the end of a run that failed before anything existed. */
export interface Teardown {
  /** Where every failure after the lock is taken goes, and where a run goes after the job workflow. */
  readonly start: sfn.IChainable;
  /** Fails the run with its `$.error`. */
  readonly failed: sfn.Fail;
}

/** The calls that remove the run's egress. */
function teardownTasks(ctx: EgressContext) {
  const { scope, props, vpcId, routeTableArns, ec2Arn, taggedForVpc, retryApi, ec2Call } = ctx;
  const deleteRoutes = props.target.privateRouteTableIds.map((routeTableId, i) =>
    ec2Call(`DeleteRoute${i + 1}`, 'deleteRoute', { RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0' }, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD }));
  const findNats = ec2Call('FindNatGateways', 'describeNatGateways', {
    Filter: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: `tag:${props.names.egressTag}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available'] }],
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
    Filter: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: `tag:${props.names.egressTag}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available', 'deleting'] }],
  }, ['*'], { resultSelector: { 'gateways.$': '$.NatGateways' }, resultPath: '$.teardown' });
  retryApi(checkDeleted);
  const findAddresses = ec2Call('FindAddresses', 'describeAddresses', {
    Filters: [{ Name: `tag:${props.names.egressTag}`, Values: [vpcId] }],
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
  return { deleteRoutes, findNats, deleteNats, waitDeleted, checkDeleted, findAddresses, releaseAddresses };
}

/** How a run ends: release the lock, then fail or succeed as the run went. */
function endStates(ctx: EgressContext, { lockTable, lockKey, me }: LockTable) {
  const { scope, retryApiButCondition } = ctx;
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
  return { failed, release };
}

/** The teardown (defined before the run's other steps: every failure after the lock is taken goes here). */
export function createTeardown(ctx: EgressContext, lock: LockTable): Teardown {
  const { scope, props } = ctx;
  const { deleteRoutes, findNats, deleteNats, waitDeleted, checkDeleted, findAddresses, releaseAddresses } = teardownTasks(ctx);
  const { failed, release } = endStates(ctx, lock);
  let teardown: sfn.IChainable = findNats;
  for (let i = deleteRoutes.length - 1; i >= 0; i--) {
    // No route (nothing was created, or a previous run removed it) is fine.
    // A route that is not there (never created, or deleted by an earlier teardown) is not retried; a throttled or
    // failed call is, so that no route to a deleted NAT gateway is left behind.
    retryEc2(deleteRoutes[i], ec2Names('InvalidRoute.NotFound'));
    deleteRoutes[i].addCatch(teardown, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    deleteRoutes[i].next(teardown);
    teardown = deleteRoutes[i];
  }
  // Egress goes only after every job has ended (a stopped run's job workflow is stopped first).
  teardown = jobsEndedSteps(scope, { jobQueue: props.jobQueue, jobWorkflow: props.jobWorkflow, backfill: props.backfill }, teardown).start;
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
  return { start: teardown, failed };
}

/** A stopped (aborted) execution runs no catch: a rule starts a teardown-only run when one is aborted or times out. */
export function createAbortedRunCleanup(ctx: EgressContext, stateMachine: sfn.IStateMachine): void {
  const { scope, name } = ctx;
  new events.Rule(scope, 'RunAbortedCleanup', {
    description: `Tears down the on-demand egress of ${name} when a run is stopped or times out`,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['ABORTED', 'TIMED_OUT'] },
    },
    targets: [new targets.SfnStateMachine(stateMachine, {
      input: events.RuleTargetInput.fromObject({ teardownOnly: true, stoppedRun: events.EventField.fromPath('$.detail.name') }),
      role: new ManagedPolicyRole(scope, 'RunAbortedCleanupRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: 'Lets EventBridge start a teardown-only run of the run workflow',
      }),
    })],
  });
}
