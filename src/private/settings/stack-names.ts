import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { PlatformNames } from './names';
import { Problems } from './problems';
import type { DataSettings } from './settings';

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

/** What a platform's names take in its stack and app, as `resolveSettings` derived them. */
export interface ClaimedNames {
  readonly names: PlatformNames;
  readonly data: DataSettings;
  readonly createOutputs: boolean;
}

/** Each physical name (and the stack outputs) the platform takes, with what to change when another has it. */
function wantedNames(stack: Stack, v: ClaimedNames): Array<[string, string]> {
  const here = place(stack, false);
  return [
    // A bucket or table the team brings is not created, so two platforms may share it.
    ...(v.data.existingBucket ? [] : [[`bucket name '${v.data.bucketName}' (unique in ${place(stack, true)})`, 'give each platform its own namePrefix or environment (or bucketName)'] as [string, string]]),
    ...(v.data.existingTable ? [] : [[`table name '${v.data.tableName}' (in ${here})`, 'give each platform its own namePrefix or environment (or tableName)'] as [string, string]]),
    [`repository name '${v.data.repositoryName}' (in ${here})`, 'give each platform its own namePrefix or environment (or repositoryName)'],
    [`job queue name '${v.names.jobQueue}' (in ${here})`, 'give each platform its own namePrefix or environment'],
    [`state machine name '${v.names.stateMachine}' (in ${here})`, 'give each platform its own namePrefix or environment'],
    ...(v.createOutputs ? [[`the stack outputs S3BucketName, ... (createOutputs) of stack '${stack.node.path}'`, 'set createOutputs: false on all but one platform of the stack'] as [string, string]] : []),
  ];
}

/**
 * Adds a problem for each physical name of this platform that another platform of the app already uses, and for
 * the stack outputs (createOutputs) another platform of the stack already adds: CloudFormation would only refuse the
 * stack at deploy (duplicate names), or CDK with a message about an output section that does not say what to change.
 */
export function stackNameProblems(problems: Problems, platform: Construct, v: ClaimedNames): void {
  const taken = claims.get(platform.node.root);
  if (taken === undefined) return;
  for (const [what, fix] of wantedNames(Stack.of(platform), v)) {
    if (taken.has(what)) problems.add(`${what} is already used by platform '${taken.get(what)}': ${fix}`);
  }
}

/** Records the platform's names, once its settings passed every check, for the platforms created after it. */
export function claimStackNames(platform: Construct, v: ClaimedNames): void {
  const root = platform.node.root;
  const taken = claims.get(root) ?? new Map<string, string>();
  claims.set(root, taken);
  for (const [what] of wantedNames(Stack.of(platform), v)) taken.set(what, platform.node.path);
}
