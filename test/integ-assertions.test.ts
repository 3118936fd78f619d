/**
 * The proof on AWS (test/integ/integ.runs.ts) is only worth its snapshot if the snapshot holds the deployed
 * assertions (integ-tests-alpha's DeployAssert calls) that prove issue 11's claims: the snapshot is what CI checks
 * offline and what `integ-runner` deploys in an account. This reads the committed snapshot.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stateMachines } from '../scripts/lib/templates';

const SNAPSHOT = path.join(__dirname, 'integ', 'integ.runs.ts.snapshot');
const ACTIVE = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];

interface SdkCall { readonly service: string; readonly api: string; readonly parameters: any; readonly expected?: any }

function deployAssertCalls(): SdkCall[] {
  const file = fs.readdirSync(SNAPSHOT).find(f => /DeployAssert.*\.template\.json$/.test(f));
  if (!file) throw new Error(`no DeployAssert template in ${SNAPSHOT}`);
  const resources = JSON.parse(fs.readFileSync(path.join(SNAPSHOT, file), 'utf8')).Resources;
  return Object.values<any>(resources)
    .filter(r => String(r.Type).startsWith('Custom::DeployAssert@SdkCall'))
    .map(r => ({
      service: r.Properties.service,
      api: r.Properties.api,
      parameters: r.Properties.parameters ?? {},
      expected: r.Properties.expected === undefined ? undefined : JSON.parse(r.Properties.expected),
    }));
}

/** A parameter as the handler receives it: each value is JSON text (tokens aside). */
const param = (value: any) => (typeof value === 'string' ? JSON.parse(value) : value);

describe('the integ test of runs on AWS holds deployed assertions', () => {
  const calls = deployAssertCalls();
  const of = (service: string, api: string) => calls.filter(c => c.service === service && c.api === api);

  test('starts three runs of the public state machine, one per scenario date', () => {
    const starts = of('SFN', 'startExecution');
    expect(starts.map(s => JSON.parse(param(s.parameters.input)).date)).toEqual(['2000-01-01', '2000-01-02', '2000-01-03']);
    const stack = JSON.parse(fs.readFileSync(path.join(SNAPSHOT, 'SandersBatchPlatformRuns.template.json'), 'utf8'));
    const machines = stateMachines(stack).map(([id]) => id);
    for (const start of starts) {
      const imported = JSON.stringify(start.parameters.stateMachineArn);
      expect(machines.filter(id => imported.includes(`ExportsOutputRef${id}`))).toEqual([expect.stringMatching(/^PlatformRunWorkflow/)]);
    }
  });

  test('expects one run to succeed and one to fail naming the failed job and its exit code', () => {
    const expected = of('SFN', 'describeExecution').map(d => d.expected.$ObjectLike);
    expect(expected.map(e => e.status)).toEqual(['SUCCEEDED', 'FAILED']);
    const cause = new RegExp(expected[1].cause.$StringLike ?? expected[1].cause.$StringLikeRegexp ?? expected[1].cause);
    expect(cause.test('Run of 2000-01-02 failed: job first failed: Essential container in task exited (exit code 3); logs')).toBe(true);
    expect(cause.test('Run of 2000-01-02 failed: job second failed: (exit code 3)')).toBe(false);
  });

  test('expects the other branch\'s job terminated and, after the failed and the stopped run, nothing left in the queue', () => {
    const listJobs = of('Batch', 'listJobs');
    const idle = listJobs.filter(l => JSON.stringify(l.expected) === JSON.stringify({ $ObjectLike: { jobSummaryList: [] } }));
    const statuses = idle.map(l => param(l.parameters.jobStatus));
    for (const status of ACTIVE) expect(statuses.filter(s => s === status)).toHaveLength(2);
    expect(JSON.stringify(listJobs.find(l => param(l.parameters.jobStatus) === 'FAILED')?.expected)).toContain('-slow$');
    expect(of('SFN', 'stopExecution')).toHaveLength(1);
  });

  test('expects no NAT gateway and no address of the VPC after the stopped dev run', () => {
    const none = (service: string, api: string, list: string) => of(service, api)
      .filter(c => JSON.stringify(c.expected) === JSON.stringify({ $ObjectLike: { [list]: [] } }));
    expect(none('EC2', 'describeNatGateways', 'NatGateways')).toHaveLength(1);
    expect(none('EC2', 'describeAddresses', 'Addresses')).toHaveLength(1);
  });
});
