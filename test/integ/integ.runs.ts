/**
 * Runs on AWS, proven by assertions on the deployed stack (integ-tests-alpha's `IntegTest.assertions`), for whoever
 * has an account: a dev platform (on-demand egress) with a tiny public image, whose jobs read the run date to
 * decide what to do, and three runs one after the other (the egress lock serializes them anyway):
 *
 * 1. `2000-01-01`: every job succeeds, the run SUCCEEDS;
 * 2. `2000-01-02`: `first` exits 3 while `slow` sleeps in its own `.sync` branch: the run FAILS naming `first` and
 *    its exit code, `slow` is terminated (FAILED with the workflow's reason), and no job of the queue is left;
 * 3. `2000-01-03`: `first` sleeps; the run is stopped (StopExecution) once its NAT gateway is up: the teardown-only
 *    run stops its job workflow, whose jobs are terminated, and no NAT gateway or address is left.
 *
 * CI checks the snapshot offline (`npx projen integ`). In an account (see README, "Proof on AWS"):
 * `npx integ-runner --language typescript --directory test/integ --parallel-regions eu-central-1 integ.runs.ts`.
 */
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { SandersBatchPlatform } from '../../src';
import { TERMINATE_REASONS } from '../../src/private/workflow/workflow-states';

/** The tag key of a run's NAT gateway and address: `{namePrefix}:on-demand-egress-vpc`. */
const EGRESS_TAG = 'integruns:on-demand-egress-vpc';

const app = new App();
const stack = new Stack(app, 'SandersBatchPlatformRuns', { description: 'Integ test: runs of the batch platform on AWS' });
/** The job's behaviour, by the run date the workflow passes as RUN_DATE. */
const script = (onFail: string, onStop: string) => ['sh', '-c', `case "$RUN_DATE" in 2000-01-02) ${onFail};; 2000-01-03) ${onStop};; esac; echo ok`];
const platform = new SandersBatchPlatform(stack, 'Platform', {
  environment: 'dev',
  namePrefix: 'integruns',
  tablePartitionKey: { name: 'customer_id', type: AttributeType.STRING },
  tableSortKey: { name: 'date', type: AttributeType.STRING },
  memoryTiers: [{ name: 'tiny', memory: Size.mebibytes(512), vcpu: 0.25, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.36') }],
  workflow: [
    { name: 'first', tier: 'tiny', command: script('exit 3', 'sleep 900'), retryAttempts: 1 },
    { name: 'second', tier: 'tiny', dependsOn: ['first'], command: script('true', 'true'), retryAttempts: 1 },
    { name: 'slow', tier: 'tiny', command: script('sleep 900', 'sleep 900'), retryAttempts: 1 },
  ],
  createDashboard: false,
});

const integ = new IntegTest(app, 'SandersBatchPlatformRunsTest', {
  testCases: [stack],
  // About 35 minutes: deploy (15), three runs (a NAT gateway for each: 2-4 minutes up, 1-2 down), destroy (10).
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
const a = integ.assertions;
const wait = { totalTimeout: Duration.minutes(40), interval: Duration.seconds(30) };
const runArn = platform.stateMachine.stateMachineArn;
const queueArn = platform.jobQueue.jobQueueArn;

const start = (date: string) => a.awsApiCall('SFN', 'startExecution', { stateMachineArn: runArn, input: JSON.stringify({ date }) });
const ended = (run: IApiCall, expected: object) =>
  a.awsApiCall('SFN', 'describeExecution', { executionArn: run.getAttString('executionArn') })
    .expect(ExpectedResult.objectLike(expected)).waitForAssertions(wait);
/** No job of the queue in any status that has not ended (a terminated job takes a moment to stop). */
const queueIdle = () => ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'].map(status =>
  a.awsApiCall('Batch', 'listJobs', { jobQueue: queueArn, jobStatus: status })
    .expect(ExpectedResult.objectLike({ jobSummaryList: [] }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) }));
const chain = (calls: IApiCall[]) => calls.reduce((previous, next) => previous.next(next));

// 1. A run of the tiny image succeeds.
const succeeds = start('2000-01-01');
const succeeded = ended(succeeds, { status: 'SUCCEEDED' });

// 2. A failing job ends the run FAILED, naming it; the job of the other .sync branch is terminated; nothing runs on.
const fails = start('2000-01-02');
const failed = ended(fails, { status: 'FAILED', cause: Match.stringLikeRegexp('job first failed: .*exit code 3') });
const slowTerminated = a.awsApiCall('Batch', 'listJobs', { jobQueue: queueArn, jobStatus: 'FAILED' })
  .expect(ExpectedResult.objectLike({ jobSummaryList: Match.arrayWith([Match.objectLike({ jobName: Match.stringLikeRegexp('-slow$'), statusReason: TERMINATE_REASONS.failed })]) }));

// 3. A dev run stopped from outside leaves no NAT gateway or address behind, and no job.
const stopped = start('2000-01-03');
const vpcId = platform.vpc.vpcId;
const egressUp = a.awsApiCall('EC2', 'describeNatGateways', {
  Filter: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['available'] }],
}).expect(ExpectedResult.objectLike({ NatGateways: Match.arrayWith([Match.objectLike({ State: 'available' })]) })).waitForAssertions(wait);
const stop = a.awsApiCall('SFN', 'stopExecution', { executionArn: stopped.getAttString('executionArn') });
const noNat = a.awsApiCall('EC2', 'describeNatGateways', {
  Filter: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }, { Name: 'state', Values: ['pending', 'available', 'deleting'] }],
}).expect(ExpectedResult.objectLike({ NatGateways: [] })).waitForAssertions(wait);
const noAddress = a.awsApiCall('EC2', 'describeAddresses', { Filters: [{ Name: `tag:${EGRESS_TAG}`, Values: [vpcId] }] })
  .expect(ExpectedResult.objectLike({ Addresses: [] })).waitForAssertions(wait);

chain([succeeds, succeeded, fails, failed, slowTerminated, ...queueIdle(), stopped, egressUp, stop, noNat, noAddress, ...queueIdle()]);
