/**
 * Runs the synthesized state machine in aws-local-stepfunctions against a simulated AWS Batch and checks what
 * happens: which jobs start and end when, how the run ends, and how long it takes against the critical path.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { criticalPathOf, synthWorkflowDefinition, dependencyViolations, simulate } from './sim/workflow-fixture';
import { workflowDefinition } from './util';
import { BatchSimulator, BatchSimulatorOptions, UNVERIFIED_MODES } from '../scripts/lib/sim/batch-simulator';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { runWorkflow } from '../scripts/lib/sim/run-workflow';
import { DefaultWorkflow, OnJobFailure, SandersBatchPlatform, WorkflowJob } from '../src';
import { TERMINATE_REASONS } from '../src/private/workflow/workflow-states';


/** A chain of jobs, each depending on the one before. */
function chain(n: number): WorkflowJob[] {
  return Array.from({ length: n }, (_, i) => ({ name: `step-${i}`, tier: '2gb', dependsOn: i > 0 ? [`step-${i - 1}`] : [] }));
}

describe('the Python app\'s workflow', () => {
  const definition = synthWorkflowDefinition(DefaultWorkflow.jobs());
  const scripts = { 'feature-extraction': { duration: 600 }, 'data-processing': { duration: 240 }, 'model-training': { duration: 900 } };

  test('runs feature-extraction and data-processing together, then model-training, and succeeds in the critical path', async () => {
    const { run, sim } = await simulate(definition, { scripts });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.startOrder()).toEqual(['feature-extraction', 'data-processing', 'model-training']);
    expect(sim.endOrder()).toEqual(['data-processing', 'feature-extraction', 'model-training']);
    expect(sim.jobNamed('feature-extraction').startedAt).toBe(0);
    expect(sim.jobNamed('data-processing').startedAt).toBe(0);
    expect(sim.jobNamed('model-training').startedAt).toBe(600);
    expect(run.duration).toBe(1500);
    expect(run.duration).toBe(criticalPathOf(DefaultWorkflow.jobs(), { scripts }));
  });

  test('the Parallel is left with the error names docs/workflows.md gives: Workflow.AllJobsSucceeded, Workflow.JobsFailed', () => {
    const runAndWatch = definition.States['Run and watch'];
    const states = Object.assign({}, ...runAndWatch.Branches.map((b: any) => b.States));
    expect([states['Break: all succeeded'], states['Break: a job failed']].map((st: any) => [st.Type, st.Error]))
      .toEqual([['Fail', 'Workflow.AllJobsSucceeded'], ['Fail', 'Workflow.JobsFailed']]);
    expect(runAndWatch.Catch.slice(0, 2).map((c: any) => c.ErrorEquals)).toEqual([['Workflow.AllJobsSucceeded'], ['Workflow.JobsFailed']]);
  });

  test('the watch looks at the run\'s jobs 30 s after the start, then doubling up to every 3 minutes', async () => {
    // docs/workflows.md: the watch "looks at every job of the run with ListJobs, 30 s after the start and then
    // doubling up to every 3 minutes". The run lasts 1500 s; its last ListJobs (the check for second copies) is at its end.
    const { run, sim } = await simulate(definition, { scripts });
    const looks = sim.calls.filter(c => c.action === 'ListJobs' && String(c.request.Filters[0].Values[0]).endsWith('*')).map(c => c.time);
    expect(looks).toEqual([30, 90, 210, 390, 570, 750, 930, 1110, 1290, 1470, 1500]);
    expect(run.duration).toBe(1500);
  });

  test('with a scheduling delay, the run takes the critical path plus one delay per job on it', async () => {
    const { run } = await simulate(definition, { scripts, startDelay: 45 });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.duration).toBe(600 + 45 + 900 + 45);
  });
});

describe('graphs that are not series-parallel', () => {
  // A -> C, A -> D, B -> D: a level-by-level layout would hold C until B finished.
  const nShape: WorkflowJob[] = [
    { name: 'a', tier: '2gb' },
    { name: 'b', tier: '2gb' },
    { name: 'c', tier: '2gb', dependsOn: ['a'] },
    { name: 'd', tier: '2gb', dependsOn: ['a', 'b'] },
  ];
  const scripts = { a: { duration: 10 }, b: { duration: 100 }, c: { duration: 50 }, d: { duration: 20 } };

  test('N-shaped: c starts when a ends, without waiting for b', async () => {
    const { run, sim } = await simulate(synthWorkflowDefinition(nShape), { scripts });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('c').startedAt).toBe(10);
    expect(sim.jobNamed('d').startedAt).toBe(100);
    expect(sim.endOrder()).toEqual(['a', 'c', 'b', 'd']);
    expect(run.duration).toBe(120);
    expect(run.duration).toBe(criticalPathOf(nShape, { scripts }));
    expect(dependencyViolations(nShape, sim)).toEqual([]);
  });

  test('each job is submitted with Batch dependencies on exactly the jobs it depends on', async () => {
    const { sim } = await simulate(synthWorkflowDefinition(nShape), { scripts });
    const submitted = Object.fromEntries(sim.calls.filter(c => c.action === 'SubmitJob').map(c => [c.request.JobName.replace(/^[0-9a-f]{32}-/, ''), c.request]));
    const idOf = (name: string) => sim.jobNamed(name).id;
    expect(submitted.c.DependsOn).toEqual([{ JobId: idOf('a') }]);
    expect(submitted.d.DependsOn).toEqual([{ JobId: idOf('a') }, { JobId: idOf('b') }]);
    expect(submitted.a.DependsOn).toBeUndefined();
  });
});

describe('graph shapes', () => {
  test('diamond: the join starts when the slower branch ends', async () => {
    const diamond: WorkflowJob[] = [
      { name: 'top', tier: '2gb' },
      { name: 'left', tier: '8gb', dependsOn: ['top'] },
      { name: 'right', tier: '2gb', dependsOn: ['top'] },
      { name: 'bottom', tier: '16gb', dependsOn: ['left', 'right'] },
    ];
    const scripts = { top: { duration: 30 }, left: { duration: 300 }, right: { duration: 60 }, bottom: { duration: 90 } };
    const { run, sim } = await simulate(synthWorkflowDefinition(diamond), { scripts });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.startOrder()).toEqual(['top', 'left', 'right', 'bottom']);
    expect(sim.jobNamed('bottom').startedAt).toBe(330);
    expect(run.duration).toBe(420);
  });

  test('chain: each job starts when the one before ends', async () => {
    const jobs = chain(6);
    const { run, sim } = await simulate(synthWorkflowDefinition(jobs), { scripts: {} });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.startOrder()).toEqual(jobs.map(j => j.name));
    expect(sim.summary().map(s => s.startedAt)).toEqual([0, 60, 120, 180, 240, 300]);
    expect(run.duration).toBe(360);
  });

  test('wide fan-out: 60 jobs after one start together, beyond the 40 branches one Parallel state runs at once', async () => {
    const jobs: WorkflowJob[] = [
      { name: 'split', tier: '2gb' },
      ...Array.from({ length: 60 }, (_, i) => ({ name: `part-${i}`, tier: '2gb', dependsOn: ['split'] })),
    ];
    const scripts: { [name: string]: { duration: number } } = { split: { duration: 10 } };
    jobs.slice(1).forEach((j, i) => { scripts[j.name] = { duration: 100 + i }; });
    const definition = synthWorkflowDefinition(jobs);
    expect(definition.States['Run and watch'].Branches[0].States['Wait for final jobs'].Branches).toHaveLength(2);
    const { run, sim } = await simulate(definition, { scripts });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.summary().filter(s => s.name !== 'split').every(s => s.startedAt === 10)).toBe(true);
    expect(run.duration).toBe(10 + 159);
  });

  test('array job: every child runs, and the jobs after it wait for all of them', async () => {
    const jobs: WorkflowJob[] = [
      { name: 'shard', tier: '2gb', arraySize: 8, command: ['python', 'shard.py', '--date', 'Ref::date'] },
      { name: 'merge', tier: '8gb', dependsOn: ['shard'] },
    ];
    const { run, sim } = await simulate(synthWorkflowDefinition(jobs), { scripts: { shard: { duration: 120 }, merge: { duration: 30 } } });
    expect(run.status).toBe('SUCCEEDED');
    const shard = sim.jobNamed('shard');
    expect(shard.request.ArrayProperties).toEqual({ Size: 8 });
    expect(shard.children).toHaveLength(8);
    expect(shard.children.every(c => c.status === 'SUCCEEDED' && c.startedAt === 0)).toBe(true);
    expect(sim.jobNamed('merge').startedAt).toBe(120);
    expect(run.duration).toBe(150);
  });

  test('the larger example of the docs: each job starts when its last dependency ends', async () => {
    const jobs: WorkflowJob[] = [
      { name: 'ingest-orders', tier: '2gb', command: ['python', '-m', 'jobs.ingest', 'orders', '--date', 'Ref::date'] },
      { name: 'ingest-clicks', tier: '2gb', command: ['python', '-m', 'jobs.ingest', 'clicks', '--date', 'Ref::date'] },
      { name: 'ingest-crm', tier: '2gb' },
      { name: 'clean-orders', tier: '8gb', dependsOn: ['ingest-orders'], timeout: Duration.hours(1) },
      { name: 'sessionize', tier: '8gb', dependsOn: ['ingest-clicks'], arraySize: 16 },
      { name: 'customer-features', tier: '16gb', dependsOn: ['clean-orders', 'sessionize', 'ingest-crm'] },
      { name: 'order-report', tier: '2gb', dependsOn: ['clean-orders'], retryAttempts: 1 },
      { name: 'train', tier: '16gb', dependsOn: ['customer-features'], environment: { MODEL: 'gbm' } },
      { name: 'publish', tier: '2gb', dependsOn: ['train', 'order-report'] },
    ];
    const scripts = {
      'ingest-orders': { duration: 300 },
      'ingest-clicks': { duration: 900 },
      'ingest-crm': { duration: 120 },
      'clean-orders': { duration: 600 },
      'sessionize': { duration: 1200 },
      'customer-features': { duration: 1800 },
      'order-report': { duration: 240 },
      'train': { duration: 3600 },
      'publish': { duration: 60 },
    };
    const { run, sim } = await simulate(synthWorkflowDefinition(jobs), { scripts, startDelay: 30 });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('order-report').startedAt).toBe(30 + 300 + 30 + 600 + 30);
    expect(sim.jobNamed('customer-features').startedAt).toBe(30 + 900 + 30 + 1200 + 30);
    expect(dependencyViolations(jobs, sim)).toEqual([]);
    expect(run.duration).toBe(criticalPathOf(jobs, { scripts, startDelay: 30 }));
  });

  test('a single job', async () => {
    const { run, sim } = await simulate(synthWorkflowDefinition([{ name: 'only', tier: '2gb' }]), { scripts: { only: { duration: 42 } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.startOrder()).toEqual(['only']);
    expect(run.duration).toBe(42);
  });
});

/** Every combination of the AWS behaviours nobody here has verified, as `test.each` rows. */
const MODES = UNVERIFIED_MODES.map(m => [`${m.dependencyFailure}, .sync stop ${m.syncStopTerminates ? 'terminates' : 'leaves'} the job`, m] as const);

/** Runs a definition and checks what must hold whenever a run ends: no job of the run is left unfinished. */
async function runToEnd(definition: any, options: BatchSimulatorOptions) {
  const sim = new BatchSimulator(options);
  const run = await runWorkflow(definition, sim);
  const openAtEnd = sim.openJobs();
  const startsAtEnd = sim.startOrder().length;
  while (sim.clock.advance()) { /* let Batch carry on after the run */ }
  return { run, sim, openAtEnd, startedAfterEnd: sim.startOrder().slice(startsAtEnd) };
}

describe('failure', () => {
  // root fails; mid depends on it; other runs long; after-other waits on other and has a final job after it.
  const jobs: WorkflowJob[] = [
    { name: 'root', tier: '2gb' },
    { name: 'other', tier: '2gb' },
    { name: 'mid', tier: '2gb', dependsOn: ['root'] },
    { name: 'after-other', tier: '2gb', dependsOn: ['other'] },
    { name: 'final', tier: '2gb', dependsOn: ['mid'] },
    { name: 'final-other', tier: '2gb', dependsOn: ['after-other'] },
    { name: 'lonely', tier: '2gb', dependsOn: ['other'] },
  ];
  const definition = synthWorkflowDefinition(jobs);
  const scripts = { root: { duration: 50, outcomes: ['fail' as const], exitCode: 3 }, other: { duration: 500 } };

  test.each(MODES)('STOP_ALL (the default) terminates every job and fails within minutes, naming the job (%s)', async (_, mode) => {
    const { run, sim, openAtEnd, startedAfterEnd } = await runToEnd(definition, { scripts, startDelay: 5, ...mode });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
    expect(startedAfterEnd).toEqual([]);
    expect(run.duration).toBeLessThan(55 + 180 + 60);
    expect(run.error).toBe('JobFailed');
    // The headline names the job that failed first-hand with its exit code and logs, not a job failed after it.
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: job root failed: Essential container in task exited \(exit code 3\); logs: \/aws\/batch\/sanders-customer-platform-dev job\/default\/job-\d+\. /);
    expect(run.cause).toContain('root: FAILED (Essential container in task exited, exit code 3)');
    expect(run.cause).toContain(`other: FAILED (${TERMINATE_REASONS.failed})`);
    expect(sim.startOrder()).toEqual(['root', 'other']);
    expect(sim.jobNamed('other').status).toBe('FAILED');
    for (const name of ['mid', 'final', 'after-other', 'final-other', 'lonely']) expect(sim.jobNamed(name).startedAt).toBeUndefined();
  });

  test.each(MODES)('FINISH_INDEPENDENT lets the jobs that do not depend on the failed one finish, then fails (%s)', async (_, mode) => {
    const finishIndependent = synthWorkflowDefinition(jobs, { onJobFailure: OnJobFailure.FINISH_INDEPENDENT });
    const { run, sim, openAtEnd, startedAfterEnd } = await runToEnd(finishIndependent, { scripts, startDelay: 5, ...mode });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
    expect(startedAfterEnd).toEqual([]);
    for (const name of ['other', 'after-other', 'final-other', 'lonely']) expect(sim.jobNamed(name).status).toBe('SUCCEEDED');
    for (const name of ['mid', 'final']) expect(sim.jobNamed(name).startedAt).toBeUndefined();
    const lastEnd = Math.max(...sim.summary().filter(j => j.status === 'SUCCEEDED').map(j => j.stoppedAt!));
    expect(lastEnd).toBe(5 + 500 + 2 * (5 + 60));
    // Ended within minutes of the last independent job, whether Batch failed or held the blocked ones.
    expect(run.duration).toBeLessThan(lastEnd + 3 * 180 + 60);
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: job root failed: Essential container in task exited \(exit code 3\); /);
  });

  test.each(MODES)('a final job that fails names itself, its reason, exit code and logs (%s)', async (_, mode) => {
    const { run, openAtEnd } = await runToEnd(synthWorkflowDefinition(DefaultWorkflow.jobs()), { scripts: { 'model-training': { outcomes: ['fail'] } }, ...mode });
    expect(openAtEnd).toEqual([]);
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: job model-training failed: Essential container in task exited \(exit code 1\); logs: \/aws\/batch\/sanders-customer-platform-dev job\/default\/job-0003\. /);
    expect(run.cause).toContain('Jobs: ["feature-extraction: SUCCEEDED","data-processing: SUCCEEDED","model-training: FAILED (Essential container in task exited, exit code 1)"]');
  });

  test.each(MODES)('a job Batch refuses to submit fails the run with Batch\'s error, and the jobs already submitted are terminated (%s)', async (_, mode) => {
    const { run, sim, openAtEnd } = await runToEnd(definition, { scripts, refuseSubmit: ['mid'], startDelay: 5, ...mode });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
    expect(run.error).toBe('Batch.ClientException');
    expect(run.cause).toMatch(/INACTIVE/);
    expect(run.cause).toContain('mid: not submitted');
    expect(sim.jobNamed('root').statusReason).toBe(TERMINATE_REASONS.failed);
  });

  test('a final job Batch refuses to submit is named with Batch\'s error', async () => {
    const { run, openAtEnd } = await runToEnd(synthWorkflowDefinition([{ name: 'x', tier: '2gb' }, { name: 'y', tier: '2gb' }]), { refuseSubmit: ['y'] });
    expect(openAtEnd).toEqual([]);
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: job y could not be submitted: Batch\.ClientException: .*INACTIVE/);
  });

  test.each(MODES)('a job deep in the graph that fails is named, whichever final job failed after it (%s)', async (_, mode) => {
    const deep: WorkflowJob[] = [
      { name: 'a', tier: '2gb' },
      { name: 'b', tier: '2gb', dependsOn: ['a'] },
      { name: 'c', tier: '2gb', dependsOn: ['b'] },
      { name: 'z1', tier: '2gb', dependsOn: ['c'] },
      { name: 'z2', tier: '2gb', dependsOn: ['c'] },
    ];
    const { run, openAtEnd } = await runToEnd(synthWorkflowDefinition(deep), { scripts: { b: { outcomes: ['fail'], exitCode: 42 } }, ...mode });
    expect(openAtEnd).toEqual([]);
    expect(run.error).toBe('JobFailed');
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: job b failed: Essential container in task exited \(exit code 42\); /);
    expect(run.cause).toContain('"a: SUCCEEDED","b: FAILED (Essential container in task exited, exit code 42)"');
  });

  test('a job DescribeJobs no longer knows is reported as unknown, and the run still ends with its error', async () => {
    class ForgetfulBatch extends BatchSimulator {
      public async describeJobs(request: any): Promise<any> {
        await super.describeJobs(request);
        return { Jobs: [] };
      }
    }
    const sim = new ForgetfulBatch({ scripts });
    const run = await runWorkflow(definition, sim);
    expect(run.status).toBe('FAILED');
    expect(sim.openJobs()).toEqual([]);
    expect(run.error).toBe('JobFailed');
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: a job failed, and no report names it\. /);
    expect(run.cause).toMatch(/"root \(job-\d+\): status unknown"/);
  });

  test.each([['primary'], ['alternative']] as const)('throttled Batch calls (%s error names) are retried: the run succeeds, and a failed one still cleans up', async sdkErrorNames => {
    const throttle = { SubmitJob: 2, ListJobs: 2, TerminateJob: 2, DescribeJobs: 2 };
    const ok = await runToEnd(synthWorkflowDefinition(DefaultWorkflow.jobs()), { throttle, sdkErrorNames });
    expect(ok.run.status).toBe('SUCCEEDED');
    const failed = await runToEnd(definition, { scripts, throttle, sdkErrorNames });
    expect(failed.run.status).toBe('FAILED');
    expect(failed.openAtEnd).toEqual([]);
    expect(failed.run.cause).toMatch(/job root failed/);
  });

  test.each(MODES)('jobs that ListJobs shows late are still found and terminated (%s)', async (_, mode) => {
    const { run, openAtEnd } = await runToEnd(definition, { scripts, listJobsLag: 45, startDelay: 5, ...mode });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
  });
});

describe('runTimeout', () => {
  const jobs: WorkflowJob[] = [
    { name: 'root', tier: '2gb' },
    { name: 'other', tier: '2gb' },
    { name: 'final', tier: '2gb', dependsOn: ['root'] },
    { name: 'final-other', tier: '2gb', dependsOn: ['other'] },
  ];

  test('is enforced by the watch, with the execution timing out an hour later as a backstop', () => {
    const definition = synthWorkflowDefinition(jobs, { runTimeout: Duration.hours(2) });
    expect(definition.TimeoutSeconds).toBe(3 * 3600);
    expect(JSON.stringify(definition.States['Run and watch'].Branches[1])).toContain('"NumericGreaterThanEquals":7200');
  });

  test.each(MODES)('stops a run that takes too long: every job is terminated and the run fails with RunTimeout (%s)', async (_, mode) => {
    const definition = synthWorkflowDefinition(jobs, { runTimeout: Duration.minutes(10) });
    const { run, sim, openAtEnd } = await runToEnd(definition, { scripts: { other: { duration: 3000 } }, ...mode });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
    expect(run.error).toBe('RunTimeout');
    expect(run.duration).toBeGreaterThanOrEqual(600);
    expect(run.duration).toBeLessThan(600 + 180 + 60);
    expect(run.cause).toMatch(/^Run of 2024-05-01 failed: the run did not end within runTimeout \(600 seconds\): its jobs were terminated\. /);
    expect(sim.jobNamed('other').statusReason).toBe(TERMINATE_REASONS.timeout);
    expect(sim.jobNamed('final').status).toBe('SUCCEEDED');
  });

  test.each(MODES)('a job held PENDING behind a failed dependency fails the run within minutes, not at runTimeout (%s)', async (_, mode) => {
    // root fails before final is submitted (slow API calls): a Batch that holds such a job would keep it for ever.
    const { run, openAtEnd } = await runToEnd(synthWorkflowDefinition(jobs), {
      apiLatency: 2, scripts: { root: { duration: 1, outcomes: ['fail'] }, other: { duration: 3000 } }, ...mode,
    });
    expect(run.status).toBe('FAILED');
    expect(openAtEnd).toEqual([]);
    expect(run.duration).toBeLessThan(600);
    expect(run.cause).toMatch(/job root failed/);
  });
});

describe('retries', () => {
  const one = (job: Partial<WorkflowJob>) => synthWorkflowDefinition([{ name: 'job', tier: '2gb', ...job }]);

  test('a Fargate Spot interruption is retried and the run succeeds', async () => {
    const { run, sim } = await simulate(one({}), { scripts: { job: { duration: 100, outcomes: ['spot-interruption', 'succeed'] } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('job').attempts).toHaveLength(2);
    expect(run.duration).toBe(200);
  });

  test('Fargate resource initialization and image pull failures are retried', async () => {
    const { run, sim } = await simulate(one({}), { scripts: { job: { outcomes: ['resource-initialization-error', 'image-pull-failure', 'succeed'] } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('job').attempts).toHaveLength(3);
  });

  test('an infrastructure error no rule lists has no exit code, so Batch retries it', async () => {
    const { run, sim } = await simulate(one({}), { scripts: { job: { outcomes: ['unlisted-infrastructure-error', 'succeed'] } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('job').attempts).toHaveLength(2);
  });

  test('the default rules are Fargate\'s: no EC2 host rule, at most 5, ending with exit on any exit code', async () => {
    // As Batch receives them (the definition names them by path in the run's data).
    const { sim } = await simulate(one({}), {});
    const rules = sim.jobNamed('job').request.RetryStrategy.EvaluateOnExit;
    expect(rules.length).toBeLessThanOrEqual(5);
    expect(JSON.stringify(rules)).not.toMatch(/Host EC2/);
    expect(rules[0]).toEqual({ Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' });
    expect(rules[rules.length - 1]).toEqual({ Action: 'EXIT', OnExitCode: '*' });
  });

  test('an application error is not retried', async () => {
    const { run, sim } = await simulate(one({}), { scripts: { job: { outcomes: ['fail', 'succeed'] } } });
    expect(run.status).toBe('FAILED');
    expect(sim.jobNamed('job').attempts).toHaveLength(1);
    expect(run.cause).toContain('job job failed: Essential container in task exited');
  });

  test('retries stop after retryAttempts', async () => {
    const { run, sim } = await simulate(one({ retryAttempts: 2 }), { scripts: { job: { outcomes: ['spot-interruption'] } } });
    expect(run.status).toBe('FAILED');
    expect(sim.jobNamed('job').attempts).toHaveLength(2);
    expect(run.cause).toContain('Your Spot Task was interrupted.');
  });

  test('custom retry strategies replace the default', async () => {
    const retryStrategies = [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: '3' }))];
    const { run, sim } = await simulate(one({ retryStrategies }), { scripts: { job: { outcomes: ['fail', 'succeed'], exitCode: 3 } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('job').attempts).toHaveLength(2);
  });

  test('jobs with different retry strategies each get their own, upstream and final, on the one job queue', async () => {
    // Four jobs, three strategies: the definition holds each once and every SubmitJob names its own by path.
    const exit3 = [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: '3' }))];
    const definition = synthWorkflowDefinition([
      { name: 'plain', tier: '2gb' },
      { name: 'custom', tier: '2gb', retryStrategies: exit3, dependsOn: ['plain'] },
      { name: 'fewer', tier: '2gb', retryAttempts: 1, dependsOn: ['custom'] },
      { name: 'custom-final', tier: '2gb', retryStrategies: exit3, retryAttempts: 5, dependsOn: ['fewer'] },
    ]);
    const { run, sim } = await simulate(definition, {});
    expect(run.status).toBe('SUCCEEDED');
    const strategy = (name: string) => sim.jobNamed(name).request.RetryStrategy;
    expect(strategy('plain').Attempts).toBe(3);
    expect(strategy('plain').EvaluateOnExit[0]).toEqual({ Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' });
    expect(strategy('custom')).toEqual({ Attempts: 3, EvaluateOnExit: [{ Action: 'RETRY', OnExitCode: '3' }] });
    expect(strategy('fewer')).toEqual({ ...strategy('plain'), Attempts: 1 });
    expect(strategy('custom-final')).toEqual({ Attempts: 5, EvaluateOnExit: [{ Action: 'RETRY', OnExitCode: '3' }] });
    const queues = new Set(['plain', 'custom', 'fewer', 'custom-final'].map(n => sim.jobNamed(n).request.JobQueue));
    expect([...queues]).toHaveLength(1);
    expect([...queues][0]).toMatch(/JobQueue/);
  });

  test('a timed-out attempt is stopped and not retried', async () => {
    const { run, sim } = await simulate(one({ timeout: Duration.minutes(2) }), { scripts: { job: { duration: 600 } } });
    expect(run.status).toBe('FAILED');
    // The attempt ends at 120 s; the failure path then makes sure nothing is left (two looks, 30 s apart).
    expect(run.duration).toBe(150);
    expect(sim.jobNamed('job').attempts).toHaveLength(1);
    expect(sim.jobNamed('job').request.Timeout).toEqual({ AttemptDurationSeconds: 120 });
    expect(run.cause).toContain('Job attempt duration exceeded timeout');
  });
});

/**
 * The date check of a definition, run in the emulator (the given date's Pass state and its Choice, with the way
 * on to the jobs replaced by a Succeed state): whether a date would be accepted.
 */
function dateCheck(definition: any): (date: string) => Promise<boolean> {
  const given = definition.States['Use given date'];
  const check = JSON.parse(JSON.stringify(definition.States['Check given date']));
  for (const choice of check.Choices) if (choice.Next !== 'Invalid input') choice.Next = 'Accepted';
  const machine = new StateMachine({
    StartAt: 'Use given date',
    States: {
      'Use given date': given,
      'Check given date': check,
      'Invalid input': { Type: 'Fail', Error: 'InvalidInput' },
      'Accepted': { Type: 'Succeed' },
    },
  });
  return async date => {
    try {
      await machine.run({ date }, { context: { Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:execution:workflow:date-check' } } }).result;
      return true;
    } catch {
      return false;
    }
  };
}

describe('the run date', () => {
  const definition = synthWorkflowDefinition([
    { name: 'extract', tier: '2gb', command: ['python', 'extract.py', '--date', 'Ref::date'], environment: { MODE: 'full' } },
    { name: 'load', tier: '2gb', dependsOn: ['extract'] },
  ]);

  test('is the input\'s date, given to every job as RUN_DATE and as the Ref::date parameter', async () => {
    const { run, sim } = await simulate(definition, {}, { input: { date: '2023-12-31' } });
    expect(run.status).toBe('SUCCEEDED');
    for (const name of ['extract', 'load']) {
      const request = sim.jobNamed(name).request;
      expect(request.Parameters).toEqual({ date: '2023-12-31' });
      expect(request.ContainerOverrides.Environment).toEqual(expect.arrayContaining([
        { Name: 'RUN_DATE', Value: '2023-12-31' },
        { Name: 'JOB_NAME', Value: name },
      ]));
    }
    expect(sim.jobNamed('extract').request.ContainerOverrides.Command).toEqual(['python', 'extract.py', '--date', 'Ref::date']);
    expect(sim.jobNamed('extract').request.ContainerOverrides.Environment).toContainEqual({ Name: 'MODE', Value: 'full' });
  });

  test('is the day the execution started (UTC) when the input has none', async () => {
    const { run, sim } = await simulate(definition, {}, { input: {}, startTime: '2025-03-09T23:59:59.000Z' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('load').request.Parameters).toEqual({ date: '2025-03-09' });
  });

  test.each([['2024-02-29'], ['2000-02-29'], ['2026-04-30'], ['2026-12-31'], ['2026-01-31']])('accepts %p, a day its month has', async date => {
    const { run, sim } = await simulate(definition, {}, { input: { date } });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('load').request.Parameters).toEqual({ date });
  });

  test('accepts exactly the days of the calendar at the end of each month, leap years included (1900, 2000, 2023, 2024, 2100, 2400)', async () => {
    const accepted = dateCheck(definition);
    const wrong: string[] = [];
    for (const year of [1900, 2000, 2023, 2024, 2100, 2400]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 28, 29, 30, 31]) {
          const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const real = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
          if (await accepted(date) !== real) wrong.push(date);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  test.each([['2024-13-01'], ['2024-05-01T00:00:00Z'], ['yesterday'], [20240501], [null], ['2026-02-30'], ['2023-02-29'], ['1900-02-29'], ['2026-06-31'], ['2026-11-31']])('fails before submitting anything when it is %p', async date => {
    const { run, sim } = await simulate(definition, {}, { input: { date } });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(sim.calls).toEqual([]);
  });
});

describe('secrets', () => {
  test('reach the job through a job definition of its own, never through the state machine', async () => {
    const app = new App();
    const stack = new Stack(app, 'ConsumerStack', { env: { account: '123456789012', region: 'eu-central-1' } });
    const apiKey = new secretsmanager.Secret(stack, 'ApiKey');
    const token = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Token', { parameterName: '/team/token' });
    new SandersBatchPlatform(stack, 'Platform', {
      workflow: [{
        name: 'report',
        tier: '2gb',
        secrets: { API_KEY: batch.Secret.fromSecretsManager(apiKey), TOKEN: batch.Secret.fromSsmParameter(token) },
      }],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'sanders-batch-job-report-dev',
      ContainerProperties: Match.objectLike({
        Secrets: Match.arrayWith([Match.objectLike({ Name: 'API_KEY', ValueFrom: { Ref: stack.getLogicalId(apiKey.node.defaultChild as any) } })]),
      }),
    });
    const definition = workflowDefinition(template);
    expect(JSON.stringify(definition)).not.toMatch(/API_KEY|TOKEN/);
    const { run, sim } = await simulate(definition);
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.jobNamed('report').request.JobDefinition).toMatch(/JobDefinitionjobreport/);
  });
});
