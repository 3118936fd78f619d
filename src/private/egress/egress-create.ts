/**
 * Step 2 of the run workflow, creating egress: an Elastic IP, a NAT gateway in the first public subnet, and a
 * `0.0.0.0/0` route to it in each private route table (replacing a route a failed run may have left).
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { catchToTeardown, EgressContext, ScopedAwsCall } from './egress-context';
import { createNatGatewayStatements } from './egress-policy';
import { RunJobStates } from './egress-run-jobs';

/** The states that create the run's egress; every failure among them goes to the teardown. */
export interface CreateEgressStates {
  readonly allocate: ScopedAwsCall;
  readonly createNat: ScopedAwsCall;
  readonly waitNat: sfn.Wait;
  readonly describeNat: ScopedAwsCall;
  readonly natFailed: sfn.Chain;
  /** Per private route table: create the route, or replace one left behind. */
  readonly createRoutes: { create: ScopedAwsCall; replace: ScopedAwsCall }[];
}

/** The Elastic IP and the NAT gateway, and the wait until it is available. */
function natGatewayStates(ctx: EgressContext, teardown: sfn.IChainable) {
  const { scope, props, tags, ec2Arn, requestTaggedForVpc, retryApi, ec2Call } = ctx;
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
    additionalIamStatements: createNatGatewayStatements(ctx),
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
  return { allocate, createNat, waitNat, describeNat, natFailed };
}

/** Each EC2 error name in the forms Step Functions may give it: `Ec2.<Code>Exception`, `Ec2.<Code>`, `EC2.<Code>`. */
export function ec2Names(...codes: string[]): string[] {
  return codes.flatMap(code => [`Ec2.${code}Exception`, `Ec2.${code}`, `EC2.${code}`]);
}

/** EC2 errors that no retry can mend (EC2 API reference, error codes). */
export const EC2_PERMANENT = {
  allocate: ec2Names('AddressLimitExceeded'),
  natGateway: ec2Names('NatGatewayLimitExceeded', 'InvalidAllocationID.NotFound', 'InvalidSubnetID.NotFound'),
  routeExists: ec2Names('RouteAlreadyExists'),
};

/** Known permanent errors are not retried; every other error is, up to 6 times, with backoff and full jitter. */
export function retryEc2(task: sfn.TaskStateBase, permanent: string[]): void {
  if (permanent.length > 0) task.addRetry({ errors: permanent, maxAttempts: 0 });
  task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
}

/** The states that create egress, with their retries and catches, not yet connected (`connectCreateEgress`). */
export function createEgressStates(ctx: EgressContext, teardown: sfn.IChainable): CreateEgressStates {
  const { props, routeTableArns, ec2Call } = ctx;
  const { allocate, createNat, waitNat, describeNat, natFailed } = natGatewayStates(ctx, teardown);
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
  // Step Functions names an SDK integration's error `<Service>.<Error>` with an `Exception` suffix added ("be sure
  // to include the Exception suffix", developer guide, AWS SDK service integrations), while production logs show
  // EC2 errors as `Ec2.Ec2Exception`: which name a throttled call gets cannot be checked offline. So the known
  // permanent errors end at once, and every other error is retried a bounded number of times with full jitter.
  // A limit that surfaces only as `Ec2.Ec2Exception` is retried too, then ends the run through the same catch.
  retryEc2(allocate, EC2_PERMANENT.allocate);
  retryEc2(createNat, EC2_PERMANENT.natGateway);
  for (const r of createRoutes) {
    // A route a failed run left behind goes to ReplaceRoute at once; a throttled CreateRoute is retried first.
    retryEc2(r.create, EC2_PERMANENT.routeExists);
    retryEc2(r.replace, []);
  }
  for (const t of [allocate, createNat]) t.addCatch(teardown, catchToTeardown);
  describeNat.addCatch(teardown, catchToTeardown);
  return { allocate, createNat, waitNat, describeNat, natFailed, createRoutes };
}

/** Egress (once the lock is taken), then the routes, the job workflow, and the teardown; returns egress's first state. */
export function connectCreateEgress(ctx: EgressContext, create: CreateEgressStates, run: RunJobStates, teardown: sfn.IChainable): sfn.IChainable {
  const { allocate, createNat, waitNat, describeNat, natFailed, createRoutes } = create;
  const { runJobs, runBackfill, chooseRun } = run;
  let afterRoutes: sfn.IChainable = chooseRun;
  for (let i = createRoutes.length - 1; i >= 0; i--) {
    createRoutes[i].create.next(afterRoutes);
    createRoutes[i].replace.next(afterRoutes);
    afterRoutes = createRoutes[i].create;
  }
  runJobs.next(teardown);
  runBackfill.next(teardown);

  const createEgress = allocate.next(createNat).next(waitNat).next(describeNat).next(
    new sfn.Choice(ctx.scope, 'RunEgressNatReady', { stateName: 'NAT gateway ready?' })
      .when(sfn.Condition.stringEquals('$.egress.state.State', 'available'), afterRoutes)
      .when(sfn.Condition.or(sfn.Condition.stringEquals('$.egress.state.State', 'failed'), sfn.Condition.stringEquals('$.egress.state.State', 'deleted')), natFailed)
      .otherwise(waitNat),
  );
  return createEgress;
}
