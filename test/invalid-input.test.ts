/**
 * Invalid configurations are rejected at synth, before any resource is created, with a message that names
 * the bad value and says how to fix it.
 */
import { App, CfnElement, Duration, Lazy, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AccessLevel, SandersBatchPlatform, SandersBatchPlatformProps, WorkflowJob } from '../src';

const tier = (name: string, gib: number, vcpu: number, extra: object = {}) => ({ name, memory: Size.gibibytes(gib), vcpu, ...extra });
const job = (name: string, extra: Partial<WorkflowJob> = {}): WorkflowJob => ({ name, tier: '2gb', ...extra });
const token = (value: string) => Lazy.string({ produce: () => value });

/** [what is wrong, props, what the message must say] */
const CASES: Array<[string, SandersBatchPlatformProps, RegExp]> = [
  // names
  ['the environment has upper-case letters', { environment: 'Prod' }, /environment 'Prod' is not valid: use 1-16 lowercase letters/],
  ['the environment is longer than 16 characters', { environment: 'a'.repeat(17) }, /environment 'a{17}' is not valid: use 1-16 lowercase/],
  ['the environment has a hyphen', { environment: 'pre-prod' }, /environment 'pre-prod' is not valid.*e\.g\. 'dev', 'staging' or 'prod'/],
  ['the name prefix has an underscore', { namePrefix: 'team_a' }, /namePrefix 'team_a' is not valid: use 1-20 lowercase letters, digits and single hyphens/],
  ['the name prefix ends with a hyphen', { namePrefix: 'team-' }, /namePrefix 'team-' is not valid.*not ending with a hyphen/],
  ['the name prefix is longer than 20 characters', { namePrefix: 'p'.repeat(21) }, /namePrefix 'p{21}' is not valid/],
  ['the bucket name has upper-case letters', { bucketName: 'My-Bucket' }, /bucket name 'My-Bucket' is not valid: only lowercase letters.*set bucketName/],
  ['the bucket name is longer than 63 characters', { bucketName: 'b'.repeat(64) }, /bucket name 'b{64}' is not valid: it is 64 characters long \(3-63 allowed\)/],
  ['the bucket name looks like an IP address', { bucketName: '192.168.1.10' }, /bucket name '192\.168\.1\.10' is not valid: it looks like an IP address/],
  ['the bucket name has two adjacent dots', { bucketName: 'data..bucket' }, /bucket name 'data\.\.bucket' is not valid: it contains two adjacent dots/],
  ['the bucket name ends with -s3alias', { bucketName: 'data-s3alias' }, /bucket name 'data-s3alias' is not valid: it ends with '-s3alias'/],
  ['the table name has a space', { tableName: 'daily features' }, /table name 'daily features' is not valid: DynamoDB allows 3-255 letters, digits/],
  ['the table name is shorter than 3 characters', { tableName: 'ab' }, /table name 'ab' is not valid: DynamoDB allows 3-255/],
  ['the repository name has upper-case letters', { repositoryName: 'Team/Images' }, /repository name 'Team\/Images' is not valid: ECR allows 2-256 lowercase letters/],
  ['the image tag starts with a dot', { imageTag: '.latest' }, /imageTag '\.latest' is not a valid image tag: up to 128 letters/],
  ['the image tag is longer than 128 characters', { imageTag: 't'.repeat(129) }, /imageTag 't{129}' is not a valid image tag/],
  // unresolved tokens where a literal is needed
  ['the environment is an unresolved token', { environment: token('prod') }, /environment is an unresolved token \(\$\{Token\[.*\]\}\); it must be a literal known at synth time/],
  ['the bucket name is an unresolved token', { bucketName: token('b') }, /bucketName is an unresolved token .*must be a literal/],
  ['maxvCpus is an unresolved token', { maxvCpus: Token.asNumber(Lazy.number({ produce: () => 8 })) }, /maxvCpus is an unresolved token .*must be a literal/],
  ['a tier memory is an unresolved token', { memoryTiers: [{ name: '2gb', memory: Size.gibibytes(Token.asNumber(Lazy.number({ produce: () => 2 }))), vcpu: 1 }], workflow: [job('a')] },
    /memory tier '2gb' memory is an unresolved token; give a literal Size such as Size\.gibibytes\(8\)/],
  // values Fargate or Batch reject
  ['a tier has 3 GiB with 0.25 vCPU', { memoryTiers: [tier('2gb', 3, 0.25)], workflow: [job('a')] }, /memory tier '2gb' has 3072 MiB of memory with vcpu 0\.25, which Fargate rejects: with 0\.25 vCPU use 512, 1024, 2048 MiB; 3072 MiB fits vcpu 0\.5 or 1/],
  ['a tier has 3 vCPUs', { memoryTiers: [tier('2gb', 8, 3)], workflow: [job('a')] }, /memory tier '2gb' has vcpu 3, which Fargate does not offer: use one of 0\.25, 0\.5, 1, 2, 4, 8, 16/],
  ['a tier has 64 GiB with 4 vCPUs', { memoryTiers: [tier('2gb', 64, 4)], workflow: [job('a')] }, /65536 MiB of memory with vcpu 4, which Fargate rejects: with 4 vCPU use 8192-30720 MiB in steps of 1024 MiB; 65536 MiB fits vcpu 16/],
  ['a tier has 10 GiB of ephemeral storage', { memoryTiers: [tier('2gb', 2, 1, { ephemeralStorage: Size.gibibytes(10) })], workflow: [job('a')] }, /memory tier '2gb' has 10 GiB of ephemeral storage: Fargate allows a whole number of GiB from 21 to 200/],
  ['a tier needs more vCPUs than maxvCpus', { maxvCpus: 2 }, /memory tier '16gb' needs 4 vCPUs but maxvCpus is 2: raise maxvCpus/],
  ['maxvCpus is zero', { maxvCpus: 0 }, /maxvCpus 0 is not valid: give a whole number from 1 to 10000/],
  ['a job has 11 retry attempts', { workflow: [job('a', { retryAttempts: 11 })] }, /workflow job 'a' has retryAttempts 11: AWS Batch allows a whole number from 1 to 10/],
  ['a job has six retry strategies', { workflow: [job('a', { retryStrategies: Array.from({ length: 6 }, () => batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED)) })] },
    /workflow job 'a' has 6 retryStrategies: AWS Batch allows 1 to 5/],
  ['a job times out after 30 seconds', { workflow: [job('a', { timeout: Duration.seconds(30) })] }, /workflow job 'a' timeout is 30 seconds: AWS Batch needs a whole number of at least 60 seconds, e\.g\. Duration\.hours\(1\)/],
  ['a job is an array of one', { workflow: [job('a', { arraySize: 1 })] }, /workflow job 'a' has arraySize 1: AWS Batch array jobs have 2 to 10,000 children/],
  ['a job depends on 21 jobs', { workflow: [...Array.from({ length: 21 }, (_, i) => job(`j${i}`)), job('last', { dependsOn: Array.from({ length: 21 }, (_, i) => `j${i}`) })] },
    /workflow job 'last' depends on 21 jobs: AWS Batch allows at most 20; add an intermediate job/],
  // workflows
  ['the workflow is empty', { workflow: [] }, /workflow is empty: give at least one job, e\.g\. \{ name: 'daily', tier: '2gb' \}/],
  ['a job names a tier that does not exist', { workflow: [{ name: 'a', tier: '4gb' }] }, /workflow job 'a' uses tier '4gb', which does not exist: use one of '2gb', '8gb', '16gb' or add it to memoryTiers/],
  ['two jobs depend on each other', { workflow: [job('a', { dependsOn: ['b'] }), job('b', { dependsOn: ['a'] })] }, /workflow has a cycle: (a -> b -> a|b -> a -> b); remove one of these dependencies/],
  ['a job depends on itself', { workflow: [job('a', { dependsOn: ['a'] })] }, /workflow job 'a' depends on itself: remove 'a' from its dependsOn/],
  ['a job depends on a job that is not in the workflow', { workflow: [job('a', { dependsOn: ['ghost'] })] }, /workflow job 'a' depends on 'ghost', which is not a job of the workflow: use one of 'a'/],
  ['two jobs have the same name', { workflow: [job('a'), job('a')] }, /workflow job 'a' is defined twice: job names must be unique/],
  ['two job names differ only in - and _', { workflow: [job('load-data'), job('load_data')] }, /workflow jobs 'load-data' and 'load_data' differ only in '-' versus '_': rename one/],
  ['a job name has a space', { workflow: [job('load data')] }, /workflow job name 'load data' is not valid: use 1-64 letters, digits, hyphens and underscores/],
  ['a job name is longer than 64 characters', { workflow: [job('j'.repeat(65))] }, /workflow job name 'j{65}' is not valid: use 1-64/],
  ['a job sets the reserved RUN_DATE variable', { workflow: [job('a', { environment: { RUN_DATE: 'x' } })] }, /workflow job 'a' sets environment variable 'RUN_DATE', which the platform sets itself: choose another name/],
  ['an environment variable name starts with a digit', { workflow: [job('a', { environment: { '1X': 'x' } })] }, /workflow job 'a' has environment variable '1X': names are letters, digits and '_', not starting with a digit/],
  // tiers
  ['the tier list is empty', { memoryTiers: [], workflow: [job('a')] }, /memoryTiers is empty: give at least one tier, e\.g\. \{ name: '2gb'/],
  ['two tiers have the same name', { memoryTiers: [tier('2gb', 2, 1), tier('2gb', 4, 1)], workflow: [job('a')] }, /memory tier '2gb' is defined twice: tier names must be unique/],
  ['a tier name has upper-case letters', { memoryTiers: [tier('Large', 2, 1)], workflow: [{ name: 'a', tier: 'Large' }] }, /memory tier name 'Large' is not valid: use 1-32 lowercase letters, digits and hyphens/],
  // data access
  ['a bucket prefix starts with a slash', { workflow: [job('a', { dataAccess: { bucketPrefix: '/raw/' } })] }, /workflow job 'a' has dataAccess\.bucketPrefix '\/raw\/': give a key prefix such as 'raw\/', without a leading '\/' or '\*'/],
  ['a bucket prefix is given with no bucket access', { workflow: [job('a', { dataAccess: { bucket: AccessLevel.NONE, bucketPrefix: 'raw/' } })] },
    /workflow job 'a' has dataAccess\.bucketPrefix 'raw\/' but bucket access NONE: remove the prefix or give bucket AccessLevel\.READ or READ_WRITE/],
  ['table leading keys are an empty list', { workflow: [job('a', { dataAccess: { tableLeadingKeys: [] } })] }, /workflow job 'a' has an empty dataAccess\.tableLeadingKeys: an empty list would match no item/],
  ['table leading keys are given with no table access', { workflow: [job('a', { dataAccess: { table: AccessLevel.NONE, tableLeadingKeys: ['c1'] } })] },
    /workflow job 'a' has dataAccess\.tableLeadingKeys but table access NONE: remove the keys/],
  // data safety
  ['autoDeleteObjects is on while the data is retained', { environment: 'prod', autoDeleteObjects: true }, /autoDeleteObjects is true but removalPolicy is retain: .*set removalPolicy to RemovalPolicy\.DESTROY or autoDeleteObjects to false/],
  ['the removal policy is SNAPSHOT', { removalPolicy: RemovalPolicy.SNAPSHOT, autoDeleteObjects: false }, /removalPolicy is RemovalPolicy\.SNAPSHOT, which S3 buckets.*do not support: use RemovalPolicy\.RETAIN/],
];

function expectRejected(props: SandersBatchPlatformProps, message: RegExp): void {
  // GIVEN
  const app = new App();
  const stack = new Stack(app, 'Consumer');

  // WHEN / THEN
  expect(() => new SandersBatchPlatform(stack, 'Platform', props)).toThrow(message);
  // Nothing was created: no CloudFormation element anywhere, and the platform (if its node exists at all) is empty.
  expect(stack.node.findAll().filter(c => CfnElement.isCfnElement(c))).toEqual([]);
  expect(stack.node.tryFindChild('Platform')?.node.children ?? []).toEqual([]);
}

describe('invalid configurations', () => {
  test('there are at least 30 distinct ones', () => {
    expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES)('fails when %s', (_what, props, message) => {
    expectRejected(props, message);
  });

  test('fails when several things are wrong, and names every one of them in one error', () => {
    expectRejected(
      { environment: 'Prod', maxvCpus: 20000, workflow: [job('a', { retryAttempts: 0 })] },
      /invalid SandersBatchPlatform configuration \(3 problems\):\n {2}- environment 'Prod'[\s\S]*- maxvCpus 20000[\s\S]*- workflow job 'a' has retryAttempts 0/,
    );
  });

  test('fails when a job is added to a VPC without egress subnets, before anything is created', () => {
    const stack = new Stack(new App(), 'Consumer');
    const vpc = new ec2.Vpc(stack, 'Isolated', { subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const before = stack.node.findAll().length;
    expect(() => new SandersBatchPlatform(stack, 'Platform', { vpc })).toThrow(/has no private subnets with egress/);
    expect(stack.node.findAll().length).toBe(before + 1); // only the empty Platform node
  });
});
