/**
 * A run stopped from outside (StopExecution, or its execution timing out) runs no state of its own: the cleanup
 * state machine, started by a rule on ABORTED and TIMED_OUT executions, terminates the run's jobs.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthWorkflowDefinition, synthWorkflowStack } from './sim/workflow-fixture';
import { BatchSimulator, UNVERIFIED_MODES } from '../scripts/lib/sim/batch-simulator';
import { EXECUTION_ARN, runWorkflow } from '../scripts/lib/sim/run-workflow';
import { onlyStateMachine } from '../scripts/lib/templates';
import { WorkflowJob } from '../src';
import { buildRunCleanupDefinition } from '../src/private/workflow/workflow-cleanup';
import { TERMINATE_REASONS } from '../src/private/workflow/workflow-states';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const jobs: WorkflowJob[] = [
  { name: 'extract', tier: '2gb' },
  { name: 'load', tier: '2gb', dependsOn: ['extract'] },
  { name: 'side', tier: '2gb' },
];
const scripts = { extract: { duration: 600 }, side: { duration: 3000 } };
const MODES = UNVERIFIED_MODES.map(m => [`${m.dependencyFailure}, .sync stop ${m.syncStopTerminates ? 'terminates' : 'leaves'} the job`, m] as const);

describe('the cleanup of a stopped run', () => {
  const cleanup = buildRunCleanupDefinition('arn:aws:batch:eu-central-1:123456789012:job-queue/q');

  test('is a valid state machine', () => {
    const { isValid, errors } = aslValidator(cleanup, { checkArn: true, checkPaths: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  test.each(MODES)('terminates every job of the stopped run that has not ended, and only those (%s)', async (_, mode) => {
    const sim = new BatchSimulator({ scripts, ...mode });
    const stoppedRun = await runWorkflow(synthWorkflowDefinition(jobs), sim, { stopAfter: 120 });
    expect(stoppedRun.status).toBe('ABORTED');
    // A job of another run, which must be left alone.
    await sim.submitJob({ JobName: `${'0'.repeat(32)}-side`, JobQueue: 'q', JobDefinition: 'd' });
    expect(sim.openJobs().length).toBeGreaterThan(1);
    const run = await runWorkflow(cleanup, sim, { input: { detail: { executionArn: EXECUTION_ARN, status: 'ABORTED' } }, executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:cleanup:c1' });
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.openJobs()).toEqual(['side: RUNNING']);
    expect(sim.jobsNamed('extract')[0].statusReason).toBe(TERMINATE_REASONS.stopped);
    expect(sim.jobsNamed('load')[0].status).toBe('FAILED');
    expect(run.duration).toBeLessThan(180);
  });

  test('terminates the jobs of a stopped run that wait for capacity (RUNNABLE), not only those that run', async () => {
    // GIVEN a compute environment full with a job of another run, and a run of two independent jobs, stopped while
    // both are RUNNABLE (docs/workflows.md: the cleanup "terminates every one that has not ended"), on a Step Functions
    // that leaves the job of a stopped .sync task alone (not documented either way)
    const sim = new BatchSimulator({ maxVcpus: 1, syncStopTerminates: false, scripts: { blocker: { duration: 3000 } } });
    await sim.submitJob({ JobName: `${'0'.repeat(32)}-blocker`, JobQueue: 'q', JobDefinition: 'd' });
    const stoppedRun = await runWorkflow(synthWorkflowDefinition([{ name: 'a', tier: '2gb' }, { name: 'b', tier: '2gb' }]), sim, { stopAfter: 120 });
    expect(stoppedRun.status).toBe('ABORTED');
    expect(sim.openJobs().sort()).toEqual(['a: RUNNABLE', 'b: RUNNABLE', 'blocker: RUNNING']);
    // WHEN the cleanup runs
    const run = await runWorkflow(cleanup, sim, { input: { detail: { executionArn: EXECUTION_ARN, status: 'ABORTED' } }, executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:cleanup:c2' });
    // THEN neither job of the run is left to start once the capacity frees up
    expect(run.status).toBe('SUCCEEDED');
    expect(sim.openJobs()).toEqual(['blocker: RUNNING']);
    expect(sim.jobsNamed('a')[0].statusReason).toBe(TERMINATE_REASONS.stopped);
  });

  test('is started for the job workflow\'s ABORTED and TIMED_OUT executions', () => {
    const template = Template.fromStack(synthWorkflowStack(jobs));
    const [cleanupId] = onlyStateMachine(template.toJSON(), /RunCleanup/);
    const [workflowId] = onlyStateMachine(template.toJSON(), /PlatformWorkflow[0-9A-F]{8}$/);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail': { stateMachineArn: [{ Ref: workflowId }], status: ['ABORTED', 'TIMED_OUT'] }, 'detail-type': ['Step Functions Execution Status Change'] },
      Targets: [{ Arn: { Ref: cleanupId }, RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RunCleanupRuleRole'), 'Arn'] } }],
    });
  });
});
