/**
 * Where the job workflow's definition goes. A workflow that fits stays in the template (`DefinitionString`, as
 * every stack deployed so far has it); a larger one moves to an S3 asset (`DefinitionS3Location`) with its
 * tokens as `DefinitionSubstitutions`, so that CloudFormation's 1 MB template limit no longer bounds the
 * workflow and Step Functions' 1 MiB definition limit does
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). Moving it is an update of the
 * state machine's properties, never a replacement.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** A definition of more bytes than this (before its tokens are resolved) goes to S3. */
export const IN_TEMPLATE_MAX_BYTES = 400_000;

/** Where a definition is, and its size as Step Functions will see it. */
export interface DefinitionLocation {
  readonly body: sfn.DefinitionBody;
  readonly substitutions?: { [name: string]: string };
  /** Whether the definition is an S3 asset. */
  readonly inS3: boolean;
  /** The deployed definition's size in bytes, each token counted at the largest length its value can have here. */
  readonly deployedBytes: number;
  /** Why the definition cannot go where its size sends it, for the stack's validation. @default - it can */
  readonly problem?: string;
}

/**
 * The name property of the resources whose `Ref` or `Fn::GetAtt` can appear in the definition, the ARN they make,
 * and whether their `Ref` is that ARN (a Batch job definition's and job queue's is) or the name (a table's).
 */
const NAMED: { [type: string]: { property: string; arn: string; refIsArn: boolean } } = {
  'AWS::Batch::JobDefinition': { property: 'jobDefinitionName', arn: 'batch:job-definition', refIsArn: true },
  'AWS::Batch::JobQueue': { property: 'jobQueueName', arn: 'batch:job-queue', refIsArn: true },
  'AWS::DynamoDB::Table': { property: 'tableName', arn: 'dynamodb:table', refIsArn: false },
};

/** The most bytes a token of the definition can resolve to in this stack (an ARN or a name; 2,048 when unknown). */
function tokenBytes(stack: Stack, token: string): number {
  const resolved = stack.resolve(token);
  const pseudo = (name: string, value: string, longest: number) =>
    (resolved?.Ref === name ? (Token.isUnresolved(value) ? longest : value.length) : undefined);
  // Partition: aws-us-gov is the longest; region: 14 characters (ap-southeast-7); an account ID has 12.
  const known = pseudo('AWS::Partition', stack.partition, 10) ?? pseudo('AWS::Region', stack.region, 14) ?? pseudo('AWS::AccountId', stack.account, 12);
  if (known !== undefined) return known;
  const getAtt: unknown[] | undefined = resolved?.['Fn::GetAtt'];
  const logicalId = resolved?.Ref ?? getAtt?.[0];
  const resource = logicalId === undefined ? undefined
    : stack.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && stack.resolve(c.logicalId) === logicalId);
  const named = resource ? NAMED[resource.cfnResourceType] : undefined;
  if (!named) return 2048;
  // A resource CloudFormation names itself (no name given): the longest name its type takes (DynamoDB: 255).
  const given = stack.resolve((resource as any)[named.property]);
  const name = typeof given === 'string' ? given : 'x'.repeat(255);
  const isArn = getAtt ? String(getAtt[1]).endsWith('Arn') : named.refIsArn;
  if (!isArn) return name.length;
  const [service, type] = named.arn.split(':');
  const partition = Token.isUnresolved(stack.partition) ? 10 : stack.partition.length;
  const region = Token.isUnresolved(stack.region) ? 14 : stack.region.length;
  // arn:<partition>:<service>:<region>:<account>:<type>/<name>[:<revision>]; a job definition's revision up to 99,999.
  return `arn::${service}::123456789012:${type}/${name}${type === 'job-definition' ? ':99999' : ''}`.length + partition + region;
}

/**
 * The definition with each token written as `${S<n>}` and the substitutions that give them back, the same token
 * always under the same name, with how often each name occurs.
 */
function withSubstitutions(definition: unknown): { text: string; substitutions: { [name: string]: string }; counts: Map<string, number> } {
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  const concat = { join: (left: any, right: any) => `${left}${right}` };
  const text = JSON.stringify(definition, (_key, value) => {
    if (typeof value !== 'string' || !Token.isUnresolved(value)) return value;
    return Tokenization.reverseString(value).mapTokens({
      mapToken: (token: any) => {
        const key = Token.asString(token);
        if (!names.has(key)) names.set(key, `S${names.size}`);
        const name = names.get(key)!;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return `\${${name}}`;
      },
    }).join(concat);
  });
  return { text, substitutions: Object.fromEntries([...names].map(([token, name]) => [name, token])), counts };
}

/** Where the job workflow's definition goes, by its size. */
export function definitionLocation(stack: Stack, definition: unknown): DefinitionLocation {
  const { text, substitutions, counts } = withSubstitutions(definition);
  let deployedBytes = Buffer.byteLength(text);
  for (const [name, n] of counts) deployedBytes += n * (tokenBytes(stack, substitutions[name]) - `\${${name}}`.length);
  if (Buffer.byteLength(text) <= IN_TEMPLATE_MAX_BYTES) {
    return { body: sfn.DefinitionBody.fromString(stack.toJsonString(definition)), inS3: false, deployedBytes };
  }
  // In S3, CloudFormation replaces every ${name} it has a substitution for; a literal ${ (a job's command or
  // environment) would be read as one.
  const literal = (text.match(/\$\{/g) ?? []).length - [...counts.values()].reduce((a, b) => a + b, 0);
  if (literal > 0) {
    const sample = /"([^"]*\$\{(?!S\d+\})[^"]*)"/.exec(text)?.[1];
    const problem = `the job workflow's definition (about ${(deployedBytes / 1000).toFixed(1)} kB) is too large for the template and goes to S3, where CloudFormation reads \${...} as a substitution: ${literal} value(s) contain '\${', such as '${sample}'. Write $VAR instead of \${VAR} in job commands and environment values, or split the workflow over two platforms in two stacks`;
    return { body: sfn.DefinitionBody.fromString(stack.toJsonString(definition)), inS3: false, deployedBytes, problem };
  }
  // Named by its content, so that synthesizing the same workflow again reuses the file instead of adding one.
  const file = path.join(os.tmpdir(), `sanders-workflow-${crypto.createHash('sha256').update(text).digest('hex')}.asl.json`);
  if (!fs.existsSync(file)) {
    // Written whole, then renamed: another process synthesizing the same workflow never reads half a file.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return { body: sfn.DefinitionBody.fromFile(file), substitutions, inS3: true, deployedBytes };
}
