import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { MemoryTier } from './memory-tier';
import { NetworkProfile } from './network-profile';
import { createCompute } from './private/compute/compute';
import { defaultRetryStrategies, renderEvaluateOnExit } from './private/compute/retry';
import { acknowledge, wildcardResourceFinding } from './private/core/compliance';
import { createLoggedStateMachine } from './private/core/logged-state-machine';
import { ManagedPolicyRole } from './private/core/managed-policy-role';
import { Namespace } from './private/core/namespace';
import { grantDataAccess } from './private/data/data-access';
import { createDataStores } from './private/data/data-stores';
import { createEgressRunWorkflow } from './private/egress/egress-workflow';
import { createMonitoring } from './private/monitoring/monitoring';
import { createPlatformVpc } from './private/network/network';
import { hasOwnJobDefinition, resolveSettings, PlatformSettings } from './private/settings/settings';
import { claimStackNames } from './private/settings/stack-names';
import { createRunSchedule } from './private/workflow/schedule';
import { warnIfBelowPeak } from './private/workflow/workflow-capacity';
import { createRunCleanup } from './private/workflow/workflow-cleanup';
import { buildWorkflowDefinition, JobSubmission, workflowOptionsOf } from './private/workflow/workflow-definition';
import { SandersBatchPlatformProps } from './sanders-batch-platform-props';
import { AccessLevel, WorkflowJob } from './workflow-job';

/**
 * A batch data platform in one construct: an S3 bucket and a DynamoDB table for the data, an ECR repository
 * for the job image, a VPC, AWS Batch on Fargate with one job definition per memory tier, and a Step Functions
 * workflow that runs the jobs in dependency order.
 */
export class SandersBatchPlatform extends Construct {
  /** The environment name. */
  public readonly environment: string;
  /** The customer-managed KMS key that encrypts the bucket, table, repository and logs. */
  public readonly encryptionKey: kms.IKey;
  /** The data bucket. */
  public readonly bucket: s3.IBucket;
  /** The daily customer features table (`customer_id`, `date`). */
  public readonly table: dynamodb.ITable;
  /** The repository of the job image. */
  public readonly repository: ecr.IRepository;
  /** The VPC the jobs run in (private subnets). */
  public readonly vpc: ec2.IVpc;
  /** The Fargate compute environment. */
  public readonly computeEnvironment: batch.IFargateComputeEnvironment;
  /** The job queue. */
  public readonly jobQueue: batch.IJobQueue;
  /** One job definition per memory tier, in the order of `memoryTiers`. */
  public readonly tierJobDefinitions: batch.IJobDefinition[];
  /** The log group of the jobs' output. */
  public readonly jobLogGroup: logs.ILogGroup;
  /** The role ECS uses to pull the image and write logs. */
  public readonly executionRole: iam.IRole;
  /** The role the jobs run with, unless a job declares `dataAccess`: read-write on the bucket and table. */
  public readonly jobRole: iam.IRole;
  /**
   * The job workflow: runs the jobs in dependency order. With `NetworkProfile.ON_DEMAND_EGRESS` (dev's default)
   * start runs with `runStateMachine` instead, which creates the network egress the jobs need first.
   */
  public readonly stateMachine: sfn.IStateMachine;
  /**
   * The state machine a run is started with (the `StepFunctionsStateMachineARN` output): with
   * `NetworkProfile.ON_DEMAND_EGRESS` the run workflow that creates egress for the run and then runs
   * `stateMachine`; otherwise `stateMachine` itself.
   */
  public readonly runStateMachine: sfn.IStateMachine;
  /** The network profile of the VPC the platform created; undefined when the VPC was brought in. */
  public readonly networkProfile?: NetworkProfile;
  /** The Fargate Spot compute environment, first in the queue, when `useSpot` is on. */
  public readonly spotComputeEnvironment?: batch.IFargateComputeEnvironment;
  /** The topic told about failed runs, failed jobs and alarms. */
  public readonly alarmTopic: sns.ITopic;
  /** Fires when a run fails. */
  public readonly failedRunsAlarm: cloudwatch.IAlarm;
  /** Fires when a job waits in RUNNABLE longer than `runnableTimeout`. */
  public readonly stuckJobsAlarm: cloudwatch.IAlarm;
  /** The operations dashboard, when `createDashboard` is on. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The schedule that starts runs, when `schedule` is set. */
  public readonly schedule?: scheduler.ISchedule;

  private readonly settings: PlatformSettings;
  /** The namespace of the compute part (queue, job definitions and their roles). */
  private readonly computePart: Construct;
  private readonly tierDefinitions = new Map<string, batch.IJobDefinition>();
  /** Names of every job definition the workflow may submit, for the state machine's policy. */
  private readonly jobDefinitionNames: string[] = [];

  /**
   * @param scope the construct the platform is created in, usually a `Stack`
   * @param id the platform's construct id, part of every child's logical ID: changing it replaces every resource
   * @param props the platform's settings; every one has a default
   */
  constructor(scope: Construct, id: string, props: SandersBatchPlatformProps = {}) {
    super(scope, id);
    // Everything is validated before the first child is created. JavaScript callers may pass null.
    const s = resolveSettings(props ?? {});
    claimStackNames(this, s);
    this.settings = s;
    this.environment = s.environment;

    const data = createDataStores(new Namespace(this, 'Data'), s);
    const key = data.encryptionKey;
    this.encryptionKey = key;
    this.bucket = data.bucket;
    this.table = data.table;
    this.repository = data.repository;

    const ops = s.operations;
    this.networkProfile = ops.networkProfile;
    const network = ops.networkProfile === undefined ? undefined : createPlatformVpc(new Namespace(this, 'Network'), 'Vpc', {
      names: s.names,
      profile: ops.networkProfile,
      encryptionKey: key,
      logRetention: s.logRetention,
      removalPolicy: s.removalPolicy,
    });
    this.vpc = network?.vpc ?? ops.vpc!;

    this.computePart = new Namespace(this, 'Compute');
    const compute = createCompute(this.computePart, s, this.vpc);
    this.computeEnvironment = compute.computeEnvironment;
    this.spotComputeEnvironment = compute.spotComputeEnvironment;
    this.jobQueue = compute.jobQueue;

    this.jobLogGroup = new logs.LogGroup(this.computePart, 'JobLogs', {
      logGroupName: s.names.jobLogGroup,
      retention: s.logRetention,
      encryptionKey: key,
      removalPolicy: s.removalPolicy,
    });

    this.executionRole = new ManagedPolicyRole(this.computePart, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'ECS task execution role of the batch platform: pulls the job image and writes job logs',
    });
    acknowledge(this.executionRole, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login, not access to a repository); image pulls themselves are limited to the platform\'s repository',
    });
    this.jobRole = new ManagedPolicyRole(this.computePart, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "Batch job role: read-write on the platform's bucket and table, nothing else",
    });
    grantDataAccess(this.jobRole, this.bucket, this.table, {});

    this.tierJobDefinitions = s.tiers.map(tier => {
      const def = this.createJobDefinition(`JobDefinition-${tier.name}`, s.names.jobDefinition(tier.name), tier, this.jobRole);
      this.tierDefinitions.set(tier.name, def);
      return def;
    });

    const submissions = s.workflow.map(job => this.submissionFor(job));
    const workflowPart = new Namespace(this, 'Workflow');
    this.stateMachine = this.createStateMachine(workflowPart, submissions);
    createRunCleanup(workflowPart, { settings: s, jobWorkflow: this.stateMachine, jobQueue: this.jobQueue, encryptionKey: key });
    warnIfBelowPeak(this, s);
    this.runStateMachine = network?.onDemandEgress
      ? createEgressRunWorkflow(new Namespace(this, 'Egress'), {
        names: s.names,
        vpc: this.vpc,
        target: network.onDemandEgress,
        jobWorkflow: this.stateMachine,
        encryptionKey: key,
        logRetention: s.logRetention,
        removalPolicy: s.removalPolicy,
      })
      : this.stateMachine;

    const monitoring = createMonitoring(new Namespace(this, 'Monitoring'), {
      names: s.names,
      runStateMachine: this.runStateMachine,
      jobQueue: this.jobQueue,
      encryptionKey: key,
      alarmTopic: props.alarmTopic,
      alarmEmails: ops.alarmEmails,
      runnableTimeout: ops.runnableTimeout,
      createDashboard: ops.createDashboard,
      logRetention: s.logRetention,
      removalPolicy: s.removalPolicy,
    });
    this.alarmTopic = monitoring.alarmTopic;
    this.failedRunsAlarm = monitoring.failedRunsAlarm;
    this.stuckJobsAlarm = monitoring.stuckJobsAlarm;
    this.dashboard = monitoring.dashboard;
    if (ops.schedule) {
      this.schedule = createRunSchedule(workflowPart, { names: s.names, schedule: ops.schedule, stateMachine: this.runStateMachine });
    }

    if (s.createOutputs) this.createOutputs();
  }

  /**
   * The job definition of a memory tier.
   *
   * @param tierName the tier's name, e.g. `8gb`
   */
  public jobDefinitionFor(tierName: string): batch.IJobDefinition {
    const def = this.tierDefinitions.get(tierName);
    if (!def) {
      throw new Error(`memory tier '${tierName}' does not exist: use one of ${[...this.tierDefinitions.keys()].map(t => `'${t}'`).join(', ')}`);
    }
    return def;
  }

  /**
   * Lets the grantee start runs of the workflow.
   *
   * @param grantee the principal that may start executions, e.g. a Lambda function or a role
   */
  public grantStartWorkflow(grantee: iam.IGrantable): iam.Grant {
    return this.runStateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets the grantee push and pull job images.
   *
   * @param grantee the principal that may push and pull, e.g. a CI role
   */
  public grantPushImages(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPullPush(grantee);
  }

  /**
   * Lets the grantee read the platform's data: the bucket's objects and the table's items.
   *
   * @param grantee the principal that may read, e.g. an analytics role
   */
  public grantReadData(grantee: iam.IGrantable): iam.Grant {
    this.bucket.grantRead(grantee);
    return this.table.grantReadData(grantee);
  }

  private createJobDefinition(id: string, name: string, tier: MemoryTier, jobRole: iam.IRole, job?: WorkflowJob): batch.EcsJobDefinition {
    const container = new batch.EcsFargateContainerDefinition(this.computePart, `${id}Container`, {
      image: ecs.ContainerImage.fromEcrRepository(this.repository, this.settings.imageTag),
      cpu: tier.vcpu,
      memory: tier.memory,
      executionRole: this.executionRole,
      jobRole,
      fargateCpuArchitecture: tier.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
      fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      ephemeralStorageSize: tier.ephemeralStorage,
      assignPublicIp: false,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.jobLogGroup, streamPrefix: 'job' }),
      secrets: job?.secrets,
    });
    this.jobDefinitionNames.push(name);
    return new batch.EcsJobDefinition(this.computePart, id, {
      jobDefinitionName: name,
      container,
      propagateTags: true,
      // Batch keeps a replaced revision ACTIVE, so a job already submitted with it still runs.
      skipDeregisterOnUpdate: true,
    });
  }

  /** The job definition a workflow job runs with: its tier's, or its own when it needs secrets or narrower access. */
  private submissionFor(job: WorkflowJob): JobSubmission {
    const tier = this.settings.tiers.find(t => t.name === job.tier)!;
    let definition = this.tierDefinitions.get(job.tier)!;
    if (hasOwnJobDefinition(job)) {
      let role = this.jobRole;
      if (job.dataAccess !== undefined) {
        role = new ManagedPolicyRole(this.computePart, `JobRole-${job.name}`, {
          assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
          description: `Role of workflow job ${job.name}: bucket ${job.dataAccess.bucket ?? AccessLevel.READ_WRITE}, table ${job.dataAccess.table ?? AccessLevel.READ_WRITE}`,
        });
        grantDataAccess(role, this.bucket, this.table, job.dataAccess);
      }
      definition = this.createJobDefinition(`JobDefinition-job-${job.name}`, this.settings.names.jobDefinition(job.name), tier, role, job);
    }
    return {
      name: job.name,
      jobDefinitionArn: definition.jobDefinitionArn,
      dependsOn: job.dependsOn ?? [],
      command: job.command,
      environment: job.environment ?? {},
      retryAttempts: job.retryAttempts ?? 3,
      evaluateOnExit: renderEvaluateOnExit(job.retryStrategies ?? defaultRetryStrategies()),
      timeoutSeconds: job.timeout?.toSeconds(),
      arraySize: job.arraySize,
    };
  }

  private createStateMachine(scope: Construct, submissions: JobSubmission[]): sfn.StateMachine {
    const stack = Stack.of(this);
    const definition = buildWorkflowDefinition(submissions, this.jobQueue.jobQueueArn, workflowOptionsOf(this.settings));
    const jobDefinitionArns = [...this.jobDefinitionNames].map(n => stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${n}:*` }));
    const jobArns = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    const { stateMachine, role } = createLoggedStateMachine(scope, 'Workflow', {
      stateMachineName: this.settings.names.stateMachine,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      roleDescription: 'Role of the batch platform workflow: submits, watches and stops the platform\'s Batch jobs, writes its logs and traces',
      encryptionKey: this.encryptionKey,
      logRetention: this.settings.logRetention,
      removalPolicy: this.settings.removalPolicy,
    });
    // At most 20 job definitions per statement, so a large workflow's grants spread over managed policies
    // that each stay under IAM's 6,144-character limit (see ManagedPolicyRole).
    for (let i = 0; i === 0 || i < jobDefinitionArns.length; i += 20) {
      stateMachine.addToRolePolicy(new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [this.jobQueue.jobQueueArn, ...jobDefinitionArns.slice(i, i + 20)],
      }));
    }
    stateMachine.addToRolePolicy(new iam.PolicyStatement({
      // DescribeJobs and ListJobs (how the watch finds the run's jobs) have no resource-level permissions.
      actions: ['batch:DescribeJobs', 'batch:ListJobs'],
      resources: ['*'],
    }));
    stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['batch:TerminateJob'],
      resources: [jobArns],
    }));
    acknowledge(role,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only for actions without resource-level permissions: batch:DescribeJobs (how a .sync task polls its job), batch:ListJobs (how the watch finds the run\'s jobs), X-Ray trace writing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and friends), which Step Functions needs for logging at level ALL',
      },
      {
        id: wildcardResourceFinding(this, jobArns),
        reason: 'batch:TerminateJob names a job by its ID, which Batch assigns at submission; the workflow stops only jobs of its own run (found by their name) when a job fails or runTimeout passes',
      },
      ...jobDefinitionArns.map(arn => ({
        id: wildcardResourceFinding(this, arn),
        reason: 'The :* matches the revisions of one of the platform\'s own job definitions, by name; every deploy registers a new revision and a run in flight may still submit the previous one',
      })));
    stateMachine.addToRolePolicy(new iam.PolicyStatement({
      // How Step Functions waits for a `.sync` Batch job.
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForBatchJobsRule' })],
    }));
    return stateMachine;
  }

  private createOutputs(): void {
    const outputs: Array<[string, string, string]> = [
      ['S3BucketName', this.bucket.bucketName, 'Name of the S3 bucket'],
      ['DynamoDBTableName', this.table.tableName, 'Name of the DynamoDB table'],
      ['ECRRepositoryURI', this.repository.repositoryUri, 'URI for pushing Docker images'],
      ['VPCId', this.vpc.vpcId, 'VPC identifier'],
      ['BatchJobQueueName', this.jobQueue.jobQueueName, 'Batch job queue name'],
      ['StepFunctionsStateMachineARN', this.runStateMachine.stateMachineArn, 'State machine ARN for orchestration'],
    ];
    // Outputs name their logical IDs themselves: a plain construct groups them.
    const scope = new Construct(this, 'Outputs');
    for (const [key, value, description] of outputs) {
      const output = new CfnOutput(scope, key, { value, description });
      // The seed's keys, exactly: `describe-stacks --query 'Stacks[0].Outputs[?OutputKey==`ECRRepositoryURI`]'`.
      output.overrideLogicalId(key);
    }
  }
}
