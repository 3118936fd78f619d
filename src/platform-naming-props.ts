import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { GlobalNames } from './global-names';

/**
 * The names and the data model of a `SandersBatchPlatform`: every physical name, tag key and metric namespace
 * follows `namePrefix`. Only the Sanders prefix (`sanders`, the default) has the Python app's defaults (its
 * workflow and its table keys); a team with a prefix of its own states its workflow and its table keys.
 */
export interface PlatformNamingProps {
  /**
   * The first part of every resource name, of the tag key that marks a dev run's network egress
   * (`{namePrefix}:on-demand-egress-vpc`) and of the default metric namespace. S3 bucket names are global across all
   * AWS accounts, so a second team deploying the platform needs a prefix of its own (or `globalNames`).
   *
   * @default 'sanders'
   */
  readonly namePrefix?: string;

  /**
   * Whether the S3 bucket's name is the same in every account and region (`FIXED`) or ends with the stack's account
   * and region (`PER_ACCOUNT_AND_REGION`), so that one configuration deploys to several accounts and regions.
   *
   * @default GlobalNames.FIXED - the names of an existing configuration do not change
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
   */
  readonly globalNames?: GlobalNames;

  /**
   * The S3 bucket's name, used as given. Bucket names are global: they must be unique across all AWS accounts.
   *
   * @default - `{namePrefix}-customer-platform-{environment}`, followed by `-{account}-{region}` with
   *            `GlobalNames.PER_ACCOUNT_AND_REGION`
   */
  readonly bucketName?: string;

  /**
   * The DynamoDB table's name.
   *
   * @default - `{namePrefix}_daily_customer_features_{environment}`
   */
  readonly tableName?: string;

  /**
   * The partition key of the table the platform creates (name and type), and the key an `existingTable` of the same
   * app must have. A table's key schema cannot change without replacing the table, so a platform with a `namePrefix`
   * of its own must give it (unless it brings `existingTable`).
   *
   * @default - `customer_id` (string) for the Sanders prefix; required for any other prefix
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html#HowItWorks.CoreComponents.PrimaryKey
   */
  readonly tablePartitionKey?: dynamodb.Attribute;

  /**
   * The sort key of the table the platform creates (name and type). Needs `tablePartitionKey`, except for the
   * Sanders prefix's default.
   *
   * @default - `date` (string) for the Sanders prefix without `tablePartitionKey`; otherwise no sort key
   */
  readonly tableSortKey?: dynamodb.Attribute;

  /**
   * The CloudWatch namespace of the platform's own metric (`JobsStuckRunnable`): 1-255 ASCII characters, not
   * starting with `:` or `AWS/`.
   *
   * @default - `namePrefix` in PascalCase and `/BatchPlatform`: `Sanders/BatchPlatform` for the Sanders prefix,
   *            `TeamA/BatchPlatform` for `team-a`
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
   */
  readonly metricNamespace?: string;

  /**
   * The ECR repository's name.
   *
   * @default - `{namePrefix}-customer-platform-{environment}`
   */
  readonly repositoryName?: string;
}
