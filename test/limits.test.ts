/**
 * Every documented limit, at the limit and just past it. Expected values are AWS's (or the docs') figures, written
 * here as literals with their source, never read from the constants under test.
 */
import { Duration, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { platformStack, tier } from './util';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { definitionOf, onlyStateMachine, resourcesOfType } from '../scripts/lib/templates';
import { AccessLevel, SandersBatchPlatformProps, WorkflowJob } from '../src';

const job = (name: string, extra: Partial<WorkflowJob> = {}): WorkflowJob => ({ name, tier: '2gb', ...extra });
const twenty = Array.from({ length: 20 }, (_, i) => job(`dep${i}`));
/** The longest job name: 64 characters (docs/workflows.md, "Limits": state names of 80, `Run <name>`). */
const NAME_64 = 'n'.repeat(64);
/**
 * A variable value that makes the container overrides exactly 8,192 bytes, the ECS limit ("A total of 8192
 * characters are allowed for overrides", RunTask): the overrides of job 'a' with one variable P are 144 bytes
 * besides P's value (`{"name":"default","command":[],"environment":[RUN_DATE, JOB_NAME, P]}`).
 */
const P_AT_LIMIT = 'x'.repeat(8192 - 144);

describe('at every limit, the platform synthesizes', () => {
  // GIVEN every value at its limit, in one platform
  const props: SandersBatchPlatformProps = {
    environment: 'prod',
    bucketName: `b${'c'.repeat(61)}d`, // 63 characters, S3's longest bucket name
    runnableTimeout: Duration.days(7), // the longest runnableTimeout (docs/props.md)
    workflow: [
      ...twenty,
      job('joins20', { dependsOn: twenty.map(j => j.name) }), // AWS Batch: at most 20 dependencies per job
      job('array2', { arraySize: 2 }), // AWS Batch array jobs: 2 to 10,000 children
      job('array10000', { arraySize: 10_000 }),
      job(NAME_64),
      job('a', { environment: { P: P_AT_LIMIT } }),
    ],
  };
  const template = Template.fromStack(platformStack(props).stack).toJSON();

  test('with all of them in its resources', () => {
    expect(resourcesOfType(template, 'AWS::S3::Bucket').map(([, b]) => b.Properties.BucketName)).toContain(`b${'c'.repeat(61)}d`);
    const watch = definitionOf(onlyStateMachine(template, /RunnableWatch/)[1]);
    expect(watch.States['Wait runnable timeout'].Seconds).toBe(604_800);
    const workflow = JSON.stringify(template);
    expect(workflow).toContain(`Run ${NAME_64}`);
    expect(workflow).toContain('\\"Size\\":10000');
  });
});

describe('just past every limit, the platform fails at synth, naming each value', () => {
  test.each<[string, SandersBatchPlatformProps, RegExp]>([
    ['a bucket name of 64 characters', { bucketName: `b${'c'.repeat(62)}d` }, /it is 64 characters long \(3-63 allowed\)/],
    ['runnableTimeout of 7 days and 1 second', { runnableTimeout: Duration.days(7).plus(Duration.seconds(1)) }, /runnableTimeout .* is not valid: give 1 minute to 7 days/],
    ['runnableTimeout of 59 seconds', { runnableTimeout: Duration.seconds(59) }, /runnableTimeout 59 seconds is not valid: give 1 minute to 7 days/],
    ['21 dependencies', { workflow: [...twenty, job('d20'), job('joins21', { dependsOn: [...twenty.map(j => j.name), 'd20'] })] }, /workflow job 'joins21' depends on 21 jobs: AWS Batch allows at most 20/],
    ['an array of 1', { workflow: [job('a', { arraySize: 1 })] }, /arraySize 1: AWS Batch array jobs have 2 to 10,000 children/],
    ['an array of 10,001', { workflow: [job('a', { arraySize: 10_001 })] }, /arraySize 10001: AWS Batch array jobs have 2 to 10,000 children/],
    ['a job name of 65 characters', { workflow: [job('n'.repeat(65))] }, /workflow job name 'n{65}' is not valid: use 1-64/],
    ['container overrides of 8,193 bytes', { workflow: [job('a', { environment: { P: `${P_AT_LIMIT}x` } })] }, /workflow job 'a' sends 8193 bytes of container overrides .* more than the 8192 ECS allows/],
  ])('%s', (_, props, message) => {
    expect(() => platformStack(props)).toThrow(message);
  });
});

/**
 * Compute, retry and name limits. Sources: Fargate's vCPU and memory pairs and ephemeral storage, AWS Batch
 * API_ResourceRequirement and API_EphemeralStorage ("The minimum supported value is 21 GiB and the maximum supported
 * value is 200 GiB"); retry attempts 1-10 and 1-5 evaluateOnExit entries, API_RetryStrategy; a job timeout of at
 * least 60 seconds, API_JobTimeout; maxvCpus 1-10,000 and tier names of 1-32 characters, docs/props.md; runTimeout
 * up to a year, a Step Functions standard execution's longest (service quotas); environment 1-16 and namePrefix 1-20
 * characters, docs/props.md.
 */
const retries = (n: number) => Array.from({ length: n }, () => batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED));

describe('at every compute, retry and name limit, the platform synthesizes', () => {
  const props: SandersBatchPlatformProps = {
    environment: 'e'.repeat(16),
    namePrefix: 'p'.repeat(20),
    tablePartitionKey: { name: 'customer_id', type: AttributeType.STRING },
    bucketName: 'limits-bucket',
    maxvCpus: 10_000,
    runTimeout: Duration.days(365),
    memoryTiers: [
      tier('2gb', 2, 1),
      tier('t'.repeat(32), 8, 1), // 1 vCPU: 2-8 GiB
      tier('quarter', 2, 0.25), // 0.25 vCPU: 0.5, 1 or 2 GiB
      tier('four', 30, 4), // 4 vCPU: 8-30 GiB
      tier('eight', 60, 8), // 8 vCPU: 16-60 GiB in 4 GiB steps
      tier('sixteen', 120, 16), // 16 vCPU: 32-120 GiB in 8 GiB steps
      tier('big', 244, 32), // 32 vCPU: 249,856 MiB
      tier('disk21', 2, 1, { ephemeralStorage: Size.gibibytes(21) }),
      tier('disk200', 2, 1, { ephemeralStorage: Size.gibibytes(200) }),
    ],
    workflow: [
      job('ten', { retryAttempts: 10, retryStrategies: retries(5), timeout: Duration.seconds(60) }),
      job('one', { retryAttempts: 1 }),
    ],
  };

  test('with each value in its resources', () => {
    const template = Template.fromStack(platformStack(props).stack).toJSON();
    const env = 'e'.repeat(16);
    const definitions = resourcesOfType(template, 'AWS::Batch::JobDefinition').map(([, d]) => d.Properties);
    expect(definitions.map(d => d.JobDefinitionName)).toContain(`${'p'.repeat(20)}-batch-job-${'t'.repeat(32)}-${env}`);
    const storage = definitions.map(d => d.ContainerProperties.EphemeralStorage?.SizeInGiB).filter(Boolean).sort((a, b) => a - b);
    expect(storage).toEqual([21, 200]);
    const memory = definitions.flatMap(d => d.ContainerProperties.ResourceRequirements).filter((r: any) => r.Type === 'MEMORY').map((r: any) => Number(r.Value));
    expect(memory).toEqual(expect.arrayContaining([512 * 4, 8192, 30720, 61440, 122880, 249856]));
    expect(resourcesOfType(template, 'AWS::Batch::ComputeEnvironment').map(([, c]) => c.Properties.ComputeResources.MaxvCpus)).toContain(10_000);
  });
});

describe('just past every compute, retry and name limit, the platform fails at synth, naming each value', () => {
  test.each<[string, SandersBatchPlatformProps, RegExp]>([
    ['maxvCpus of 10,001', { maxvCpus: 10_001 }, /maxvCpus 10001 is not valid: give a whole number from 1 to 10000/],
    ['maxvCpus of 2.5', { maxvCpus: 2.5, memoryTiers: [tier('2gb', 2, 1)], workflow: [job('a')] }, /maxvCpus 2\.5 is not valid: give a whole number/],
    ['a 4 vCPU tier with maxvCpus 3', { maxvCpus: 3, memoryTiers: [tier('2gb', 2, 1), tier('four', 8, 4)], workflow: [job('a')] }, /memory tier 'four' needs 4 vCPUs but maxvCpus is 3: raise maxvCpus/],
    ['20 GiB of ephemeral storage', { memoryTiers: [tier('2gb', 2, 1, { ephemeralStorage: Size.gibibytes(20) })], workflow: [job('a')] }, /has 20 GiB of ephemeral storage: Fargate allows a whole number of GiB from 21 to 200/],
    ['201 GiB of ephemeral storage', { memoryTiers: [tier('2gb', 2, 1, { ephemeralStorage: Size.gibibytes(201) })], workflow: [job('a')] }, /has 201 GiB of ephemeral storage/],
    ['1 vCPU with 9 GiB', { memoryTiers: [tier('2gb', 9, 1)], workflow: [job('a')] }, /has 9216 MiB of memory with vcpu 1, which Fargate rejects/],
    ['4 vCPU with 31 GiB', { memoryTiers: [tier('2gb', 31, 4)], workflow: [job('a')] }, /has 31744 MiB of memory with vcpu 4, which Fargate rejects/],
    ['8 vCPU with 17 GiB (4 GiB steps)', { memoryTiers: [tier('2gb', 17, 8)], workflow: [job('a')] }, /has 17408 MiB of memory with vcpu 8, which Fargate rejects/],
    ['16 vCPU with 24 GiB (32 GiB at least)', { memoryTiers: [tier('2gb', 24, 16)], workflow: [job('a')] }, /has 24576 MiB of memory with vcpu 16, which Fargate rejects/],
    ['0.25 vCPU with 4 GiB', { memoryTiers: [tier('2gb', 4, 0.25)], workflow: [job('a')] }, /has 4096 MiB of memory with vcpu 0\.25, which Fargate rejects/],
    ['32 vCPU with 248 GiB', { memoryTiers: [tier('2gb', 248, 32)], workflow: [job('a')] }, /has 253952 MiB of memory with vcpu 32, which Fargate rejects/],
    ['a tier name of 33 characters', { memoryTiers: [tier('t'.repeat(33), 2, 1)], workflow: [job('a', { tier: 't'.repeat(33) })] }, /memory tier name 't{33}' is not valid: use 1-32/],
    ['retryAttempts 0', { workflow: [job('a', { retryAttempts: 0 })] }, /workflow job 'a' has retryAttempts 0: AWS Batch allows a whole number from 1 to 10/],
    ['retryAttempts 11', { workflow: [job('a', { retryAttempts: 11 })] }, /workflow job 'a' has retryAttempts 11/],
    ['6 retry strategies', { workflow: [job('a', { retryStrategies: retries(6) })] }, /workflow job 'a' has 6 retryStrategies: AWS Batch allows 1 to 5/],
    ['a job timeout of 59 seconds', { workflow: [job('a', { timeout: Duration.seconds(59) })] }, /workflow job 'a' timeout is 59 seconds: AWS Batch needs a whole number of at least 60 seconds/],
    ['a runTimeout of 59 seconds', { runTimeout: Duration.seconds(59) }, /runTimeout 59 seconds is not valid: give whole seconds from 1 minute to 1 year/],
    ['a runTimeout of a year and a second', { runTimeout: Duration.days(365).plus(Duration.seconds(1)) }, /runTimeout 31536001 seconds is not valid/],
    ['an environment of 17 characters', { environment: 'e'.repeat(17) }, /environment 'e{17}' is not valid: use 1-16 lowercase letters and digits/],
    // Fargate Spot runs X86_64 only (AWS Batch user guide, "Fargate Spot": "not supported for ARM64").
    ['useSpot with one ARM64 tier', { useSpot: true, memoryTiers: [tier('2gb', 2, 1, { cpuArchitecture: ecs.CpuArchitecture.ARM64 })], workflow: [job('a')] },
      /useSpot is true but memory tier\(s\) '2gb' run on ARM64, which Fargate Spot does not support/],
    ['an alarm address without a domain dot', { alarmEmails: ['oncall@example'] }, /alarmEmails entry 'oncall@example' is not an e-mail address/],
    ['an alarm address twice', { alarmEmails: ['a@example.com', 'b@example.com', 'a@example.com'] }, /alarmEmails lists 'a@example\.com' more than once/],
    ['an environment variable AWS_BATCH_X (Batch reserves AWS_BATCH*)', { workflow: [job('a', { environment: { AWS_BATCHX: '1' } })] }, /sets environment variable 'AWS_BATCHX': AWS Batch reserves names starting with AWS_BATCH/],
    // The platform sets RUN_DATE and JOB_NAME in every job (docs/workflows.md, the job table: "which every job gets").
    ['an environment variable JOB_NAME', { workflow: [job('a', { environment: { JOB_NAME: 'x' } })] }, /workflow job 'a' sets environment variable 'JOB_NAME', which the platform sets itself/],
    ['an environment variable RUN_DATE', { workflow: [job('a', { environment: { RUN_DATE: 'x' } })] }, /workflow job 'a' sets environment variable 'RUN_DATE', which the platform sets itself/],
    ['a secret named AWS_BATCH_TOKEN', { workflow: [job('a', { secrets: { AWS_BATCH_TOKEN: {} as any } })] }, /has a secret named 'AWS_BATCH_TOKEN': AWS Batch reserves names starting with AWS_BATCH/],
    // ECR repository names: 2-256 characters (API_CreateRepository, repositoryName).
    ['a repository name of 257 characters', { repositoryName: 'r'.repeat(257) }, /repository name 'r{257}' is not valid: ECR allows 2-256/],
    // AWS Batch job definition names: up to 128 characters (API_RegisterJobDefinition, jobDefinitionName). A job of
    // its own definition named with 107 characters (itself too long for a job name) makes 'sanders-batch-job-' (18) +
    // 107 + '-dev' (4) = 129.
    ['a job definition name of 129 characters', { workflow: [job('j'.repeat(107), { dataAccess: { bucket: AccessLevel.READ } })] },
      /job definition name 'sanders-batch-job-j{107}-dev' is longer than AWS Batch's 128 characters \(129: /],
    ['a namePrefix of 21 characters', { namePrefix: 'p'.repeat(21), workflow: [job('a')], tablePartitionKey: { name: 'id', type: AttributeType.STRING } }, /namePrefix 'p{21}' is not valid: use 1-20/],
  ])('%s', (_, props, message) => {
    expect(() => platformStack(props)).toThrow(message);
  });

  test('a namePrefix with two hyphens in a row is one problem: the names built from it are not reported again', () => {
    // ECR repository names take single separators only (API_CreateRepository: "[a-z0-9]+(?:[._-][a-z0-9]+)*"): the
    // repository name built from such a prefix would be a second, derived problem.
    expect(() => platformStack({ namePrefix: 'team--a', workflow: [job('a')], tablePartitionKey: { name: 'id', type: AttributeType.STRING } }))
      .toThrow(/\(1 problem\):\n {2}- namePrefix 'team--a' is not valid: use 1-20 lowercase letters, digits and single hyphens/);
  });

  test('a job definition name of 128 characters is not reported (only the job name of 106 characters is)', () => {
    expect(() => platformStack({ workflow: [job('j'.repeat(106), { dataAccess: { bucket: AccessLevel.READ } })] }))
      .toThrow(/\(1 problem\):\n {2}- workflow job name 'j{106}' is not valid/);
  });
});

describe('the backfill\'s range: 366 dates at most (docs/workflows.md, "Backfill")', () => {
  const backfill = definitionOf(onlyStateMachine(Template.fromStack(platformStack({ environment: 'prod', workflow: [job('a')] }).stack).toJSON(), /Backfill/)[1]);
  /** The backfill up to its Map over the dates, which is replaced by a state that returns the listed dates. */
  async function listed(from: string, to: string): Promise<{ dates?: string[]; error?: string }> {
    const states: { [name: string]: any } = { ...backfill.States, 'Run each date': { Type: 'Pass', Parameters: { 'dates.$': '$.dates.list' }, End: true } };
    // Only the states still reachable: what followed the Map is cut off with it.
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const s = states[name];
      [s.Next, s.Default, ...(s.Choices ?? []).map((c: any) => c.Next), ...(s.Catch ?? []).map((c: any) => c.Next)].filter(Boolean).forEach(visit);
    };
    visit(backfill.StartAt);
    const cut = { StartAt: backfill.StartAt, States: Object.fromEntries(Object.entries(states).filter(([n]) => reachable.has(n))) };
    const machine = new StateMachine(cut, { validationOptions: { checkPaths: false, checkArn: false } });
    try {
      return await machine.run({ from, to }, { context: { Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:execution:backfill:b1', Name: 'b1' } } }).result;
    } catch (error: any) {
      return { error: `${error.cause?.name ?? String(error)}${error.cause?.name === 'States.Runtime' ? `: ${error.cause.message}` : ''}` };
    }
  }

  test('366 dates (the leap year 2024, 1 January to 31 December) are listed, first to last', async () => {
    const { dates, error } = await listed('2024-01-01', '2024-12-31');
    expect(error).toBeUndefined();
    expect(dates).toHaveLength(366);
    expect([dates![0], dates![59], dates![365]]).toEqual(['2024-01-01', '2024-02-29', '2024-12-31']);
  });

  test('367 dates (to 1 January 2025) fail with RangeTooLong', async () => {
    expect(await listed('2024-01-01', '2025-01-01')).toEqual({ error: 'RangeTooLong' });
  });
});
