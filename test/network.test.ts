import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { NetworkProfile, SandersBatchPlatform } from '../src';
import { platformStack, platformTemplate } from './util';
import { definitionOf, onlyStateMachine, policyStatements, stateMachines } from '../scripts/lib/templates';
import { EGRESS_TAG } from '../src/private/egress/egress-workflow';

/** Logical IDs of the private subnets' route tables. */
function privateRouteTables(template: Template): string[] {
  return Object.entries(template.findResources('AWS::EC2::Subnet'))
    .filter(([, s]: any) => s.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private'))
    .map(([id]) => {
      const assoc: any = Object.values(template.findResources('AWS::EC2::SubnetRouteTableAssociation'))
        .find((a: any) => a.Properties.SubnetId.Ref === id);
      return assoc.Properties.RouteTableId.Ref;
    });
}

/** The definition of the run workflow, with tokens replaced by readable placeholders. */
function runWorkflowDefinition(template: Template): any {
  return definitionOf(onlyStateMachine(template.toJSON(), /RunWorkflow/)[1]);
}

describe('dev: NetworkProfile.ON_DEMAND_EGRESS (the default)', () => {
  // GIVEN a dev platform with default props
  const { platform } = platformStack();
  // WHEN it is synthesized
  const template = Template.fromStack(Stack.of(platform));

  test('has no NAT gateway, no Elastic IP and no interface endpoint while idle', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
    expect(Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e: any) => e.Properties.VpcEndpointType === 'Interface')).toHaveLength(0);
    expect(platform.networkProfile).toBe(NetworkProfile.ON_DEMAND_EGRESS);
  });

  test('keeps two private subnets, whose route tables have no default route while idle', () => {
    const tables = privateRouteTables(template);
    expect(tables).toHaveLength(2);
    const defaultRoutes = Object.values(template.findResources('AWS::EC2::Route'))
      .filter((r: any) => tables.includes(r.Properties.RouteTableId.Ref));
    expect(defaultRoutes).toHaveLength(0);
  });

  test('routes S3 and DynamoDB through gateway endpoints on the private route tables', () => {
    const tables = privateRouteTables(template).sort();
    const gateways = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e: any) => e.Properties.VpcEndpointType === 'Gateway') as any[];
    expect(gateways).toHaveLength(2);
    for (const endpoint of gateways) {
      expect(endpoint.Properties.RouteTableIds.map((r: any) => r.Ref)).toEqual(expect.arrayContaining(tables));
    }
  });

  test('creates the run workflow, and the StepFunctionsStateMachineARN output points to it', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'sanders-customer-platform-run-dev',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    const [runId] = onlyStateMachine(template.toJSON(), /RunWorkflow/);
    expect(template.toJSON().Outputs.StepFunctionsStateMachineARN.Value).toEqual({ Ref: runId });
    expect(platform.stateMachine).not.toBe(platform.jobWorkflow);
  });

  test('the run workflow creates a tagged NAT gateway and routes, runs the jobs, and always tears down', () => {
    const def = runWorkflowDefinition(template);
    const states = def.States;
    expect(states['Allocate Address'].Resource).toMatch(/aws-sdk:ec2:allocateAddress$/);
    expect(states['Allocate Address'].Parameters.TagSpecifications[0].Tags).toContainEqual({ Key: EGRESS_TAG, Value: expect.stringMatching(/^\$\{.*Vpc.*\}$/) });
    expect(states['Create NAT Gateway'].Parameters.SubnetId).toMatch(/PublicSubnet1/);
    expect(states['Create Route 1'].Parameters).toMatchObject({ 'DestinationCidrBlock': '0.0.0.0/0', 'NatGatewayId.$': '$.egress.nat.NatGatewayId' });
    expect(states['Create Route 1'].Catch[0].Next).toBe('Replace Route 1');
    expect(states['Run job workflow'].Resource).toMatch(/states:startExecution\.sync:2$/);
    // Every step that creates or runs something goes to the teardown when it fails; the teardown first waits for
    // every job to end, then deletes the routes.
    for (const name of ['Allocate Address', 'Create NAT Gateway', 'Describe NAT Gateway', 'Replace Route 1', 'Replace Route 2', 'Run job workflow']) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Start waiting for jobs' }]);
    }
    expect(states['Run job workflow'].Next).toBe('Start waiting for jobs');
    expect(states['Every job ended?'].Default).toBe('Jobs ended');
    expect(states['Jobs ended'].Next).toBe('Delete Route 1');
    expect(states['Stop waiting for jobs'].Next).toBe('Delete Route 1');
    // The teardown finds what to delete by tag, so it also removes what an earlier run left behind.
    expect(states['Find NAT Gateways'].Parameters.Filter).toContainEqual({ Name: `tag:${EGRESS_TAG}`, Values: [expect.any(String)] });
    expect(states['Find Addresses'].Parameters.Filters).toContainEqual({ Name: `tag:${EGRESS_TAG}`, Values: [expect.any(String)] });
    expect(states.Outcome.Choices[0]).toEqual({ Variable: '$.error', IsPresent: true, Next: 'Run failed' });
  });

  test('the run workflow runs one run at a time: it takes a lock before it creates anything, and releases it after the teardown', () => {
    const states = runWorkflowDefinition(template).States;
    // The run date and its claim come first (a start of an active date ends there), then the lock, then egress.
    expect(states['Keep input'].Next).toBe('Resolve run date');
    expect(states['Add run date to input'].Next).toBe('A run of one date?');
    expect(states['A run of one date?'].Default).toBe('Claim the run date');
    expect(states['Claim the run date'].Next).toBe('Take the lock');
    expect(states['Take the lock'].Next).toBe('Teardown only?');
    expect(states['Teardown only?'].Default).toBe('Allocate Address');
    expect(states['Take the lock'].Resource).toMatch(/states:::dynamodb:putItem$/);
    expect(states['Take the lock'].Parameters.ConditionExpression).toBe('attribute_not_exists(#lock) OR #owner = :me');
    expect(states['Take the lock'].Parameters.TableName).toEqual(expect.stringMatching(/^\$\{.*RunLockTable.*\}$/));
    expect(states['Release the lock'].Resource).toMatch(/states:::dynamodb:deleteItem$/);
    expect(states['Release the lock'].Parameters.ConditionExpression).toBe('#owner = :me');
    expect(states['Release the lock'].Next).toBe('Outcome');
    expect(states['Release addresses'].Next).toBe('Release the lock');
    // A stale lock is taken over only if its owner no longer runs.
    expect(states['Owner still running?'].Choices[0]).toEqual({ Variable: '$.lock.owner.status', StringEquals: 'RUNNING', Next: 'Waited too long?' });
    expect(states['Owner still running?'].Default).toBe('Take over the stale lock');
  });

  test('the run workflow may change only the private route tables (IAM authorizes route actions on the route table alone)', () => {
    const tables = privateRouteTables(template);
    // Inline or managed, whichever the roles use.
    const routeStatements = policyStatements(template.toJSON())
      .filter((s: any) => [s.Action].flat().some((a: string) => /^ec2:(create|replace|delete)Route$/i.test(a)));
    const onTables = routeStatements.filter((s: any) => !JSON.stringify(s.Resource).includes(':natgateway/'));
    const onTargets = routeStatements.filter((s: any) => JSON.stringify(s.Resource).includes(':natgateway/'));
    expect(onTables.length).toBeGreaterThanOrEqual(3);
    for (const statement of onTables) {
      const text = JSON.stringify(statement.Resource);
      expect(tables.some(t => text.includes(t))).toBe(true);
      expect(text).not.toContain('"*"');
    }
    // CreateRoute and ReplaceRoute take only route-table resources in the IAM service reference: a statement on
    // natgateway/* (with a tag condition) would never apply, so there is none.
    expect(onTargets).toEqual([]);
  });

  test('tears down the egress of a run that is stopped or times out', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { stateMachineArn: [{ Ref: Match.stringLikeRegexp('RunWorkflow') }], status: ['ABORTED', 'TIMED_OUT'] },
      },
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: '{"teardownOnly":true,"stoppedRun":<detail-name>}' }) })],
    });
  });
});

describe('prod: NetworkProfile.NAT_GATEWAY_PER_AZ (the default)', () => {
  const { platform } = platformStack({ environment: 'prod' });
  const template = Template.fromStack(Stack.of(platform));

  test('has a NAT gateway with its own address in each AZ, each private subnet routed to its own AZ\'s', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::EIP', 2);
    const nats = template.findResources('AWS::EC2::NatGateway');
    const natSubnets = new Set(Object.values(nats).map((n: any) => n.Properties.SubnetId.Ref));
    expect(natSubnets.size).toBe(2);
    const tables = privateRouteTables(template);
    const targets = tables.map(t => (Object.values(template.findResources('AWS::EC2::Route')) as any[])
      .find(r => r.Properties.RouteTableId.Ref === t && r.Properties.DestinationCidrBlock === '0.0.0.0/0').Properties.NatGatewayId.Ref);
    expect(new Set(targets).size).toBe(2);
    expect(platform.networkProfile).toBe(NetworkProfile.NAT_GATEWAY_PER_AZ);
  });

  test('has S3 and DynamoDB gateway endpoints and no run workflow', () => {
    const gateways = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e: any) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(2);
    expect(stateMachines(template.toJSON(), /RunWorkflow/)).toHaveLength(0);
    expect(platform.stateMachine).toBe(platform.jobWorkflow);
  });
});

describe('network profiles on request', () => {
  test('SINGLE_NAT_GATEWAY has one NAT gateway for both private subnets', () => {
    const template = platformTemplate({ networkProfile: NetworkProfile.SINGLE_NAT_GATEWAY });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
  });

  test('prod can run with ON_DEMAND_EGRESS', () => {
    const template = platformTemplate({ environment: 'prod', networkProfile: NetworkProfile.ON_DEMAND_EGRESS });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'sanders-customer-platform-run-prod' });
  });
});

describe('bring your own VPC', () => {
  function teamVpc(stack: Stack, privateSubnetIds: string[]): ec2.IVpc {
    return ec2.Vpc.fromVpcAttributes(stack, 'TeamVpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-central-1a', 'eu-central-1b'].slice(0, Math.max(1, privateSubnetIds.length)),
      privateSubnetIds,
      privateSubnetRouteTableIds: privateSubnetIds.map((_, i) => `rtb-0${i}`),
    });
  }

  test('runs the jobs in the team\'s private subnets and creates no network', () => {
    // GIVEN a team's VPC
    const app = new App();
    const stack = new Stack(app, 'TeamStack', { env: { account: '123456789012', region: 'eu-central-1' } });
    const vpc = teamVpc(stack, ['subnet-0a', 'subnet-0b']);
    // WHEN the platform runs in it
    const platform = new SandersBatchPlatform(stack, 'Platform', { vpc });
    const template = Template.fromStack(stack);
    // THEN
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::FlowLog']) {
      template.resourceCountIs(type, 0);
    }
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Subnets: ['subnet-0a', 'subnet-0b'] }),
    });
    expect(template.toJSON().Outputs.VPCId.Value).toBe('vpc-0123456789abcdef0');
    expect(platform.networkProfile).toBeUndefined();
    expect(platform.stateMachine).toBe(platform.jobWorkflow);
  });

  test('fails when the VPC has no private subnets with egress', () => {
    const app = new App();
    const stack = new Stack(app, 'TeamStack');
    const vpc = teamVpc(stack, []);
    expect(() => new SandersBatchPlatform(stack, 'Platform', { vpc })).toThrow(/vpc vpc-0123456789abcdef0 has no private subnets with egress/);
  });

  test('fails when a network profile is given too', () => {
    const app = new App();
    const stack = new Stack(app, 'TeamStack');
    const vpc = teamVpc(stack, ['subnet-0a']);
    expect(() => new SandersBatchPlatform(stack, 'Platform', { vpc, networkProfile: NetworkProfile.SINGLE_NAT_GATEWAY }))
      .toThrow(/networkProfile SINGLE_NAT_GATEWAY and vpc are both given: .*leave out networkProfile/);
  });
});
