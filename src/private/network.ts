import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PlatformNames } from './names';

export interface PlatformNetworkProps {
  readonly names: PlatformNames;
  readonly natGateways: number;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The platform's VPC: public and private subnets in two AZs, NAT egress for the private ones,
 * free gateway endpoints for S3 and DynamoDB (so data and most of an image pull never cross the NAT),
 * and flow logs of rejected and accepted traffic.
 */
export function createPlatformVpc(scope: Construct, id: string, props: PlatformNetworkProps): ec2.Vpc {
  const flowLogGroup = new logs.LogGroup(scope, `${id}FlowLogs`, {
    logGroupName: props.names.flowLogGroup,
    retention: props.logRetention,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
  });
  const vpc = new ec2.Vpc(scope, id, {
    vpcName: props.names.vpc,
    maxAzs: 2,
    natGateways: props.natGateways,
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
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      },
    },
    restrictDefaultSecurityGroup: false,
  });
  return vpc;
}
