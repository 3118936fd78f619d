/**
 * Runs the ON_DEMAND_EGRESS run workflow's real definition (from the template) in aws-local-stepfunctions,
 * with every AWS call replaced by a local handler that records it.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22).
if (!(Promise as any).withResolvers) {
  (Promise as any).withResolvers = () => {
    let resolve: any, reject: any;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions');

const ME = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev:me';
const OLDER = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev:older';

function runDefinition(): any {
  const template = Template.fromStack(platformStack().stack);
  const [, sm]: any = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.includes('RunWorkflow'))!;
  const def = sm.Properties.DefinitionString;
  const parts: any[] = typeof def === 'string' ? [def] : def['Fn::Join'][1];
  return JSON.parse(parts.map(p => (typeof p === 'string' ? p : 'token')).join(''));
}

interface Scenario {
  readonly input: unknown;
  /** What ListExecutions returns, call by call (newest first). */
  readonly listings?: string[][];
  readonly jobWorkflow?: (input: any) => any;
  readonly createRouteFails?: boolean;
}

async function run(scenario: Scenario): Promise<{ calls: Array<[string, any]>; result?: any; error?: any }> {
  const calls: Array<[string, any]> = [];
  let listing = 0;
  const record = (name: string, output: (input: any) => any = () => ({})) => async (input: any) => {
    calls.push([name, input]);
    return output(input);
  };
  const handlers: { [state: string]: (input: any) => Promise<any> } = {
    'List running runs': record('ListExecutions', () => {
      const arns = (scenario.listings ?? [[ME]])[Math.min(listing++, (scenario.listings ?? [[ME]]).length - 1)];
      return { Executions: arns.map(ExecutionArn => ({ ExecutionArn })) };
    }),
    'Allocate Address': record('AllocateAddress', () => ({ AllocationId: 'eipalloc-1' })),
    'Create NAT Gateway': record('CreateNatGateway', () => ({ NatGateway: { NatGatewayId: 'nat-1' } })),
    'Describe NAT Gateway': record('DescribeNatGateways', () => ({ NatGateways: [{ State: 'available' }] })),
    'Create Route 1': record('CreateRoute', () => { if (scenario.createRouteFails) throw new Error('RouteAlreadyExists'); return {}; }),
    'Create Route 2': record('CreateRoute'),
    'Replace Route 1': record('ReplaceRoute'),
    'Replace Route 2': record('ReplaceRoute'),
    'Run job workflow': record('StartExecution', input => ({ Output: (scenario.jobWorkflow ?? (() => ({ ok: true })))(input), ExecutionArn: 'inner' })),
    'Delete Route 1': record('DeleteRoute'),
    'Delete Route 2': record('DeleteRoute'),
    'Find NAT Gateways': record('FindNatGateways', () => ({ NatGateways: [{ NatGatewayId: 'nat-1' }] })),
    'Delete NAT Gateway': record('DeleteNatGateway'),
    'Check NAT Gateways Gone': record('CheckNatGatewaysGone', () => ({ NatGateways: [] })),
    'Find Addresses': record('FindAddresses', () => ({ Addresses: [{ AllocationId: 'eipalloc-1' }] })),
    'Release Address': record('ReleaseAddress'),
  };
  const waits = Object.fromEntries(['Wait in line', 'Wait for NAT gateway', 'Wait for NAT gateways to go'].map(w => [w, 0]));
  const machine = new StateMachine(runDefinition(), { validationOptions: { checkPaths: false, checkArn: false } });
  const execution = machine.run(scenario.input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits },
    context: {
      Execution: { Id: ME, Name: 'me', StartTime: '2026-11-26T23:59:30.000Z', Input: scenario.input },
      StateMachine: { Id: 'arn:aws:states:eu-central-1:123456789012:stateMachine:sanders-customer-platform-run-dev' },
    },
  });
  try {
    return { calls, result: await execution.result };
  } catch (error) {
    return { calls, error };
  }
}

const names = (calls: Array<[string, any]>) => calls.map(([n]) => n);

describe('the on-demand egress run workflow', () => {
  test('creates egress, runs the jobs with the scheduled date, then removes everything it created', async () => {
    // GIVEN a scheduled start WHEN it runs
    const { calls, result, error } = await run({ input: { scheduledTime: '2026-11-26T02:30:00Z' } });
    // THEN
    expect(error).toBeUndefined();
    expect(names(calls)).toEqual([
      'ListExecutions', 'AllocateAddress', 'CreateNatGateway', 'DescribeNatGateways', 'CreateRoute', 'CreateRoute', 'StartExecution',
      'DeleteRoute', 'DeleteRoute', 'FindNatGateways', 'DeleteNatGateway', 'CheckNatGatewaysGone', 'FindAddresses', 'ReleaseAddress',
    ]);
    expect(calls.find(([n]) => n === 'StartExecution')![1]).toMatchObject({ Input: { scheduledTime: '2026-11-26T02:30:00Z', date: '2026-11-26' } });
    expect(calls.find(([n]) => n === 'CreateNatGateway')![1]).toMatchObject({ AllocationId: 'eipalloc-1' });
    expect(calls.filter(([n]) => n === 'CreateRoute').map(([, i]) => i.NatGatewayId)).toEqual(['nat-1', 'nat-1']);
    expect(calls.find(([n]) => n === 'DeleteNatGateway')![1]).toEqual({ NatGatewayId: 'nat-1' });
    expect(calls.find(([n]) => n === 'ReleaseAddress')![1]).toEqual({ AllocationId: 'eipalloc-1' });
    expect(result).toEqual({ ok: true });
  });

  test('keeps a given date, and uses the run\'s start date when there is none', async () => {
    const given = await run({ input: { date: '2026-01-31' } });
    expect(given.calls.find(([n]) => n === 'StartExecution')![1].Input).toEqual({ date: '2026-01-31' });
    const none = await run({ input: {} });
    expect(none.calls.find(([n]) => n === 'StartExecution')![1].Input).toEqual({ date: '2026-11-26' });
  });

  test('tears down and fails when the job workflow fails', async () => {
    const { calls, error } = await run({ input: {}, jobWorkflow: () => { throw new Error('job model-training failed'); } });
    expect(error).toBeDefined();
    expect(names(calls).slice(-7)).toEqual(['DeleteRoute', 'DeleteRoute', 'FindNatGateways', 'DeleteNatGateway', 'CheckNatGatewaysGone', 'FindAddresses', 'ReleaseAddress']);
  });

  test('waits in line while an older run is running', async () => {
    const { calls } = await run({ input: {}, listings: [[ME, OLDER], [ME, OLDER], [ME]] });
    expect(names(calls).slice(0, 4)).toEqual(['ListExecutions', 'ListExecutions', 'ListExecutions', 'AllocateAddress']);
  });

  test('replaces a default route an earlier run left behind', async () => {
    const { calls, error } = await run({ input: {}, createRouteFails: true });
    expect(error).toBeUndefined();
    expect(names(calls).slice(4, 8)).toEqual(['CreateRoute', 'ReplaceRoute', 'CreateRoute', 'StartExecution']);
  });

  test('a teardown-only run (after a stopped run) creates nothing and removes what is tagged', async () => {
    const { calls, error } = await run({ input: { teardownOnly: true } });
    expect(error).toBeUndefined();
    expect(names(calls)).toEqual(['ListExecutions', 'DeleteRoute', 'DeleteRoute', 'FindNatGateways', 'DeleteNatGateway', 'CheckNatGatewaysGone', 'FindAddresses', 'ReleaseAddress']);
  });
});
