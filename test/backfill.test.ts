/**
 * The backfill and the resume of a failed run, executed through the synthesized definitions (the backfill, and
 * the job workflow it starts per date) in aws-local-stepfunctions, on the simulated Batch.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack, workflowDefinition } from './util';
import { BatchSimulator, JobScript } from '../scripts/lib/sim/batch-simulator';
import { SimulatedStepFunctions } from '../scripts/lib/sim/step-functions';
import { definitionOf, onlyStateMachine, policyStatements } from '../scripts/lib/templates';
import { WorkflowJob } from '../src';
import { MAX_BACKFILL_DATES } from '../src/private/workflow/backfill-definition';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const workflow: WorkflowJob[] = [
  { name: 'ingest', tier: '2gb' },
  { name: 'side', tier: '2gb' },
  { name: 'clean', tier: '2gb', dependsOn: ['ingest'] },
  { name: 'features', tier: '2gb', dependsOn: ['clean'] },
  { name: 'publish', tier: '2gb', dependsOn: ['features', 'side'] },
];
const { stack } = platformStack({ environment: 'prod', workflow });
const template = Template.fromStack(stack);
const backfill = definitionOf(onlyStateMachine(template.toJSON(), /Backfill/)[1]);
const jobWorkflow = workflowDefinition(template);
const JOB_WORKFLOW = backfill.States['Run each date'].ItemProcessor.States['Run date'].Parameters.StateMachineArn;
const JOB_WORKFLOW_NAME = 'sanders-customer-platform-workflow-prod';
const BACKFILL = 'backfill';
const TRIVIAL = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };

function simulation(scriptOf?: (request: any, name: string) => JobScript | undefined, child: any = jobWorkflow) {
  const sim = new BatchSimulator({ scriptOf });
  return new SimulatedStepFunctions(sim, {
    [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: child },
    [BACKFILL]: { name: 'sanders-batch-platform-backfill-prod', definition: backfill },
  });
}

/** Every date from `from` to `to`, by the JavaScript calendar. */
function calendar(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

describe('the backfill\'s role', () => {
  // startExecution.sync:2 needs states:StartExecution on the state machine, states:DescribeExecution and
  // states:StopExecution on its executions (Step Functions stops a child execution when its parent is stopped), and
  // the managed EventBridge rule (developer guide, "IAM policies for ... Step Functions", "Synchronous").
  const json = template.toJSON();
  const [, machine] = onlyStateMachine(json, /Backfill/);
  const statements = policyStatements(json, machine.Properties.RoleArn['Fn::GetAtt'][0]);
  const granting = (action: string) => statements.filter(st => [st.Action].flat().includes(action));

  test('may describe and stop the job workflow\'s runs, and only those', () => {
    const [stop, ...more] = granting('states:StopExecution');
    expect(more).toEqual([]);
    expect([stop.Action].flat().sort()).toEqual(['states:DescribeExecution', 'states:StopExecution']);
    expect(JSON.stringify(stop.Resource)).toContain(`:execution:${JOB_WORKFLOW_NAME}:*`);
  });

  test('may start the job workflow and put the rule .sync uses', () => {
    expect(granting('states:StartExecution')).toHaveLength(1);
    expect(granting('events:PutRule').map(st => [st.Action].flat().sort())).toEqual([['events:DescribeRule', 'events:PutRule', 'events:PutTargets']]);
  });
});

describe('the backfill', () => {
  test('passes asl-validator', () => {
    const { isValid, errors } = aslValidator(backfill, { checkArn: false, checkPaths: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  test('10 dates with maxConcurrency 3: never more than 3 at once, one failing date does not stop the others, and the backfill ends FAILED naming it (issue 21)', async () => {
    // GIVEN dates whose runs take different times, and a job that fails only on 2024-02-29
    const dates = calendar('2024-02-25', '2024-03-05');
    const sfn = simulation((request, name) => {
      const date = request.Parameters.date;
      if (name === 'features' && date === '2024-02-29') return { duration: 100, outcomes: ['fail'], exitCode: 3 };
      return { duration: 100 + 37 * dates.indexOf(date) };
    });
    // WHEN
    const run = await sfn.run(BACKFILL, { from: '2024-02-25', to: '2024-03-05', maxConcurrency: 3 });
    // THEN every date ran, at most 3 at a time
    const runs = sfn.executions.filter(e => e.machine === JOB_WORKFLOW);
    expect(runs.map(e => e.input.date).sort()).toEqual(dates);
    expect(sfn.peakConcurrency(JOB_WORKFLOW)).toBe(3);
    // AND the backfill failed after the last date, its cause listing the failed date with the job that failed
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DatesFailed');
    expect(run.stoppedAt).toBe(Math.max(...runs.map(e => e.stoppedAt!)));
    const [, count, total, listed, described] = run.cause!.match(/^(\d+) of (\d+) dates failed: (\[.*?\]); the first 20 of them: (\[.*\]); every date's outcome/)!;
    expect([count, total, JSON.parse(listed)]).toEqual(['1', '10', ['2024-02-29']]);
    expect(JSON.parse(described)).toEqual([{
      date: '2024-02-29',
      failed: true,
      status: 'FAILED',
      executionArn: expect.stringMatching(new RegExp(`:execution:${JOB_WORKFLOW_NAME}:backfill-2024-02-29-[0-9a-f]{32}$`)),
      error: 'JobFailed',
      cause: expect.stringMatching(/^Run of 2024-02-29 failed: job features failed: Essential container in task exited \(exit code 3\); logs: /),
    }]);
    expect(runs.filter(e => e.status === 'FAILED').map(e => e.input.date)).toEqual(['2024-02-29']);
    // AND the other dates' runs succeeded, as the history's Backfill done state holds
    expect(runs.filter(e => e.status === 'SUCCEEDED')).toHaveLength(9);
    expect(run.statesEntered).toContain('Backfill done');
  });

  test('three failed dates of five: FAILED with DatesFailed, every failed date listed with its failed job', async () => {
    const sfn = simulation((request, name) => (name === 'clean' && ['2026-03-01', '2026-03-03', '2026-03-05'].includes(request.Parameters.date) ? { outcomes: ['fail'] } : undefined));
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-05', maxConcurrency: 2 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DatesFailed');
    expect(run.cause).toMatch(/^3 of 5 dates failed: \["2026-03-01","2026-03-03","2026-03-05"\]; /);
    for (const date of ['2026-03-01', '2026-03-03', '2026-03-05']) expect(run.cause).toContain(`Run of ${date} failed: job clean failed`);
    expect(sfn.executions.filter(e => e.machine === JOB_WORKFLOW && e.status === 'SUCCEEDED').map(e => e.input.date).sort()).toEqual(['2026-03-02', '2026-03-04']);
  });

  test('a throttled StartExecution of a date is retried, and the date runs once (issue 22: the retrier was shadowed)', async () => {
    const sfn = simulation(() => ({ duration: 60 }));
    // GIVEN the first two starts of 2026-03-02 throttled (the name AWS documents for StartExecution's 400)
    sfn.startFaults = ({ name, attempt }) => (name.startsWith('backfill-2026-03-02-') && attempt <= 2 ? { error: 'StepFunctions.ThrottlingException' } : undefined);
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-03' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sfn.startCalls.filter(c => c.name.startsWith('backfill-2026-03-02-')).map(c => c.answer))
      .toEqual(['StepFunctions.ThrottlingException', 'StepFunctions.ThrottlingException', 'started']);
    expect(sfn.executions.filter(e => e.machine === JOB_WORKFLOW).map(e => e.input.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  test('a StartExecution whose answer was lost after the run started is retried under the same name: the date runs once', async () => {
    const sfn = simulation(() => ({ duration: 60 }));
    sfn.startFaults = ({ name, attempt }) => (name.startsWith('backfill-2026-03-01-') && attempt === 1 ? { error: 'StepFunctions.AWSStepFunctionsException', afterStart: true } : undefined);
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-01' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sfn.startCalls.map(c => c.answer)).toEqual(['StepFunctions.AWSStepFunctionsException', 'started']);
    expect(sfn.executions.filter(e => e.machine === JOB_WORKFLOW)).toHaveLength(1);
    expect(sfn.sim.calls.filter(c => c.action === 'SubmitJob')).toHaveLength(workflow.length);
  });

  test('a StartExecution throttled 7 times in a row is retried until the date starts, and the date runs once', async () => {
    // 7 retries after the first try (src/private/workflow/start-retry.ts: 3 s doubling up to 60 s, with full jitter)
    const sfn = simulation(() => ({ duration: 60 }));
    sfn.startFaults = ({ attempt }) => (attempt <= 7 ? { error: 'StepFunctions.ThrottlingException' } : undefined);
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-01' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sfn.startCalls.map(c => c.answer)).toEqual([...Array(7).fill('StepFunctions.ThrottlingException'), 'started']);
    expect(sfn.executions.filter(e => e.machine === JOB_WORKFLOW)).toHaveLength(1);
  });

  test('the dev run workflow starts its job workflow with the same retrier as the backfill\'s dates', () => {
    // With ON_DEMAND_EGRESS (dev's default) a run is the run workflow's "Run job workflow" StartExecution: throttling
    // and Step Functions' transient errors are retried 7 times, 3 s doubling up to 60 s, full jitter (start-retry.ts).
    const runWorkflow = definitionOf(onlyStateMachine(Template.fromStack(platformStack().stack).toJSON(), /^PlatformRunWorkflow[0-9A-F]{8}$/)[1]);
    const expected = {
      ErrorEquals: [
        'StepFunctions.ThrottlingException', 'StepFunctions.TooManyRequestsException', 'StepFunctions.ServiceUnavailableException',
        'StepFunctions.ExecutionLimitExceededException', 'StepFunctions.AWSStepFunctionsException', 'StepFunctions.SfnException',
        'StepFunctions.StepFunctionsException', 'StepFunctions.SdkClientException',
      ],
      IntervalSeconds: 3,
      MaxAttempts: 7,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    };
    expect(runWorkflow.States['Run job workflow'].Retry).toEqual([expected]);
    expect(backfill.States['Run each date'].ItemProcessor.States['Run date'].Retry[0]).toEqual(expected);
  });

  test('a failed date is not retried: its StartExecution is made once', async () => {
    const sfn = simulation((_, name) => (name === 'ingest' ? { outcomes: ['fail'] } : undefined));
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-01' });
    expect(run.status).toBe('FAILED');
    expect(sfn.startCalls.map(c => c.answer)).toEqual(['started']);
  });

  test('runs one date at a time by default', async () => {
    const sfn = simulation(() => ({ duration: 300 }));
    const run = await sfn.run(BACKFILL, { from: '2026-12-30', to: '2027-01-02' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sfn.peakConcurrency(JOB_WORKFLOW)).toBe(1);
    expect(run.output.outcomes.map((o: any) => o.date)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });

  test('with stopOnFailure, the first failed date fails the backfill with DateFailed, naming it', async () => {
    const sfn = simulation((request, name) => (name === 'ingest' && request.Parameters.date === '2026-03-02' ? { outcomes: ['fail'] } : undefined));
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-03', stopOnFailure: true });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DateFailed');
    expect(run.cause).toMatch(/^date 2026-03-02 ended FAILED \(arn:aws:states:.*:backfill-2026-03-02-[0-9a-f]{32}\): JobFailed: Run of 2026-03-02 failed: job ingest failed/);
  });

  test.each([
    ['2023-12-30', '2024-01-02'], ['2024-02-27', '2024-03-02'], ['1900-02-20', '1900-03-02'], ['2000-02-20', '2000-03-02'],
    ['2100-02-27', '2100-03-01'], ['2026-05-31', '2026-05-31'], ['2025-09-29', '2025-10-02'],
    // A whole leap year, 366 dates: the most a backfill takes (docs/operations.md: "at most 366 dates, a leap year").
    ['2024-01-01', '2024-12-31'],
  ])('lists exactly the calendar\'s dates from %s to %s', async (from, to) => {
    const sfn = simulation(undefined, TRIVIAL);
    const run = await sfn.run(BACKFILL, { from, to, maxConcurrency: 40 });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output.outcomes.map((o: any) => o.date)).toEqual(calendar(from, to));
  });

  test.each<[string, any, string]>([
    ['an impossible day', { from: '2025-02-29', to: '2025-03-01' }, 'InvalidDate'],
    ['31 April', { from: '2026-04-01', to: '2026-04-31' }, 'InvalidDate'],
    ['a date that is not YYYY-MM-DD', { from: '2026-1-01', to: '2026-01-05' }, 'InvalidDate'],
    ['a timestamp', { from: '2026-01-01T00:00:00Z', to: '2026-01-05' }, 'InvalidDate'],
    ['a year before 1000', { from: '0999-01-01', to: '2026-01-05' }, 'InvalidDate'],
    ['no to', { from: '2026-01-01' }, 'InvalidDate'],
    ['a number', { from: 20260101, to: '2026-01-05' }, 'InvalidDate'],
    ['to before from', { from: '2026-01-10', to: '2026-01-09' }, 'InvalidRange'],
    [`more than ${MAX_BACKFILL_DATES} dates`, { from: '2024-01-01', to: '2025-01-01' }, 'RangeTooLong'],
    ['maxConcurrency 0', { from: '2026-01-01', to: '2026-01-02', maxConcurrency: 0 }, 'InvalidOption'],
    ['maxConcurrency 41', { from: '2026-01-01', to: '2026-01-02', maxConcurrency: 41 }, 'InvalidOption'],
    ['maxConcurrency 2.5', { from: '2026-01-01', to: '2026-01-02', maxConcurrency: 2.5 }, 'InvalidOption'],
    ['maxConcurrency "3"', { from: '2026-01-01', to: '2026-01-02', maxConcurrency: '3' }, 'InvalidOption'],
    ['stopOnFailure "yes"', { from: '2026-01-01', to: '2026-01-02', stopOnFailure: 'yes' }, 'InvalidOption'],
  ])('fails when given %s, with %s and no run started', async (_, input, error) => {
    const sfn = simulation(undefined, TRIVIAL);
    const run = await sfn.run(BACKFILL, input);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(error);
    expect(run.cause).toMatch(/.{20}/);
    expect(sfn.executions.filter(e => e.machine === JOB_WORKFLOW)).toEqual([]);
  });
});

describe('resuming a failed run', () => {
  const submitted = (sfn: SimulatedStepFunctions, from: number) =>
    sfn.sim.calls.slice(from).filter(c => c.action === 'SubmitJob').map(c => c.request.JobName.replace(/^[0-9a-f]{32}-/, '')).sort();

  test('after a middle job failed, runs only that job and the jobs downstream of it, and succeeds', async () => {
    // GIVEN a run of 2026-03-01 whose job 'clean' failed (after 'ingest' and 'side' had succeeded)
    let cleanFails = true;
    const sfn = simulation((_, name) => {
      if (name === 'side') return { duration: 10 };
      if (name === 'clean') return { duration: 100, outcomes: [cleanFails ? 'fail' : 'succeed'] };
      return undefined;
    });
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect(first.status).toBe('FAILED');
    expect(first.error).toBe('JobFailed');
    // WHEN it is resumed, the job fixed
    cleanFails = false;
    const before = sfn.sim.calls.length;
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: first.arn }, 'second');
    // THEN only 'clean' and what depends on it ran again
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['clean', 'features', 'publish']);
    expect(second.output.jobs.map((j: any) => [j.JobName, j.skipped])).toEqual(expect.arrayContaining([
      ['ingest', true], ['side', true], ['clean', false], ['features', false], ['publish', false],
    ]));
    expect(second.output.jobs).toHaveLength(5);
    // the skipped jobs' IDs are those of the first run, and the re-run 'clean' waited for that 'ingest'
    const ingest = sfn.sim.jobsNamed('ingest');
    expect(ingest).toHaveLength(1);
    const clean = sfn.sim.jobsNamed('clean');
    expect(clean[1].dependsOn).toEqual([ingest[0].id]);
    expect(sfn.sim.openJobs()).toEqual([]);
  });

  test('a look-up of the resumed run\'s jobs that ListJobs throttles 4 times in a row still skips the jobs that succeeded: none runs twice', async () => {
    // GIVEN a run whose job 'clean' failed
    let cleanFails = true;
    const sfn = simulation((_, name) => (name === 'clean' ? { outcomes: [cleanFails ? 'fail' : 'succeed'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect(first.status).toBe('FAILED');
    // AND a Batch that throttles the first 4 ListJobs of each job's exact name (the look-up; the watch lists '<tag>-*').
    // 4 retries, as the watch's ListJobs (docs/workflows.md: "the watch's and the report's calls retry any error").
    const listJobs = sfn.sim.listJobs.bind(sfn.sim);
    const looks = new Map<string, number>();
    jest.spyOn(sfn.sim, 'listJobs').mockImplementation(async (request: any) => {
      const name = String(request.Filters[0].Values[0]);
      looks.set(name, (looks.get(name) ?? 0) + 1);
      if (!name.endsWith('*') && looks.get(name)! <= 4) throw Object.assign(new Error('Too Many Requests'), { name: 'Batch.BatchException' });
      return listJobs(request);
    });
    cleanFails = false;
    const before = sfn.sim.calls.length;
    // WHEN it is resumed
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: first.arn }, 'second');
    // THEN each job was looked up 5 times, and only 'clean' and what depends on it ran again
    expect([...looks.entries()].filter(([name]) => !name.endsWith('*')).map(([name, n]) => [name.replace(/^[0-9a-f]{32}-/, ''), n]).sort())
      .toEqual([['clean', 5], ['features', 5], ['ingest', 5], ['publish', 5], ['side', 5]]);
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['clean', 'features', 'publish']);
  });

  test('a job of which the resumed run had two copies, the later one FAILED and the earlier one SUCCEEDED, is skipped with the ID of the one that succeeded', async () => {
    // GIVEN a run in which 'clean' ran twice: its first SubmitJob created the job but its answer was lost, and ListJobs
    // listed the job too late to be found (docs/workflows.md, "A submission whose answer is lost"); the copy the run
    // submitted again failed, the first copy succeeded
    let cleanCopies = 0;
    const sim = new BatchSimulator({
      submitFaults: { clean: ['after'] },
      listJobsLag: 30,
      scriptOf: (_: any, name: string) => (name === 'clean' ? { outcomes: [++cleanCopies === 1 ? 'succeed' : 'fail'] } : undefined),
    });
    const sfn = new SimulatedStepFunctions(sim, { [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: jobWorkflow } });
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    const [earlier, later] = sim.jobsNamed('clean');
    expect([first.status, earlier.status, later.status]).toEqual(['FAILED', 'SUCCEEDED', 'FAILED']);
    const before = sim.calls.length;
    // WHEN it is resumed
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    // THEN 'clean' succeeded in that run: it is skipped, and 'features' waits for the copy that succeeded
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['features', 'publish']);
    expect(second.output.jobs.find((j: any) => j.JobName === 'clean')).toEqual({ JobName: 'clean', JobId: earlier.id, skipped: true });
    expect(sim.jobsNamed('features').slice(-1)[0].dependsOn).toEqual([earlier.id]);
  });

  test('a job that succeeded runs again when a job it depends on runs again (its record gone from Batch), and so does everything downstream', async () => {
    // GIVEN a run whose last job 'publish' failed after every other job had succeeded
    let publishFails = true;
    const sfn = simulation((_, name) => (name === 'publish' ? { duration: 10, outcomes: [publishFails ? 'fail' : 'succeed'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect(first.status).toBe('FAILED');
    // and 'ingest' gone from Batch since ("kept for at least 7 days"), so the resume cannot find that it succeeded
    sfn.sim.forget('ingest');
    publishFails = false;
    const before = sfn.sim.calls.length;
    // WHEN the run is resumed
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: first.arn }, 'second');
    // THEN 'ingest' runs again, and with it 'clean' and 'features', which succeeded but depend on it (docs/operations.md:
    // a job is skipped only when every job it depends on is skipped too); 'side' depends on nothing and is skipped
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['clean', 'features', 'ingest', 'publish']);
    expect(second.output.jobs.map((j: any) => [j.JobName, j.skipped])).toEqual(expect.arrayContaining([
      ['ingest', false], ['side', true], ['clean', false], ['features', false], ['publish', false],
    ]));
  });

  test('if Batch refused a dependency on a job that has already succeeded, a resumed run fails at once naming that, with nothing left running', async () => {
    // GIVEN a Batch that refuses a DependsOn on an ended job (undocumented either way), and a run whose 'clean' failed
    let cleanFails = true;
    const sim = new BatchSimulator({ endedDependency: 'refuse', scriptOf: (_: any, name: string) => (name === 'clean' ? { outcomes: [cleanFails ? 'fail' : 'succeed'] } : undefined) });
    const sfn = new SimulatedStepFunctions(sim, { [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: jobWorkflow } });
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect(first.status).toBe('FAILED');
    cleanFails = false;
    // WHEN it is resumed: 'clean' depends on the skipped 'ingest'
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: first.arn }, 'second');
    // THEN the run fails naming the refused submission (a run without resumeFrom runs everything again)
    expect(second.status).toBe('FAILED');
    expect(second.cause).toMatch(/^Run of 2026-03-01 failed: Batch\.ClientException: dependency job-\d+ has already completed/);
    expect(second.cause).toMatch(/clean: not submitted/);
    expect(second.stoppedAt! - second.startedAt).toBeLessThan(600);
    expect(sim.openJobs()).toEqual([]);
  });

  test('with more than 40 final jobs (a second group of final branches), a resume runs again exactly the final job that failed', async () => {
    // GIVEN 45 final jobs after one job: the final jobs wait in groups of 40 (src/private/workflow/workflow-states.ts,
    // MAX_BRANCHES), so f42 is the third of the second group; it fails after every other job has succeeded
    const wide: WorkflowJob[] = [{ name: 'root', tier: '2gb' }, ...Array.from({ length: 45 }, (_, i) => ({ name: `f${i}`, tier: '2gb', dependsOn: ['root'] }))];
    const wideWorkflow = workflowDefinition(Template.fromStack(platformStack({ environment: 'prod', workflow: wide }).stack));
    let fails = true;
    const sim = new BatchSimulator({ scriptOf: (_: any, name: string) => (name === 'f42' ? { duration: 600, outcomes: [fails ? 'fail' : 'succeed'] } : { duration: 60 }) });
    const sfn = new SimulatedStepFunctions(sim, { [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: wideWorkflow } });
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect([first.status, first.cause]).toEqual(['FAILED', expect.stringMatching(/^Run of 2026-03-01 failed: job f42 failed/)]);
    fails = false;
    const before = sim.calls.length;
    // WHEN it is resumed
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    // THEN f42 runs again, and only f42: each final job is skipped by its own outcome in the resumed run
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['f42']);
    expect(second.output.jobs.filter((j: any) => !j.skipped).map((j: any) => j.JobName)).toEqual(['f42']);
  });

  test('resumeFrom may name the run workflow execution (dev): the job workflow run under the same name is resumed', async () => {
    let fails = true;
    const sfn = simulation((_, name) => (name === 'features' && fails ? { outcomes: ['fail'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'nightly-2026-03-01');
    fails = false;
    const before = sfn.sim.calls.length;
    const outer = first.arn.replace(`:execution:${JOB_WORKFLOW_NAME}:`, ':execution:sanders-customer-platform-run-prod:');
    expect(outer).not.toBe(first.arn);
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: outer }, 'resume');
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['features', 'publish']);
  });

  test('a failed resume says in its report which jobs were skipped', async () => {
    const sfn = simulation((_, name) => (name === 'features' ? { outcomes: ['fail'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('FAILED');
    expect(second.cause).toMatch(/job features failed/);
    expect(second.cause).toMatch(/ingest: skipped \(it succeeded in the resumed run, job job-\d+\)/);
    expect(second.cause).toMatch(/clean: skipped/);
  });

  const runDates = (sfn: SimulatedStepFunctions, from: number) => [...new Set(sfn.sim.calls.slice(from).filter(c => c.action === 'SubmitJob').map(c => c.request.Parameters.date))];

  test('resumeFrom alone resumes that run\'s date (issue 21): the jobs run again for the resumed day, not today', async () => {
    let fails = true;
    const sfn = simulation((_, name) => (name === 'features' && fails ? { outcomes: ['fail'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    fails = false;
    const before = sfn.sim.calls.length;
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('SUCCEEDED');
    expect(submitted(sfn, before)).toEqual(['features', 'publish']);
    expect(runDates(sfn, before)).toEqual(['2026-03-01']);
    expect(second.output.date).toBe('2026-03-01');
  });

  test('a resume with another date fails with InvalidInput naming both dates, before any job', async () => {
    const sfn = simulation((_, name) => (name === 'features' ? { outcomes: ['fail'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    const before = sfn.sim.calls.length;
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-02', resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('FAILED');
    expect(second.error).toBe('InvalidInput');
    expect(second.cause).toBe(`date 2026-03-02 is not the date of the run given as resumeFrom (${first.arn}, a run of 2026-03-01): a resume runs the jobs of the date of the run it resumes; leave date out, or start a new run of 2026-03-02`);
    expect(sfn.sim.calls.slice(before).filter(c => c.action === 'SubmitJob')).toEqual([]);
  });

  test.each<['iso' | 'epoch', string]>([['iso', 'SUCCEEDED'], ['epoch', 'FAILED']])(
    'a resumed run started without a date has the day it started: StartDate as %s text gives %s', async (startDateAs, status) => {
      // GIVEN a scheduled run (no date in its input) that failed; how the SDK integration renders StartDate is not documented
      let fails = true;
      const sfn = simulation((_, name) => (name === 'features' && fails ? { outcomes: ['fail'] } : undefined));
      sfn.startDateAs = startDateAs;
      const first = await sfn.run(JOB_WORKFLOW, { scheduledTime: '2024-05-01T03:00:00Z' }, 'scheduled');
      expect(first.status).toBe('FAILED');
      fails = false;
      const before = sfn.sim.calls.length;
      const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
      expect(second.status).toBe(status);
      if (status === 'SUCCEEDED') {
        expect(runDates(sfn, before)).toEqual(['2024-05-01']);
      } else {
        // Its date unknown, the resume is refused before any job, asking for the date.
        expect(second.cause).toMatch(/give its date as "date" with "resumeFrom"/);
        expect(sfn.sim.calls.slice(before).filter(c => c.action === 'SubmitJob')).toEqual([]);
      }
    });

  test('a resume of a run that is still RUNNING fails with InvalidInput before any job, and the running run goes on alone', async () => {
    const sfn = simulation(() => ({ duration: 600 }));
    const running = sfn.start(JOB_WORKFLOW, 'first', { date: '2026-03-01' });
    const firstArn = sfn.executions[0].arn;
    const second = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom: firstArn }, 'second');
    expect(second.status).toBe('FAILED');
    expect(second.error).toBe('InvalidInput');
    expect(second.cause).toMatch(new RegExp(`^resumeFrom ${firstArn} is still RUNNING`));
    await sfn.settle();
    expect((await running).status).toBe('SUCCEEDED');
    // Every job ran once: the resume submitted none.
    expect(sfn.sim.calls.filter(c => c.action === 'SubmitJob')).toHaveLength(workflow.length);
  });

  test('a resume of a run that SUCCEEDED runs nothing and says so in its output', async () => {
    const sfn = simulation();
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    const before = sfn.sim.calls.length;
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toEqual({ resumeFrom: first.arn, status: 'SUCCEEDED', nothingToResume: expect.stringMatching(/no job was run/), jobs: [] });
    expect(sfn.sim.calls.slice(before).filter(c => c.action === 'SubmitJob')).toEqual([]);
  });

  test('a resume of a resume is refused naming the run to resume instead (issue 26: its skipped jobs would run again)', async () => {
    const sfn = simulation((_, name) => (['features', 'clean'].includes(name) ? { outcomes: ['fail'] } : undefined));
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('FAILED');
    const before = sfn.sim.calls.length;
    const third = await sfn.run(JOB_WORKFLOW, { resumeFrom: second.arn }, 'third');
    expect(third.status).toBe('FAILED');
    expect(third.error).toBe('InvalidInput');
    expect(third.cause).toMatch(new RegExp(`^resumeFrom ${second.arn} was itself a resume of ${first.arn}: resume that run instead`));
    expect(sfn.sim.calls.slice(before).filter(c => c.action === 'SubmitJob')).toEqual([]);
  });

  test('a resumeFrom that names no run fails with InvalidInput before any job', async () => {
    const sfn = simulation();
    const run = await sfn.run(JOB_WORKFLOW, { resumeFrom: `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:never-ran` });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidInput');
    expect(run.cause).toMatch(/^resumeFrom .*:never-ran could not be described \(Sfn\.ExecutionDoesNotExistException\)/);
    expect(sfn.sim.calls.filter(c => c.action === 'SubmitJob')).toEqual([]);
  });

  test.each([['not an ARN'], ['arn:aws:states:eu-central-1:123456789012:execution:other-workflow:x'], [42]])(
    'fails with InvalidInput when resumeFrom is %p', async (resumeFrom) => {
      const sfn = simulation();
      const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01', resumeFrom });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('InvalidInput');
      expect(run.cause).toMatch(/resumeFrom/);
      expect(sfn.sim.calls.filter(c => c.action === 'SubmitJob')).toEqual([]);
    });
});

describe('the inputs docs/operations.md gives', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Backfill and resume'), doc.indexOf('\n## ', doc.indexOf('## Backfill and resume') + 1));
  const commands = [...section.matchAll(/--state-machine-arn (\S+) \\\n\s+--input '([^']+)'/g)].map(m => ({ arn: m[1], input: JSON.parse(m[2]) }));

  test('are six: a run, a backfill and a resume per environment, each started where that environment takes it', () => {
    expect(commands.map(c => [c.arn.split(':').pop(), Object.keys(c.input)])).toEqual([
      ['sanders-customer-platform-workflow-prod', ['date']],
      ['sanders-batch-platform-backfill-prod', ['from', 'to', 'maxConcurrency']],
      ['sanders-customer-platform-workflow-prod', ['resumeFrom']],
      ['sanders-customer-platform-run-dev', ['date']],
      ['sanders-customer-platform-run-dev', ['backfill']],
      ['sanders-customer-platform-run-dev', ['resumeFrom']],
    ]);
  });

  test('the prod run input runs every job for its date', async () => {
    const sfn = simulation();
    const run = await sfn.run(JOB_WORKFLOW, commands[0].input);
    expect(run.status).toBe('SUCCEEDED');
    expect([...new Set(sfn.sim.calls.filter(c => c.action === 'SubmitJob').map(c => c.request.Parameters.date))]).toEqual(['2026-01-02']);
  });

  test('the prod backfill runs every date of its range', async () => {
    const { input } = commands[1];
    const sfn = simulation(() => ({ duration: 60 }));
    const run = await sfn.run(BACKFILL, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output.outcomes.map((o: any) => o.date)).toEqual(calendar(input.from, input.to));
    expect(sfn.peakConcurrency(JOB_WORKFLOW)).toBe(input.maxConcurrency);
  });

  test('the dev input starts the backfill from the run workflow with its "backfill" object, which the backfill accepts', async () => {
    const dev = Template.fromStack(platformStack({ environment: 'dev', workflow }).stack).toJSON();
    const runWorkflow = definitionOf(onlyStateMachine(dev, /RunWorkflow/)[1]);
    const devBackfill = definitionOf(onlyStateMachine(dev, /Backfill/)[1]);
    const choice = runWorkflow.States['Backfill?'];
    expect(choice.Choices).toEqual([{ Variable: '$.input.backfill', IsPresent: true, Next: 'Backfill parent' }]);
    // The run workflow adds itself as the parent (the key Step Functions' associateWithParent uses) to the "backfill" object.
    expect(runWorkflow.States['Backfill parent'].Parameters).toEqual({ 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' });
    expect(runWorkflow.States['Backfill input'].Parameters).toEqual({ 'value.$': 'States.JsonMerge($.input.backfill, $.backfillParent, false)' });
    expect(runWorkflow.States['Run backfill'].Parameters).toMatchObject({ 'Input.$': '$.backfillInput.value', 'StateMachineArn': expect.stringMatching(/Backfill/) });
    const devSfn = new SimulatedStepFunctions(new BatchSimulator({}), {
      [devBackfill.States['Run each date'].ItemProcessor.States['Run date'].Parameters.StateMachineArn]: { name: 'sanders-customer-platform-workflow-dev', definition: TRIVIAL },
      [BACKFILL]: { name: 'sanders-batch-platform-backfill-dev', definition: devBackfill },
    });
    const parent = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev:backfill-of-january';
    const run = await devSfn.run(BACKFILL, { ...commands[4].input.backfill, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parent });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output.dates).toBe(calendar(commands[4].input.backfill.from, commands[4].input.backfill.to).length);
    // AND started directly (without the egress its jobs need), the dev backfill refuses, naming the run workflow
    const direct = await devSfn.run(BACKFILL, commands[4].input.backfill, 'direct');
    expect(direct.status).toBe('FAILED');
    expect(direct.error).toBe('InvalidInput');
    expect(direct.cause).toMatch(/^sanders-batch-platform-backfill-dev runs jobs that need the on-demand egress, which only sanders-customer-platform-run-dev creates: start sanders-customer-platform-run-dev with \{"backfill"/);
    expect(devSfn.executions.filter(e => e.name.startsWith('backfill-') && e.startedAt >= 0 && e.input.date && devSfn.executions.indexOf(e) > devSfn.executions.findIndex(x => x.name === 'direct'))).toEqual([]);
  });

  test('the resume input, with the failed run\'s name in it, runs only what failed', async () => {
    let fails = true;
    const sfn = simulation((_, name) => (name === 'features' && fails ? { outcomes: ['fail'] } : undefined));
    const { input } = commands[2];
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-01-02' }, 'nightly-2026-01-02');
    expect(first.status).toBe('FAILED');
    fails = false;
    const before = sfn.sim.calls.length;
    const resumed = await sfn.run(JOB_WORKFLOW, { ...input, resumeFrom: input.resumeFrom.replace('<failed run>', 'nightly-2026-01-02') }, 'resume');
    expect(resumed.status).toBe('SUCCEEDED');
    expect(sfn.sim.calls.slice(before).filter(c => c.action === 'SubmitJob').map(c => c.request.JobName.split('-').pop()).sort()).toEqual(['features', 'publish']);
  });
});
