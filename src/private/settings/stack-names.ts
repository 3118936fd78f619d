import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PlatformSettings } from './settings';

/** Physical names (and the seed outputs) already taken by a platform, per stack. */
const claims = new WeakMap<Stack, Map<string, string>>();

/**
 * Fails when another platform in the same stack already uses one of this platform's physical names, or
 * already adds the seed's stack outputs: CloudFormation would only refuse the stack at deploy (duplicate names)
 * or CDK with a message about an output section that does not say what to change.
 */
export function claimStackNames(platform: Construct, s: PlatformSettings): void {
  const stack = Stack.of(platform);
  const taken = claims.get(stack) ?? new Map<string, string>();
  claims.set(stack, taken);
  const wanted: Array<[string, string]> = [
    [`bucket name '${s.data.bucketName}'`, 'give each platform its own namePrefix or environment (or bucketName)'],
    [`table name '${s.data.tableName}'`, 'give each platform its own namePrefix or environment (or tableName)'],
    [`repository name '${s.data.repositoryName}'`, 'give each platform its own namePrefix or environment (or repositoryName)'],
    [`job queue name '${s.names.jobQueue}'`, 'give each platform its own namePrefix or environment'],
    ...(s.createOutputs ? [['the seed\'s stack outputs (S3BucketName, ...)', 'set createOutputs: false on all but one platform of the stack'] as [string, string]] : []),
  ];
  const clashes = wanted.filter(([what]) => taken.has(what))
    .map(([what, fix]) => `  - ${what} is already used by platform '${taken.get(what)}': ${fix}`);
  if (clashes.length > 0) {
    throw new Error(`invalid SandersBatchPlatform configuration for '${platform.node.path}' (${clashes.length} problem${clashes.length > 1 ? 's' : ''}):\n${clashes.join('\n')}`);
  }
  for (const [what] of wanted) taken.set(what, platform.node.path);
}
