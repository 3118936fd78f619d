/**
 * Stopping anything leaves nothing behind (issue 21, item 5). A prod run, a dev run and a dev backfill are executed
 * from the synthesized definitions in SimulatedStepFunctions (the job workflow, the backfill, the run workflow and the
 * cleanup, each started as AWS starts it), with a simulated EC2 for the on-demand egress, and stopped (StopExecution:
 * "Stops an execution.", API reference) at every point a reference run of the same input passes: the first entry of
 * each distinct state of any of its executions, and each simulated time at which a job's status changes. Then what AWS
 * starts on a stop runs: the rule on the job workflow's ABORTED/TIMED_OUT executions starts the cleanup, the rule on
 * the run workflow's starts its teardown-only run, each with the "Step Functions Execution Status Change" event.
 * Once those have ended: no job has not ended, none succeeded long after the stop and none started after the cleanup
 * began terminating (a job the cleanup left alone would), no execution runs, every execution was stopped or ended
 * without a state failing `States.Runtime`, and in dev no NAT gateway (not deleted), address, route or lock is left.
 *
 * Not documented, so run both ways: whether StopExecution of a parent stops the child it started with `.sync:2`
 * (`childOnStop`; the readings differ only where a child runs). The Batch jobs of a stopped `.sync` task are left
 * running, the reading the definitions rely on (workflow-definition.ts). Batch has one vCPU, so jobs wait RUNNABLE.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { BatchSimulator, JobScript } from '../scripts/lib/sim/batch-simulator';
import { SimulatedEc2 } from '../scripts/lib/sim/ec2';
import { PlatformMachines as Platform, platformMachines, STATES } from '../scripts/lib/sim/platform-machines';
import { SimExecution, SimulatedStepFunctions } from '../scripts/lib/sim/step-functions';
import { WorkflowJob } from '../src';
import { LOCK_ITEM, LOCK_KEY } from '../src/private/egress/egress-workflow';
import { TERMINATE_REASONS } from '../src/private/workflow/workflow-states';

const workflow: WorkflowJob[] = [
  { name: 'extract', tier: '2gb' },
  { name: 'load', tier: '2gb', dependsOn: ['extract'] },
  { name: 'side', tier: '2gb' },
  { name: 'shards', tier: '2gb', arraySize: 3, dependsOn: ['extract'] },
];
const SCRIPTS: { [job: string]: JobScript } = {
  extract: { duration: 600 }, load: { duration: 300 }, side: { duration: 1500 }, shards: { duration: 400 },
};
/** Errors of a path to a value that is not there (the emulator raises the first; the others are its siblings). */
const RUNTIME_ERRORS = ['States.Runtime', 'States.ResultPathMatchFailure', 'States.NoChoiceMatched'];

interface World {
  readonly sfn: SimulatedStepFunctions;
  readonly ec2: SimulatedEc2;
  /** Executions the stop rules started (cleanups, teardown-only runs). */
  readonly byRules: SimExecution[];
  /** Each distinct state (machine and name) in the order first entered, with the clock and the calls made by then. */
  readonly points: Array<{ key: string; time: number; children: boolean }>;
}

function world(p: Platform, childOnStop: 'stop' | 'keep', scriptOf?: (request: any, name: string) => JobScript | undefined): World {
  // One vCPU, one a job: jobs wait RUNNABLE for capacity.
  const sim = new BatchSimulator({ scripts: SCRIPTS, scriptOf, maxVcpus: 1 });
  const ec2 = new SimulatedEc2(sim.clock);
  const sfn = new SimulatedStepFunctions(sim, p.machines, ec2.handlers());
  sfn.childOnStop = childOnStop;
  const w: World = { sfn, ec2, byRules: [], points: [] };
  let rules = 0;
  // The rules' event: "Step Functions Execution Status Change", with `detail.executionArn`, `name` and `status`.
  sfn.onEnd = e => {
    if (e.status !== 'ABORTED' && e.status !== 'TIMED_OUT') return;
    const event = { 'source': 'aws.states', 'detail-type': 'Step Functions Execution Status Change', 'detail': { executionArn: e.arn, stateMachineArn: e.machine, name: e.name, status: e.status } };
    const started = (machine: string, input: any) => {
      const name = `rule-${++rules}`;
      void sfn.start(machine, name, input);
      w.byRules.push(sfn.executions.find(x => x.name === name && x.machine === machine)!);
    };
    if (e.machine === p.jobWorkflow) started(p.cleanup, event);
    // The run workflow's rule: InputTemplate `{"teardownOnly":true,"stoppedRun":<detail-name>}`.
    if (p.run && e.machine === p.run) started(p.run, { teardownOnly: true, stoppedRun: event.detail.name });
  };
  const seen = new Set<string>();
  sfn.onStateEntered = (e, state) => {
    const key = `${p.machines[e.machine].name} / ${state}`;
    if (seen.has(key)) return;
    seen.add(key);
    w.points.push({ key, time: sim.clock.now, children: sfn.executions.some(x => x.parent !== undefined && x.status === 'RUNNING') });
  };
  return w;
}

/**
 * What a stopped run left behind once the executions the stop rules started have ended, `stoppedAt` seconds into the
 * simulation: jobs not ended, and jobs that ran on to succeed well after the stop (the cleanup's first look comes
 * within a minute: a job it left alone, e.g. RUNNABLE, runs to its end), running executions, egress and the lock.
 */
function leftBehind(w: World, stoppedAt: number): string[] {
  const { sfn, ec2 } = w;
  const lock = sfn.claims.items.get(`${LOCK_KEY}=${LOCK_ITEM}`);
  return [
    ...sfn.sim.openJobs().map(j => `job ${j}`),
    ...sfn.sim.summary().filter(j => j.status === 'SUCCEEDED' && j.stoppedAt! > stoppedAt + LATE_SECONDS)
      .map(j => `job ${j.name} SUCCEEDED at ${j.stoppedAt}, after the stop at ${stoppedAt}`),
    // Once the cleanup has terminated a job of the stopped run, no job of it starts (one it left alone would).
    ...sfn.sim.events.slice(Math.max(0, sfn.sim.events.findIndex(e => e.reason === TERMINATE_REASONS.stopped)))
      .filter(e => e.type === 'STARTED' && sfn.sim.events.some(x => x.reason === TERMINATE_REASONS.stopped))
      .map(e => `job ${e.job} started at ${e.time}, after the cleanup began terminating the stopped run's jobs`),
    ...sfn.executions.filter(e => e.status === 'RUNNING').map(e => `execution ${e.name} of ${sfn.machineName(e)} RUNNING`),
    ...ec2.leftovers(),
    ...(lock ? [`egress lock held by ${lock.owner.S}`] : []),
  ];
}

/** Every state that failed with a runtime error, in any execution. */
function runtimeErrors(w: World): string[] {
  return w.sfn.executions.flatMap(e => [
    ...(e.failures ?? []).filter(f => RUNTIME_ERRORS.includes(f.error)).map(f => `${e.name}: ${f.state}: ${f.error} ${f.cause}`),
    ...(RUNTIME_ERRORS.includes(e.error ?? '') ? [`${e.name} ended ${e.error}: ${e.cause}`] : []),
  ]);
}

/** Where to stop: at the first entry of a state, or at a time; `children` when a child execution runs there. */
type StopPoint = { label: string; state?: string; time?: number; children: boolean };

/**
 * The stop points of a reference run: the first entry of each distinct state of any of its executions, and each
 * time a job's status changed.
 */
function stopPoints(run: World, until: number): StopPoint[] {
  const byState = run.points.map(point => ({ label: `at ${point.key} (t=${point.time})`, state: point.key, children: point.children }));
  const times = [...new Set(run.sfn.sim.events.map(e => e.time))].filter(t => t > 0 && t < until);
  return [...byState, ...times.map(time => ({ label: `at t=${time}`, time, children: true }))];
}

interface Case {
  readonly platform: Platform;
  readonly machine: (p: Platform) => string;
  readonly input: any;
  readonly scriptOf?: (request: any, name: string) => JobScript | undefined;
}

/** Runs the case once to its end, unstopped. */
async function reference(c: Case): Promise<{ w: World; run: SimExecution }> {
  const w = world(c.platform, 'keep', c.scriptOf);
  const run = await w.sfn.run(c.machine(c.platform), c.input, 'run-1');
  return { w, run };
}

/** What one stop looked like, and what it left. */
interface Stopped {
  point: string;
  /** What there was when the run was stopped. */
  at: { jobs: string[]; egress: string[]; executions: string[] };
  left: string[];
  runtime: string[];
  /** The run was stopped (not ended before the stop reached it). */
  aborted: boolean;
}
/** A job of the stopped run that succeeds this long after the stop was not stopped. */
const LATE_SECONDS = 120;
/** The most simulated time the cleanup and teardown may take after a stop. */
const SETTLE_SECONDS = 6 * 3600;

async function stopAt(c: Case, point: StopPoint, childOnStop: 'stop' | 'keep'): Promise<Stopped> {
  const w = world(c.platform, childOnStop, c.scriptOf);
  const { sfn } = w;
  const arn = `${STATES}:execution:${c.platform.machines[c.machine(c.platform)].name}:run-1`;
  let at: Stopped['at'] | undefined;
  const stop = () => {
    if (at) return;
    at = {
      jobs: sfn.sim.openJobs(),
      egress: w.ec2.leftovers(),
      executions: sfn.executions.filter(e => e.status === 'RUNNING').map(e => `${sfn.machineName(e)}: ${e.statesEntered[e.statesEntered.length - 1]}`),
    };
    sfn.stop(arn, 'Stopped', 'by the test');
  };
  if (point.time !== undefined) sfn.sim.clock.schedule(point.time, stop);
  const seen = sfn.onStateEntered!;
  sfn.onStateEntered = (e, state) => {
    seen(e, state);
    if (point.state !== undefined && `${sfn.machineName(e)} / ${state}` === point.state) stop();
  };
  void sfn.start(c.machine(c.platform), 'run-1', c.input);
  // What the rules started has ended, or it still runs hours after the stop (a teardown that loops: looked at as is).
  let stoppedAt = Infinity;
  await sfn.runUntil(() => (at !== undefined && w.byRules.every(e => e.status !== 'RUNNING') && sfn.executions.find(e => e.arn === arn)!.status !== 'RUNNING')
    || sfn.sim.clock.now > (stoppedAt = Math.min(stoppedAt, at ? sfn.sim.clock.now : Infinity)) + SETTLE_SECONDS);
  if (!at) throw new Error(`the run never reached ${point.label}`);
  const left = leftBehind(w, stoppedAt);
  if (left.length === 0) await sfn.settle();
  const aborted = sfn.executions.find(e => e.arn === arn)!.status === 'ABORTED';
  return { point: point.label, at, left, runtime: runtimeErrors(w), aborted };
}

/** Every stop of the case, both readings of `childOnStop` when the case has children. */
async function matrix(c: Case, readings: Array<'stop' | 'keep'>): Promise<{ stops: Stopped[]; reference: SimExecution }> {
  const ref = await reference(c);
  expect(runtimeErrors(ref.w)).toEqual([]);
  const points = stopPoints(ref.w, ref.w.sfn.sim.clock.now);
  const stops: Stopped[] = [];
  for (const reading of readings) {
    // The readings differ only where a child execution runs.
    for (const point of points.filter(pt => reading === 'keep' || pt.children)) {
      stops.push({ ...(await stopAt(c, point, reading)), point: `${point.label}, child ${reading}` });
    }
  }
  return { stops, reference: ref.run };
}

const problems = (stops: Stopped[]) => stops.filter(s => s.left.length > 0 || s.runtime.length > 0).map(s => `${s.point}: ${[...s.left, ...s.runtime].join('; ')}`);

const platform = (environment: 'dev' | 'prod') => platformMachines(Template.fromStack(platformStack({ environment, workflow }).stack).toJSON());
const prod = platform('prod');
const dev = platform('dev');
const failLoad = (_: any, name: string): JobScript | undefined => (name === 'load' ? { duration: 300, outcomes: ['fail'] } : undefined);

describe('stopping anything leaves nothing behind (issue 21, item 5)', () => {
  test.each([
    ['a prod run that succeeds', undefined],
    ['a prod run whose job fails', failLoad],
  ])('%s, stopped at each point of it: the cleanup leaves no job of it and no execution running', async (_, scriptOf) => {
    const c: Case = { platform: prod, machine: p => p.jobWorkflow, input: { date: '2026-01-02' }, scriptOf };
    const { stops, reference: ref } = await matrix(c, ['keep']);
    if (process.env.STOP_MATRIX_COUNTS) console.log(`${stops.length} stops, ${stops.filter(s => s.point.endsWith('child stop')).length} of them with children stopped too`);
    expect(ref.status).toBe(scriptOf ? 'FAILED' : 'SUCCEEDED');
    expect(problems(stops)).toEqual([]);
    // The matrix reached the points the issue names: before any job, with jobs waiting, with jobs running.
    expect(stops.some(s => s.at.jobs.length === 0)).toBe(true);
    expect(stops.some(s => s.at.jobs.some(j => /PENDING|RUNNABLE/.test(j)))).toBe(true);
    expect(stops.some(s => s.at.jobs.some(j => /RUNNING/.test(j)))).toBe(true);
    // ... while the final `.sync` jobs ended, and (the failed run) on the failure path and during the report.
    expect(stops.some(s => /Final jobs ended/.test(s.point))).toBe(true);
    if (scriptOf) expect(stops.some(s => /Break: a job failed/.test(s.point)) && stops.some(s => /Report each job/.test(s.point))).toBe(true);
    expect(stops.filter(s => !s.aborted).map(s => s.point)).toEqual([]);
  });
});

describe('stopping a dev run or backfill leaves nothing behind (issue 21, item 5)', () => {
  test.each([
    ['a dev run', { date: '2026-01-02' }],
    ['a dev backfill', { backfill: { from: '2026-01-01', to: '2026-01-02', maxConcurrency: 1 } }],
  ])('%s, stopped at each point of it: its teardown-only run leaves no NAT gateway, address, route, lock, job or running execution', async (_, input) => {
    const c: Case = { platform: dev, machine: p => p.run!, input };
    const { stops, reference: ref } = await matrix(c, ['keep', 'stop']);
    if (process.env.STOP_MATRIX_COUNTS) console.log(`${stops.length} stops, ${stops.filter(s => s.point.endsWith('child stop')).length} of them with children stopped too`);
    expect(ref.status).toBe('SUCCEEDED');
    expect(problems(stops)).toEqual([]);
    const at = (pattern: RegExp) => stops.filter(s => s.at.egress.some(e => pattern.test(e))).length;
    expect(stops.some(s => s.at.egress.length === 0)).toBe(true);
    expect(at(/NAT gateway .* pending/)).toBeGreaterThan(0);
    expect(at(/route/)).toBeGreaterThan(0);
    expect(stops.some(s => s.at.jobs.some(j => /RUNNING/.test(j)))).toBe(true);
    expect(stops.some(s => /run-dev \/ Delete NAT Gateway/.test(s.point))).toBe(true);
    expect(stops.filter(s => !s.aborted).map(s => s.point)).toEqual([]);
  });
});
