/**
 * Graphs the project has never seen, up to 150 jobs, through the public construct, on a simulated Batch with
 * the template's own MaxvCpus as capacity: a run takes its critical path (within 2 %), and a failure anywhere
 * ends the run with nothing left running, however Batch treats a job behind a failed dependency.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { capacityOf, criticalPathOf, simulate, synthWorkflowStack } from './sim/workflow-fixture';
import { workflowDefinition } from './util';
import { UNVERIFIED_MODES } from '../scripts/lib/sim/batch-simulator';
import { WorkflowJob } from '../src';

/** A random DAG of n jobs: each depends on up to 3 earlier ones, tiers mixed, some arrays. */
function randomGraph(n: number, seed: number): { jobs: WorkflowJob[]; durations: { [name: string]: { duration: number } } } {
  let x = seed || 1;
  const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  const jobs: WorkflowJob[] = [];
  const durations: { [name: string]: { duration: number } } = {};
  for (let i = 0; i < n; i++) {
    const deps = i === 0 ? [] : [...new Set(Array.from({ length: Math.floor(rand() * 4) }, () => `j-${Math.floor(rand() * i)}`))];
    jobs.push({ name: `j-${i}`, tier: ['2gb', '8gb', '16gb'][Math.floor(rand() * 3)], dependsOn: deps, ...(rand() < 0.05 ? { arraySize: 2 + Math.floor(rand() * 4) } : {}) });
    durations[`j-${i}`] = { duration: 300 + Math.floor(rand() * 3300) };
  }
  return { jobs, durations };
}

async function runWithTemplateCapacity(jobs: WorkflowJob[], scripts: any, extra: any = {}) {
  const stack = synthWorkflowStack(jobs);
  // A large workflow's definition is a file asset in the cloud assembly (definition-location.ts).
  const definition = workflowDefinition(Template.fromStack(stack), (stack.node.root as App).outdir);
  return { ...(await simulate(definition, { scripts, ...capacityOf(stack), ...extra })), definition };
}

describe('graphs up to 150 jobs with the template\'s capacity', () => {
  test.each([[150, 7], [150, 11], [60, 3]])('a random DAG of %p jobs (seed %p) runs within 1.02x its critical path', async (n, seed) => {
    const { jobs, durations } = randomGraph(n, seed);
    const { run, sim } = await runWithTemplateCapacity(jobs, durations, { startDelay: 45 });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.openJobs()).toEqual([]);
    expect(run.duration / criticalPathOf(jobs, { scripts: durations, startDelay: 45 })).toBeLessThanOrEqual(1.02);
  });

  test('a fan-out of 149 jobs of 2 vCPUs runs at its critical path with the default maxvCpus', async () => {
    const jobs: WorkflowJob[] = [{ name: 'split', tier: '2gb' }, ...Array.from({ length: 120 }, (_, i) => ({ name: `p-${i}`, tier: '8gb', dependsOn: ['split'] }))];
    const scripts = Object.fromEntries(jobs.map((j, i) => [j.name, { duration: 600 + i }]));
    const { run, sim } = await runWithTemplateCapacity(jobs, scripts, { startDelay: 30 });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.peakVcpus).toBe(240);
    expect(run.duration / criticalPathOf(jobs, { scripts, startDelay: 30 })).toBeLessThanOrEqual(1.02);
  });

  test('a failure at the root, in the middle or at the end of a 150-job DAG ends the run with nothing left, every way', async () => {
    const { jobs, durations } = randomGraph(150, 5);
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 75, 149), fc.constantFrom(...UNVERIFIED_MODES), async (at, mode) => {
      const scripts = { ...durations, [`j-${at}`]: { ...durations[`j-${at}`], outcomes: ['fail'] } };
      const { run, sim } = await runWithTemplateCapacity(jobs, scripts, { startDelay: 45, ...mode });
      expect(run.status).toBe('FAILED');
      expect(sim.openJobs()).toEqual([]);
      expect(run.cause).toMatch(new RegExp(`^Run of 2024-05-01 failed: job j-${at} failed: `));
      expect(run.duration).toBeLessThan(sim.jobNamed(`j-${at}`).stoppedAt! + 180 + 120);
    }), { numRuns: 4 });
  });
});
