import { Duration } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** How much of the platform's bucket or table a job may reach. */
export enum AccessLevel {
  /** No access at all. */
  NONE = 'NONE',
  /** Read only. */
  READ = 'READ',
  /** Read and write. */
  READ_WRITE = 'READ_WRITE',
}

/**
 * The data a job may reach. A job that declares it runs with a role of its own that has only this access;
 * a job that does not runs with the platform's shared job role (read-write on the bucket and the table).
 */
export interface JobDataAccess {
  /**
   * Access to the platform's S3 bucket.
   *
   * @default AccessLevel.READ_WRITE
   */
  readonly bucket?: AccessLevel;

  /**
   * Limit bucket access to keys under this prefix, e.g. `raw/` or `features/`.
   *
   * @default - the whole bucket
   */
  readonly bucketPrefix?: string;

  /**
   * Access to the platform's DynamoDB table.
   *
   * @default AccessLevel.READ_WRITE
   */
  readonly table?: AccessLevel;

  /**
   * Limit table access to items whose partition key (`customer_id`) is one of these values
   * (IAM condition `dynamodb:LeadingKeys`). Values may end with `*`.
   *
   * @default - every item
   */
  readonly tableLeadingKeys?: string[];
}

/**
 * One job of the workflow: what runs, on which tier, after which other jobs.
 */
export interface WorkflowJob {
  /**
   * The job's name: unique in the workflow, 1-64 characters, letters, digits, hyphens and underscores,
   * starting with a letter or digit. It names the Batch job and the workflow's states.
   */
  readonly name: string;

  /**
   * The name of the memory tier the job runs on (`MemoryTier.name`), e.g. `8gb`.
   */
  readonly tier: string;

  /**
   * The names of the jobs that must succeed before this one starts. At most 20 (AWS Batch's limit).
   *
   * @default - none: the job starts with the run
   * @see https://docs.aws.amazon.com/batch/latest/userguide/job_dependencies.html
   */
  readonly dependsOn?: string[];

  /**
   * The container command. `Ref::date` in an argument is replaced by the run date.
   *
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Environment variables for the container, besides `RUN_DATE` (the run date, `YYYY-MM-DD`)
   * and `JOB_NAME`, which every job gets.
   *
   * @default - only RUN_DATE and JOB_NAME
   */
  readonly environment?: { [name: string]: string };

  /**
   * Secrets from Secrets Manager or SSM Parameter Store, injected by Batch as environment variables.
   * Their values never appear in the template or the workflow's input.
   *
   * @default - none
   */
  readonly secrets?: { [name: string]: batch.Secret };

  /**
   * How long one attempt of the job may run before Batch stops it. At least 60 seconds.
   * A timed-out attempt is not retried.
   *
   * @default - no timeout
   */
  readonly timeout?: Duration;

  /**
   * How many times Batch runs the job at most (1-10), counting the first attempt.
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * When Batch retries a failed attempt. At most 5 conditions, tried in order; the first that matches decides.
   *
   * @default - retry when the Fargate Spot task was interrupted or the host failed, exit on any other failure
   *            (an application error is not retried)
   */
  readonly retryStrategies?: batch.RetryStrategy[];

  /**
   * Runs the job as an array job of this many children (2-10,000), for fan-out.
   * Each child gets `AWS_BATCH_JOB_ARRAY_INDEX`. Dependent jobs wait for every child.
   *
   * @default - a single job
   */
  readonly arraySize?: number;

  /**
   * The data the job may reach. When set, the job runs with a role of its own with only this access.
   *
   * @default - the platform's shared job role: read-write on the bucket and the table
   */
  readonly dataAccess?: JobDataAccess;

  /**
   * The image this job runs, instead of its tier's: any `ecs.ContainerImage`, e.g.
   * `ContainerImage.fromAsset('./jobs/train')`, which `cdk deploy` builds and pushes. A job with an image of its
   * own gets a job definition of its own (Batch cannot override the image at submission), which counts against
   * the stack's 500 resources.
   *
   * @default - the tier's image (`MemoryTier.image`), which defaults to the platform's ECR repository at `imageTag`
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * The workflow of the Python app this library replaces.
 */
export class DefaultWorkflow {
  /**
   * Feature Extraction (8 GiB) and Data Processing (2 GiB) in parallel, then Model Training (16 GiB) after both.
   */
  public static jobs(): WorkflowJob[] {
    return [
      { name: 'feature-extraction', tier: '8gb' },
      { name: 'data-processing', tier: '2gb' },
      { name: 'model-training', tier: '16gb', dependsOn: ['feature-extraction', 'data-processing'] },
    ];
  }

  private constructor() {}
}
