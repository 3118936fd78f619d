/**
 * The CLI on a dev platform, where runs, resumes and backfills are started with the run workflow (output
 * `StepFunctionsStateMachineARN`), which starts the job workflow under its own execution name. The run workflow here
 * is a stand-in for that one step (a `states:startExecution.sync:2` of the job workflow named `$$.Execution.Name`);
 * the real run workflow, with its lock and on-demand NAT gateway, is executed in test/egress-workflow.test.ts. What
 * this checks is the CLI's side: what it starts where, and how it finds a dev run's jobs.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { buildCli, cleanEnv, runCli } from './cli-harness';
import { LoopbackAws } from './loopback-aws';
import { jobLogGroupName, REGION, SimulatedPlatform, stackOutputs } from './simulated-platform';
import { resourcesOfType } from '../../scripts/lib/templates';
import { WorkflowJob } from '../../src';
import { platformStack } from '../util';

const STACK = 'SandersCustomerPlatformStack-dev';
const workflow: WorkflowJob[] = [
  { name: 'extract', tier: '2gb' },
  { name: 'train', tier: '8gb', dependsOn: ['extract'] },
];
// The prod profile's template gives the job workflow and the backfill; the run workflow is the stand-in below.
const template = Template.fromStack(platformStack({ environment: 'prod', workflow }, 'CliDevStack').stack).toJSON();
const outputs = stackOutputs(template);
const JOB_WORKFLOW = outputs.StepFunctionsStateMachineARN;
const RUN_WORKFLOW = `arn:aws:states:${REGION}:123456789012:stateMachine:sanders-customer-platform-run-dev`;
const [, backfillResource] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').find(([id]) => /Backfill/.test(id))!;

const platform = new SimulatedPlatform(template, { scriptOf: (_r, name) => ({ duration: name === 'train' ? 600 : 120 }) }, 15);
platform.machines[RUN_WORKFLOW] = {
  logicalId: 'RunWorkflowStandIn',
  name: 'sanders-customer-platform-run-dev',
  definition: {
    StartAt: 'Run job workflow',
    States: {
      'Run job workflow': {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { 'StateMachineArn': JOB_WORKFLOW, 'Name.$': '$$.Execution.Name', 'Input.$': '$' },
        End: true,
      },
    },
  },
};
const devOutputs = {
  ...outputs,
  StepFunctionsStateMachineARN: RUN_WORKFLOW,
  JobWorkflowStateMachineARN: JOB_WORKFLOW,
  BackfillStateMachineARN: `arn:aws:states:${REGION}:123456789012:stateMachine:${backfillResource.Properties.StateMachineName}`,
  JobLogGroupName: jobLogGroupName(template),
};
const aws = new LoopbackAws(platform, { [STACK]: { region: REGION, outputs: devOutputs } }, devOutputs.JobLogGroupName, () => []);
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  buildCli();
  const endpoint = await aws.start();
  platform.startClock();
  env = cleanEnv({ AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'AKIALOOPBACK', AWS_SECRET_ACCESS_KEY: 'loopback', AWS_REGION: REGION });
}, 120_000);

afterAll(async () => {
  await platform.stopClock();
  await aws.stop();
});

const arnIn = (text: string): string => /(arn:aws:states:\S+:execution:\S+)/.exec(text)![1];

describe('dev: through the run workflow', () => {
  let runArn: string;

  test('run starts the run workflow, and status --watch shows the jobs of the job workflow it started', async () => {
    const r = await runCli(['--stack', STACK, 'run', '--date', '2024-06-01', '--watch', '--interval', '0.05'], env);
    expect(r.code).toBe(0);
    runArn = arnIn(r.stdout);
    expect(runArn).toMatch(/:execution:sanders-customer-platform-run-dev:run-2024-06-01-\d{17}$/);
    const jobRun = platform.sfn.executions.find(e => e.machine === JOB_WORKFLOW && e.name === runArn.split(':').pop())!;
    expect(jobRun.input).toEqual({ date: '2024-06-01' });
    expect(r.stdout).toContain('2/2 jobs succeeded');
    // Times are the simulated clock's (it starts at 2024-05-01 03:00 UTC, whatever the run date): extract 120 s, then train.
    expect(r.stdout).toMatch(/^train\s+SUCCEEDED\s+1\s+2024-05-01 03:02:00\s+10m00s\s+0$/m);
    expect(r.stdout).toMatch(/^SUCCEEDED after 12m00s /m);
  });

  test('status --date finds the date\'s run in the job workflow', async () => {
    const r = await runCli(['--stack', STACK, 'status', '--date', '2024-06-01'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${JOB_WORKFLOW.replace(':stateMachine:', ':execution:')}:${runArn.split(':').pop()}`);
  });

  test('backfill is started with the run workflow, its input under "backfill"', async () => {
    const r = await runCli(['--stack', STACK, 'backfill', '--from', '2024-06-02', '--to', '2024-06-03', '--stop-on-failure'], env);
    expect(r.code).toBe(0);
    const started = platform.sfn.executions.find(e => e.arn === arnIn(r.stdout))!;
    expect(started.machine).toBe(RUN_WORKFLOW);
    expect(started.input).toEqual({ backfill: { from: '2024-06-02', to: '2024-06-03', maxConcurrency: 1, stopOnFailure: true } });
  });
});
