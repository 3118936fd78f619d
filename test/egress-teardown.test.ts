/**
 * The on-demand egress teardown on the simulated clock: the dev run workflow, its job workflow and the cleanup
 * executed from the synthesized definitions in SimulatedStepFunctions, with the simulated Batch and EC2
 * (scripts/lib/sim), so that each Wait state takes its own seconds of virtual time and each NAT gateway goes through
 * the states EC2 gives it. What test/egress-workflow.test.ts cannot see there (its waits take no time, and its EC2
 * answers ignore the filters): how long the teardown waits for jobs, and which NAT gateways and addresses it removes.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { BatchSimulator } from '../scripts/lib/sim/batch-simulator';
import { SimulatedEc2 } from '../scripts/lib/sim/ec2';
import { platformMachines } from '../scripts/lib/sim/platform-machines';
import { SimExecution, SimulatedStepFunctions } from '../scripts/lib/sim/step-functions';
import { WorkflowJob } from '../src';

const workflow: WorkflowJob[] = [{ name: 'extract', tier: '2gb' }];
const dev = platformMachines(Template.fromStack(platformStack({ environment: 'dev', workflow }).stack).toJSON());
const RUN = dev.run!;

interface Entered {
  readonly state: string;
  /** Simulated seconds. */
  readonly time: number;
}

function devWorld() {
  // A job submitted to the queue by hand, outside any run, runs for ten hours.
  const sim = new BatchSimulator({ scripts: { 'by-hand': { duration: 10 * 3600 } } });
  const ec2 = new SimulatedEc2(sim.clock);
  const sfn = new SimulatedStepFunctions(sim, dev.machines, ec2.handlers());
  const entered: Entered[] = [];
  sfn.onStateEntered = (e: SimExecution, state: string) => {
    if (e.machine === RUN) entered.push({ state, time: sim.clock.now });
  };
  return { sim, ec2, sfn, entered };
}

/** Runs the run workflow until it ends, or for six simulated hours at most (a teardown that loops is looked at as it is). */
async function runBounded(w: ReturnType<typeof devWorld>, input: any, name: string): Promise<SimExecution> {
  void w.sfn.start(RUN, name, input);
  const execution = () => w.sfn.executions.find(e => e.machine === RUN && e.name === name);
  await w.sfn.runUntil(() => (execution() !== undefined && execution()!.status !== 'RUNNING') || w.sim.clock.now > 6 * 3600);
  return execution()!;
}

/** The simulated times at which the run entered a state. */
const timesOf = (w: ReturnType<typeof devWorld>, state: string) => w.entered.filter(e => e.state === state).map(e => e.time);
/** The seconds between one entry of a state and the next. */
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);

describe('the teardown\'s wait for the jobs of the queue, on the simulated clock', () => {
  test('a job submitted by hand that runs on keeps egress 30 minutes at most: a look every 30 s, then the teardown goes on', async () => {
    // GIVEN a job someone submitted to the queue by hand, which runs for ten hours
    const w = devWorld();
    await w.sim.submitJob({ JobName: 'by-hand', JobQueue: 'the-queue', JobDefinition: 'by-hand:1' });
    // WHEN a run's jobs have ended
    const run = await w.sfn.run(RUN, { date: '2026-03-01' }, 'run-1');
    // THEN it looked at the queue every 30 s for 30 minutes, gave up, and removed its egress all the same
    // (docs/networking-and-cost.md, step 4: "one ListJobs per status, every 30 s ... at most 30 minutes").
    expect(run.status).toBe('SUCCEEDED');
    const at = (state: string) => timesOf(w, state);
    const looks = at('List SUBMITTED jobs');
    expect(gaps(looks)).toEqual(Array(looks.length - 1).fill(30));
    const [start] = at('Start waiting for jobs');
    const [gaveUp] = at('Stop waiting for jobs');
    expect(gaveUp - start).toBe(30 * 60);
    expect(at('Jobs ended')).toEqual([]);
    expect(w.ec2.leftovers()).toEqual([]);
    // (the job by hand runs on: the teardown does not touch it)
    expect(w.sim.openJobs()).toEqual(['by-hand: RUNNING']);
  });
});

describe('the teardown\'s NAT gateways, on the simulated clock', () => {
  test('a run looks at its new NAT gateway every 15 s until it is available, and at the deleted one every 20 s until it is gone', async () => {
    // GIVEN EC2 that takes 90 s to make a NAT gateway available and 60 s to delete one (SimulatedEc2's defaults)
    const w = devWorld();
    // WHEN a run runs
    const run = await runBounded(w, { date: '2026-03-01' }, 'run-1');
    // THEN it looked every 15 s while the gateway was created and every 20 s while it was deleted (the figures of the
    // definitions: creation takes 1-3 minutes and deletion about a minute, docs/networking-and-cost.md), and left nothing
    expect(run.status).toBe('SUCCEEDED');
    const created = gaps(timesOf(w, 'Describe NAT Gateway'));
    const deleted = gaps(timesOf(w, 'Check NAT Gateways Gone'));
    expect([created.length > 0, new Set(created)]).toEqual([true, new Set([15])]);
    expect([deleted.length > 0, new Set(deleted)]).toEqual([true, new Set([20])]);
    expect(w.ec2.leftovers()).toEqual([]);
  });

  test.each(['pending', 'available'])('a teardown-only run deletes a NAT gateway an earlier run left %s, waits until it is deleted, then releases its address', async state => {
    // GIVEN a NAT gateway and its address that a stopped run left behind (pending: stopped while EC2 was creating it)
    const w = devWorld();
    w.ec2.addresses.set('eipalloc-9', { associated: 'nat-9' });
    w.ec2.gateways.set('nat-9', { state, allocationId: 'eipalloc-9' });
    // WHEN a teardown-only run runs (docs/operations.md, "Destroying dev")
    const run = await runBounded(w, { teardownOnly: true }, 'teardown');
    // THEN nothing is left ("then delete ... every NAT gateway in this VPC ... and every Elastic IP tagged", docs/networking-and-cost.md)
    expect([run.status, run.error]).toEqual(['SUCCEEDED', undefined]);
    expect(w.ec2.gateways.get('nat-9')!.state).toBe('deleted');
    expect(w.ec2.leftovers()).toEqual([]);
    // ... and the address was released only once the gateway was deleted (EC2 refuses to release an associated one)
    expect(timesOf(w, 'Release Address')[0]).toBeGreaterThanOrEqual(timesOf(w, 'Delete NAT Gateway')[0] + 60);
  });
});
