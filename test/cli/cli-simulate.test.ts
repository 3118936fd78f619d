/**
 * `batch-platform simulate` (the built CLI, as a child process) on templates synthesized from hold-out job graphs: its
 * run time must equal the longest chain of (start delay + duration) through the graph, computed here independently
 * by a depth-first search over the graph as written (not the project's criticalPath), within 2%; `--fail` must say
 * which jobs never start and what the alert says; `--gantt` must write a Mermaid chart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildCli, cleanEnv, runCli } from './cli-harness';
import { WorkflowJob } from '../../src';
import { platformStack } from '../util';

const dir = mkdtempSync(join(tmpdir(), 'cli-simulate-'));
const env = cleanEnv({});
const START_DELAY = 45;

function templateOf(workflow: WorkflowJob[], name: string): string {
  const file = join(dir, `${name}.template.json`);
  writeFileSync(file, JSON.stringify(Template.fromStack(platformStack({ environment: 'prod', workflow }, name).stack).toJSON()));
  return file;
}

/** The longest path, by memoized depth-first search from each job back to its roots. */
function longestChain(workflow: WorkflowJob[], durations: { [job: string]: number }): number {
  const memo = new Map<string, number>();
  const finish = (name: string): number => {
    if (!memo.has(name)) {
      const job = workflow.find(j => j.name === name)!;
      memo.set(name, Math.max(0, ...(job.dependsOn ?? []).map(finish)) + START_DELAY + durations[name]);
    }
    return memo.get(name)!;
  };
  return Math.max(...workflow.map(j => finish(j.name)));
}

/** Hold-out graphs: none of them is a graph the workflow tests or the benchmark use. */
const graphs: Array<{ name: string; workflow: WorkflowJob[]; durations: { [job: string]: number } }> = [
  {
    name: 'Crossed',
    workflow: [
      { name: 'load-a', tier: '2gb' }, { name: 'load-b', tier: '8gb' },
      { name: 'mix-1', tier: '2gb', dependsOn: ['load-a', 'load-b'] }, { name: 'mix-2', tier: '16gb', dependsOn: ['load-b'] },
      { name: 'score', tier: '8gb', dependsOn: ['mix-1'] }, { name: 'report', tier: '2gb', dependsOn: ['score', 'mix-2'] },
    ],
    durations: { 'load-a': 1300, 'load-b': 200, 'mix-1': 90, 'mix-2': 1700, 'score': 400, 'report': 75 },
  },
  {
    name: 'LongChainShortFan',
    workflow: [
      { name: 's0', tier: '2gb' }, { name: 's1', tier: '2gb', dependsOn: ['s0'] }, { name: 's2', tier: '8gb', dependsOn: ['s1'] },
      { name: 's3', tier: '2gb', dependsOn: ['s2'] },
      ...Array.from({ length: 7 }, (_, i) => ({ name: `fan-${i}`, tier: '2gb', dependsOn: ['s0'] })),
      { name: 'join', tier: '2gb', dependsOn: ['s3', 'fan-3', 'fan-6'] },
    ],
    durations: { s0: 61, s1: 333, s2: 20, s3: 1000, join: 5, ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`fan-${i}`, 500 + 170 * i])) },
  },
  {
    name: 'Islands',
    workflow: [
      { name: 'x', tier: '2gb' }, { name: 'y', tier: '2gb', dependsOn: ['x'] },
      { name: 'p', tier: '16gb' }, { name: 'q', tier: '2gb', dependsOn: ['p'] }, { name: 'r', tier: '2gb', dependsOn: ['p', 'q'] },
    ],
    durations: { x: 2000, y: 10, p: 120, q: 1234, r: 600 },
  },
];

beforeAll(() => buildCli(), 120_000);

describe('simulate predicts the run time of hold-out graphs', () => {
  test.each(graphs)('$name: within 2% of the independent critical path plus start delays', async ({ name, workflow, durations }) => {
    const file = templateOf(workflow, name);
    const args = ['simulate', file, '--start-delay', String(START_DELAY), ...Object.entries(durations).flatMap(([j, s]) => ['--duration', `${j}=${s}`])];
    const r = await runCli(args, env);
    expect(r.stderr).not.toMatch(/batch-platform:/);
    expect(r.code).toBe(0);
    const predicted = Number(/: SUCCEEDED in \S+ \((\d+(?:\.\d+)?) s\)/.exec(r.stdout)![1]);
    const expected = longestChain(workflow, durations);
    expect(Math.abs(predicted - expected) / expected).toBeLessThanOrEqual(0.02);
  });

  test('Crossed: the critical path is load-b, mix-2, report (1700 s dominates), with peak vCPU and the cost', async () => {
    const { workflow, durations } = graphs[0];
    const r = await runCli(['simulate', templateOf(workflow, 'CrossedPath'), '--start-delay', String(START_DELAY),
      ...Object.entries(durations).flatMap(([j, s]) => ['--duration', `${j}=${s}`])], env);
    // load-a (1300) -> mix-1 (90) -> score (400) -> report: 1300+90+400+75 + 4*45 = 2045; load-b -> mix-2 -> report: 200+1700+75 + 3*45 = 2110.
    expect(r.stdout).toMatch(/^critical path: load-b -> mix-2 -> report \(longest chain of start delay \+ duration: 35m10s\)$/m);
    // Each job holds its tier's vCPUs and memory (2gb: 1 vCPU, 8gb: 2, 16gb: 4) from its dispatch to its end; worked by
    // hand: 0-245 load-a + load-b, 245-1345 load-a + mix-2, 1345-1480 mix-1 + mix-2, 1480-1925 score + mix-2 (6 vCPU,
    // 8 + 16 GiB), 1990-2110 report.
    expect(r.stdout).toMatch(/^peak: 6 vCPU of the compute environment's \d+ \(MaxvCpus\), 24\.0 GiB memory/m);
    // $0.04656 per vCPU-hour and $0.00511 per GB-hour (FACTS.md) over those seconds: load-a 1345 s at 1 vCPU/2 GB,
    // load-b 245 s at 2/8, mix-2 1745 s at 4/16, mix-1 135 s at 1/2, score 445 s at 2/8, report 120 s at 1/2 = $0.1808.
    expect(r.stdout).toMatch(/^Fargate cost: \$0\.1808 \(on-demand Linux\/x86 list price, eu-central-1/m);
  });
});

describe('simulate --fail', () => {
  const { workflow, durations } = graphs[0];
  test('names the jobs that never start, and the alert\'s text', async () => {
    const r = await runCli(['simulate', templateOf(workflow, 'CrossedFail'), '--fail', 'mix-1',
      ...Object.entries(durations).flatMap(([j, s]) => ['--duration', `${j}=${s}`])], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: FAILED in /);
    expect(r.stdout).toMatch(/^the run ends FAILED: JobFailed$/m);
    // score and report depend on mix-1 (report through score): they never start.
    expect(r.stdout).toMatch(/^never started: score, report$/m);
    // mix-2 (1700 s after load-b) is still running when mix-1 fails: the workflow terminates it.
    expect(r.stdout).toMatch(/^terminated by the workflow: mix-2$/m);
    expect(r.stdout).toMatch(/^alert \(the run's cause, which the failed-run alert sends\): Run of 2024-05-01 failed: job mix-1 failed: .*\(exit code 1\)/m);
  });

  test('a job that is not in the workflow is refused with the job names', async () => {
    const r = await runCli(['simulate', templateOf(workflow, 'CrossedTypo'), '--fail', 'mix-3'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no job 'mix-3' in the workflow: its jobs are load-a, load-b, mix-1, mix-2, score, report/);
  });
});

describe('simulate --gantt and cdk.out', () => {
  test('writes a Mermaid gantt with every started job, the critical path marked crit', async () => {
    const { workflow, durations } = graphs[2];
    const out = join(dir, 'islands.md');
    const r = await runCli(['simulate', templateOf(workflow, 'IslandsGantt'), '--start-delay', '0', '--gantt', out,
      ...Object.entries(durations).flatMap(([j, s]) => ['--duration', `${j}=${s}`])], env);
    expect(r.code).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('```mermaid\ngantt\n');
    // p 0-120, q 120-1354, r 1354-1954; x 0-2000 (critical), y 2000-2010 (critical).
    expect(md).toMatch(/^ {2}x :crit, done, j\d+, 0, 2000s$/m);
    expect(md).toMatch(/^ {2}y :crit, done, j\d+, 2000, 10s$/m);
    expect(md).toMatch(/^ {2}p :done, j\d+, 0, 120s$/m);
    expect(md).toMatch(/^ {2}r :done, j\d+, 1354, 600s$/m);
  });

  test('a cdk.out folder with two platforms needs --stack, and simulates the one named', async () => {
    const snapshot = join(__dirname, '..', 'integ', 'integ.default.ts.snapshot');
    const both = await runCli(['simulate', snapshot], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/holds 2 platform templates \(SandersCustomerPlatformStack-dev, SandersCustomerPlatformStack-prod\): pick one with --stack/);
    const prod = await runCli(['--stack', 'SandersCustomerPlatformStack-prod', 'simulate', snapshot, '--start-delay', '0',
      '--duration', 'feature-extraction=600', '--duration', 'data-processing=240', '--duration', 'model-training=900'], env);
    expect(prod.code).toBe(0);
    // The Python app's workflow: feature-extraction and data-processing together, then model-training: 600 + 900.
    expect(prod.stdout).toMatch(/^Predicted run of SandersCustomerPlatformStack-prod for 2024-05-01: SUCCEEDED in 25m00s \(1500 s\)$/m);
  });
});

describe('docs/operations.md', () => {
  test('its simulate example is the output of its command, on the example app\'s prod stack', async () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Simulate a run before it deploys'));
    const command = /```bash\n.*\n(npx batch-platform simulate[^`]*?)\n```/.exec(section)![1].replace(/\\\n\s*/g, '');
    const shown = /```text\n([^`]*?)\n```/.exec(section)![1];
    const args = command.split(/\s+/).slice(2).filter(a => a !== '').map(a => (a === 'cdk.out' ? join(__dirname, '..', 'integ', 'integ.default.ts.snapshot') : a));
    const gantt = args.indexOf('--gantt');
    args.splice(gantt, 2);
    const r = await runCli(args, env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(shown.trim());
  });
});
