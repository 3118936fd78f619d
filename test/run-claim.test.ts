/**
 * One active run per date (issue 21, item 1): every start of a date goes through the job workflow, which claims the
 * date before any job (src/private/workflow/run-claim.ts). Executed with nested executions on one simulated Batch
 * and clock, with one claim table shared by every execution.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack, workflowDefinition } from './util';
import { BatchSimulator } from '../scripts/lib/sim/batch-simulator';
import { SimulatedEc2 } from '../scripts/lib/sim/ec2';
import { platformMachines } from '../scripts/lib/sim/platform-machines';
import { SimExecution, SimulatedStepFunctions } from '../scripts/lib/sim/step-functions';
import { definitionOf, onlyStateMachine, policyStatements } from '../scripts/lib/templates';
import { WorkflowJob } from '../src';
import { acknowledgedOn } from '../src/private/core/compliance';

const workflow: WorkflowJob[] = [
  { name: 'ingest', tier: '2gb' },
  { name: 'clean', tier: '2gb', dependsOn: ['ingest'] },
];
const template = Template.fromStack(platformStack({ environment: 'prod', workflow }).stack);
const backfill = definitionOf(onlyStateMachine(template.toJSON(), /Backfill/)[1]);
const jobWorkflow = workflowDefinition(template);
const JOB_WORKFLOW = backfill.States['Run each date'].ItemProcessor.States['Run date'].Parameters.StateMachineArn;
const JOB_WORKFLOW_NAME = 'sanders-customer-platform-workflow-prod';
const BACKFILL = 'backfill';

function simulation(duration = 600) {
  const sim = new BatchSimulator({ scriptOf: () => ({ duration }) });
  return new SimulatedStepFunctions(sim, {
    [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: jobWorkflow },
    [BACKFILL]: { name: 'sanders-batch-platform-backfill-prod', definition: backfill },
  });
}

/** The dates of the jobs each execution submitted, by the run tag in the job names. */
const submissions = (sfn: SimulatedStepFunctions) => sfn.sim.calls.filter(c => c.action === 'SubmitJob').map(c => c.request.Parameters.date);

describe('one active run per date', () => {
  test('a manual start of a date whose scheduled run is still running ends at once with RunActive naming that run, submitting nothing', async () => {
    const sfn = simulation();
    const scheduled = sfn.start(JOB_WORKFLOW, 'scheduled', { date: '2026-03-01' });
    const manual = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'manual');
    expect(manual.status).toBe('FAILED');
    expect(manual.error).toBe('RunActive');
    expect(manual.cause).toBe(`a run of 2026-03-01 is still active: ${sfn.executions[0].arn}; this run submitted no job. Wait until it has ended, or stop it, then start again`);
    await sfn.settle();
    expect((await scheduled).status).toBe('SUCCEEDED');
    // Each job of the date ran once, all of them for the scheduled run.
    expect(submissions(sfn)).toEqual(['2026-03-01', '2026-03-01']);
    expect(sfn.sim.calls.filter(c => c.action === 'SubmitJob').every(c => !c.request.JobName.includes('manual'))).toBe(true);
  });

  test('two starts of one date at the same moment: exactly one submits jobs', async () => {
    const sfn = simulation();
    const a = sfn.start(JOB_WORKFLOW, 'a', { date: '2026-03-01' });
    const b = sfn.start(JOB_WORKFLOW, 'b', { date: '2026-03-01' });
    await sfn.settle();
    const statuses = [(await a).status, (await b).status].sort();
    expect(statuses).toEqual(['FAILED', 'SUCCEEDED']);
    expect(sfn.executions.find(e => e.status === 'FAILED')!.error).toBe('RunActive');
    expect(submissions(sfn)).toHaveLength(workflow.length);
  });

  test('runs of different dates stay concurrent', async () => {
    const sfn = simulation();
    const runs = ['2026-03-01', '2026-03-02', '2026-03-03'].map((date, i) => sfn.start(JOB_WORKFLOW, `r${i}`, { date }));
    await sfn.settle();
    expect((await Promise.all(runs)).map(r => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(sfn.peakConcurrency(JOB_WORKFLOW)).toBe(3);
  });

  test('a run that ended (here FAILED) frees its date: the next start of it, a resume, takes the claim over', async () => {
    let fails = true;
    const sim = new BatchSimulator({ scriptOf: (_: any, name: string) => (name === 'clean' && fails ? { outcomes: ['fail'] } : undefined) });
    const sfn = new SimulatedStepFunctions(sim, { [JOB_WORKFLOW]: { name: JOB_WORKFLOW_NAME, definition: jobWorkflow } });
    const first = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'first');
    expect(first.status).toBe('FAILED');
    fails = false;
    const second = await sfn.run(JOB_WORKFLOW, { resumeFrom: first.arn }, 'second');
    expect(second.status).toBe('SUCCEEDED');
    const takeOver = sfn.claims.calls.filter(c => c.action === 'PutItem' && c.request.ConditionExpression === '#owner = :stale');
    expect(takeOver.map(c => [c.request.ExpressionAttributeValues[':stale'].S, c.answer])).toEqual([[first.arn, 'ok']]);
    expect(sfn.claims.items.get('date=2026-03-01').owner.S).toBe(second.arn);
  });

  test.each(['ABORTED', 'TIMED_OUT', 'SUCCEEDED'] as const)('a claim whose owner ended %s is taken over, and the new run submits every job', async status => {
    const sfn = simulation(60);
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:earlier`;
    sfn.executions.push({ arn: owner, name: 'earlier', machine: JOB_WORKFLOW, input: { date: '2026-03-01' }, startedAt: 0, stoppedAt: 0, status, statesEntered: [] });
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect(run.status).toBe('SUCCEEDED');
    expect(submissions(sfn)).toHaveLength(workflow.length);
    expect(sfn.claims.items.get('date=2026-03-01').owner.S).toBe(run.arn);
  });

  test('a claim whose owner is still RUNNING refuses the start, however long ago it began', async () => {
    const sfn = simulation(60);
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:still-going`;
    sfn.executions.push({ arn: owner, name: 'still-going', machine: JOB_WORKFLOW, input: { date: '2026-03-01' }, startedAt: -86400, status: 'RUNNING', statesEntered: [] });
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect([run.status, run.error]).toEqual(['FAILED', 'RunActive']);
    expect(run.cause).toContain(owner);
    expect(submissions(sfn)).toEqual([]);
  });

  test('a claim whose owner no longer exists is taken over', async () => {
    const sfn = simulation(60);
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:long-gone` } });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect(run.status).toBe('SUCCEEDED');
    expect(submissions(sfn)).toHaveLength(workflow.length);
  });

  test('a backfill over a date whose run is active reports that date as not run with the reason, runs the others, and ends FAILED', async () => {
    const sfn = simulation();
    const scheduled = sfn.start(JOB_WORKFLOW, 'scheduled', { date: '2026-03-02' });
    const run = await sfn.run(BACKFILL, { from: '2026-03-01', to: '2026-03-03', maxConcurrency: 3 });
    await sfn.settle();
    expect((await scheduled).status).toBe('SUCCEEDED');
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DatesFailed');
    expect(run.cause).toMatch(/^1 of 3 dates failed: \["2026-03-02"\]; /);
    expect(run.cause).toContain('"error":"RunActive"');
    expect(run.cause).toContain(`a run of 2026-03-02 is still active: ${sfn.executions[0].arn}`);
    // 2026-03-02's jobs ran once (the scheduled run's); the other dates ran.
    expect(submissions(sfn).sort()).toEqual(['2026-03-01', '2026-03-01', '2026-03-02', '2026-03-02', '2026-03-03', '2026-03-03']);
  });
});

/**
 * In dev the run workflow claims the date before its egress lock (src/private/egress/egress-date-check.ts) and its job
 * workflow takes the claim over from it: executed with the run workflow, its job workflow and the simulated EC2.
 */
describe('one active run per date in dev: the run workflow claims the date before the lock', () => {
  const dev = platformMachines(Template.fromStack(platformStack({ environment: 'dev', workflow }).stack).toJSON());
  const RUN = dev.run!;
  function devWorld() {
    const sim = new BatchSimulator({ scriptOf: () => ({ duration: 600 }) });
    const ec2 = new SimulatedEc2(sim.clock);
    return { sfn: new SimulatedStepFunctions(sim, dev.machines, ec2.handlers()), ec2 };
  }
  /** The states an execution entered that take the lock or create egress. */
  const lockOrEgress = (e: SimExecution) => e.statesEntered.filter(s => ['Take the lock', 'Allocate Address', 'Create NAT Gateway'].includes(s));
  const refusal = (date: string, arn: string) =>
    `a run of ${date} is still active: ${arn}; this run submitted no job. Wait until it has ended, or stop it, then start again`;

  test.each([
    ['still creating its egress (its job workflow has not started)', (w: ReturnType<typeof devWorld>) => w.ec2.gateways.size === 1, 'run'],
    ['running its jobs', (w: ReturnType<typeof devWorld>) => w.sfn.sim.calls.some(c => c.action === 'SubmitJob'), 'child'],
  ] as const)('a start of a date whose run is %s ends at once with RunActive naming the holder: no lock, no egress, no job', async (_, when, holder) => {
    const w = devWorld();
    const scheduled = w.sfn.start(RUN, 'scheduled', { date: '2026-03-01' });
    await w.sfn.runUntil(() => when(w));
    const manual = await w.sfn.run(RUN, { date: '2026-03-01' }, 'manual');
    const held = holder === 'run' ? w.sfn.executions[0] : w.sfn.executions.find(e => e.parent === w.sfn.executions[0].arn)!;
    expect([manual.status, manual.error, manual.cause]).toEqual(['FAILED', 'RunActive', refusal('2026-03-01', held.arn)]);
    expect(manual.stoppedAt).toBe(manual.startedAt);
    expect(lockOrEgress(manual)).toEqual([]);
    await w.sfn.settle();
    expect((await scheduled).status).toBe('SUCCEEDED');
    // Each job of the date ran once, for the scheduled run; nothing is left.
    expect(submissions(w.sfn)).toEqual(['2026-03-01', '2026-03-01']);
    expect(w.sfn.executions.filter(e => e.machine === RUN).map(e => e.name)).toEqual(['scheduled', 'manual']);
    expect(w.ec2.leftovers()).toEqual([]);
  });

  test('a run waiting for the lock holds its date; once it runs, its job workflow takes the claim over from it', async () => {
    const w = devWorld();
    const first = w.sfn.start(RUN, 'first', { date: '2026-03-01' });
    await w.sfn.runUntil(() => w.sfn.sim.calls.some(c => c.action === 'SubmitJob'));
    // A run of another date waits for the lock, holding its date.
    const waiting = w.sfn.start(RUN, 'waiting', { date: '2026-03-02' });
    await w.sfn.runUntil(() => w.sfn.executions[2]?.statesEntered.includes('Wait for the lock'));
    const waitingArn = w.sfn.executions[2].arn;
    expect(w.sfn.claims.items.get('date=2026-03-02').owner.S).toBe(waitingArn);
    const refused = await w.sfn.run(RUN, { date: '2026-03-02' }, 'refused');
    expect([refused.error, refused.cause]).toEqual(['RunActive', refusal('2026-03-02', waitingArn)]);
    await w.sfn.settle();
    expect([(await first).status, (await waiting).status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const child = w.sfn.executions.find(e => e.parent === waitingArn)!;
    const takeOver = w.sfn.claims.calls.filter(c => c.action === 'PutItem' && c.request.Item.date?.S === '2026-03-02' && c.answer === 'ok');
    expect(takeOver.map(c => c.request.Item.owner.S)).toEqual([waitingArn, child.arn]);
    expect(submissions(w.sfn).sort()).toEqual(['2026-03-01', '2026-03-01', '2026-03-02', '2026-03-02']);
    expect(w.ec2.leftovers()).toEqual([]);
  });

  test('a start of a date whose run has ended runs, taking the claim over from the ended run', async () => {
    const w = devWorld();
    expect((await w.sfn.run(RUN, { date: '2026-03-01' }, 'first')).status).toBe('SUCCEEDED');
    const again = await w.sfn.run(RUN, { date: '2026-03-01' }, 'again');
    expect(again.status).toBe('SUCCEEDED');
    expect(submissions(w.sfn)).toHaveLength(2 * workflow.length);
    expect(w.sfn.claims.items.get('date=2026-03-01').owner.S).toBe(w.sfn.executions.find(e => e.parent === again.arn)!.arn);
  });

  test('when the run workflow cannot write the claim (DynamoDB failing), it fails before the lock, naming the error', async () => {
    const w = devWorld();
    jest.spyOn(w.sfn.claims, 'putItem').mockImplementation(() => {
      throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'DynamoDB.ProvisionedThroughputExceededException' });
    });
    const run = await w.sfn.run(RUN, { date: '2026-03-01' }, 'throttled');
    expect([run.status, run.error]).toEqual(['FAILED', 'RunClaimFailed']);
    expect(run.cause).toBe('the run of 2026-03-01 could not claim its date (DynamoDB.ProvisionedThroughputExceededException: Throughput exceeds the current capacity); this run submitted no job');
    expect(lockOrEgress(run)).toEqual([]);
  });

  test.each([
    ['a backfill', { backfill: { from: '2026-03-01', to: '2026-03-02' } }],
    ['a resume', { resumeFrom: 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev:earlier' }],
    ['a teardown-only run', { teardownOnly: true }],
  ])('%s claims no date in the run workflow (its job workflow runs claim theirs)', async (_, input) => {
    const w = devWorld();
    await w.sfn.run(RUN, input, 'other');
    const byRun = w.sfn.claims.calls.filter(c => c.action === 'PutItem' && c.request.Item.date && c.request.Item.owner.S === w.sfn.executions[0].arn);
    expect(byRun).toEqual([]);
    expect(w.sfn.executions[0].statesEntered).toContain('A run of one date?');
  });
});

describe('the claim when DynamoDB or Step Functions fail', () => {
  const throttled = () => { throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'DynamoDB.ProvisionedThroughputExceededException' }); };

  test('a claim DynamoDB keeps refusing is tried 6 times (5 retries), then the run fails RunClaimFailed naming the error, before any job', async () => {
    const sfn = simulation(60);
    const put = jest.spyOn(sfn.claims, 'putItem').mockImplementation(throttled);
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect([run.status, run.error]).toEqual(['FAILED', 'RunClaimFailed']);
    expect(run.cause).toBe('the run of 2026-03-01 could not claim its date (DynamoDB.ProvisionedThroughputExceededException: Throughput exceeds the current capacity); this run submitted no job');
    expect(put).toHaveBeenCalledTimes(6);
    expect(submissions(sfn)).toEqual([]);
  });

  test('a throttled claim that then goes through runs the date', async () => {
    const sfn = simulation(60);
    const real = sfn.claims.putItem.bind(sfn.claims);
    let calls = 0;
    jest.spyOn(sfn.claims, 'putItem').mockImplementation(request => (++calls <= 2 ? throttled() : real(request)));
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(3);
    expect(submissions(sfn)).toHaveLength(workflow.length);
  });

  test('a claim held by another run whose item cannot be read (GetItem failing 6 times) fails RunClaimFailed, before any job', async () => {
    const sfn = simulation(60);
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:other`;
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    const get = jest.spyOn(sfn.claims, 'getItem').mockImplementation(throttled);
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect([run.status, run.error]).toEqual(['FAILED', 'RunClaimFailed']);
    expect(get).toHaveBeenCalledTimes(6);
    expect(submissions(sfn)).toEqual([]);
  });

  test('an item released between the failed claim and the read is claimed again', async () => {
    const sfn = simulation(60);
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:other`;
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    const realGet = sfn.claims.getItem.bind(sfn.claims);
    let reads = 0;
    jest.spyOn(sfn.claims, 'getItem').mockImplementation(request => {
      if (++reads === 1) sfn.claims.items.delete('date=2026-03-01');
      return realGet(request);
    });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect(run.status).toBe('SUCCEEDED');
    const puts = sfn.claims.calls.filter(c => c.action === 'PutItem');
    expect(puts.map(c => [c.request.ConditionExpression, c.answer])).toEqual([
      ['attribute_not_exists(#date) OR #owner = :me', 'ConditionalCheckFailed'],
      ['attribute_not_exists(#date) OR #owner = :me', 'ok'],
    ]);
  });

  test('an owner that cannot be described (DescribeExecution failing 6 times) fails RunClaimFailed naming the error, before any job', async () => {
    const sfn = simulation(60);
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:other`;
    sfn.executions.push({ arn: owner, name: 'other', machine: JOB_WORKFLOW, input: { date: '2026-03-01' }, startedAt: 0, status: 'RUNNING', statesEntered: [] });
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    let describes = 0;
    const realFind = sfn.executions.find.bind(sfn.executions);
    jest.spyOn(sfn.executions, 'find').mockImplementation((predicate: any) => {
      // Only DescribeExecution looks executions up by the owner's ARN.
      if (predicate({ arn: owner })) {
        describes++;
        throw Object.assign(new Error('Rate exceeded'), { name: 'Sfn.ThrottlingException' });
      }
      return realFind(predicate);
    });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect([run.status, run.error]).toEqual(['FAILED', 'RunClaimFailed']);
    expect(run.cause).toContain('(Sfn.ThrottlingException: Rate exceeded)');
    expect(describes).toBe(6);
    expect(submissions(sfn)).toEqual([]);
  });

  // The capitalisation of the SDK integration's service prefix is not documented: both spellings run.
  test.each(['Sfn.ExecutionDoesNotExistException', 'SFN.ExecutionDoesNotExistException'] as const)('an owner that does not exist (%s) is taken over at once', async name => {
    const sfn = simulation(60);
    sfn.noSuchExecution = name;
    const owner = `arn:aws:states:eu-central-1:123456789012:execution:${JOB_WORKFLOW_NAME}:long-gone`;
    sfn.claims.items.set('date=2026-03-01', { date: { S: '2026-03-01' }, owner: { S: owner } });
    const run = await sfn.run(JOB_WORKFLOW, { date: '2026-03-01' }, 'now');
    expect(run.status).toBe('SUCCEEDED');
    const takeOver = sfn.claims.calls.filter(c => c.action === 'PutItem' && c.request.ConditionExpression === '#owner = :stale');
    expect(takeOver.map(c => [c.request.ExpressionAttributeValues[':stale'].S, c.answer])).toEqual([[owner, 'ok']]);
    expect(sfn.claims.items.get('date=2026-03-01')).toEqual({ date: { S: '2026-03-01' }, owner: { S: run.arn }, startedAt: { S: expect.stringMatching(/^2024-05-01T03:00:00/) } });
  });
});

describe('the read of a claim held by another run', () => {
  test('is strongly consistent: a claim written a moment before is seen, never an older owner', () => {
    // DynamoDB GetItem: "GetItem provides an eventually consistent read by default. If your application requires a
    // strongly consistent read, set ConsistentRead to true." (Amazon DynamoDB API Reference, GetItem)
    expect(jobWorkflow.States['Read the date claim'].Parameters).toEqual({
      TableName: expect.anything(),
      Key: { date: { 'S.$': '$.date' } },
      ConsistentRead: true,
    });
  });
});

describe('the claim table, and who may use it', () => {
  const prod = platformStack({ environment: 'prod', workflow });
  const dev = platformStack({ environment: 'dev', workflow });
  const prodJson = Template.fromStack(prod.stack).toJSON();
  const devJson = Template.fromStack(dev.stack).toJSON();
  const claimTableId = (json: any) => Object.keys(json.Resources).find(id => /^PlatformRunClaimTable[0-9A-F]{8}$/.test(id))!;
  const viaDynamoDb = { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } };

  test.each([['prod', prodJson], ['dev', devJson]])('in %s: one item per date, on demand, encrypted with the platform key, with point-in-time recovery', (_, json) => {
    const table = json.Resources[claimTableId(json)];
    expect(table.Properties).toEqual({
      AttributeDefinitions: [{ AttributeName: 'date', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'date', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': ['PlatformEncryptionKeyCF8AB6B1', 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  test.each([
    ['prod', prodJson, ['PlatformWorkflowRole66994F30']],
    ['dev', devJson, ['PlatformWorkflowRole66994F30', 'PlatformRunWorkflowRoleAEBB94F3']],
  ])('in %s the roles that claim (%#) may put and get claims, and use the key only through DynamoDB', (_, json, roles) => {
    const arn = { 'Fn::GetAtt': [claimTableId(json), 'Arn'] };
    for (const role of roles) {
      const statements = policyStatements(json, role);
      expect(statements).toContainEqual({ Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Effect: 'Allow', Resource: arn });
      expect(statements).toContainEqual({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Condition: viaDynamoDb,
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': ['PlatformEncryptionKeyCF8AB6B1', 'Arn'] },
      });
      // The key is not granted without that condition.
      expect(statements.filter(s => [s.Action].flat().includes('kms:Decrypt') && s.Condition === undefined)).toEqual([]);
    }
  });

  test('in dev, where nothing is backed up, the table says why it is in no backup plan; in prod it joins the daily plan', () => {
    const devTable = dev.stack.node.findAll().find(c => c.node.id === 'RunClaimTable')!;
    expect(acknowledgedOn(devTable)).toEqual({
      'NIST.800.53.R5-DynamoDBInBackupPlan': 'It holds only which run of a date is active (one item per date, its owner an execution ARN), never data: a lost item is re-created by the next run of that date, and an item whose owner has ended is taken over',
      'HIPAA.Security-DynamoDBInBackupPlan': 'It holds only which run of a date is active (one item per date, its owner an execution ARN), never data: a lost item is re-created by the next run of that date, and an item whose owner has ended is taken over',
    });
    const prodTable = prod.stack.node.findAll().find(c => c.node.id === 'RunClaimTable')!;
    expect(acknowledgedOn(prodTable)).toEqual({});
    const selection = prodJson.Resources.PlatformBackupPlanRunClaims916BD1DD;
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(claimTableId(prodJson));
  });
});
