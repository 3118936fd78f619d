import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { NetworkProfile } from '../../network-profile';
import { acknowledge, inPacks } from '../core/compliance';
import { createLogGroup } from '../core/log-group';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { Namespace, pathWithoutNamespaces } from '../core/namespace';
import { PlatformNames } from '../settings/names';
import type { LogSettings } from '../settings/settings';

/** The VPC's two AZs. */
export const AZ_COUNT = 2;

export interface NetworkPartProps {
  readonly names: PlatformNames;
  readonly profile: NetworkProfile;
  readonly encryptionKey: kms.IKey;
  readonly logs: LogSettings;
}

/** What a run needs to create egress on demand (`NetworkProfile.ON_DEMAND_EGRESS`). */
export interface OnDemandEgressTarget {
  /** The public subnet the run's NAT gateway goes into. */
  readonly publicSubnet: ec2.ISubnet;
  /** The route tables of the private subnets, which get a default route while a run needs it. */
  readonly privateRouteTableIds: string[];
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
 * The network part (`Network`): the platform's VPC, with public and private subnets in two AZs, egress for the
 * private ones as the profile says, free gateway endpoints for S3 and DynamoDB (so data and most of an image pull
 * never cross a NAT), and flow logs.
 */
export class NetworkPart extends Namespace {
  public readonly vpc: ec2.Vpc;
  /** Set for `NetworkProfile.ON_DEMAND_EGRESS`. */
  public readonly onDemandEgress?: OnDemandEgressTarget;

  constructor(scope: Construct, id: string, props: NetworkPartProps) {
    super(scope, id);
    const onDemand = props.profile === NetworkProfile.ON_DEMAND_EGRESS ? new OnDemandNatProvider() : undefined;
    this.vpc = this.createVpc(props, onDemand);
    // ec2.Vpc names its subnets (and what they hold) and its flow log after their construct paths: keep the names
    // they had before the VPC moved into a namespace.
    for (const named of [...this.vpc.publicSubnets, ...this.vpc.privateSubnets, this.vpc.node.findChild('FlowLog')]) {
      Tags.of(named).add('Name', pathWithoutNamespaces(named));
    }
    this.acknowledgeRoutes();
    if (onDemand) {
      this.onDemandEgress = {
        publicSubnet: onDemand.publicSubnet!,
        privateRouteTableIds: onDemand.privateSubnets.map(s => s.routeTable.routeTableId),
      };
    }
  }

  private createVpc(props: NetworkPartProps, onDemand?: OnDemandNatProvider): ec2.Vpc {
    const flowLogGroup = createLogGroup(this, 'VpcFlowLogs', { logGroupName: props.names.flowLogGroup, encryptionKey: props.encryptionKey, logs: props.logs });
    // A role of our own, so the flow log's permissions sit in a managed policy, not an inline one.
    const flowLogRole = new ManagedPolicyRole(this, 'VpcFlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: 'Writes the platform VPC\'s flow logs to their log group',
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.names.vpc,
      maxAzs: AZ_COUNT,
      natGateways: props.profile === NetworkProfile.NAT_GATEWAY_PER_AZ ? AZ_COUNT : 1,
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
        FlowLog: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole), trafficType: ec2.FlowLogTrafficType.ALL },
      },
      restrictDefaultSecurityGroup: false,
    });
    acknowledge(vpc, ...inPacks('VPCDefaultSecurityGroupClosed', "Nothing is attached to the VPC's default security group: the Batch compute environment uses the platform's JobSecurityGroup (no inbound rules) and the platform creates no other network interface. Removing the default group's rules needs CDK's restrictDefaultSecurityGroup, a Lambda-backed custom resource that would add a Lambda function and a role with ec2:Revoke* rights to every environment, which the platform avoids"));
    return vpc;
  }

  private acknowledgeRoutes(): void {
    for (const subnet of this.vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (route) {
        acknowledge(route, ...inPacks('VPCNoUnrestrictedRouteToIGW', 'This public subnet exists for the NAT gateway (always there, or only during a run with NetworkProfile.ON_DEMAND_EGRESS), which needs the 0.0.0.0/0 route to the internet gateway to give the private subnets outbound access (ECR, Batch, CloudWatch Logs APIs). Nothing else runs in the public subnets: they assign no public IPs on launch and the jobs run in the private subnets'));
      }
    }
  }
}
