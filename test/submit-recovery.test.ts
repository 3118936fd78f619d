/**
 * No job runs twice (issue #22, item 3): SubmitJob takes no idempotency token (the Batch API reference has no
 * `clientToken`), so a call that fails may have created its job all the same. The workflow looks for the job by
 * its run-tagged name before it submits again (src/private/workflow/submit-recovery.ts). Executed on the simulated
 * Batch with faults per job and call: `before` (the call fails and creates nothing: throttled, or a 5xx before
 * anything was stored) and `after` (Batch creates the job, then the call fails with a 500,
 * `Batch.AWSBatchException` as production logs show).
 */
import * as fc from 'fast-check';
import { synthWorkflowDefinition } from './sim/workflow-fixture';
import { BatchSimulator, BatchSimulatorOptions, UNVERIFIED_MODES } from '../scripts/lib/sim/batch-simulator';
import { runWorkflow } from '../scripts/lib/sim/run-workflow';
import { OnJobFailure, WorkflowJob } from '../src';

// extract and report are upstream jobs (others depend on them); load and audit are final jobs (.sync).
const jobs: WorkflowJob[] = [
  { name: 'extract', tier: '2gb' },
  { name: 'report', tier: '2gb', dependsOn: ['extract'] },
  { name: 'load', tier: '2gb', dependsOn: ['report'] },
  { name: 'audit', tier: '2gb', dependsOn: ['extract'] },
];
const definition = synthWorkflowDefinition(jobs);

async function run(options: BatchSimulatorOptions, workflow = definition) {
  const sim = new BatchSimulator({ startDelay: 5, scripts: Object.fromEntries(jobs.map(j => [j.name, { duration: 120 }])), ...options });
  const result = await runWorkflow(workflow, sim);
  while (sim.clock.advance()) { /* let Batch carry on after the run */ }
  return { run: result, sim };
}

const submitCalls = (sim: BatchSimulator, name: string) =>
  sim.calls.filter(c => c.action === 'SubmitJob' && String(c.request.JobName).endsWith(`-${name}`));
/** Every job Batch holds under a workflow job's name, and how many of them started. */
const copies = (sim: BatchSimulator, name: string) => sim.jobsNamed(name).length;
const started = (sim: BatchSimulator, name: string) => sim.jobsNamed(name).filter(j => j.startedAt !== undefined).length;

describe('a SubmitJob whose answer is lost after Batch created the job', () => {
  test.each(['extract', 'report'])('upstream job %s: found by name, kept, not submitted again; its dependents wait for that job', async name => {
    const { run: r, sim } = await run({ submitFaults: { [name]: ['after'] } });
    expect(r.status).toBe('SUCCEEDED');
    expect(submitCalls(sim, name)).toHaveLength(1);
    expect([copies(sim, name), started(sim, name)]).toEqual([1, 1]);
    // The job found is the one the run goes on with: its dependents depend on it, and the summary names it.
    const id = sim.jobNamed(name).id;
    const dependent = name === 'extract' ? 'report' : 'load';
    expect(submitCalls(sim, dependent)[0].request.DependsOn).toEqual([{ JobId: id }]);
    expect(r.output.jobs.find((j: any) => j.JobName === name)).toEqual({ JobName: name, JobId: id, skipped: false });
    // The look asked for the exact run-tagged name, not the run's filter.
    const looks = sim.calls.filter(c => c.action === 'ListJobs' && c.request.Filters[0].Values[0] === sim.jobNamed(name).batchName);
    expect(looks).toHaveLength(1);
    for (const j of jobs) expect(started(sim, j.name)).toBe(1);
  });

  test.each(['load', 'audit'])('final job %s: found by name and waited for until it ends; the run ends after it, not before', async name => {
    const { run: r, sim } = await run({ submitFaults: { [name]: ['after'] } });
    expect(r.status).toBe('SUCCEEDED');
    expect(submitCalls(sim, name)).toHaveLength(1);
    expect([copies(sim, name), started(sim, name)]).toEqual([1, 1]);
    const job = sim.jobNamed(name);
    expect(r.output.jobs.find((j: any) => j.JobName === name)).toEqual({ JobName: name, JobId: job.id, failed: false, skipped: false });
    // Looked at every 60 s: the run ends after the job, and within a minute (and a few calls) of the last job's end.
    const lastEnd = Math.max(...jobs.map(j => sim.jobNamed(j.name).stoppedAt!));
    expect(r.duration).toBeGreaterThanOrEqual(job.stoppedAt!);
    expect(r.duration).toBeLessThan(lastEnd + 60 + 5);
  });

  test('a final job found after a lost answer that then fails fails the run, naming it, and runs once', async () => {
    const { run: r, sim } = await run({
      submitFaults: { load: ['after'] },
      scripts: { ...Object.fromEntries(jobs.map(j => [j.name, { duration: 120 }])), load: { duration: 120, outcomes: ['fail'], exitCode: 4 } },
    });
    expect(r.status).toBe('FAILED');
    expect(r.cause).toMatch(/^Run of 2024-05-01 failed: job load failed: .*exit code 4/);
    expect([copies(sim, 'load'), started(sim, 'load')]).toEqual([1, 1]);
    // Looked at every minute until it ends (docs/workflows.md), its failure is the final job's: the run then settles
    // (two looks, 30 s apart) and ends, within a minute and a half of the job's end.
    expect(r.duration).toBeLessThan(sim.jobNamed('load').stoppedAt! + 60 + 30 + 5);
  });

  test('a lost answer on every job at once: each job runs once, and the run succeeds', async () => {
    const { run: r, sim } = await run({ submitFaults: Object.fromEntries(jobs.map(j => [j.name, ['after' as const]])) });
    expect(r.status).toBe('SUCCEEDED');
    for (const j of jobs) expect([j.name, submitCalls(sim, j.name).length, copies(sim, j.name), started(sim, j.name)]).toEqual([j.name, 1, 1, 1]);
  });
});

describe('a SubmitJob that fails before Batch created the job', () => {
  test('an upstream job: looked for twice, 10 s apart, not found, submitted again once', async () => {
    const { run: r, sim } = await run({ submitFaults: { extract: ['before'] } });
    expect(r.status).toBe('SUCCEEDED');
    expect(submitCalls(sim, 'extract')).toHaveLength(2);
    expect([copies(sim, 'extract'), started(sim, 'extract')]).toEqual([1, 1]);
    const looks = sim.calls.filter(c => c.action === 'ListJobs' && String(c.request.Filters[0].Values[0]).endsWith('-extract'));
    expect(looks).toHaveLength(2);
    expect(looks[1].time - looks[0].time).toBeGreaterThanOrEqual(10);
    // The first look waits 1-2 s after the failed call (docs/workflows.md: "the workflow waits (1-2 s, doubling, with full
    // jitter)"): States.MathRandom(1, 3), whose end number AWS excludes and aws-local-stepfunctions includes (1-3 s here).
    const wait = looks[0].time - submitCalls(sim, 'extract')[0].time;
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(3);
  });

  test('the wait before each look is drawn from 1 s up to a bound that starts at 3 s (exclusive) and doubles with each try', () => {
    // docs/workflows.md: "waits (1-2 s, doubling, with full jitter)"; States.MathRandom draws from its start number
    // (inclusive) to its end number (exclusive) (Step Functions developer guide, intrinsic functions for math operations).
    expect(definition.States['Set up the run'].Parameters.lost).toEqual({ n: '', tries: 0, cap: 3 });
    expect(definition.States['Set up the run'].Parameters.try).toEqual({ tries: 0, cap: 3 });
    expect(definition.States['Resubmit: first failure of the job'].Parameters).toEqual({
      'job.$': '$.lost.job',
      'error.$': '$.lost.error',
      'n.$': '$.lost.job.n',
      'tries': 0,
      'cap': 3,
    });
    expect(definition.States['Resubmit: count the try'].Parameters).toEqual({
      'job.$': '$.lost.job',
      'error.$': '$.lost.error',
      'n.$': '$.lost.n',
      'looked': false,
      'tries.$': 'States.MathAdd($.lost.tries, 1)',
      'cap.$': 'States.MathAdd($.lost.cap, $.lost.cap)',
      'wait.$': 'States.MathRandom(1, $.lost.cap)',
    });
    const load = definition.States['Run and watch'].Branches[0].States['Wait for final jobs'].Branches[0].States['Wait for final jobs 1'].Branches
      .find((b: any) => b.States['Run load']).States;
    expect(load['load again'].Parameters).toEqual({
      'tries.$': 'States.MathAdd($.try.tries, 1)', 'cap.$': 'States.MathAdd($.try.cap, $.try.cap)', 'wait.$': 'States.MathRandom(1, $.try.cap)',
    });
  });

  test('a final job: looked for once, not found, submitted again once (a late listing is left to the check for second copies)', async () => {
    const { run: r, sim } = await run({ submitFaults: { load: ['before'] } });
    expect(r.status).toBe('SUCCEEDED');
    expect(submitCalls(sim, 'load')).toHaveLength(2);
    expect([copies(sim, 'load'), started(sim, 'load')]).toEqual([1, 1]);
    expect(sim.calls.filter(c => c.action === 'ListJobs' && String(c.request.Filters[0].Values[0]).endsWith('-load'))).toHaveLength(1);
  });

  test('a throttled request (the cause says 429) is submitted again after one look: it created nothing', async () => {
    const { run: r, sim } = await run({ throttle: { SubmitJob: 1 } });
    expect(r.status).toBe('SUCCEEDED');
    expect(sim.calls.filter(c => c.action === 'ListJobs' && !String(c.request.Filters[0].Values[0]).endsWith('*'))).toHaveLength(1);
    for (const j of jobs) expect(copies(sim, j.name)).toBe(1);
  });

  test.each([
    // the message of AWS's throttling errors (ThrottlingException: Rate exceeded)
    ['Rate exceeded'],
    // HTTP 429's reason phrase, and the SDK's status line of a 429, each alone
    ['Too Many Requests'],
    ['(Service: Batch, Status Code: 429, Request ID: 1)'],
  ])('a request throttled as "%s" is submitted again after one look: it created nothing', async message => {
    // docs/workflows.md: a cause that says the request was throttled skips the second look
    const sim = new BatchSimulator({ startDelay: 5, scripts: Object.fromEntries(jobs.map(j => [j.name, { duration: 120 }])) });
    const submit = sim.submitJob.bind(sim);
    let throttled = false;
    jest.spyOn(sim, 'submitJob').mockImplementation(async (request: any) => {
      if (!throttled && String(request.JobName).endsWith('-extract')) {
        throttled = true;
        throw Object.assign(new Error(message), { name: 'Batch.AWSBatchException' });
      }
      return submit(request);
    });
    const r = await runWorkflow(definition, sim);
    expect(r.status).toBe('SUCCEEDED');
    expect(sim.calls.filter(c => c.action === 'ListJobs' && String(c.request.Filters[0].Values[0]).endsWith('-extract'))).toHaveLength(1);
    expect(copies(sim, 'extract')).toBe(1);
  });

  test.each(['extract', 'load'])('%s: after 6 tries (5 retries) that all fail, the run fails with the error, nothing of it left, every other job ended', async name => {
    const { run: r, sim } = await run({ submitFaults: { [name]: Array(6).fill('before') } });
    expect(r.status).toBe('FAILED');
    expect(submitCalls(sim, name)).toHaveLength(6);
    expect(copies(sim, name)).toBe(0);
    expect(r.cause).toContain('Batch.AWSBatchException');
    expect(sim.openJobs()).toEqual([]);
  });

  test('tries are counted per job: five failures of one job and then five of the next still end in a run that succeeds', async () => {
    const five = Array(5).fill('before');
    const { run: r, sim } = await run({ submitFaults: { extract: five, report: five } });
    expect(r.status).toBe('SUCCEEDED');
    expect([submitCalls(sim, 'extract').length, submitCalls(sim, 'report').length]).toEqual([6, 6]);
  });

  test('a refusal (Batch.ClientException) is not tried again: the upstream job is submitted once and the run fails naming the error', async () => {
    const { run: r, sim } = await run({ refuseSubmit: ['report'] });
    expect(r.status).toBe('FAILED');
    expect(submitCalls(sim, 'report')).toHaveLength(1);
    expect(r.cause).toMatch(/Batch\.ClientException: .*INACTIVE/);
    expect(sim.openJobs()).toEqual([]);
  });

  test('a refusal of a final job is not tried again either: submitted once, the run fails naming it', async () => {
    const { run: r, sim } = await run({ refuseSubmit: ['load'] });
    expect(r.status).toBe('FAILED');
    expect(submitCalls(sim, 'load')).toHaveLength(1);
    expect(r.cause).toMatch(/job load could not be submitted: Batch\.ClientException: .*INACTIVE/);
  });

  test('a look throttled 8 times in a row still finds the job on its 9th try (throttling at 30 % must not fail runs)', async () => {
    const { run: r, sim } = await run({ submitFaults: { extract: ['after'] }, throttle: { ListJobs: 8 } });
    expect(r.status).toBe('SUCCEEDED');
    expect([submitCalls(sim, 'extract').length, copies(sim, 'extract')]).toEqual([1, 1]);
  });

  test('a look that keeps failing (ListJobs throttled) ends the run cleanly: no second submission, nothing left running', async () => {
    const { run: r, sim } = await run({ submitFaults: { extract: ['after'] }, throttle: { ListJobs: 1000 } });
    expect(r.status).toBe('FAILED');
    expect(submitCalls(sim, 'extract')).toHaveLength(1);
    expect(sim.openJobs()).toEqual([]);
    expect(r.cause).toContain('Batch.AWSBatchException');
  });
});

describe('ListJobs that lists a new job late (not documented either way)', () => {
  test('a job listed within the second look (10 s) is found: no second job', async () => {
    const { run: r, sim } = await run({ submitFaults: { extract: ['after'] }, listJobsLag: 8 });
    expect(r.status).toBe('SUCCEEDED');
    expect(copies(sim, 'extract')).toBe(1);
  });
});

/**
 * Hold-out graphs with faults the tests above never name: a random DAG, each SubmitJob call failing before or after
 * Batch created the job at random (at most 4 faults per job, so each job gets through within its 6 tries), in both
 * failure modes and every unverified Batch behaviour.
 */
describe('random faults on random graphs', () => {
  test('every job runs exactly once and the run succeeds', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 3, max: 12 }).chain(n => fc.tuple(
        fc.constant(n),
        fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
        fc.array(fc.array(fc.constantFrom('before' as const, 'after' as const, 'none' as const), { maxLength: 4 }), { minLength: n, maxLength: n }),
      )),
      fc.constantFrom(OnJobFailure.STOP_ALL, OnJobFailure.FINISH_INDEPENDENT),
      fc.constantFrom(...UNVERIFIED_MODES),
      async ([n, deps, faults], onJobFailure, mode) => {
        const graph: WorkflowJob[] = Array.from({ length: n }, (_, i) => ({
          name: `g${i}`, tier: '2gb', dependsOn: i === 0 ? [] : [...new Set(deps[i].map(d => `g${d % i}`))],
        }));
        const sim = new BatchSimulator({ startDelay: 5, ...mode, submitFaults: Object.fromEntries(graph.map((j, i) => [j.name, faults[i]])) });
        const r = await runWorkflow(synthWorkflowDefinition(graph, { onJobFailure }), sim);
        expect(r.status).toBe('SUCCEEDED');
        for (const j of graph) expect([j.name, sim.jobsNamed(j.name).length, started(sim, j.name)]).toEqual([j.name, 1, 1]);
      },
    ), { numRuns: 12 });
  });
});

/**
 * A `ListJobs` that lists a new job later than the second look (not documented either way): the workflow submits
 * the job again, and a second copy runs. The run's last check finds every job of the run it does not know,
 * terminates what has not ended and fails the run naming it (workflow-duplicates.ts).
 */
describe('a second copy that slips through (ListJobs listing a new job late)', () => {
  test('an upstream job: both copies end, the run fails with JobsDuplicated naming the copy it did not know', async () => {
    const { run: r, sim } = await run({ submitFaults: { extract: ['after'] }, listJobsLag: 30 });
    expect(copies(sim, 'extract')).toBe(2);
    const [orphan, own] = sim.jobsNamed('extract');
    expect(submitCalls(sim, 'report')[0].request.DependsOn).toEqual([{ JobId: own.id }]);
    expect([r.status, r.error]).toEqual(['FAILED', 'JobsDuplicated']);
    expect(r.cause).toMatch(/^Run of 2024-05-01 ran a job twice: a SubmitJob answer was lost and ListJobs did not list the job it had created/);
    expect(r.cause).toContain(`${orphan.batchName} (${orphan.id}): a second copy, SUCCEEDED`);
    expect(r.cause).not.toContain(own.id);
    expect(sim.openJobs()).toEqual([]);
  });

  test('a copy still running when the run\'s own jobs have ended is terminated, and named', async () => {
    // The copy Batch created first runs 10 times as long as the one the run knows.
    let first = true;
    const sim = new BatchSimulator({
      startDelay: 5,
      submitFaults: { audit: ['after'] },
      listJobsLag: 90,
      scriptOf: (_: any, name: string) => {
        if (name !== 'audit') return { duration: 120 };
        const duration = first ? 1200 : 120;
        first = false;
        return { duration };
      },
    });
    const r = await runWorkflow(definition, sim);
    const [orphan] = sim.jobsNamed('audit');
    expect([r.status, r.error]).toEqual(['FAILED', 'JobsDuplicated']);
    expect(r.cause).toContain(`${orphan.batchName} (${orphan.id}): a second copy, terminated (it was RUNNING)`);
    expect(sim.calls.filter(c => c.action === 'TerminateJob').map(c => [c.request.JobId, c.request.Reason]))
      .toEqual([[orphan.id, 'Workflow run: a second copy of a job (a SubmitJob answer was lost)']]);
    expect(r.duration).toBeLessThan(orphan.startedAt! + 1200);
  });

  test('a copy that has already ended FAILED is named as such and not terminated (FINISH_INDEPENDENT, where a failed job does not stop the run)', async () => {
    // The copy Batch created first fails; the one the run knows succeeds. TerminateJob is for jobs that have not ended.
    let first = true;
    const sim = new BatchSimulator({
      startDelay: 5,
      submitFaults: { extract: ['after'] },
      listJobsLag: 30,
      scriptOf: (_: any, name: string) => {
        if (name !== 'extract' || !first) return { duration: 120 };
        first = false;
        return { duration: 60, outcomes: ['fail'] };
      },
    });
    const r = await runWorkflow(synthWorkflowDefinition(jobs, { onJobFailure: OnJobFailure.FINISH_INDEPENDENT }), sim);
    const [orphan] = sim.jobsNamed('extract');
    expect(orphan.status).toBe('FAILED');
    expect([r.status, r.error]).toEqual(['FAILED', 'JobsDuplicated']);
    expect(r.cause).toContain(`${orphan.batchName} (${orphan.id}): a second copy, FAILED`);
    expect(sim.calls.filter(c => c.action === 'TerminateJob')).toEqual([]);
  });

  test('a copy on the second page of the run\'s jobs (over 100 jobs) is found too', async () => {
    // 120 jobs: the first, whose copy Batch created first, is listed last (ListJobs here lists the newest first).
    const wide: WorkflowJob[] = [{ name: 'w0', tier: '2gb' }, ...Array.from({ length: 119 }, (_, i) => ({ name: `w${i + 1}`, tier: '2gb', dependsOn: ['w0'] }))];
    const sim = new BatchSimulator({ startDelay: 5, submitFaults: { w0: ['after'] }, listJobsLag: 30, scripts: { w0: { duration: 60 } } });
    const r = await runWorkflow(synthWorkflowDefinition(wide), sim);
    const [orphan] = sim.jobsNamed('w0');
    expect([r.status, r.error]).toEqual(['FAILED', 'JobsDuplicated']);
    expect(r.cause).toContain(`${orphan.batchName} (${orphan.id}): a second copy`);
    const lists = sim.calls.filter(c => c.action === 'ListJobs' && c.request.Filters[0].Values[0].endsWith('*'));
    expect(lists.some(c => c.request.NextToken !== undefined)).toBe(true);
  });

  test('a run without a second copy lists its jobs once at the end and succeeds', async () => {
    const { run: r, sim } = await run({});
    expect(r.status).toBe('SUCCEEDED');
    expect(sim.calls.filter(c => c.action === 'TerminateJob')).toEqual([]);
    expect(r.statesEntered).toContain('Duplicates: each listed job');
  });
});
