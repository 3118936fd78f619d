/**
 * The run workflow of `NetworkProfile.ON_DEMAND_EGRESS`: egress that exists only while a run needs it.
 *
 * It wraps the job workflow (which it starts with `states:startExecution.sync:2`) in four steps:
 *
 * 1. Wait in line: runs go one at a time, oldest first (a run that starts while another is running waits),
 *    because both share the private subnets' one default route.
 * 2. Create egress: an Elastic IP, a NAT gateway in the first public subnet, and a `0.0.0.0/0` route to it
 *    in each private route table (replacing a route a failed run may have left).
 * 3. Run the job workflow with the input and the run date.
 * 4. Always tear down, whatever step 2 or 3 did: delete the routes, every NAT gateway and Elastic IP tagged
 *    for this VPC (so a run also cleans up what an earlier run left behind), then succeed or fail as the
 *    job workflow did.
 *
 * A stopped (aborted) execution runs no catch, so an EventBridge rule starts a teardown-only run
 * (`{"teardownOnly": true}`) when one is aborted or times out.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from './compliance';
import { createLoggedStateMachine } from './logged-state-machine';
import { ManagedPolicyRole } from './managed-policy-role';
import { PlatformNames } from './names';
import { OnDemandEgressTarget } from './network';

/** The tag that marks a run's NAT gateway and Elastic IP; its value is the VPC ID. */
export const EGRESS_TAG = 'sanders:on-demand-egress-vpc';

export interface EgressRunWorkflowProps {
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  readonly target: OnDemandEgressTarget;
  readonly jobWorkflow: sfn.IStateMachine;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** `sanders-customer-platform-run-dev` */
export function runStateMachineName(names: PlatformNames): string {
  return `${names.prefix}-customer-platform-run-${names.environment}`;
}

export function createEgressRunWorkflow(scope: Construct, props: EgressRunWorkflowProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  const name = runStateMachineName(props.names);
  const ownArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const vpcId = props.vpc.vpcId;
  const tags = [{ Key: EGRESS_TAG, Value: vpcId }, { Key: 'Name', Value: `${name}-egress` }];
  const routeTableArns = props.target.privateRouteTableIds.map(id => stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }));
  const ec2Arn = (type: string) => stack.formatArn({ service: 'ec2', resource: type, resourceName: '*' });
  const retryApi = (task: sfn.TaskStateBase) => task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
  type ExtraProps = Partial<tasks.CallAwsServiceProps>;
  const ec2Call = (id: string, action: string, parameters: { [key: string]: unknown }, iamResources: string[], extra: ExtraProps = {}) =>
    new tasks.CallAwsService(scope, `RunEgress${id}`, {
      stateName: id.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/\bNat\b/g, 'NAT'),
      service: 'ec2',
      action,
      parameters,
      iamResources,
      ...extra,
    });

  // 1. Wait in line.
  const keepInput = new sfn.Pass(scope, 'RunKeepInput', { stateName: 'Keep input', parameters: { 'input.$': '$' } });
  const listRuns = new tasks.CallAwsService(scope, 'RunListRuns', {
    stateName: 'List running runs',
    service: 'sfn',
    action: 'listExecutions',
    parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'StatusFilter': 'RUNNING', 'MaxResults': 1000 },
    iamResources: [ownArn],
    resultSelector: { 'executions.$': '$.Executions', 'count.$': 'States.ArrayLength($.Executions)', 'me.$': '$$.Execution.Id' },
    resultPath: '$.queue',
  });
  retryApi(listRuns);
  const waitInLine = new sfn.Wait(scope, 'RunWaitInLine', { stateName: 'Wait in line', time: sfn.WaitTime.duration(Duration.seconds(30)) });
  // Newest first: the last one listed is the oldest running run.
  const findOldest = new sfn.Pass(scope, 'RunFindOldest', {
    stateName: 'Find oldest run',
    parameters: { 'oldest.$': 'States.ArrayGetItem($.queue.executions, States.MathAdd($.queue.count, -1))', 'me.$': '$.queue.me' },
    resultPath: '$.queue',
  });
  const myTurn = new sfn.Choice(scope, 'RunMyTurn', { stateName: 'My turn?' });

  // 4. Teardown (defined first: every failure goes here).
  const deleteRoutes = props.target.privateRouteTableIds.map((routeTableId, i) => {
    const task = ec2Call(`DeleteRoute${i + 1}`, 'deleteRoute', { RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0' }, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD });
    return task;
  });
  const findNats = ec2Call('FindNatGateways', 'describeNatGateways', {
    Filter: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available'] }],
  }, ['*'], { resultSelector: { 'gateways.$': '$.NatGateways' }, resultPath: '$.teardown' });
  retryApi(findNats);
  const deleteNat = ec2Call('DeleteNatGateway', 'deleteNatGateway', { 'NatGatewayId.$': '$.NatGatewayId' }, [ec2Arn('natgateway')], { resultPath: sfn.JsonPath.DISCARD });
  retryApi(deleteNat);
  const deleteNats = new sfn.Map(scope, 'RunEgressDeleteNatGateways', {
    stateName: 'Delete NAT gateways', itemsPath: '$.teardown.gateways', maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(deleteNat);
  const waitDeleted = new sfn.Wait(scope, 'RunEgressWaitDeleted', { stateName: 'Wait for NAT gateways to go', time: sfn.WaitTime.duration(Duration.seconds(20)) });
  const checkDeleted = ec2Call('CheckNatGatewaysGone', 'describeNatGateways', {
    Filter: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available', 'deleting'] }],
  }, ['*'], { resultSelector: { 'gateways.$': '$.NatGateways' }, resultPath: '$.teardown' });
  retryApi(checkDeleted);
  const findAddresses = ec2Call('FindAddresses', 'describeAddresses', {
    Filters: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }],
  }, ['*'], { resultSelector: { 'addresses.$': '$.Addresses' }, resultPath: '$.teardown' });
  retryApi(findAddresses);
  const releaseAddress = ec2Call('ReleaseAddress', 'releaseAddress', { 'AllocationId.$': '$.AllocationId' }, [ec2Arn('elastic-ip')], { resultPath: sfn.JsonPath.DISCARD });
  // The address stays associated for a moment after its NAT gateway is deleted.
  releaseAddress.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(15), maxAttempts: 8, backoffRate: 1.5 });
  const releaseAddresses = new sfn.Map(scope, 'RunEgressReleaseAddresses', {
    stateName: 'Release addresses', itemsPath: '$.teardown.addresses', maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(releaseAddress);
  const failed = new sfn.Fail(scope, 'RunFailed', { stateName: 'Run failed', errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const output = new sfn.Pass(scope, 'RunOutput', { stateName: 'Job workflow output', outputPath: '$.run.Output' });
  const done = new sfn.Succeed(scope, 'RunDone', { stateName: 'Done' });
  const outcome = new sfn.Choice(scope, 'RunOutcome', { stateName: 'Outcome' })
    .when(sfn.Condition.isPresent('$.error'), failed)
    .when(sfn.Condition.isPresent('$.run.Output'), output.next(done))
    .otherwise(done);

  let teardown: sfn.IChainable = findNats;
  for (let i = deleteRoutes.length - 1; i >= 0; i--) {
    // No route (nothing was created, or a previous run removed it) is fine.
    deleteRoutes[i].addCatch(teardown, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    deleteRoutes[i].next(teardown);
    teardown = deleteRoutes[i];
  }
  findNats.next(deleteNats).next(waitDeleted).next(checkDeleted).next(
    new sfn.Choice(scope, 'RunEgressGone', { stateName: 'NAT gateways gone?' })
      .when(sfn.Condition.isPresent('$.teardown.gateways[0]'), waitDeleted)
      .otherwise(findAddresses.next(releaseAddresses).next(outcome)),
  );
  const catchToTeardown = { errors: ['States.ALL'], resultPath: '$.error' };

  // 2. Create egress.
  const allocate = ec2Call('AllocateAddress', 'allocateAddress', {
    Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: tags }],
  }, [ec2Arn('elastic-ip')], { resultSelector: { 'AllocationId.$': '$.AllocationId' }, resultPath: '$.egress.address' });
  const createNat = ec2Call('CreateNatGateway', 'createNatGateway', {
    'SubnetId': props.target.publicSubnet.subnetId,
    'AllocationId.$': '$.egress.address.AllocationId',
    'TagSpecifications': [{ ResourceType: 'natgateway', Tags: tags }],
  }, [ec2Arn('natgateway'), ec2Arn('subnet'), ec2Arn('elastic-ip')], {
    resultSelector: { 'NatGatewayId.$': '$.NatGateway.NatGatewayId' },
    resultPath: '$.egress.nat',
    additionalIamStatements: [new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('natgateway'), ec2Arn('elastic-ip')],
      conditions: { StringEquals: { 'ec2:CreateAction': ['AllocateAddress', 'CreateNatGateway'] } },
    })],
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

  const createRoutes = props.target.privateRouteTableIds.map((routeTableId, i) => {
    const params = { 'RouteTableId': routeTableId, 'DestinationCidrBlock': '0.0.0.0/0', 'NatGatewayId.$': '$.egress.nat.NatGatewayId' };
    const create = ec2Call(`CreateRoute${i + 1}`, 'createRoute', params, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD });
    // A route left by a run that could not tear down is replaced.
    const replace = ec2Call(`ReplaceRoute${i + 1}`, 'replaceRoute', params, [routeTableArns[i]], { resultPath: sfn.JsonPath.DISCARD });
    replace.addCatch(teardown, catchToTeardown);
    create.addCatch(replace, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    return { create, replace };
  });
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

  const runJobs = new tasks.StepFunctionsStartExecution(scope, 'RunJobWorkflow', {
    stateName: 'Run job workflow',
    stateMachine: props.jobWorkflow,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromJsonPathAt('$.runInput.value'),
    name: sfn.JsonPath.stringAt('$$.Execution.Name'),
    resultSelector: { 'Output.$': '$.Output', 'ExecutionArn.$': '$.ExecutionArn' },
    resultPath: '$.run',
  });
  runJobs.addCatch(teardown, catchToTeardown);

  let afterRoutes: sfn.IChainable = runJobs;
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

  const definition = keepInput.next(listRuns).next(
    new sfn.Choice(scope, 'RunListed', { stateName: 'Listed?' })
      // ListExecutions is eventually consistent: a run that just started may not be listed yet.
      .when(sfn.Condition.numberEquals('$.queue.count', 0), waitInLine)
      .otherwise(findOldest.next(myTurn)),
  );
  waitInLine.next(listRuns);
  myTurn
    .when(sfn.Condition.not(sfn.Condition.stringEqualsJsonPath('$.queue.oldest.ExecutionArn', '$.queue.me')), waitInLine)
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.teardownOnly'), sfn.Condition.isBoolean('$.input.teardownOnly'),
      sfn.Condition.booleanEquals('$.input.teardownOnly', true)), teardown)
    .otherwise(resolveDate);

  const { stateMachine, role } = createLoggedStateMachine(scope, 'RunWorkflow', {
    stateMachineName: name,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    roleDescription: 'Role of the run workflow: creates and deletes the run\'s NAT gateway, address and routes, runs the job workflow',
    comment: 'Runs the job workflow with a NAT gateway that exists only for the run (NetworkProfile.ON_DEMAND_EGRESS)',
    encryptionKey: props.encryptionKey,
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });

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
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: ec2:DescribeNatGateways and ec2:DescribeAddresses (finding the run\'s egress by tag), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
    { pattern: /:(natgateway|elastic-ip)\/\*\]?$/, reason: 'A NAT gateway or Elastic IP the run creates has an ID only after it exists, so create, tag and delete actions name them with a wildcard; ec2:CreateTags is further limited to the AllocateAddress and CreateNatGateway calls' },
    { pattern: /:subnet\/\*$/, reason: 'ec2:CreateNatGateway is authorized on the subnet too; the workflow definition passes only the platform VPC\'s first public subnet' },
    { pattern: /:states:.*:execution:.*\*$/, reason: 'Executions of the platform\'s own job workflow, named by Step Functions at start: the run workflow starts, watches and stops only those' },
    { pattern: /:rule\/StepFunctionsGetEventsForStepFunctionsExecutionRule$/, reason: 'The fixed EventBridge rule Step Functions uses to wait for a .sync child execution' },
  ]);
  return stateMachine;
}
