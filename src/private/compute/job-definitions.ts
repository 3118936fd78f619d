import { Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { grantDataAccess } from '../data/data-access';
import { PlatformNames } from '../settings/names';
import { ComputeSettings, JobSettings, TierSettings } from '../settings/settings';

export interface JobDefinitionsProps {
  readonly names: PlatformNames;
  readonly settings: ComputeSettings;
  readonly repository: ecr.IRepository;
  readonly executionRole: iam.IRole;
  readonly jobRole: iam.IRole;
  readonly jobLogGroup: logs.ILogGroup;
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
}

/**
 * One job definition per memory tier, and one per workflow job that needs its own (secrets, narrower data
 * access with a role of its own, or an image of its own), created in `scope` (the compute part).
 */
export class JobDefinitions {
  /** The tiers' job definitions, in the order of the tiers. */
  public readonly tierDefinitions: batch.EcsJobDefinition[];
  /** The names of every job definition, for the workflow's `batch:SubmitJob` grant. */
  public readonly names: string[];
  private readonly byTier = new Map<string, batch.EcsJobDefinition>();
  private readonly byJob = new Map<string, batch.EcsJobDefinition>();
  /** Execution roles of jobs with secrets, by their set of secrets. */
  private readonly secretExecutionRoles = new Map<string, iam.IRole>();

  constructor(private readonly scope: Construct, private readonly props: JobDefinitionsProps) {
    const { names, settings } = props;
    this.tierDefinitions = settings.tiers.map(tier => {
      const def = this.create(`JobDefinition-${tier.name}`, names.jobDefinition(tier.name), tier, props.jobRole);
      this.byTier.set(tier.name, def);
      return def;
    });
    for (const job of settings.jobs.filter(j => j.ownJobDefinition)) {
      this.byJob.set(job.name, this.create(`JobDefinition-job-${job.name}`, names.jobDefinition(job.name), job.tier, this.roleOf(job), job));
    }
    this.names = [...settings.tiers.map(t => names.jobDefinition(t.name)), ...[...this.byJob.keys()].map(n => names.jobDefinition(n))];
  }

  /** The job definition of a memory tier, or undefined. */
  public ofTier(tierName: string): batch.IJobDefinition | undefined {
    return this.byTier.get(tierName);
  }

  /** The names of the tiers that have a job definition. */
  public get tierNames(): string[] {
    return [...this.byTier.keys()];
  }

  /** The job definition a workflow job runs with: its own, or its tier's. */
  public of(job: JobSettings): batch.IJobDefinition {
    return this.byJob.get(job.name) ?? this.byTier.get(job.tier.name)!;
  }

  /** A job with declared data access runs with a role of its own that has only that access. */
  private roleOf(job: JobSettings): iam.IRole {
    if (job.dataAccess === undefined) return this.props.jobRole;
    const role = new ManagedPolicyRole(this.scope, `JobRole-${job.name}`, {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Role of workflow job ${job.name}: bucket ${job.dataAccess.bucket}, table ${job.dataAccess.table}`,
    });
    grantDataAccess(role, this.props.bucket, this.props.table, job.dataAccess);
    return role;
  }

  /**
   * The execution role of a job with secrets: Batch reads them with the execution role, so one shared by every
   * job would let each job read every other job's secrets. Jobs with the same secrets share one (named after the
   * first of them), which keeps a large workflow with one common secret within the stack's 500 resources.
   */
  private executionRoleFor(id: string, secrets: { [name: string]: batch.Secret }): iam.IRole {
    const key = JSON.stringify(Object.values(secrets).map(secret => Stack.of(this.scope).resolve(secret.arn)).map(a => JSON.stringify(a)).sort());
    const existing = this.secretExecutionRoles.get(key);
    if (existing) return existing;
    const role = new ManagedPolicyRole(this.scope, `${id}ExecutionRole`, {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `ECS task execution role of ${id} (and of jobs with the same secrets): pulls the job image, writes job logs and reads these secrets only`,
    });
    acknowledge(role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login, not access to a repository); image pulls themselves are limited to the repositories of the jobs\' images',
    });
    this.secretExecutionRoles.set(key, role);
    return role;
  }

  private create(id: string, name: string, tier: TierSettings, jobRole: iam.IRole, job?: JobSettings): batch.EcsJobDefinition {
    const container = new batch.EcsFargateContainerDefinition(this.scope, `${id}Container`, {
      image: job?.image ?? tier.image ?? ecs.ContainerImage.fromEcrRepository(this.props.repository, this.props.settings.imageTag),
      cpu: tier.vcpu,
      memory: tier.memory,
      executionRole: job?.secrets && Object.keys(job.secrets).length > 0 ? this.executionRoleFor(id, job.secrets) : this.props.executionRole,
      jobRole,
      fargateCpuArchitecture: tier.cpuArchitecture,
      fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      ephemeralStorageSize: tier.ephemeralStorage,
      assignPublicIp: false,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.props.jobLogGroup, streamPrefix: 'job' }),
      secrets: job?.secrets,
    });
    return new batch.EcsJobDefinition(this.scope, id, {
      jobDefinitionName: name,
      container,
      propagateTags: true,
      // Batch keeps a replaced revision ACTIVE, so a job already submitted with it still runs.
      skipDeregisterOnUpdate: true,
    });
  }
}
