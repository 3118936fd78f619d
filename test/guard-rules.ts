/**
 * The AWS Control Tower proactive controls (cfn-guard, `@cdklabs/cdk-validator-cfnguard`) the platform does
 * not meet on purpose, by rule file name, each with the reason. Guard rules cannot be suppressed for one
 * resource, so each is disabled for the whole app; where a cdk-nag rule checks the same thing, that check
 * stays on and is acknowledged only on the resource that needs it. docs/security.md lists the same table.
 */

/** Disabled in every environment. */
export const GUARD_RULES_DISABLED: { [rule: string]: string } = {
  // CT.ECR.PR.3: the Python app's image push re-pushes `:latest` (and `imageTag` defaults to it), which an
  // IMMUTABLE repository rejects; IMMUTABLE_WITH_EXCLUSION does not satisfy the rule either.
  'ct-ecr-pr-3': 'tags stay mutable because the image push re-pushes :latest',
  // CT.S3.PR.2, on the access-log bucket only: it is the destination of the data bucket's server access
  // logs; logging it into itself would log its own log deliveries. cdk-nag's S3BucketLoggingEnabled/S1 keeps
  // checking every other bucket.
  'ct-s3-pr-2': 'the access-log bucket does not log itself',
  // CT.S3.PR.10, on the access-log bucket only: S3 delivers server access logs only to SSE-S3 buckets.
  // cdk-nag's S3DefaultEncryptionKMS keeps checking every other bucket (the data bucket uses the platform's key).
  'ct-s3-pr-10': 'the access-log bucket must use SSE-S3 for S3 log delivery',
  // CT.S3.PR.9: Object Lock makes every object version undeletable for a retention period. The jobs
  // overwrite and delete their intermediate data, and dev must be destroyable; versioning (outside dev),
  // DeletionPolicy Retain and the TLS-only, block-all bucket policy protect the data instead.
  'ct-s3-pr-9': 'no S3 Object Lock: jobs overwrite and delete data; versioning and Retain protect it',
};

/** Disabled only for `dev`, whose defaults make its data disposable (every other environment meets them). */
export const GUARD_RULES_DISABLED_IN_DEV: { [rule: string]: string } = {
  // CT.DYNAMODB.PR.1: point-in-time recovery is off in dev by default (cdk-nag DDB3 acknowledged in dev only).
  'ct-dynamodb-pr-1': 'dev table has no point-in-time recovery',
  // CT.S3.PR.11: versioning is off in dev by default (cdk-nag S3BucketVersioningEnabled acknowledged in dev only).
  'ct-s3-pr-11': 'dev buckets are not versioned',
  // CT.LAMBDA.PR.3: the only Lambda function is CDK's own custom-resource provider that empties the dev bucket,
  // access-log bucket and repository before they are destroyed (`autoDeleteObjects`); it calls only S3 and ECR APIs.
  'ct-lambda-pr-3': "CDK's auto-delete provider Lambda is not in the VPC",
};

/** The rule file names to disable for an environment. */
export function guardRulesDisabledFor(environment: string): string[] {
  return Object.keys(environment === 'dev' ? { ...GUARD_RULES_DISABLED, ...GUARD_RULES_DISABLED_IN_DEV } : GUARD_RULES_DISABLED);
}
