import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DataSafety } from './data-safety';
import { MemoryTier } from './memory-tier';
import { NetworkProfile } from './network-profile';
import { OnJobFailure } from './on-job-failure';
import { PlatformNamingProps } from './platform-naming-props';
import { WorkflowJob } from './workflow-job';
import { WorkflowSchedule } from './workflow-schedule';

/**
 * Properties of a `SandersBatchPlatform`. The names and the data model are in `PlatformNamingProps`.
 */
export interface SandersBatchPlatformProps extends PlatformNamingProps {
  /**
   * The environment name, the last part of every resource name.
   *
   * It chooses the defaults: `dataSafety` (`dev` is `DataSafety.DISPOSABLE`, any other name
   * `DataSafety.RETAINED`) and the cost-related ones, `networkProfile`, `useSpot` and `createDashboard` (`dev`
   * idles cheaply, any other name is built for production). A name other than `dev` or `prod` gives a synth
   * warning unless `dataSafety` is set.
   *
   * @default 'dev'
   */
  readonly environment?: string;

  /**
   * Whether the data may go with the stack (`DataSafety.DISPOSABLE`: everything is destroyed on removal, the
   * bucket and the repository are emptied first) or must survive it (`DataSafety.RETAINED`: every resource that
   * holds data is retained, with point-in-time recovery, deletion protection, versioning and a daily backup).
   * It is the default of `removalPolicy`, `autoDeleteObjects`, `pointInTimeRecovery`, `deletionProtection`,
   * `versioned` and `backupPlan`; each can also be set on its own. `DISPOSABLE` in the environment `prod`
   * needs `acknowledgeDisposableProd`.
   *
   * @default - `DataSafety.DISPOSABLE` for the environment `dev`, `DataSafety.RETAINED` for any other
   */
  readonly dataSafety?: DataSafety;

  /**
   * Allow `dataSafety: DataSafety.DISPOSABLE` in the environment `prod`, whose data would then be destroyed
   * with the stack. Without it, such a configuration fails at synth.
   *
   * @default false
   */
  readonly acknowledgeDisposableProd?: boolean;

  /**
   * The job sizes. Each becomes one AWS Batch job definition.
   *
   * @default - `DefaultMemoryTiers.all()`: 2 GiB/1 vCPU (`2gb`), 8 GiB/2 vCPU (`8gb`), 16 GiB/4 vCPU (`16gb`)
   */
  readonly memoryTiers?: MemoryTier[];

  /**
   * The jobs the workflow runs and their dependencies. Each job starts as soon as the jobs it depends on
   * have succeeded. A platform with a `namePrefix` of its own must give it: it runs only the jobs its team lists.
   *
   * @default - for the Sanders prefix only, `DefaultWorkflow.jobs()` (the Python app's feature-extraction (8gb) and
   *            data-processing (2gb) in parallel, then model-training (16gb)); required for any other prefix
   */
  readonly workflow?: WorkflowJob[];

  /**
   * The image tag the jobs run, from the platform's ECR repository, or an image digest (`sha256:` and 64 hex
   * digits). It may be a deploy-time token, e.g. a CloudFormation parameter. Tiers and jobs with an `image` of
   * their own (any `ecs.ContainerImage`, e.g. `ContainerImage.fromAsset('./job')`) run that instead.
   * @default 'latest'
   */
  readonly imageTag?: string;

  /**
   * Use this bucket for the platform's data instead of creating one. The platform then creates no data bucket and no
   * access-log bucket, and changes nothing of this one: its encryption, versioning, logging and policy stay the
   * team's. Jobs, grants and the `S3BucketName` output use it. Not allowed with `bucketName` or `versioned`. A
   * KMS-encrypted bucket imported from another stack must be imported with its key
   * (`Bucket.fromBucketAttributes(this, 'Data', { bucketName, encryptionKey })`) so the jobs may use the key.
   *
   * @default - the platform creates a KMS-encrypted, TLS-only bucket named `bucketName`
   */
  readonly existingBucket?: s3.IBucket;

  /**
   * Use this table for the platform's data instead of creating one. The platform then creates no data table and no
   * backup plan (the plan covers only a table it creates), and changes nothing of this one; it still creates its
   * small table of date claims (one active run per date, no data). Jobs, grants and the
   * `DynamoDBTableName` output use it. It must have the key schema of `tablePartitionKey` and `tableSortKey` (for the
   * Sanders prefix by default `customer_id` and `date`, both strings): this is checked for a `Table` or `TableV2` of the same app, not for one imported by name or ARN, which carries
   * no key schema. Not allowed with `tableName`, `pointInTimeRecovery`, `deletionProtection` or `backupPlan: true`.
   * An encrypted table imported from another stack must be imported with its key
   * (`Table.fromTableAttributes(this, 'Features', { tableName, encryptionKey })`) so the jobs may use the key.
   *
   * @default - the platform creates a table named `tableName`
   */
  readonly existingTable?: dynamodb.ITable;

  /**
   * Encrypt what the platform creates (bucket, table, repository, log groups, alert topic, backup vault) with this
   * KMS key instead of creating one. For a key defined in the same app the platform adds the key-policy statement
   * CloudWatch Logs needs for the platform's log groups and the one CloudWatch alarms need for the alert topic; an
   * imported key's policy cannot be changed, so it must already let `logs.<region>.amazonaws.com` use the key for
   * them and `cloudwatch.amazonaws.com` decrypt and generate data keys. The platform's deny of grants to principals
   * other than AWS services is not added to a key it did not create. `removalPolicy` does not apply to it. It must
   * be a symmetric encrypt/decrypt key (the default `kms.Key`), which synth checks for a key defined in the same app.
   *
   * @default - the platform creates a customer-managed key with rotation
   */
  readonly existingEncryptionKey?: kms.IKey;

  /**
   * What happens to the bucket, table, repository, KMS key and log groups when they leave the stack.
   *
   * @default - `RemovalPolicy.DESTROY` when `dataSafety` is `DISPOSABLE`, `RemovalPolicy.RETAIN` when `RETAINED`
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Empty the bucket and the repository before they are deleted. Needs `removalPolicy` DESTROY.
   *
   * @default - true when `dataSafety` is `DISPOSABLE` (and `removalPolicy` DESTROY), false when `RETAINED`
   */
  readonly autoDeleteObjects?: boolean;

  /**
   * DynamoDB point-in-time recovery (35 days of restorable history).
   *
   * @default - false when `dataSafety` is `DISPOSABLE`, true when `RETAINED`
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * DynamoDB deletion protection: the table cannot be deleted until it is turned off.
   *
   * @default - false when `dataSafety` is `DISPOSABLE`, true when `RETAINED`
   */
  readonly deletionProtection?: boolean;

  /**
   * S3 object versioning, so an overwritten or deleted object can be restored.
   *
   * @default - false when `dataSafety` is `DISPOSABLE`, true when `RETAINED`
   */
  readonly versioned?: boolean;

  /**
   * Back the table up daily with AWS Backup, into a vault of its own encrypted with the platform's key,
   * kept for 35 days. The vault is always retained.
   *
   * @default - false when `dataSafety` is `DISPOSABLE`, true when `RETAINED`
   */
  readonly backupPlan?: boolean;

  /**
   * How long logs (jobs, workflow, VPC flow logs) are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The most vCPUs the compute environment runs at once; bounds the cost of a run. Below the workflow's peak
   * demand (the most vCPUs its jobs can ask for at once) a run takes longer than its critical path, and synth warns.
   *
   * @default - the workflow's peak demand rounded up, at least 64 and at most 256
   */
  readonly maxvCpus?: number;

  /**
   * Add the Python CDK app's stack outputs with their exact keys (for scripts written against it): `S3BucketName`, `DynamoDBTableName`,
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
   * on-demand one second, and a job whose Spot task is interrupted is retried. Fargate Spot runs only
   * X86_64 tasks, so it cannot be combined with an ARM64 memory tier.
   *
   * @default - true for `dev` unless a memory tier is ARM64, false for any other environment
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
   * `cloudwatch.amazonaws.com` publish (and use its KMS key, if encrypted); EventBridge publishes with a role of
   * the platform's, which is granted `sns:Publish` on the topic.
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
   * @default - false for `dev` (so that it idles at a few dollars a month), true for any other environment
   */
  readonly createDashboard?: boolean;

  /**
   * How long a run may take: past it, the workflow terminates every job of the run that has not ended and
   * fails with `RunTimeout` (within the watch's look interval of 3 minutes at most).
   *
   * @default Duration.hours(24)
   */
  readonly runTimeout?: Duration;

  /**
   * What a run does with its other jobs when a job fails. Either way the run ends only when every job it
   * submitted has ended, and fails naming the job that failed first-hand.
   *
   * @default OnJobFailure.STOP_ALL - a failed run is run again as a whole, so work after the first failure would be paid twice
   */
  readonly onJobFailure?: OnJobFailure;
}
