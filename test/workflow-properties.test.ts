/**
 * Property-based tests over random job graphs (fast-check): every graph synthesizes through the public
 * construct, its state machine passes asl-validator, no job starts before its dependencies succeeded, a run
 * takes the critical path, and a failure stops everything downstream of it.
 */
import * as fc from 'fast-check';
import { UNVERIFIED_MODES } from '../scripts/lib/sim/batch-simulator';
import { OnJobFailure, WorkflowJob } from '../src';
import { synthWorkflowDefinition, criticalPathOf, dependencyViolations, simulate } from './sim/workflow-fixture';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

interface Graph {
  readonly jobs: WorkflowJob[];
  readonly durations: number[];
}

/**
 * A random acyclic graph: job i may depend on any earlier job (at most 4), which yields chains, fan-outs,
 * fan-ins, diamonds and graphs that are not series-parallel (such as A -> C, A -> D, B -> D).
 */
const graphArb: fc.Arbitrary<Graph> = fc.integer({ min: 1, max: 14 }).chain(n => fc.tuple(
  fc.tuple(...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: Math.min(i, 4) }))),
  fc.array(fc.integer({ min: 1, max: 3600 }), { minLength: n, maxLength: n }),
).map(([deps, durations]) => ({
  jobs: deps.map((d, i) => ({ name: `job-${i}`, tier: ['2gb', '8gb', '16gb'][i % 3], dependsOn: i === 0 ? [] : d.map(j => `job-${j}`) })),
  durations,
})));

function scriptsOf(g: Graph) {
  return Object.fromEntries(g.jobs.map((j, i) => [j.name, { duration: g.durations[i] }]));
}

/** Every job that depends on `name`, directly or not. */
function downstream(jobs: WorkflowJob[], name: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const j of jobs) {
      if (!out.has(j.name) && (j.dependsOn ?? []).some(d => d === name || out.has(d))) {
        out.add(j.name);
        grew = true;
      }
    }
  }
  return out;
}

describe('any acyclic graph', () => {
  test('synthesizes, passes asl-validator, respects dependencies and runs in its critical path', async () => {
    await fc.assert(fc.asyncProperty(graphArb, fc.integer({ min: 0, max: 120 }), async (g, startDelay) => {
      const definition = synthWorkflowDefinition(g.jobs);
      const { isValid, errors } = aslValidator(definition, { checkArn: true, checkPaths: true });
      expect(errors).toEqual([]);
      expect(isValid).toBe(true);

      const options = { scripts: scriptsOf(g), startDelay };
      const { run, sim } = await simulate(definition, options);
      expect(run.status).toBe('SUCCEEDED');
      expect(dependencyViolations(g.jobs, sim)).toEqual([]);
      expect(sim.summary().every(s => s.status === 'SUCCEEDED')).toBe(true);
      // Step Functions' own transitions take no simulated time here, so the run is exactly the critical path.
      expect(run.duration).toBe(criticalPathOf(g.jobs, options));
    }), {
      numRuns: 15,
      // Always try the smallest graph that is not series-parallel: A -> C, A -> D, B -> D.
      examples: [[{
        jobs: [
          { name: 'a', tier: '2gb' }, { name: 'b', tier: '2gb' },
          { name: 'c', tier: '2gb', dependsOn: ['a'] }, { name: 'd', tier: '2gb', dependsOn: ['a', 'b'] },
        ],
        durations: [10, 100, 50, 20],
      }, 0]],
    });
  });

  test('with slow Batch API calls, a run stays within one call per job of its critical path (and one ListJobs per 100 jobs: the check for second copies)', async () => {
    await fc.assert(fc.asyncProperty(graphArb, async g => {
      const options = { scripts: scriptsOf(g), apiLatency: 0.2 };
      const { run } = await simulate(synthWorkflowDefinition(g.jobs), options);
      expect(run.status).toBe('SUCCEEDED');
      const cp = criticalPathOf(g.jobs, options);
      expect(run.duration).toBeGreaterThanOrEqual(cp);
      expect(run.duration).toBeLessThanOrEqual(cp + 0.2 * (g.jobs.length + Math.ceil(g.jobs.length / 100)) + 1e-9);
    }), { numRuns: 6 });
  });

  test('when a job fails, the run ends within minutes with no job of it left, nothing downstream of the failure starts, and the failure is named', async () => {
    const modes = fc.constantFrom(...UNVERIFIED_MODES);
    const onFailure = fc.constantFrom(OnJobFailure.STOP_ALL, OnJobFailure.FINISH_INDEPENDENT);
    const delays = fc.integer({ min: 1, max: 60 });
    await fc.assert(fc.asyncProperty(graphArb, fc.nat(), delays, modes, onFailure, async (g, pick, startDelay, mode, onJobFailure) => {
      const failing = g.jobs[pick % g.jobs.length].name;
      const scripts: { [name: string]: any } = scriptsOf(g);
      scripts[failing] = { ...scripts[failing], outcomes: ['fail'] };
      const { run, sim } = await simulate(synthWorkflowDefinition(g.jobs, { onJobFailure }), { scripts, startDelay, ...mode });
      expect(run.status).toBe('FAILED');
      expect(sim.openJobs()).toEqual([]);
      expect(run.error).toBe('JobFailed');
      // The headline names the failed job itself with its exit code, wherever it is in the graph.
      expect(run.cause).toMatch(new RegExp(`^Run of 2024-05-01 failed: job ${failing} failed: Essential container in task exited \\(exit code 1\\); logs: `));
      const failedAt = sim.jobNamed(failing).stoppedAt!;
      const lastSuccess = Math.max(0, ...sim.summary().filter(s => s.status === 'SUCCEEDED').map(s => s.stoppedAt!));
      // STOP_ALL: within one look of the watch (3 min at most) and the settle; FINISH_INDEPENDENT: after the last
      // independent job, within the looks that make sure the rest is blocked.
      const bound = onJobFailure === OnJobFailure.STOP_ALL ? failedAt + 180 + 120 : Math.max(failedAt, lastSuccess) + 3 * 180 + 120;
      expect(run.duration).toBeLessThanOrEqual(bound);
      const startsAtEnd = sim.startOrder().length;
      while (sim.clock.advance()) { /* let Batch carry on after the run ended */ }
      expect(sim.startOrder().length).toBe(startsAtEnd);
      expect(dependencyViolations(g.jobs, sim)).toEqual([]);
      for (const name of downstream(g.jobs, failing)) expect(sim.jobNamed(name).startedAt).toBeUndefined();
      // Nothing is reported as succeeded that did not succeed: every job ends SUCCEEDED only by running.
      for (const s of sim.summary()) if (s.status === 'SUCCEEDED') expect(s.startedAt).toBeDefined();
    }), { numRuns: 16 });
  });
});
