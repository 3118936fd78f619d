import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { JobDefinitions } from './job-definitions';
import { acknowledge } from '../core/compliance';
import { createLogGroup } from '../core/log-group';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { Namespace } from '../core/namespace';
import { grantDataAccess } from '../data/data-access';
import { PlatformNames } from '../settings/names';
import { ComputeSettings, LogSettings, SHARED_JOB_ACCESS } from '../settings/settings';

export interface ComputePartProps {
  readonly names: PlatformNames;
  readonly settings: ComputeSettings;
  readonly logs: LogSettings;
  readonly vpc: ec2.IVpc;
  readonly encryptionKey: kms.IKey;
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly repository: ecr.IRepository;
}

/**
 * The compute part (`Compute`): Fargate (and Fargate Spot) compute environments in the VPC's private subnets,
 * the job queue in front of them, the jobs' log group and roles, and their job definitions.
 */
export class ComputePart extends Namespace {
  public readonly computeEnvironment: batch.FargateComputeEnvironment;
  public readonly spotComputeEnvironment?: batch.FargateComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  public readonly jobLogGroup: logs.LogGroup;
  public readonly executionRole: ManagedPolicyRole;
  public readonly jobRole: ManagedPolicyRole;
  public readonly jobDefinitions: JobDefinitions;

  constructor(scope: Construct, id: string, props: ComputePartProps) {
    super(scope, id);
    const { names, settings } = props;
    const securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: props.vpc,
      description: 'Batch jobs: no inbound traffic, outbound to AWS APIs and the image registry',
      allowAllOutbound: true,
    });
    const environment = (ceId: string, spot: boolean) => new batch.FargateComputeEnvironment(this, ceId, {
      computeEnvironmentName: names.computeEnvironment(spot),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      maxvCpus: settings.maxvCpus,
      spot,
    });
    this.computeEnvironment = environment('ComputeEnvironment', false);
    this.spotComputeEnvironment = settings.useSpot ? environment('SpotComputeEnvironment', true) : undefined;
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      jobQueueName: names.jobQueue,
      // Spot first; the queue falls back to on-demand when the Spot environment is at its maxvCpus.
      computeEnvironments: this.spotComputeEnvironment
        ? [{ computeEnvironment: this.spotComputeEnvironment, order: 1 }, { computeEnvironment: this.computeEnvironment, order: 2 }]
        : [{ computeEnvironment: this.computeEnvironment, order: 1 }],
      priority: 1,
    });
    this.jobLogGroup = createLogGroup(this, 'JobLogs', { logGroupName: names.jobLogGroup, encryptionKey: props.encryptionKey, logs: props.logs });
    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'ECS task execution role of the batch platform: pulls the job image and writes job logs',
    });
    acknowledge(this.executionRole, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login, not access to a repository); image pulls themselves are limited to the repositories of the jobs\' images',
    });
    this.jobRole = new ManagedPolicyRole(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "Batch job role: read-write on the platform's bucket and table, nothing else",
    });
    grantDataAccess(this.jobRole, props.bucket, props.table, SHARED_JOB_ACCESS);
    this.jobDefinitions = new JobDefinitions(this, {
      names,
      settings,
      repository: props.repository,
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      jobLogGroup: this.jobLogGroup,
      bucket: props.bucket,
      table: props.table,
    });
  }
}
