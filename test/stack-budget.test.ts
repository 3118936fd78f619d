/**
 * The too-big-for-a-stack error names what takes the room. CloudFormation allows a 1 MB template
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html); a workflow of plain
 * tier jobs adds no resource, only states to the job workflow's definition.
 */
import { App, Stack } from 'aws-cdk-lib';
import { SandersBatchPlatform, WorkflowJob } from '../src';

/** The braided workflow of the issue: job i depends on jobs i-1 and i-7. */
function braided(n: number): WorkflowJob[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `j${i}`, tier: '2gb', dependsOn: [i - 1, i - 7].filter(d => d >= 0).map(d => `j${d}`),
  }));
}

function synth(n: number): () => void {
  const app = new App();
  const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'eu-central-1' } });
  new SandersBatchPlatform(stack, 'Platform', { environment: 'prod', workflow: braided(n) });
  return () => app.synth();
}

describe('the stack budget', () => {
  test('fails when the workflow\'s definition makes the template too big, naming it in kB per job and how many jobs fit; that many do', () => {
    let message = '';
    try {
      synth(600)();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/stack 'Big' has a template of about [\d.]+ kB \(CloudFormation allows 1,000 kB\)/);
    const share = /The largest state machine, 'Big\/Platform\/[^']*Workflow[^']*', takes ([\d.]+) kB of the template, ([\d.]+) kB per workflow job for 600 jobs: about (\d+) jobs like these fit in this stack\./.exec(message);
    expect(share).not.toBeNull();
    // No job has a job definition of its own: the message does not blame job definitions.
    expect(message).not.toMatch(/job definition of their own/);
    expect(message).toMatch(/Split the workflow over two platforms in two stacks/);
    const fit = Number(share![3]);
    expect(fit).toBeGreaterThan(100);
    expect(fit).toBeLessThan(600);
    // The figure is a promise: that many jobs synthesize.
    expect(synth(fit)).not.toThrow();
  }, 600_000);
});
