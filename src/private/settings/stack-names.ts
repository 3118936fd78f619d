import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { PlatformSettings } from './settings';

/** Physical names (and the stack outputs) already taken by a platform, per app (the construct tree's root). */
const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Where a physical name must be unique: S3 bucket names everywhere, the others per account and region (a stack
 * without an explicit account or region may be deployed anywhere, so env-agnostic stacks count as one place).
 */
function place(stack: Stack, global: boolean): string {
  if (global) return 'every account';
  const known = (v: string) => (Token.isUnresolved(v) ? 'any' : v);
  return `account ${known(stack.account)}, region ${known(stack.region)}`;
}

/**
 * Fails when another platform in the same stack already uses one of this platform's physical names, or
 * already adds the stack outputs (createOutputs): CloudFormation would only refuse the stack at deploy (duplicate names)
 * or CDK with a message about an output section that does not say what to change.
 */
export function claimStackNames(platform: Construct, s: PlatformSettings): void {
  const stack = Stack.of(platform);
  const root = platform.node.root;
  const taken = claims.get(root) ?? new Map<string, string>();
  claims.set(root, taken);
  const here = place(stack, false);
  const wanted: Array<[string, string]> = [
    // A bucket or table the team brings is not created, so two platforms may share it.
    ...(s.data.existingBucket ? [] : [[`bucket name '${s.data.bucketName}' (unique in ${place(stack, true)})`, 'give each platform its own namePrefix or environment (or bucketName)'] as [string, string]]),
    ...(s.data.existingTable ? [] : [[`table name '${s.data.tableName}' (in ${here})`, 'give each platform its own namePrefix or environment (or tableName)'] as [string, string]]),
    [`repository name '${s.data.repositoryName}' (in ${here})`, 'give each platform its own namePrefix or environment (or repositoryName)'],
    [`job queue name '${s.names.jobQueue}' (in ${here})`, 'give each platform its own namePrefix or environment'],
    [`state machine name '${s.names.stateMachine}' (in ${here})`, 'give each platform its own namePrefix or environment'],
    ...(s.createOutputs ? [[`the stack outputs S3BucketName, ... (createOutputs) of stack '${stack.node.path}'`, 'set createOutputs: false on all but one platform of the stack'] as [string, string]] : []),
  ];
  const clashes = wanted.filter(([what]) => taken.has(what))
    .map(([what, fix]) => `  - ${what} is already used by platform '${taken.get(what)}': ${fix}`);
  if (clashes.length > 0) {
    throw new Error(`invalid SandersBatchPlatform configuration for '${platform.node.path}' (${clashes.length} problem${clashes.length > 1 ? 's' : ''}):\n${clashes.join('\n')}`);
  }
  for (const [what] of wanted) taken.set(what, platform.node.path);
}
