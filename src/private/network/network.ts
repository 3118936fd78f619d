import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NetworkProfile } from '../../network-profile';
import { acknowledge, inPacks } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { pathWithoutNamespaces } from '../core/namespace';
import { PlatformNames } from '../settings/names';

/** The VPC's two AZs. */
export const AZ_COUNT = 2;

export interface PlatformNetworkProps {
  readonly names: PlatformNames;
  readonly profile: NetworkProfile;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** What a run needs to create egress on demand (`NetworkProfile.ON_DEMAND_EGRESS`). */
export interface OnDemandEgressTarget {
  /** The public subnet the run's NAT gateway goes into. */
  readonly publicSubnet: ec2.ISubnet;
  /** The route tables of the private subnets, which get a default route while a run needs it. */
  readonly privateRouteTableIds: string[];
}

export interface PlatformNetwork {
  readonly vpc: ec2.Vpc;
  /** Set for `NetworkProfile.ON_DEMAND_EGRESS`. */
  readonly onDemandEgress?: OnDemandEgressTarget;
}

/**
 * A NAT provider that builds no NAT: the private subnets stay `PRIVATE_WITH_EGRESS` (so selections and
 * subnet tags are the same in every profile), and their route tables get a default route only while a
 * run needs it (see `egress-workflow.ts`).
 */
class OnDemandNatProvider extends ec2.NatProvider {
  public readonly privateSubnets: ec2.PrivateSubnet[] = [];
  public publicSubnet?: ec2.PublicSubnet;

  public get configuredGateways(): ec2.GatewayConfig[] {
    return [];
  }

  public configureNat(options: ec2.ConfigureNatOptions): void {
    this.publicSubnet = options.natSubnets[0];
    this.privateSubnets.push(...options.privateSubnets);
  }

  public configureSubnet(_subnet: ec2.PrivateSubnet): void {
    // No route while idle: a run adds it.
  }
}

/**
 * The platform's VPC: public and private subnets in two AZs, egress for the private ones as the profile
 * says, free gateway endpoints for S3 and DynamoDB (so data and most of an image pull never cross a NAT),
 * and flow logs.
 */
export function createPlatformVpc(scope: Construct, id: string, props: PlatformNetworkProps): PlatformNetwork {
  const flowLogGroup = new logs.LogGroup(scope, `${id}FlowLogs`, {
    logGroupName: props.names.flowLogGroup,
    retention: props.logRetention,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
  });
  const onDemand = props.profile === NetworkProfile.ON_DEMAND_EGRESS ? new OnDemandNatProvider() : undefined;
  const natGateways = props.profile === NetworkProfile.NAT_GATEWAY_PER_AZ ? AZ_COUNT : 1;
  const vpc = new ec2.Vpc(scope, id, {
    vpcName: props.names.vpc,
    maxAzs: AZ_COUNT,
    natGateways,
    natGatewayProvider: onDemand,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
    ],
    gatewayEndpoints: {
      S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
    },
    flowLogs: {
      FlowLog: {
        // A role of our own, so the flow log's permissions sit in a managed policy, not an inline one.
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, new ManagedPolicyRole(scope, `${id}FlowLogRole`, {
          assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
          description: 'Writes the platform VPC\'s flow logs to their log group',
        })),
        trafficType: ec2.FlowLogTrafficType.ALL,
      },
    },
    restrictDefaultSecurityGroup: false,
  });
  // ec2.Vpc names its subnets (and what they hold) and its flow log after their construct paths: keep the names
  // they had before the VPC moved into a namespace.
  for (const named of [...vpc.publicSubnets, ...vpc.privateSubnets, vpc.node.findChild('FlowLog')]) {
    Tags.of(named).add('Name', pathWithoutNamespaces(named));
  }
  acknowledge(vpc, ...inPacks('VPCDefaultSecurityGroupClosed', "Nothing is attached to the VPC's default security group: the Batch compute environment uses the platform's JobSecurityGroup (no inbound rules) and the platform creates no other network interface. Removing the default group's rules needs CDK's restrictDefaultSecurityGroup, a Lambda-backed custom resource that would add a Lambda function and a role with ec2:Revoke* rights to every environment, which the platform avoids"));
  for (const subnet of vpc.publicSubnets) {
    const route = subnet.node.tryFindChild('DefaultRoute');
    if (route) {
      acknowledge(route, ...inPacks('VPCNoUnrestrictedRouteToIGW', 'This public subnet exists for the NAT gateway (always there, or only during a run with NetworkProfile.ON_DEMAND_EGRESS), which needs the 0.0.0.0/0 route to the internet gateway to give the private subnets outbound access (ECR, Batch, CloudWatch Logs APIs). Nothing else runs in the public subnets: they assign no public IPs on launch and the jobs run in the private subnets'));
    }
  }
  if (!onDemand) return { vpc };
  return {
    vpc,
    onDemandEgress: {
      publicSubnet: onDemand.publicSubnet!,
      privateRouteTableIds: onDemand.privateSubnets.map(s => s.routeTable.routeTableId),
    },
  };
}
