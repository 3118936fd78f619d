/**
 * The too-big-for-a-stack error names what takes the room. CloudFormation allows a 1 MB template
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html); a workflow of plain
 * tier jobs adds no resource, only states to the job workflow's definition.
 */
import { App, Aws, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { simulate, synthWorkflowStack } from './sim/workflow-fixture';
import { definitionOf, definitionText, onlyStateMachine } from '../scripts/lib/templates';
import { SandersBatchPlatform, WorkflowJob } from '../src';
import { definitionLocation } from '../src/private/workflow/definition-location';

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
  test('a workflow whose definition is over Step Functions\' 1 MiB fails, naming the definition in kB per job and how many jobs fit; that many do', () => {
    let message = '';
    try {
      synth(720)();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/stack 'Big' has a state machine definition of about 1[01]\d\d\.\d kB \(Step Functions allows 1,048.6 kB\)/);
    const share = /The job workflow's state machine definition \(kept in S3, not in the template\) takes ([\d.]+) kB, ([\d.]+) kB per workflow job for 720 jobs beside up to ([\d.]+) kB for its own states: about (\d+) jobs like these fit in one platform\./.exec(message);
    expect(share).not.toBeNull();
    // No job has a job definition of its own: the message does not blame job definitions.
    expect(message).not.toMatch(/job definition of their own/);
    expect(message).toMatch(/Split the workflow over two platforms in two stacks/);
    const fit = Number(share![4]);
    // Issue 22: the first version fit 645 jobs of this workflow in a prod stack; at most 720 (refused above).
    expect(fit).toBeGreaterThanOrEqual(645);
    expect(fit).toBeLessThan(720);
    // The figure is a promise: that many jobs synthesize.
    expect(synth(fit)).not.toThrow();
  }, 600_000);

  test('1,001 jobs without dependencies (the least definition per job) are refused by the budget, not by an error of the resume', () => {
    // Step Functions' States.ArrayRange makes at most 1,000 items (the resume's look-up): the budget refuses first.
    const app = new App();
    const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'eu-central-1' } });
    new SandersBatchPlatform(stack, 'Platform', { environment: 'prod', workflow: Array.from({ length: 1001 }, (_, i) => ({ name: `j${i}`, tier: '2gb' })) });
    expect(() => app.synth()).toThrow(/stack 'Big' has a state machine definition of about \d+\.\d kB \(Step Functions allows 1,048.6 kB\)/);
  }, 600_000);

  test('645 braided jobs fit a prod stack (the first version\'s figure, issue 22), their definition in S3', () => {
    const app = new App();
    const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'eu-central-1' } });
    const platform = new SandersBatchPlatform(stack, 'Platform', { environment: 'prod', workflow: braided(645) });
    const template = app.synth().getStackByName('Big').template;
    const [, machine] = onlyStateMachine(template, /^PlatformWorkflow[0-9A-F]{8}$/);
    expect(machine.Properties.DefinitionString).toBeUndefined();
    expect(machine.Properties.DefinitionS3Location).toEqual({ Bucket: expect.anything(), Key: expect.stringMatching(/^[0-9a-f]{64}\.json$/) });
    // The definition as Step Functions gets it, with ARNs as long as this stack's: within 1 MiB.
    const arn = (token: any) => (JSON.stringify(token).includes('JobQueue')
      ? 'arn:aws:batch:eu-central-1:123456789012:job-queue/sanders-batch-queue-prod'
      : 'arn:aws:batch:eu-central-1:123456789012:job-definition/sanders-batch-job-2gb-prod:99999');
    const bytes = Buffer.byteLength(definitionText(machine, arn, app.outdir));
    expect(bytes).toBeLessThanOrEqual(1_048_576);
    expect(bytes).toBeGreaterThan(645 * 1000);
    // The size the budget counts is at least the deployed one (each token as the ARN of the named resource it is,
    // revision 1, in eu-central-1) and within 1 % of it: an upper bound, not a guess that refuses what fits.
    const named = (token: any) => {
      const [id, attribute] = token.Ref ? [token.Ref, undefined] : token['Fn::GetAtt'];
      const properties = template.Resources[id].Properties;
      if (properties.JobDefinitionName) return `arn:aws:batch:eu-central-1:123456789012:job-definition/${properties.JobDefinitionName}:1`;
      if (properties.JobQueueName) return `arn:aws:batch:eu-central-1:123456789012:job-queue/${properties.JobQueueName}`;
      if (template.Resources[id].Type === 'AWS::DynamoDB::Table') {
        // Unnamed: CloudFormation names it <stack>-<logical ID>-<12 characters>.
        const name = properties.TableName ?? `Big-${id}-ABCDEFGHIJKL`;
        return attribute ? `arn:aws:dynamodb:eu-central-1:123456789012:table/${name}` : name;
      }
      throw new Error(`a token of the definition the test does not know: ${JSON.stringify(token)}`);
    };
    const deployed = Buffer.byteLength(definitionText(machine, named, app.outdir));
    const counted = (platform.node.findChild('Workflow') as any).definition.deployedBytes;
    expect(counted).toBeGreaterThanOrEqual(deployed);
    expect(counted).toBeLessThanOrEqual(deployed * 1.01);
  }, 600_000);
});

describe('where the job workflow\'s definition goes', () => {
  /** Jobs whose environment makes about 7 kB of definition each (Fargate takes 8 KiB of overrides), so that few jobs make a large definition. */
  const heavy = (n: number, command?: string[]): WorkflowJob[] => Array.from({ length: n }, (_, i) => ({
    name: `heavy-${i}`,
    tier: '2gb',
    dependsOn: i === 0 ? [] : [`heavy-${Math.floor((i - 1) / 2)}`],
    environment: { PAYLOAD: `${i}`.padEnd(7000, 'x') },
    command,
  }));

  test('a workflow that fits keeps its definition in the template, as deployed stacks have it', () => {
    const stack = synthWorkflowStack(heavy(30));
    const [, machine] = onlyStateMachine(Template.fromStack(stack).toJSON(), /^PlatformWorkflow[0-9A-F]{8}$/);
    expect(machine.Properties.DefinitionString).toBeDefined();
    expect(machine.Properties.DefinitionS3Location).toBeUndefined();
    expect(machine.Properties.DefinitionSubstitutions).toBeUndefined();
  });

  test('a larger one goes to S3 with its tokens as substitutions, and runs: every job once, with its queue, definition and retry strategy', async () => {
    const jobs = heavy(62);
    const stack = synthWorkflowStack(jobs);
    const template = Template.fromStack(stack).toJSON();
    const [, machine] = onlyStateMachine(template, /^PlatformWorkflow[0-9A-F]{8}$/);
    expect(machine.Properties.DefinitionString).toBeUndefined();
    const substitutions = machine.Properties.DefinitionSubstitutions;
    const refs = Object.values<any>(substitutions).map(v => JSON.stringify(v)).join(' ');
    expect(refs).toMatch(/JobQueue/);
    expect(refs).toMatch(/JobDefinition/);
    const definition = definitionOf(machine, undefined, (stack.node.root as App).outdir);
    const { run, sim } = await simulate(definition, {});
    expect(run.status).toBe('SUCCEEDED');
    for (const job of jobs) {
      const submitted = sim.jobNamed(job.name);
      expect(submitted.request.JobQueue).toMatch(/^\$\{PlatformJobQueue[0-9A-F]{8}\.JobQueueArn\}$/);
      expect(submitted.request.JobDefinition).toMatch(/^\$\{PlatformJobDefinition2gb[0-9A-F]{8}\}$/);
      expect(submitted.request.RetryStrategy.Attempts).toBe(3);
      expect(submitted.request.ContainerOverrides.Environment).toContainEqual({ Name: 'PAYLOAD', Value: job.environment!.PAYLOAD });
    }
    expect(sim.startOrder()).toHaveLength(jobs.length);
  }, 120_000);

  test('a large workflow with a literal ${ is refused at synth, naming the value and the fix', () => {
    expect(() => Template.fromStack(synthWorkflowStack(heavy(62, ['sh', '-c', 'echo ${HOME}'])))).toThrow(
      /goes to S3, where CloudFormation reads \$\{\.\.\.\} as a substitution: 62 value\(s\) contain '\$\{', such as 'echo \$\{HOME\}'\. Write \$VAR instead of \$\{VAR\}/);
  });
});

describe('the 400 kB at which a definition leaves the template (docs/workflows.md)', () => {
  /** A definition whose JSON text is exactly `bytes` long, with one token (the account ID, `${S0}` in the text) in it. */
  const ofSize = (bytes: number) => {
    const frame = JSON.stringify({ Comment: '', Account: '${S0}' }).length;
    return { Comment: 'x'.repeat(bytes - frame), Account: Aws.ACCOUNT_ID };
  };
  test.each([[400_000, false], [400_001, true]])('a definition of %d bytes goes to S3: %s', (bytes, inS3) => {
    const stack = new Stack(new App(), 'Sized', { env: { account: '123456789012', region: 'eu-central-1' } });
    const location = definitionLocation(stack, ofSize(bytes));
    expect(location.inS3).toBe(inS3);
    // Deployed, the account is '123456789012' (12 bytes) where the text has ${S0} (5).
    expect(location.deployedBytes).toBe(bytes - 5 + 12);
    expect(location.substitutions).toEqual(inS3 ? { S0: expect.any(String) } : undefined);
  });
});
