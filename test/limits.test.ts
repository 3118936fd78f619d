/**
 * Every documented limit, at the limit and just past it. Expected values are AWS's (or the docs') figures, written
 * here as literals with their source, never read from the constants under test.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { definitionOf, onlyStateMachine, resourcesOfType } from '../scripts/lib/templates';
import { SandersBatchPlatformProps, WorkflowJob } from '../src';

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
