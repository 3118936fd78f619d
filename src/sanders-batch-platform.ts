import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import { resolveSettings, PlatformSettings } from './private/settings';
import { createPlatformVpc } from './private/network';
import { createEgressRunWorkflow } from './private/egress-workflow';
import { createMonitoring } from './private/monitoring';
import { createRunSchedule } from './private/schedule';
import { NetworkProfile } from './network-profile';
import { WorkflowSchedule } from './workflow-schedule';
import { defaultRetryStrategies, renderEvaluateOnExit } from './private/retry';
import { buildWorkflowDefinition, JobSubmission } from './private/workflow-definition';
import { grantDataAccess } from './private/data-access';
import { createAccessLogBucket, logAccessInto, sendEventsToEventBridge } from './private/access-logs';
import { acknowledge, HIPAA, inPacks, NIST, wildcardResourceFinding } from './private/compliance';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { createTableBackup } from './private/backup';
import { AccessLevel, WorkflowJob } from './workflow-job';

/**
 * Properties of a `SandersBatchPlatform`.
 */
export interface SandersBatchPlatformProps {
  /**
   * The environment name, the last part of every resource name.
   *
   * `dev` destroys everything on removal (the bucket and the repository are emptied first); any other
   * name, `prod` included, keeps every resource that holds data and turns on point-in-time recovery,
   * deletion protection and versioning. Each of these can also be set on its own.
   *
   * @default 'dev'
   */
  readonly environment?: string;

  /**
   * The first part of every resource name. S3 bucket names are global across all AWS accounts,
   * so a second team deploying the platform needs a prefix of its own.
   *
   * @default 'sanders'
   */
  readonly namePrefix?: string;

  /**
   * The job sizes. Each becomes one AWS Batch job definition.
   *
   * @default - `DefaultMemoryTiers.all()`: 2 GiB/1 vCPU (`2gb`), 8 GiB/2 vCPU (`8gb`), 16 GiB/4 vCPU (`16gb`)
   */
  readonly memoryTiers?: MemoryTier[];

  /**
   * The jobs the workflow runs and their dependencies. Each job starts as soon as the jobs it depends on
   * have succeeded.
   *
   * @default - `DefaultWorkflow.jobs()`: feature-extraction (8gb) and data-processing (2gb) in parallel,
   *            then model-training (16gb)
   */
  readonly workflow?: WorkflowJob[];

  /**
   * The image tag the jobs run, from the platform's ECR repository.
   *
   * @default 'latest'
   */
  readonly imageTag?: string;

  /**
   * The S3 bucket's name. Bucket names are global: they must be unique across all AWS accounts.
   *
   * @default - `{namePrefix}-customer-platform-{environment}`
   */
  readonly bucketName?: string;

  /**
   * The DynamoDB table's name.
   *
   * @default - `{namePrefix}_daily_customer_features_{environment}`
   */
  readonly tableName?: string;

  /**
   * The ECR repository's name.
   *
   * @default - `{namePrefix}-customer-platform-{environment}`
   */
  readonly repositoryName?: string;

  /**
   * What happens to the bucket, table, repository, KMS key and log groups when they leave the stack.
   *
   * @default - `RemovalPolicy.DESTROY` for `dev`, `RemovalPolicy.RETAIN` for any other environment
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Empty the bucket and the repository before they are deleted. Needs `removalPolicy` DESTROY.
   *
   * @default - true for `dev`, false for any other environment
   */
  readonly autoDeleteObjects?: boolean;

  /**
   * DynamoDB point-in-time recovery (35 days of restorable history).
   *
   * @default - false for `dev`, true for any other environment
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * DynamoDB deletion protection: the table cannot be deleted until it is turned off.
   *
   * @default - false for `dev`, true for any other environment
   */
  readonly deletionProtection?: boolean;

  /**
   * S3 object versioning, so an overwritten or deleted object can be restored.
   *
   * @default - false for `dev`, true for any other environment
   */
  readonly versioned?: boolean;

  /**
   * Back the table up daily with AWS Backup, into a vault of its own encrypted with the platform's key,
   * kept for 35 days. The vault is always retained.
   *
   * @default - false for `dev`, true for any other environment
   */
  readonly backupPlan?: boolean;

  /**
   * How long logs (jobs, workflow, VPC flow logs) are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The most vCPUs the compute environment runs at once; bounds the cost of a run.
   *
   * @default 64
   */
  readonly maxvCpus?: number;

  /**
   * Add the seed app's stack outputs with their exact keys: `S3BucketName`, `DynamoDBTableName`,
   * `ECRRepositoryURI`, `VPCId`, `BatchJobQueueName`, `StepFunctionsStateMachineARN`.
   * Only one platform per stack can have them.
   *
   * @default true
   */
  readonly createOutputs?: boolean;

  /**
   * How the VPC the platform creates reaches the internet, and what it costs while idle. Not allowed
   * together with `vpc`.
   *
   * @default - `NetworkProfile.ON_DEMAND_EGRESS` for `dev` (no NAT while idle), `NetworkProfile.NAT_GATEWAY_PER_AZ`
   *            for any other environment
   */
  readonly networkProfile?: NetworkProfile;

  /**
   * Run the jobs in this VPC instead of creating one. It needs private subnets with egress
   * (`PRIVATE_WITH_EGRESS`) that reach ECR, CloudWatch Logs and the Batch and ECS endpoints, through a
   * NAT gateway or interface endpoints; S3 and DynamoDB gateway endpoints keep data off the NAT.
   *
   * @default - the platform creates a VPC as `networkProfile` says
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Run jobs on Fargate Spot first: a Spot compute environment comes first in the job queue and the
   * on-demand one second, and a job whose Spot task is interrupted is retried.
   *
   * @default - true for `dev`, false for any other environment
   */
  readonly useSpot?: boolean;

  /**
   * Start the workflow on a schedule (EventBridge Scheduler), with the scheduled time as input.
   *
   * @default - no schedule: runs are started by hand or by another system
   */
  readonly schedule?: WorkflowSchedule;

  /**
   * E-mail addresses subscribed to the alert topic. Each address gets a confirmation e-mail first.
   *
   * @default - no subscriptions
   */
  readonly alarmEmails?: string[];

  /**
   * Send alerts to this SNS topic instead of one the platform creates. Its policy must let
   * `events.amazonaws.com` and `cloudwatch.amazonaws.com` publish (and use its KMS key, if encrypted).
   *
   * @default - a KMS-encrypted topic `{namePrefix}-batch-platform-alerts-{environment}`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How long a job may wait in RUNNABLE before the stuck-jobs alarm fires.
   *
   * @default Duration.minutes(30)
   */
  readonly runnableTimeout?: Duration;

  /**
   * Create a CloudWatch dashboard of runs, run durations, job failures and stuck jobs. An account's first
   * three dashboards are free; each further one costs $3 a month.
   *
   * @default true
   */
  readonly createDashboard?: boolean;
}

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
  /** The workflow. */
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
    // Everything is validated before the first child is created.
    const s = resolveSettings(props);
    this.settings = s;
    this.environment = s.environment;

    const key = new kms.Key(this, 'EncryptionKey', {
      description: `Encrypts the ${s.names.prefix} batch platform's data and logs (${s.environment})`,
      enableKeyRotation: true,
      removalPolicy: s.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    const region = Stack.of(this).region;
    key.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${Stack.of(this).account}:*` },
      },
    }));
    // Grants on the key only for AWS services acting for a caller (DynamoDB, S3, ECR, Backup), never to a
    // principal directly: a grant would outlive any change to this policy (Control Tower CT.KMS.PR.3).
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyGrantsExceptToAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
    this.encryptionKey = key;

    const accessLogs = createAccessLogBucket(this, 'AccessLogBucket', {
      disposable: s.isDev,
      versioned: s.versioned,
      removalPolicy: s.removalPolicy,
      autoDeleteObjects: s.autoDeleteObjects,
      expiration: Duration.days(365),
    });
    const bucket = new s3.Bucket(this, 'DataBucket', {
      bucketName: s.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: s.versioned,
      removalPolicy: s.removalPolicy,
      autoDeleteObjects: s.autoDeleteObjects,
      // Removes only parts of uploads that never completed; no object or version is ever expired.
      lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    logAccessInto(bucket, s.bucketName, accessLogs, 'data-bucket/');
    sendEventsToEventBridge(bucket);
    acknowledge(bucket, ...inPacks('S3BucketReplicationEnabled', 'Cross-region replication needs a bucket in a second region, which this single-region stack cannot create; within the region the bucket is versioned (outside dev), retained on stack deletion and KMS-encrypted'));
    if (s.isDev && !s.versioned) {
      acknowledge(bucket, ...inPacks('S3BucketVersioningEnabled', "dev's data is disposable (the bucket is emptied and destroyed with the stack); every other environment versions the bucket by default"));
    }
    this.bucket = bucket;

    this.table = new dynamodb.Table(this, 'FeaturesTable', {
      tableName: s.tableName,
      partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: s.pointInTimeRecovery },
      deletionProtection: s.deletionProtection,
      removalPolicy: s.removalPolicy,
    });
    if (s.backupPlan) {
      createTableBackup(this, { table: this.table, encryptionKey: key, retention: Duration.days(35) });
    } else if (s.isDev) {
      acknowledge(this.table, ...inPacks('DynamoDBInBackupPlan', "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment backs it up daily with AWS Backup by default", [NIST, HIPAA]));
    }
    if (s.isDev && !s.pointInTimeRecovery) {
      acknowledge(this.table,
        { id: 'AwsSolutions-DDB3', reason: "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment turns point-in-time recovery on by default" },
        ...inPacks('DynamoDBPITREnabled', "dev's table holds disposable data, rebuilt by re-running the workflow; every other environment turns point-in-time recovery on by default", [NIST, HIPAA]));
    }

    this.repository = new ecr.Repository(this, 'ImageRepository', {
      repositoryName: s.repositoryName,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: key,
      // The seed's push steps re-push `:latest`, so tags stay mutable.
      imageTagMutability: ecr.TagMutability.MUTABLE,
      lifecycleRules: [{ description: 'Keep the 30 newest images', maxImageCount: 30 }],
      removalPolicy: s.removalPolicy,
      emptyOnDelete: s.autoDeleteObjects,
    });

    const ops = s.operations;
    this.networkProfile = ops.networkProfile;
    const network = ops.networkProfile === undefined ? undefined : createPlatformVpc(this, 'Vpc', {
      names: s.names,
      profile: ops.networkProfile,
      encryptionKey: key,
      logRetention: s.logRetention,
      removalPolicy: s.removalPolicy,
    });
    this.vpc = network?.vpc ?? ops.vpc!;

    const securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: this.vpc,
      description: 'Batch jobs: no inbound traffic, outbound to AWS APIs and the image registry',
      allowAllOutbound: true,
    });
    this.computeEnvironment = new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
      computeEnvironmentName: s.names.computeEnvironment(false),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      maxvCpus: s.maxvCpus,
      spot: false,
    });
    if (ops.useSpot) {
      this.spotComputeEnvironment = new batch.FargateComputeEnvironment(this, 'SpotComputeEnvironment', {
        computeEnvironmentName: s.names.computeEnvironment(true),
        vpc: this.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        maxvCpus: s.maxvCpus,
        spot: true,
      });
    }
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      jobQueueName: s.names.jobQueue,
      // Spot first; the queue falls back to on-demand when the Spot environment is at its maxvCpus.
      computeEnvironments: this.spotComputeEnvironment
        ? [{ computeEnvironment: this.spotComputeEnvironment, order: 1 }, { computeEnvironment: this.computeEnvironment, order: 2 }]
        : [{ computeEnvironment: this.computeEnvironment, order: 1 }],
      priority: 1,
    });

    this.jobLogGroup = new logs.LogGroup(this, 'JobLogs', {
      logGroupName: s.names.jobLogGroup,
      retention: s.logRetention,
      encryptionKey: key,
      removalPolicy: s.removalPolicy,
    });

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'ECS task execution role of the batch platform: pulls the job image and writes job logs',
    });
    acknowledge(this.executionRole, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login, not access to a repository); image pulls themselves are limited to the platform\'s repository',
    });
    this.jobRole = new ManagedPolicyRole(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "Batch job role: read-write on the platform's bucket and table, nothing else",
    });
    grantDataAccess(this.jobRole, bucket, this.table, {});

    this.tierJobDefinitions = s.tiers.map(tier => {
      const def = this.createJobDefinition(`JobDefinition-${tier.name}`, s.names.jobDefinition(tier.name), tier, this.jobRole);
      this.tierDefinitions.set(tier.name, def);
      return def;
    });

    const submissions = s.workflow.map(job => this.submissionFor(job));
    this.stateMachine = this.createStateMachine(submissions);
    this.runStateMachine = network?.onDemandEgress
      ? createEgressRunWorkflow(this, {
        names: s.names,
        vpc: this.vpc,
        target: network.onDemandEgress,
        jobWorkflow: this.stateMachine,
        encryptionKey: key,
        logRetention: s.logRetention,
        removalPolicy: s.removalPolicy,
      })
      : this.stateMachine;

    const monitoring = createMonitoring(this, {
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
      this.schedule = createRunSchedule(this, { names: s.names, schedule: ops.schedule, stateMachine: this.runStateMachine });
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
    const container = new batch.EcsFargateContainerDefinition(this, `${id}Container`, {
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
    return new batch.EcsJobDefinition(this, id, {
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
    if (job.secrets !== undefined || job.dataAccess !== undefined) {
      let role = this.jobRole;
      if (job.dataAccess !== undefined) {
        role = new ManagedPolicyRole(this, `JobRole-${job.name}`, {
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

  private createStateMachine(submissions: JobSubmission[]): sfn.StateMachine {
    const stack = Stack.of(this);
    const definition = buildWorkflowDefinition(submissions, this.jobQueue.jobQueueArn);
    const jobDefinitionArns = [...this.jobDefinitionNames].map(n => stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${n}:*` }));
    const jobArns = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    const logGroup = new logs.LogGroup(this, 'WorkflowLogs', {
      logGroupName: this.settings.names.workflowLogGroup,
      retention: this.settings.logRetention,
      encryptionKey: this.encryptionKey,
      removalPolicy: this.settings.removalPolicy,
    });
    const role = new ManagedPolicyRole(this, 'WorkflowRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Role of the batch platform workflow: submits, watches and stops the platform\'s Batch jobs, writes its logs and traces',
    });
    const stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineName: this.settings.names.stateMachine,
      role,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
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
      // DescribeJobs has no resource-level permissions.
      actions: ['batch:DescribeJobs'],
      resources: ['*'],
    }));
    stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['batch:CancelJob', 'batch:TerminateJob'],
      resources: [jobArns],
    }));
    acknowledge(role,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only for actions without resource-level permissions: batch:DescribeJobs (how a .sync task polls its job), X-Ray trace writing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and friends), which Step Functions needs for logging at level ALL',
      },
      {
        id: wildcardResourceFinding(this, jobArns),
        reason: 'batch:CancelJob and batch:TerminateJob name a job by its ID, which Batch assigns at submission; the workflow stops only jobs it submitted (when a run is aborted or fails)',
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
    for (const [key, value, description] of outputs) {
      const output = new CfnOutput(this, key, { value, description });
      // The seed's keys, exactly: `describe-stacks --query 'Stacks[0].Outputs[?OutputKey==`ECRRepositoryURI`]'`.
      output.overrideLogicalId(key);
    }
  }
}
