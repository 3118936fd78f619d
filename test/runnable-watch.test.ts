/**
 * The RUNNABLE watch's real definition (from the template) executed in aws-local-stepfunctions: which jobs it
 * counts as stuck. Batch's "Batch Job State Change" event carries the job as DescribeJobs returns it (`attempts`
 * lists the attempts made so far), and DescribeJobs returns `{ jobs: [...] }` (`Jobs` through the SDK integration,
 * whose field names are capitalized).
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { definitionOf, onlyStateMachine } from '../scripts/lib/templates';

const template = Template.fromStack(platformStack().stack).toJSON();
const [watchId, watchMachine] = onlyStateMachine(template, /RunnableWatch/);
const definition = definitionOf(watchMachine);
const resources = (type: string): Array<[string, any]> => Object.entries(template.Resources).filter(([, r]: [string, any]) => r.Type === type) as any;

interface Watched {
  readonly describeCalls: any[];
  readonly putMetricCalls: any[];
  readonly states: string[];
}

/** Runs the watch for one RUNNABLE event; `describe` is what DescribeJobs returns when the wait is over. */
async function watch(detail: any, describe: () => any, failedPuts = 0): Promise<Watched> {
  const describeCalls: any[] = [];
  const putMetricCalls: any[] = [];
  const states: string[] = [];
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: false, checkArn: false } });
  const execution = machine.run({ 'detail-type': 'Batch Job State Change', 'source': 'aws.batch', detail }, {
    overrides: {
      taskResourceLocalHandlers: {
        'Describe job': async (input: any) => { describeCalls.push(input); return describe(); },
        'Count stuck job': async (input: any) => {
          putMetricCalls.push(input);
          if (putMetricCalls.length <= failedPuts) throw Object.assign(new Error('Rate exceeded'), { name: 'CloudWatch.ThrottlingException' });
          return {};
        },
      },
      waitTimeOverrides: { 'Wait runnable timeout': 0 },
      retryIntervalOverrides: { 'Describe job': 0, 'Count stuck job': 0 },
    },
  });
  const events = (async () => {
    for await (const event of execution.eventLogs) if (event.type === 'StateEntered') states.push(event.state.name);
  })();
  await execution.result;
  await events;
  return { describeCalls, putMetricCalls, states };
}

const attempt = { container: { exitCode: 137 }, startedAt: 1, stoppedAt: 2 };
const event = (attempts?: any[]) => ({ jobId: 'job-1', jobName: 'extract', status: 'RUNNABLE', ...(attempts ? { attempts } : {}) });
const described = (status: string, attempts?: any[]) => ({ Jobs: [{ JobId: 'job-1', Status: status, ...(attempts ? { Attempts: attempts } : {}) }] });

describe('the RUNNABLE watch, executed', () => {
  test('counts a job still RUNNABLE in the same attempt, once, as JobsStuckRunnable = 1 of its queue', async () => {
    const { describeCalls, putMetricCalls, states } = await watch(event([]), () => described('RUNNABLE', []));
    expect(describeCalls).toEqual([{ Jobs: ['job-1'] }]);
    expect(putMetricCalls).toHaveLength(1);
    expect(putMetricCalls[0].MetricData).toEqual([{
      MetricName: 'JobsStuckRunnable',
      Value: 1,
      Unit: 'Count',
      // The queue's name as the README's "What it creates" table gives it.
      Dimensions: [{ Name: 'JobQueue', Value: 'sanders-batch-queue-dev' }],
    }]);
    expect(states).toEqual(['Wait runnable timeout', 'Describe job', 'Still RUNNABLE?', 'Count attempts', 'Same attempt?', 'Count stuck job', 'Done']);
  });

  test('a PutMetricData throttled 3 times in a row is retried: the stuck job is still counted', async () => {
    // Every watch of a burst of RUNNABLE jobs puts its metric at once: the count must survive throttling.
    const { putMetricCalls, states } = await watch(event([]), () => described('RUNNABLE', []), 3);
    expect(putMetricCalls).toHaveLength(4);
    expect(states.slice(-2)).toEqual(['Count stuck job', 'Done']);
  });

  test('counts a job in its second attempt that is still in that attempt', async () => {
    const { putMetricCalls } = await watch(event([attempt]), () => described('RUNNABLE', [attempt]));
    expect(putMetricCalls).toHaveLength(1);
  });

  test('does not count a job RUNNABLE again for a later attempt: it ran in between (its new RUNNABLE has a watch of its own)', async () => {
    const { putMetricCalls, states } = await watch(event([]), () => described('RUNNABLE', [attempt]));
    expect(putMetricCalls).toEqual([]);
    expect(states.slice(-2)).toEqual(['Same attempt?', 'Done']);
  });

  test('does not count a job whose attempts went from two to one (any other attempt count)', async () => {
    const { putMetricCalls } = await watch(event([attempt, attempt]), () => described('RUNNABLE', [attempt]));
    expect(putMetricCalls).toEqual([]);
  });

  test.each(['STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SUBMITTED', 'PENDING'])('does not count a job that is %s by then', async status => {
    const { putMetricCalls, states } = await watch(event([]), () => described(status, []));
    expect(putMetricCalls).toEqual([]);
    expect(states).toEqual(['Wait runnable timeout', 'Describe job', 'Still RUNNABLE?', 'Done']);
  });

  test('does not count a job DescribeJobs no longer returns', async () => {
    const { putMetricCalls } = await watch(event([]), () => ({ Jobs: [] }));
    expect(putMetricCalls).toEqual([]);
  });

  test('counts a RUNNABLE job when either side lacks the attempts list (no attempt to compare)', async () => {
    expect((await watch(event(), () => described('RUNNABLE', []))).putMetricCalls).toHaveLength(1);
    expect((await watch(event([]), () => described('RUNNABLE'))).putMetricCalls).toHaveLength(1);
  });

  test('waits 30 minutes by default (runnableTimeout\'s @default), and 7 days, the longest allowed', () => {
    expect(definition.States['Wait runnable timeout'].Seconds).toBe(1800);
    const week = definitionOf(onlyStateMachine(Template.fromStack(platformStack({ runnableTimeout: Duration.days(7) }).stack).toJSON(), /RunnableWatch/)[1]);
    expect(week.States['Wait runnable timeout'].Seconds).toBe(604800);
  });

  test('retries DescribeJobs 3 times, 10 s apart and doubling, before it gives up', () => {
    expect(definition.States['Describe job'].Retry).toEqual([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 }]);
  });
});

describe('the RUNNABLE watch, as deployed', () => {
  const [ruleId, rule] = resources('AWS::Events::Rule').find(([id]) => id.includes('RunnableJobsRule'))!;

  test('starts for every job of the platform\'s queue that enters RUNNABLE (Batch\'s "Batch Job State Change" events)', () => {
    const queue = resources('AWS::Batch::JobQueue')[0][0];
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.batch'],
      'detail-type': ['Batch Job State Change'],
      'detail': { status: ['RUNNABLE'], jobQueue: [{ 'Fn::GetAtt': [queue, 'JobQueueArn'] }] },
    });
    expect(rule.Properties.Description).toBe('Starts a watch of 30 minutes for each job of queue sanders-batch-queue-dev that enters RUNNABLE');
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: watchId });
    expect(ruleId).toMatch(/RunnableJobsRule/);
  });

  test('is started by a role EventBridge assumes, allowed to start only the watch', () => {
    const roleId = rule.Properties.Targets[0].RoleArn['Fn::GetAtt'][0];
    expect(template.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
    ]);
    const starts = resources('AWS::IAM::ManagedPolicy').flatMap(([, p]) => p.Properties.Roles?.some((r: any) => r.Ref === roleId) ? p.Properties.PolicyDocument.Statement : []);
    expect(starts).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: watchId } }]);
  });

  test('is named sanders-batch-runnable-watch-dev (its name predates the batch-platform stem: a new one would replace it)', () => {
    expect(watchMachine.Properties.StateMachineName).toBe('sanders-batch-runnable-watch-dev');
    expect(definition.Comment).toBe('Counts a job still RUNNABLE 30 minutes after it entered RUNNABLE');
  });

  test('may put its metric only into the platform\'s namespace, and describe jobs', () => {
    const roleId = watchMachine.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')]
      .filter(([, p]) => p.Properties.Roles?.some((r: any) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const put = statements.filter(s => [s.Action].flat().includes('cloudwatch:PutMetricData'));
    expect(put).toEqual([{ Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': definition.States['Count stuck job'].Parameters.Namespace } } }]);
    expect(statements.filter(s => [s.Action].flat().includes('batch:describeJobs'))).toEqual([{ Action: 'batch:describeJobs', Effect: 'Allow', Resource: '*' }]);
  });
});
