/**
 * Workflow benchmark: `npx projen bench:workflow`.
 *
 * 1. Run time against the critical path: chain, wide fan-out, diamond, N-shaped and random graphs are
 *    synthesized through the construct and run in aws-local-stepfunctions against the simulated Batch, with
 *    each job's start taking `START_DELAY` seconds (Batch scheduling and Fargate start) and each Batch API call
 *    `API_LATENCY` seconds.
 * 2. Size: for workflows of 10, 50 and 200 jobs, the synth time, CloudFormation resources, template size and
 *    state machine definition size, their growth per job, and the largest workflow one stack holds.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { SandersBatchPlatform, WorkflowJob } from '../src';
import { BatchSimulator, BatchSimulatorOptions } from './lib/sim/batch-simulator';
import { capacityOf } from './lib/sim/capacity';
import { criticalPath } from './lib/sim/critical-path';
import { runWorkflow } from './lib/sim/run-workflow';
import { definitionOf, definitionText, onlyStateMachine } from './lib/templates';
import { peakDemand } from '../src/private/workflow/workflow-capacity';

const START_DELAY = 30;
/** Fargate starts, as the issue asks the benchmark to model them: each job's drawn once from this range. */
const START_RANGE = [30, 60];
const API_LATENCY = 0.2;
/** CloudFormation: resources per stack; template body uploaded from S3 (CDK does so); Step Functions definition. */
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_DEFINITION_BYTES = 1_048_576;
/** The job workflow's logical ID (the run workflow is `PlatformRunWorkflow...`). */
const JOB_WORKFLOW = /^PlatformWorkflow[0-9A-F]{8}$/;

/** A deterministic random generator (Park-Miller), so every run prints the same figures. */
function random(seed: number): () => number {
  let state = (seed % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

interface Case {
  readonly name: string;
  readonly jobs: WorkflowJob[];
  readonly durations: { [job: string]: number };
}

const j = (name: string, dependsOn: string[] = []): WorkflowJob => ({ name, tier: '2gb', dependsOn });

function shapes(): Case[] {
  const rnd = random(42);
  const minutes = () => 60 * (1 + Math.floor(rnd() * 30));
  const withDurations = (name: string, jobs: WorkflowJob[]): Case => ({
    name, jobs, durations: Object.fromEntries(jobs.map(job => [job.name, minutes()])),
  });
  const cases: Case[] = [];
  cases.push(withDurations('chain of 10', Array.from({ length: 10 }, (_, i) => j(`s${i}`, i ? [`s${i - 1}`] : []))));
  cases.push(withDurations('fan-out 1 -> 100 -> 1', [
    j('split'),
    ...Array.from({ length: 100 }, (_, i) => j(`part${i}`, ['split'])),
    // Batch allows 20 dependencies per job: join through 5 intermediate jobs.
    ...Array.from({ length: 5 }, (_, k) => j(`merge${k}`, Array.from({ length: 20 }, (__, i) => `part${k * 20 + i}`))),
    j('join', Array.from({ length: 5 }, (_, k) => `merge${k}`)),
  ]));
  cases.push(withDurations('wide fan-out 1 -> 150', [j('split'), ...Array.from({ length: 150 }, (_, i) => j(`leaf${i}`, ['split']))]));
  cases.push(withDurations('diamond', [j('a'), j('b', ['a']), j('c', ['a']), j('d', ['b', 'c'])]));
  cases.push({
    name: 'N-shaped (A->C, A->D, B->D)',
    jobs: [j('a'), j('b'), j('c', ['a']), j('d', ['a', 'b'])],
    durations: { a: 600, b: 3000, c: 1800, d: 600 },
  });
  for (const n of [20, 50, 200]) {
    const jobs: WorkflowJob[] = [];
    for (let i = 0; i < n; i++) {
      const deps = new Set<string>();
      const k = i === 0 ? 0 : Math.floor(rnd() * 4);
      for (let d = 0; d < k; d++) deps.add(`r${Math.floor(rnd() * i)}`);
      jobs.push(j(`r${i}`, [...deps]));
    }
    cases.push(withDurations(`random ${n} jobs`, jobs));
  }
  return cases;
}

/** The time a level-by-level layout takes: each level waits for the slowest job of the level before. */
function levelByLevel(c: Case): number {
  const level = new Map<string, number>();
  for (const job of c.jobs) level.set(job.name, Math.max(-1, ...(job.dependsOn ?? []).map(d => level.get(d)!)) + 1);
  const slowest = new Map<number, number>();
  for (const job of c.jobs) {
    const l = level.get(job.name)!;
    slowest.set(l, Math.max(slowest.get(l) ?? 0, c.durations[job.name] + START_DELAY));
  }
  return [...slowest.values()].reduce((a, b) => a + b, 0);
}

/** A token of the definition as the ARN of realistic length CloudFormation puts there, so the size is the deployed one. */
function realisticArn(token: any): string {
  const id: string = token.Ref ?? token['Fn::GetAtt']?.[0] ?? 'Token';
  return id.includes('JobQueue')
    ? 'arn:aws:batch:eu-central-1:123456789012:job-queue/sanders-batch-queue-prod'
    : `arn:aws:batch:eu-central-1:123456789012:job-definition/sanders-batch-job-${id.slice(-24).toLowerCase()}-prod:12`;
}

/** The job workflow's definition of a synthesized stack, with tokens replaced by ARNs of realistic length. */
function definitionFrom(template: any, assemblyDir: string): { definition: any; bytes: number } {
  const text = definitionText(onlyStateMachine(template, JOB_WORKFLOW)[1], realisticArn, assemblyDir);
  return { definition: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

interface Size {
  readonly jobs: number;
  readonly synthMs: number;
  readonly resources: number;
  readonly templateBytes: number;
  readonly definitionBytes: number;
  readonly states: number;
  /** Set when synth refused the stack (the platform's check of CloudFormation's limits): its message. */
  readonly refused?: string;
}

/**
 * A realistic workflow of n jobs: 24-character names, a command, two environment variables, 3 dependencies on
 * earlier jobs; with `ownDefinition`, each job also has a secret, so it gets a job definition of its own.
 */
function sizedWorkflow(n: number, ownDefinition: boolean, stack: Stack): WorkflowJob[] {
  const rnd = random(n);
  const secret = ownDefinition ? ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'ApiToken', { parameterName: '/jobs/api-token' }) : undefined;
  return Array.from({ length: n }, (_, i) => {
    const deps = new Set<string>();
    for (let d = 0; d < Math.min(i, 3); d++) deps.add(`customer-feature-job-${String(Math.floor(rnd() * i)).padStart(3, '0')}`);
    return {
      name: `customer-feature-job-${String(i).padStart(3, '0')}`,
      tier: ['2gb', '8gb', '16gb'][i % 3],
      dependsOn: [...deps],
      command: ['python', '-m', 'jobs.features', '--date', 'Ref::date', '--part', String(i)],
      environment: { FEATURE_SET: `set-${i % 7}`, LOG_LEVEL: 'INFO' },
      ...(secret ? { secrets: { API_TOKEN: batch.Secret.fromSsmParameter(secret) } } : {}),
    };
  });
}

/** The braided workflow of plain tier jobs: job i depends on jobs i-1 and i-7 (the first version fit 645 in a stack). */
function braidedWorkflow(n: number): WorkflowJob[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `j${i}`, tier: '2gb', dependsOn: [i - 1, i - 7].filter(d => d >= 0).map(d => `j${d}`),
  }));
}

function measure(n: number, ownDefinition: boolean, braided = false): Size {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-workflow-'));
  try {
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = new Stack(app, 'BenchStack', { env: { account: '123456789012', region: 'eu-central-1' } });
    new SandersBatchPlatform(stack, 'Platform', { environment: 'prod', workflow: braided ? braidedWorkflow(n) : sizedWorkflow(n, ownDefinition, stack) });
    let assembly;
    try {
      assembly = app.synth();
    } catch (e) {
      // The platform refuses at synth a stack over CloudFormation's limits (its stack budget, naming the size) or a
      // role over IAM's (managed policies per role): the first reason is the limit hit.
      const message = String((e as Error).message);
      const refused = /stack 'BenchStack' has (.*?)\. The platform/.exec(message)?.[1]
        ?? /\] (role \S+ needs \d+ managed policies, more than the \d+ IAM attaches to a role by default)/.exec(message)?.[1];
      if (refused === undefined) throw e;
      return { jobs: n, synthMs: NaN, resources: NaN, templateBytes: NaN, definitionBytes: NaN, states: NaN, refused };
    }
    const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
    const artifact = assembly.getStackByName('BenchStack');
    const templateBytes = fs.statSync(path.join(outdir, artifact.templateFile)).size;
    const template = artifact.template;
    const { definition, bytes } = definitionFrom(template, outdir);
    let states = 0;
    const count = (m: any) => {
      for (const s of Object.values<any>(m.States)) {
        states++;
        (s.Branches ?? []).forEach(count);
        if (s.ItemProcessor) count(s.ItemProcessor);
      }
    };
    count(definition);
    return { jobs: n, synthMs, resources: Object.keys(template.Resources).length, templateBytes, definitionBytes: bytes, states };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function fits(s: Size): boolean {
  return s.refused === undefined
    && s.resources <= MAX_RESOURCES && s.templateBytes <= MAX_TEMPLATE_BYTES && s.definitionBytes <= MAX_DEFINITION_BYTES;
}

/** The largest n for which the workflow fits one stack, by bisection between a size that fits and one that does not. */
function largest(ownDefinition: boolean, guess: number, braided = false): { n: number; at: Size; over: Size } {
  let lo = 1;
  let hi = guess;
  let loSize = measure(lo, ownDefinition, braided);
  let hiSize = measure(hi, ownDefinition, braided);
  while (fits(hiSize)) {
    lo = hi;
    loSize = hiSize;
    hi *= 2;
    hiSize = measure(hi, ownDefinition, braided);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const s = measure(mid, ownDefinition, braided);
    if (fits(s)) {
      lo = mid;
      loSize = s;
    } else {
      hi = mid;
      hiSize = s;
    }
  }
  return { n: lo, at: loSize, over: hiSize };
}

function limitHit(s: Size): string {
  if (s.refused !== undefined) return `synth refuses it: ${s.refused}`;
  const hits: string[] = [];
  if (s.resources > MAX_RESOURCES) hits.push(`${s.resources} resources > ${MAX_RESOURCES}`);
  if (s.templateBytes > MAX_TEMPLATE_BYTES) hits.push(`template ${kb(s.templateBytes)} > ${kb(MAX_TEMPLATE_BYTES)}`);
  if (s.definitionBytes > MAX_DEFINITION_BYTES) hits.push(`definition ${kb(s.definitionBytes)} > ${kb(MAX_DEFINITION_BYTES)}`);
  return hits.join(', ');
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const pad = (s: string | number, w: number) => String(s).padStart(w);

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`## Run time against the critical path (${API_LATENCY} s per Batch API call)\n`);
  console.log('Each graph runs three ways: with unlimited capacity and a start (Batch scheduling and Fargate start) of '
    + `${START_DELAY} s per job; with the capacity the template gives it by default (the compute environment's MaxvCpus, `
    + 'each job holding its job definition\'s vCPUs from its start) and the same start; and with that capacity and a start '
    + `drawn for each job from ${START_RANGE[0]}-${START_RANGE[1]} s. Each run is compared with the critical path plus its own starts.\n`);
  console.log('| graph | jobs | peak demand (vCPU) | default MaxvCpus | critical path (s) | unlimited, 30 s start | default capacity, 30 s start | default capacity, 30-60 s start | level-by-level (s) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of shapes()) {
    const app = new App();
    const stack = new Stack(app, 'BenchShapes', { env: { account: '123456789012', region: 'eu-central-1' } });
    new SandersBatchPlatform(stack, 'Platform', { workflow: c.jobs });
    // The job workflow with its tokens as placeholders (`${PlatformJobDefinition...}`), which the capacity reads.
    // A large one is a file asset of the cloud assembly (definition-location.ts).
    const assembly = app.synth();
    const jobWorkflow = onlyStateMachine(assembly.getStackByName(stack.stackName).template, JOB_WORKFLOW)[1];
    const definition = definitionOf(jobWorkflow, undefined, assembly.directory);
    const scripts = Object.fromEntries(Object.entries(c.durations).map(([k, d]) => [k, { duration: d }]));
    const capacity = capacityOf(stack);
    const draw = random(7);
    const starts = new Map(c.jobs.map(job => [job.name, START_RANGE[0] + Math.round(draw() * (START_RANGE[1] - START_RANGE[0]))]));
    const cp = criticalPath(c.jobs, n => c.durations[n]);
    const ratio = async (options: BatchSimulatorOptions, startOf: (name: string) => number) => {
      const run = await runWorkflow(definition, new BatchSimulator({ scripts, apiLatency: API_LATENCY, ...options }));
      if (run.status !== 'SUCCEEDED') throw new Error(`${c.name}: ${run.error} ${run.cause}`);
      const bound = criticalPath(c.jobs, n => c.durations[n] + startOf(n));
      return `${run.duration.toFixed(0)} s = ${(run.duration / bound).toFixed(4)}x`;
    };
    const unlimited = await ratio({ startDelay: START_DELAY }, () => START_DELAY);
    const fixed = await ratio({ startDelay: START_DELAY, ...capacity }, () => START_DELAY);
    const drawn = await ratio({ startDelay: name => starts.get(name)!, ...capacity }, name => starts.get(name)!);
    const peak = peakDemand(c.jobs.map(job => ({ name: job.name, dependsOn: job.dependsOn, vcpu: 1, memoryMiB: 2048 })));
    console.log(`| ${c.name} | ${c.jobs.length} | ${peak.vcpu} | ${capacity.maxVcpus} | ${cp} | ${unlimited} | ${fixed} | ${drawn} | ${levelByLevel(c)} |`);
  }

  console.log('\n## Size per workflow (environment prod; jobs with 24-character names, a command, 2 variables, up to 3 dependencies)\n');
  for (const ownDefinition of [false, true]) {
    console.log(ownDefinition
      ? '\nEach job with a secret, so each has a job definition of its own:\n'
      : 'Jobs on the shared tier job definitions:\n');
    console.log('| jobs | synth (ms) | resources | template | definition | states |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    const sizes = [10, 50, 200].map(n => measure(n, ownDefinition));
    for (const s of sizes) {
      if (s.refused !== undefined) {
        console.log(`| ${s.jobs} | refused at synth: ${s.refused} | | | | |`);
        continue;
      }
      console.log(`| ${s.jobs} | ${pad(s.synthMs.toFixed(0), 5)} | ${s.resources} | ${kb(s.templateBytes)} | ${kb(s.definitionBytes)} | ${s.states} |`);
    }
    const fitting = sizes.filter(s => s.refused === undefined);
    const [a, c] = [fitting[0], fitting[fitting.length - 1]];
    const per = (f: (s: Size) => number) => (f(c) - f(a)) / (c.jobs - a.jobs);
    console.log(`| per job | ${per(s => s.synthMs).toFixed(1)} | ${per(s => s.resources).toFixed(2)} | ${kb(per(s => s.templateBytes))} | ${kb(per(s => s.definitionBytes))} | ${per(s => s.states).toFixed(1)} |`);
    if (!quick) {
      const limit = largest(ownDefinition, ownDefinition ? 100 : 400);
      console.log(`\nLargest workflow in one stack: ${limit.n} jobs (${limit.at.resources} resources, template ${kb(limit.at.templateBytes)}, `
        + `definition ${kb(limit.at.definitionBytes)}); at ${limit.over.jobs} jobs: ${limitHit(limit.over)}.`);
    }
  }
  braidedFigures(quick);
}

/** Jobs per stack and kB of definition per job on the braided workflow of plain tier jobs (issue #22's yardstick). */
function braidedFigures(quick: boolean): void {
  console.log('\n## Braided workflow of plain tier jobs (job i depends on i-1 and i-7; environment prod)\n');
  const [a, c] = [measure(100, false, true), measure(300, false, true)];
  const perJob = (c.definitionBytes - a.definitionBytes) / (c.jobs - a.jobs);
  console.log(`Definition: ${kb(perJob)} per job (from 100 to 300 jobs: ${kb(a.definitionBytes)} -> ${kb(c.definitionBytes)}).`);
  if (quick) return;
  const limit = largest(false, 300, true);
  console.log(`Jobs per stack: ${limit.n} (template ${kb(limit.at.templateBytes)}, definition ${kb(limit.at.definitionBytes)}); `
    + `at ${limit.over.jobs} jobs: ${limitHit(limit.over)}. The first version fit 645 (1,487 bytes of definition per job).`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
