/**
 * Synth-time validation of the workflow: every mistake fails with a message that names the job and the fix.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as fc from 'fast-check';
import { WorkflowJob } from '../src';
import { synthWorkflowDefinition } from './sim/workflow-fixture';
import { platformStack } from './util';
import { allStates } from '../scripts/lib/templates';

function build(workflow: WorkflowJob[]): () => void {
  return () => platformStack({ workflow });
}

const job = (name: string, more: Partial<WorkflowJob> = {}): WorkflowJob => ({ name, tier: '2gb', ...more });

describe('workflow validation', () => {
  test('fails when the workflow is empty', () => {
    expect(build([])).toThrow(/workflow is empty: give at least one job, e.g. \{ name: 'daily', tier: '2gb' \}/);
  });

  test('fails when two jobs have the same name', () => {
    expect(build([job('load'), job('load')])).toThrow(/workflow job 'load' is defined twice: job names must be unique/);
  });

  test('fails when two names differ only in - and _', () => {
    expect(build([job('load-a'), job('load_a')])).toThrow(/workflow jobs 'load-a' and 'load_a' differ only in '-' versus '_': rename one/);
  });

  test('fails when a job depends on a job that does not exist, and lists the jobs there are', () => {
    expect(build([job('a'), job('b', { dependsOn: ['c'] })]))
      .toThrow(/workflow job 'b' depends on 'c', which is not a job of the workflow: use one of 'a', 'b'/);
  });

  test('fails when a job depends on itself', () => {
    expect(build([job('a', { dependsOn: ['a'] })])).toThrow(/workflow job 'a' depends on itself: remove 'a' from its dependsOn/);
  });

  test('fails on a cycle and names it', () => {
    expect(build([job('a', { dependsOn: ['c'] }), job('b', { dependsOn: ['a'] }), job('c', { dependsOn: ['b'] }), job('d')]))
      .toThrow(/workflow has a cycle: a -> c -> b -> a; remove one of these dependencies/);
  });

  test('fails when a dependency is listed twice', () => {
    expect(build([job('a'), job('b', { dependsOn: ['a', 'a'] })])).toThrow(/workflow job 'b' lists a dependency twice in dependsOn/);
  });

  test('fails when a job depends on more jobs than AWS Batch allows', () => {
    const roots = Array.from({ length: 21 }, (_, i) => job(`r${i}`));
    expect(build([...roots, job('join', { dependsOn: roots.map(r => r.name) })]))
      .toThrow(/workflow job 'join' depends on 21 jobs: AWS Batch allows at most 20; add an intermediate job that depends on some of them/);
  });

  test('accepts a job with exactly 20 dependencies', () => {
    const roots = Array.from({ length: 20 }, (_, i) => job(`r${i}`));
    expect(build([...roots, job('join', { dependsOn: roots.map(r => r.name) })])).not.toThrow();
  });

  test.each(['', 'has space', '-leading', 'a'.repeat(65), 'dot.name', 'ünïcode', 'slash/name'])(
    'fails when a job name is %p, which AWS Batch or Step Functions would reject', name => {
      expect(build([job(name)])).toThrow(/is not valid: use 1-64 letters, digits, hyphens and underscores, starting with a letter or digit/);
    });

  test('fails when a job uses a tier that does not exist', () => {
    expect(build([job('train', { tier: '64gb' })]))
      .toThrow(/workflow job 'train' uses tier '64gb', which does not exist: use one of '2gb', '8gb', '16gb' or add it to memoryTiers/);
  });

  test.each([0, 11, 2.5])('fails when retryAttempts is %p', attempts => {
    expect(build([job('a', { retryAttempts: attempts })])).toThrow(new RegExp(`workflow job 'a' has retryAttempts ${attempts}: AWS Batch allows a whole number from 1 to 10`));
  });

  test('fails when there are no or more than 5 retry strategies', () => {
    const s = batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED);
    expect(build([job('a', { retryStrategies: [] })])).toThrow(/workflow job 'a' has 0 retryStrategies: AWS Batch allows 1 to 5/);
    expect(build([job('a', { retryStrategies: [s, s, s, s, s, s] })])).toThrow(/workflow job 'a' has 6 retryStrategies: AWS Batch allows 1 to 5/);
  });

  test('fails when a retry strategy has a pattern AWS Batch rejects', () => {
    const strategies = [
      batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onExitCode: 'one' })),
      batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'a*b' })),
    ];
    expect(build([job('a', { retryStrategies: strategies })]))
      .toThrow(/workflow job 'a' has a retry strategy with onExitCode 'one', which AWS Batch rejects[\s\S]*onStatusReason 'a\*b'/);
  });

  // AWS Batch API_EvaluateOnExit: onExitCode "can contain only numbers, and can end with an asterisk (*)"; onReason
  // and onStatusReason "can contain letters, numbers, periods (.), colons (:), and white space", up to 512 characters,
  // optionally ending with an asterisk.
  test.each(['1*2', '*1', '**'])('fails when onExitCode is %p (an asterisk only at the end)', onExitCode => {
    expect(build([job('a', { retryStrategies: [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode }))] })]))
      .toThrow(/workflow job 'a' has a retry strategy with onExitCode '.*', which AWS Batch rejects/);
  });

  test('accepts an onReason of 512 characters and refuses one of 513', () => {
    const rule = (n: number) => [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onReason: 'r'.repeat(n) }))];
    expect(build([job('a', { retryStrategies: rule(512) })])).not.toThrow();
    expect(build([job('a', { retryStrategies: rule(513) })])).toThrow(/workflow job 'a' has a retry strategy with onReason 'r{513}', which AWS Batch rejects: use up to 512/);
  });

  test('fails when a variable is both an environment variable and a secret', () => {
    const secret = batch.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(new Stack(new App(), 'Secrets'), 'S', 'team/key'));
    expect(build([job('a', { environment: { KEY: 'x' }, secrets: { KEY: secret } })])).toThrow(/workflow job 'a' sets 'KEY' both as an environment variable and as a secret: keep one/);
  });

  test('fails when a bucket prefix has a wildcard', () => {
    expect(build([job('a', { dataAccess: { bucketPrefix: 'raw/*' } })])).toThrow(/workflow job 'a' has dataAccess\.bucketPrefix 'raw\/\*': give a key prefix such as 'raw\/', without a leading '\/' or '\*'/);
  });

  // DynamoDB: a partition key value is 1 to 2048 bytes (Developer Guide, "Partition key" limits).
  test('accepts a table leading key of 2048 characters and refuses one of 2049', () => {
    expect(build([job('a', { dataAccess: { tableLeadingKeys: ['k'.repeat(2048)] } })])).not.toThrow();
    expect(build([job('a', { dataAccess: { tableLeadingKeys: ['k'.repeat(2049)] } })])).toThrow(/tableLeadingKeys entry 'k{2049}': give a partition key value of 1-2048 characters/);
  });

  test.each([Duration.seconds(30), Duration.millis(90_500)])('fails when the timeout is %p', timeout => {
    expect(build([job('a', { timeout })])).toThrow(/workflow job 'a' timeout is [\d.]+ seconds: AWS Batch needs a whole number of at least 60 seconds/);
  });

  test.each([1, 10_001, 3.5])('fails when arraySize is %p', arraySize => {
    expect(build([job('a', { arraySize })])).toThrow(/workflow job 'a' has arraySize .*: AWS Batch array jobs have 2 to 10,000 children/);
  });

  test('fails when an environment variable is one the platform sets', () => {
    expect(build([job('a', { environment: { RUN_DATE: 'x' } })])).toThrow(/workflow job 'a' sets environment variable 'RUN_DATE', which the platform sets itself/);
  });

  test.each([Duration.seconds(59), Duration.millis(90_500), Duration.days(366)])('fails when runTimeout is %p', runTimeout => {
    expect(() => platformStack({ runTimeout })).toThrow(/runTimeout [\d.]+ seconds is not valid: give whole seconds from 1 minute to 1 year/);
  });

  test('runTimeout is what the watch stops the run at, with the execution\'s own timeout an hour later as a backstop', () => {
    const definition = synthWorkflowDefinition([job('a'), job('b', { dependsOn: ['a'] }), job('c', { dependsOn: ['a'] })], { runTimeout: Duration.hours(6) });
    const watch = definition.States['Run and watch'].Branches[1].States;
    const past = watch['Watch: past runTimeout?'].Choices.map((c: any) => c.And?.[0] ?? c);
    expect(past.map((c: any) => c.NumericGreaterThanEquals)).toEqual([21600, 25200]);
    expect(definition.TimeoutSeconds).toBe(25200);
    expect(JSON.stringify(definition.States['Run and watch'].Branches[0])).not.toContain('TimeoutSeconds');
  });

  test('reports every problem of every job at once', () => {
    expect(build([job('a', { dependsOn: ['a'], retryAttempts: 0 }), job('b', { tier: 'x', timeout: Duration.seconds(1) })]))
      .toThrow(/4 problems[\s\S]*'a' depends on itself[\s\S]*'a' has retryAttempts 0[\s\S]*'b' uses tier 'x'[\s\S]*'b' timeout/);
  });

  test('job names that read like the workflow\'s own states do not clash with them', () => {
    const definition = synthWorkflowDefinition([job('succeeded'), job('failed'), job('jobs', { dependsOn: ['succeeded'] })]);
    expect(definition.States['Submit succeeded'].Type).toBe('Task');
    expect(definition.States['All jobs succeeded'].Type).toBe('Succeed');
    expect(definition.States['Workflow failed'].Type).toBe('Fail');
    // State names are unique across the whole state machine, nested branches included.
    const names: string[] = [];
    const walk = (machine: any) => Object.entries<any>(machine.States).forEach(([name, state]) => {
      names.push(name);
      [...state.Branches ?? [], ...state.ItemProcessor ? [state.ItemProcessor] : []].forEach(walk);
    });
    walk(definition);
    expect(names).toEqual(expect.arrayContaining(['Submit succeeded', 'Run failed', 'Run jobs', 'jobs error?', 'failed error?']));
    expect(names.length).toBe(new Set(names).size);
  });
});

/**
 * Job names built from the words of the workflow's own state names (`Run`, `Lost`, `Find`, `Job`, `failed`,
 * `again`, ...): either synth refuses the workflow, naming the state two names would share, or every state of the
 * job workflow keeps its own name. The count is checked against the same graph with neutral names (`n0`, `n1`, ...),
 * so a state that silently replaced another (same name, same scope) shows as a missing state.
 */
describe('job names that are words of state names', () => {
  const words = ['Run', 'Submit', 'Skip', 'Skipped', 'Lost', 'Find', 'Read', 'Job', 'What', 'Workflow', 'again', 'failed', 'refused',
    'succeeded', 'back', 'look', 'error', 'load', 'report'];
  const names = (definition: any): string[] => allStates(definition).map(([name]) => name);

  test('are refused naming the shared state, or give every state a name of its own', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.constantFrom(...words), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
      (picked, links) => {
        // Job i depends on one earlier job when its link says so: some final, some depended on.
        const shape = (name: (i: number) => string) =>
          picked.map((_, i) => job(name(i), { dependsOn: i > 0 && links[i] % 2 === 0 ? [name(links[i] % i)] : [] }));
        let definition: any;
        try {
          definition = synthWorkflowDefinition(shape(i => picked[i]));
        } catch (e: any) {
          expect(String(e.message)).toMatch(/give(s)? the job workflow a state named '[^']+'/);
          return;
        }
        const own = names(definition);
        expect(new Set(own).size).toBe(own.length);
        expect(own.length).toBe(names(synthWorkflowDefinition(shape(i => `n${i}`))).length);
      },
    ), { numRuns: 15 });
  });
});
