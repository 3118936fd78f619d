import { Annotations, CfnOutput } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DataSafety } from './data-safety';
import { NetworkProfile } from './network-profile';
import { ComputePart } from './private/compute/compute';
import { JobDefinitions } from './private/compute/job-definitions';
import { Namespace } from './private/core/namespace';
import { DataPart } from './private/data/data-part';
import { createEgressRunWorkflow } from './private/egress/egress-workflow';
import { PlatformMetrics } from './private/monitoring/metrics';
import { MonitoringPart } from './private/monitoring/monitoring';
import { NetworkPart } from './private/network/network';
import { resolveSettings } from './private/settings/settings';
import { stackBudgetProblems } from './private/settings/stack-budget';
import { claimStackNames } from './private/settings/stack-names';
import { createRunSchedule } from './private/workflow/schedule';
import { WorkflowPart } from './private/workflow/workflow';
import { SandersBatchPlatformProps } from './sanders-batch-platform-props';

/**
 * A batch data platform in one construct: an S3 bucket and a DynamoDB table for the data, an ECR repository
 * for the job image, a VPC, AWS Batch on Fargate with one job definition per memory tier, and a Step Functions
 * workflow that runs the jobs in dependency order.
 */
export class SandersBatchPlatform extends Construct {
  /** The environment name. */
  public readonly environment: string;
  /** Whether the data goes with the stack or survives it, as given or as the environment name chose it. */
  public readonly dataSafety: DataSafety;
  /** The customer-managed KMS key that encrypts the bucket, table, repository and logs. */
  public readonly encryptionKey: kms.IKey;
  /** The data bucket. */
  public readonly bucket: s3.IBucket;
  /** The data table, keyed by `tablePartitionKey` and `tableSortKey` (for the Sanders prefix `customer_id`, `date`). */
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
   * The state machine a run is started with (the `StepFunctionsStateMachineARN` output), by hand, by the schedule
   * and by `grantStartWorkflow`; its input is `{"date": "YYYY-MM-DD"}`. With `NetworkProfile.ON_DEMAND_EGRESS`
   * (dev's default) it is the run workflow, which creates the network egress for the run, runs `jobWorkflow` and
   * tears the egress down; otherwise it is `jobWorkflow` itself.
   */
  public readonly stateMachine: sfn.IStateMachine;
  /**
   * The job workflow inside a run: submits the jobs in dependency order and watches them. Start runs with
   * `stateMachine`, not this: with `NetworkProfile.ON_DEMAND_EGRESS` a job workflow started directly has no
   * network egress. The same object as `stateMachine` in the other profiles.
   */
  public readonly jobWorkflow: sfn.IStateMachine;
  /**
   * The backfill: runs the job workflow for every date of a range, at most `maxConcurrency` dates at a time, as one
   * execution whose output lists every date's outcome. Its input is
   * `{"from": "2026-01-01", "to": "2026-01-31", "maxConcurrency": 3, "stopOnFailure": false}` (the last two
   * optional). With `NetworkProfile.ON_DEMAND_EGRESS` (dev's default) start it through `stateMachine` instead, with
   * `{"backfill": {...}}`, so that network egress exists once for the whole backfill; `grantStartBackfill` grants
   * what each profile needs.
   */
  public readonly backfillStateMachine: sfn.IStateMachine;
  /** The network profile of the VPC the platform created; undefined when the VPC was brought in. */
  public readonly networkProfile?: NetworkProfile;
  /** The Fargate Spot compute environment, first in the queue, when `useSpot` is on. */
  public readonly spotComputeEnvironment?: batch.IFargateComputeEnvironment;
  /** The topic told about failed runs (one message each, by an EventBridge rule) and the alarms. */
  public readonly alarmTopic: sns.ITopic;
  /**
   * Goes to ALARM when runs fail (5-minute periods) and then tells the alert topic once; each failed run also has its
   * own alert, naming the job that failed. Add actions (`addAlarmAction`) to page someone.
   */
  public readonly failedRunsAlarm: cloudwatch.IAlarm;
  /** Fires when a job waits in RUNNABLE longer than `runnableTimeout`. */
  public readonly stuckJobsAlarm: cloudwatch.IAlarm;
  /** The operations dashboard, when `createDashboard` is on. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The schedule that starts runs, when `schedule` is set. */
  public readonly schedule?: scheduler.ISchedule;

  private readonly jobDefinitions: JobDefinitions;
  private readonly metrics: PlatformMetrics;

  /**
   * @param scope the construct the platform is created in, usually a `Stack`
   * @param id the platform's construct id, part of every child's logical ID: changing it replaces every resource
   * @param props the platform's settings; every one has a default
   */
  constructor(scope: Construct, id: string, props: SandersBatchPlatformProps = {}) {
    super(scope, id);
    // Everything is validated before the first child is created. JavaScript callers may pass null.
    const s = resolveSettings(props ?? {}, this);
    claimStackNames(this, s);
    this.environment = s.environment;
    this.dataSafety = s.dataSafety;
    for (const warning of s.warnings) Annotations.of(this).addWarningV2(warning.id, warning.message);

    // Each part is a namespace in the tree (Data, Network, ...) that keeps its resources' logical IDs.
    const data = new DataPart(this, 'Data', s.names, s.data);
    this.encryptionKey = data.encryptionKey;
    this.bucket = data.bucket;
    this.table = data.table;
    this.repository = data.repository;
    const key = data.encryptionKey;

    this.networkProfile = s.network.profile;
    const network = s.network.profile === undefined ? undefined
      : new NetworkPart(this, 'Network', { names: s.names, profile: s.network.profile, encryptionKey: key, logs: s.logs });
    this.vpc = network?.vpc ?? s.network.vpc!;

    const stores = { encryptionKey: key, bucket: this.bucket, table: this.table, repository: this.repository };
    const compute = new ComputePart(this, 'Compute', { names: s.names, settings: s.compute, logs: s.logs, vpc: this.vpc, ...stores });
    this.computeEnvironment = compute.computeEnvironment;
    this.spotComputeEnvironment = compute.spotComputeEnvironment;
    this.jobQueue = compute.jobQueue;
    this.jobLogGroup = compute.jobLogGroup;
    this.executionRole = compute.executionRole;
    this.jobRole = compute.jobRole;
    this.jobDefinitions = compute.jobDefinitions;
    this.tierJobDefinitions = compute.jobDefinitions.tierDefinitions;

    const workflow = new WorkflowPart(this, 'Workflow', {
      names: s.names,
      settings: s.workflow,
      logs: s.logs,
      encryptionKey: key,
      jobQueue: this.jobQueue,
      jobDefinitions: this.jobDefinitions,
      runWorkflowOnly: network?.onDemandEgress !== undefined,
      tableBackup: data.tableBackup,
    });
    this.node.addValidation({ validate: () => stackBudgetProblems(this, s.compute.jobs, workflow.definition) });
    this.jobWorkflow = workflow.stateMachine;
    this.backfillStateMachine = workflow.backfillStateMachine;
    const egress = network?.onDemandEgress;
    const runs = { jobWorkflow: this.jobWorkflow, backfill: this.backfillStateMachine, jobQueue: this.jobQueue, encryptionKey: key };
    const retention = { logRetention: s.logs.retention, removalPolicy: s.logs.removalPolicy };
    this.stateMachine = egress
      ? createEgressRunWorkflow(new Namespace(this, 'Egress'), { names: s.names, vpc: this.vpc, target: egress, claimTable: workflow.claimTable, ...runs, ...retention })
      : this.jobWorkflow;
    if (s.workflow.schedule) {
      this.schedule = createRunSchedule(workflow, { names: s.names, schedule: s.workflow.schedule, stateMachine: this.stateMachine });
    }

    const monitoring = new MonitoringPart(this, 'Monitoring', {
      names: s.names,
      settings: s.monitoring,
      logs: s.logs,
      runStateMachine: this.stateMachine,
      jobWorkflow: this.jobWorkflow,
      backfill: this.backfillStateMachine,
      jobQueue: this.jobQueue,
      encryptionKey: key,
    });
    this.alarmTopic = monitoring.alarmTopic;
    this.failedRunsAlarm = monitoring.failedRunsAlarm;
    this.stuckJobsAlarm = monitoring.stuckJobsAlarm;
    this.dashboard = monitoring.dashboard;
    this.metrics = monitoring.metrics;

    if (s.createOutputs) this.createOutputs();
  }

  /**
   * The job definition of a memory tier.
   *
   * @param tierName the tier's name, e.g. `8gb`
   */
  public jobDefinitionFor(tierName: string): batch.IJobDefinition {
    const def = this.jobDefinitions.ofTier(tierName);
    if (!def) {
      throw new Error(`memory tier '${tierName}' does not exist: use one of ${this.jobDefinitions.tierNames.map(t => `'${t}'`).join(', ')}`);
    }
    return def;
  }

  /**
   * Lets the grantee start runs of the workflow.
   *
   * @param grantee the principal that may start executions, e.g. a Lambda function or a role
   */
  public grantStartWorkflow(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets the grantee start backfills: executions of `backfillStateMachine`, and with `NetworkProfile.ON_DEMAND_EGRESS`
   * of `stateMachine` too (through which a backfill gets its network egress).
   *
   * @param grantee the principal that may start backfills, e.g. an operator role
   */
  public grantStartBackfill(grantee: iam.IGrantable): iam.Grant {
    const grant = this.backfillStateMachine.grantStartExecution(grantee);
    return this.stateMachine === this.jobWorkflow ? grant : grant.combine(this.stateMachine.grantStartExecution(grantee));
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
   * Lets the grantee read the platform's data: the bucket's objects and the table's items (and decrypt them with
   * the platform's key). Returns one grant that combines the bucket's and the table's.
   *
   * @param grantee the principal that may read, e.g. an analytics role
   */
  public grantReadData(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee).combine(this.table.grantReadData(grantee));
  }

  /**
   * Runs that failed: the `ExecutionsFailed` metric of the state machine runs are started with (`stateMachine`).
   * `failedRunsAlarm` watches this metric.
   *
   * @param props options over the defaults: the sum over 5 minutes
   */
  public metricFailedRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.failedRuns(props);
  }

  /**
   * Jobs of the queue that failed after their retries. AWS Batch publishes no metrics: this counts the matches of
   * the platform's rule for the queue's FAILED jobs (`AWS/Events` `TriggeredRules`). The dashboard graphs it.
   *
   * @param props options over the defaults: the sum over 5 minutes
   */
  public metricFailedJobs(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.failedJobs(props);
  }

  /**
   * Jobs still RUNNABLE `runnableTimeout` after they entered RUNNABLE (`JobsStuckRunnable` in `metricNamespace`, by
   * `JobQueue`), counted by the platform's watch. `stuckJobsAlarm` watches this metric.
   *
   * @param props options over the defaults: the sum over 5 minutes
   */
  public metricJobsStuckRunnable(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.jobsStuckRunnable(props);
  }

  /**
   * How long runs take, in milliseconds: the `ExecutionTime` metric of the state machine runs are started with.
   *
   * @param props options over the defaults: the average over 5 minutes
   */
  public metricRunDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runDuration(props);
  }

  private createOutputs(): void {
    const outputs: Array<[string, string, string]> = [
      ['S3BucketName', this.bucket.bucketName, 'Name of the S3 bucket'],
      ['DynamoDBTableName', this.table.tableName, 'Name of the DynamoDB table'],
      ['ECRRepositoryURI', this.repository.repositoryUri, 'URI for pushing Docker images'],
      ['VPCId', this.vpc.vpcId, 'VPC identifier'],
      ['BatchJobQueueName', this.jobQueue.jobQueueName, 'Batch job queue name'],
      ['StepFunctionsStateMachineARN', this.stateMachine.stateMachineArn, 'State machine ARN for orchestration'],
      // Added after the Python app's six: what an operator starts a backfill or a resume with, and reads logs from.
      ['BackfillStateMachineARN', this.backfillStateMachine.stateMachineArn, 'Backfill state machine ARN (with on-demand egress, start StepFunctionsStateMachineARN with {"backfill": {...}} instead)'],
      ['JobWorkflowStateMachineARN', this.jobWorkflow.stateMachineArn, 'Job workflow state machine ARN (with on-demand egress, started only by StepFunctionsStateMachineARN)'],
      ['JobLogGroupName', this.jobLogGroup.logGroupName, 'Log group of the Batch jobs'],
    ];
    // Outputs name their logical IDs themselves: a plain construct groups them.
    const scope = new Construct(this, 'Outputs');
    for (const [key, value, description] of outputs) {
      const output = new CfnOutput(scope, key, { value, description });
      // The Python app's keys, exactly: `describe-stacks --query 'Stacks[0].Outputs[?OutputKey==`ECRRepositoryURI`]'`.
      output.overrideLogicalId(key);
    }
  }
}
