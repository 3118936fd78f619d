import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { PlatformSettings } from '../settings/settings';

/** The platform's AWS Batch capacity: Fargate (and Fargate Spot) compute environments and the job queue. */
export interface Compute {
  readonly computeEnvironment: batch.FargateComputeEnvironment;
  readonly spotComputeEnvironment?: batch.FargateComputeEnvironment;
  readonly jobQueue: batch.JobQueue;
}

/** Creates the compute environments in the VPC's private subnets and the queue in front of them, under `scope`. */
export function createCompute(scope: Construct, s: PlatformSettings, vpc: ec2.IVpc): Compute {
  const securityGroup = new ec2.SecurityGroup(scope, 'JobSecurityGroup', {
    vpc,
    description: 'Batch jobs: no inbound traffic, outbound to AWS APIs and the image registry',
    allowAllOutbound: true,
  });
  const computeEnvironment = new batch.FargateComputeEnvironment(scope, 'ComputeEnvironment', {
    computeEnvironmentName: s.names.computeEnvironment(false),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [securityGroup],
    maxvCpus: s.maxvCpus,
    spot: false,
  });
  let spotComputeEnvironment: batch.FargateComputeEnvironment | undefined;
  if (s.operations.useSpot) {
    spotComputeEnvironment = new batch.FargateComputeEnvironment(scope, 'SpotComputeEnvironment', {
      computeEnvironmentName: s.names.computeEnvironment(true),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      maxvCpus: s.maxvCpus,
      spot: true,
    });
  }
  const jobQueue = new batch.JobQueue(scope, 'JobQueue', {
    jobQueueName: s.names.jobQueue,
    // Spot first; the queue falls back to on-demand when the Spot environment is at its maxvCpus.
    computeEnvironments: spotComputeEnvironment
      ? [{ computeEnvironment: spotComputeEnvironment, order: 1 }, { computeEnvironment: computeEnvironment, order: 2 }]
      : [{ computeEnvironment: computeEnvironment, order: 1 }],
    priority: 1,
  });

  return { computeEnvironment, spotComputeEnvironment, jobQueue };
}
