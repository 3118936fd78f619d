/**
 * How the platform names what must be unique across every AWS account: the data bucket (S3 bucket names are
 * global; every other name of the platform is unique per account and region already).
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export enum GlobalNames {
  /**
   * `{namePrefix}-customer-platform-{environment}`: the same name in every account and region, so one configuration
   * deploys once; a second account or region needs another `namePrefix`, `environment` or `bucketName`.
   */
  FIXED = 'FIXED',
  /**
   * `{namePrefix}-customer-platform-{environment}-{account}-{region}`: the same configuration deploys to every account
   * and region. The stack needs an explicit account and region (`env`), and the name must fit S3's 63 characters.
   */
  PER_ACCOUNT_AND_REGION = 'PER_ACCOUNT_AND_REGION',
}
