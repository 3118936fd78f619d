/**
 * The first steps of the on-demand egress teardown: the NAT gateway goes only after every job has ended.
 *
 * Under the egress lock, the jobs on the platform's queue are the jobs of the run that holds it: a run's job
 * workflow ends only when every job it submitted has ended, but a stopped run (StopExecution, a timeout) ends at
 * once, and whether Step Functions then stops the job workflow it started with `.sync` is not documented. So a
 * teardown-only run first stops that job workflow run itself (named like the stopped run: the run workflow starts
 * it with its own execution name), whose ABORTED status starts the run cleanup that terminates its jobs; then
 * every teardown waits until the queue has no job in SUBMITTED, PENDING, RUNNABLE, STARTING or RUNNING. A stopped
 * backfill is stopped the same way, and so is each date's job workflow run it still had running (found by their
 * names, `backfill-<date>-<MD5 of the backfill's execution ARN>`).
 *
 * The wait is bounded: a job that someone submitted to the queue by hand, outside any run, would otherwise
 * keep the NAT gateway forever. Past `JOBS_ENDED_MAX_LOOKS` looks the teardown goes on through the state `Stop
 * waiting for jobs` (in the execution history; `$.jobsEnded.gaveUp` in a teardown-only run's output, while a run's
 * output is its job workflow's).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NO_SUCH_EXECUTION } from '../workflow/workflow-states';

/** Every status of a job that has not ended. */
export const UNENDED_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];
/** Seconds between two looks at the queue. */
export const JOBS_ENDED_LOOK_SECONDS = 30;
/** Looks before the teardown goes on anyway: 60 looks 30 s apart, 30 minutes. */
export const JOBS_ENDED_MAX_LOOKS = 60;

export interface JobsEndedProps {
  readonly jobQueue: batch.IJobQueue;
  readonly jobWorkflow: sfn.IStateMachine;
  readonly backfill: sfn.IStateMachine;
}

/** The steps, from `start` to `next` (the first step that removes egress). */
export interface JobsEndedSteps {
  readonly start: sfn.IChainable;
  /** The job workflow run of a stopped run is stopped with this task (its policy names the job workflow's executions). */
  readonly stopJobRun: tasks.CallAwsService;
}

/**
 * Builds the steps; `next` is where the teardown goes once no job runs (or the wait gave up). The input's
 * `stoppedRun` (set by the rule that starts a teardown-only run) names the stopped run.
 */
export function jobsEndedSteps(scope: Construct, props: JobsEndedProps, next: sfn.IChainable): JobsEndedSteps {
  const start = new sfn.Pass(scope, 'RunJobsEndedStart', {
    stateName: 'Start waiting for jobs',
    parameters: { looks: 0, gaveUp: false },
    resultPath: '$.jobsEnded',
  });
  const stopJobRun = stopExecution(scope, 'RunStopJobWorkflowRun', 'Stop the stopped run\'s job workflow', props.jobWorkflow,
    `States.Format('${executionArn(scope, props.jobWorkflow, '')}{}', $.input.stoppedRun)`);
  const looks = UNENDED_STATUSES.map(status => {
    const list = new tasks.CallAwsService(scope, `RunListJobs${status}`, {
      stateName: `List ${status} jobs`,
      service: 'batch',
      action: 'listJobs',
      parameters: { JobQueue: props.jobQueue.jobQueueArn, JobStatus: status, MaxResults: 1 },
      iamResources: ['*'],
      resultSelector: { 'count.$': 'States.ArrayLength($.JobSummaryList)' },
      resultPath: `$.jobsEnded.${status.toLowerCase()}`,
    });
    list.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
    return list;
  });
  const wait = new sfn.Wait(scope, 'RunJobsEndedWait', { stateName: 'Wait for jobs to end', time: sfn.WaitTime.duration(Duration.seconds(JOBS_ENDED_LOOK_SECONDS)) });
  const count = new sfn.Pass(scope, 'RunJobsEndedCount', {
    stateName: 'Count looks',
    parameters: { 'looks.$': 'States.MathAdd($.jobsEnded.looks, 1)', 'gaveUp': false },
    resultPath: '$.jobsEnded',
  });
  const gaveUp = new sfn.Pass(scope, 'RunJobsEndedGaveUp', {
    stateName: 'Stop waiting for jobs',
    parameters: { 'looks.$': '$.jobsEnded.looks', 'gaveUp': true },
    resultPath: '$.jobsEnded',
  });
  const anyUnended = sfn.Condition.or(...UNENDED_STATUSES.map(s => sfn.Condition.numberGreaterThan(`$.jobsEnded.${s.toLowerCase()}.count`, 0)));
  const ended = new sfn.Pass(scope, 'RunJobsEnded', {
    stateName: 'Jobs ended',
    parameters: { 'looks.$': '$.jobsEnded.looks', 'gaveUp': false },
    resultPath: '$.jobsEnded',
  });
  // A failed look (after its retries) must not keep egress up: the teardown goes on, as after the longest wait.
  for (const list of looks) list.addCatch(gaveUp, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  let chain: sfn.IChainable = new sfn.Choice(scope, 'RunJobsEndedCheck', { stateName: 'Every job ended?' })
    .when(sfn.Condition.and(anyUnended, sfn.Condition.numberGreaterThanEquals('$.jobsEnded.looks', JOBS_ENDED_MAX_LOOKS)), gaveUp.next(next))
    .when(anyUnended, wait.next(count))
    .otherwise(ended.next(next));
  for (let i = looks.length - 1; i >= 0; i--) chain = looks[i].next(chain);
  count.next(looks[0]);
  // Not running any more, or never started: either way there is nothing to stop.
  stopJobRun.addCatch(looks[0], { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  stopJobRun.next(looks[0]);
  start.next(new sfn.Choice(scope, 'RunJobsEndedStopped', { stateName: 'A stopped run?' })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.stoppedRun'), sfn.Condition.isString('$.input.stoppedRun')),
      stopBackfillSteps(scope, props, stopJobRun))
    .otherwise(looks[0]));
  return { start, stopJobRun };
}

/** The ARN of `machine`'s execution `name` (`''`: the prefix of its executions' ARNs; `'*'`: all of them). */
function executionArn(scope: Construct, machine: sfn.IStateMachine, name: string): string {
  const stack = Stack.of(scope);
  const machineName = stack.splitArn(machine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${machineName}:${name}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** StopExecution of one execution of `machine`; one that has ended or never started is nothing to stop. */
function stopExecution(scope: Construct, id: string, stateName: string, machine: sfn.IStateMachine, arn: string): tasks.CallAwsService {
  const stop = new tasks.CallAwsService(scope, id, {
    stateName,
    service: 'sfn',
    action: 'stopExecution',
    parameters: { 'ExecutionArn.$': arn, 'Error': 'RunStopped', 'Cause': 'the run workflow execution that started it was stopped or timed out' },
    iamResources: [executionArn(scope, machine, '*')],
    resultPath: sfn.JsonPath.DISCARD,
  });
  // Ended or never started is an answer, not an outage (the service prefix matched both ways it may be spelled).
  stop.addRetry({ errors: NO_SUCH_EXECUTION, maxAttempts: 0 });
  stop.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  return stop;
}

/**
 * A stopped run that was a backfill: stop the backfill (named like the stopped run), then every RUNNING job workflow
 * run of one of its dates (`backfill-<date>-<tag>`, the tag the MD5 of the backfill's execution ARN), then `next`.
 */
function stopBackfillSteps(scope: Construct, props: JobsEndedProps, next: sfn.IChainable): sfn.IChainable {
  const backfillArn = `States.Format('${executionArn(scope, props.backfill, '')}{}', $.input.stoppedRun)`;
  const stopBackfill = stopExecution(scope, 'RunStopBackfillRun', 'Stop the stopped run\'s backfill', props.backfill, backfillArn);
  const listDates = new tasks.CallAwsService(scope, 'RunListBackfillDates', {
    stateName: 'List running job workflow runs',
    service: 'sfn',
    action: 'listExecutions',
    parameters: { StateMachineArn: props.jobWorkflow.stateMachineArn, StatusFilter: 'RUNNING', MaxResults: 1000 },
    iamResources: [props.jobWorkflow.stateMachineArn],
    // In a ResultSelector `$` is ListExecutions' answer: the backfill's tag is read from the state input, by the Map.
    resultSelector: { 'runs.$': '$.Executions' },
    resultPath: '$.backfillDates',
  });
  listDates.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  const stopDates = new sfn.Map(scope, 'RunStopBackfillDates', {
    stateName: 'Stop the backfill\'s date runs',
    itemsPath: '$.backfillDates.runs',
    itemSelector: { 'arn.$': '$$.Map.Item.Value.ExecutionArn', 'name.$': '$$.Map.Item.Value.Name', 'tag.$': `States.Hash(${backfillArn}, 'MD5')` },
    maxConcurrency: 5,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const ofBackfill = new sfn.Pass(scope, 'RunBackfillDateTag', {
    stateName: 'Read the run\'s tag',
    parameters: { 'arn.$': '$.arn', 'tag.$': '$.tag', 'parts.$': "States.StringSplit($.name, '-')" },
  });
  const stopDate = stopExecution(scope, 'RunStopBackfillDate', 'Stop a date run of the backfill', props.jobWorkflow, '$.arn');
  stopDate.addCatch(new sfn.Succeed(scope, 'RunBackfillDateEnded', { stateName: 'Date run ended' }), { errors: ['States.ALL'] });
  // backfill-YYYY-MM-DD-<tag> splits into five parts; the last is the tag.
  stopDates.itemProcessor(ofBackfill.next(new sfn.Choice(scope, 'RunBackfillDateOfRun', { stateName: 'A date of the backfill?' })
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.parts[4]'), sfn.Condition.stringEqualsJsonPath('$.parts[4]', '$.tag'),
      sfn.Condition.stringEquals('$.parts[0]', 'backfill')), stopDate)
    .otherwise(new sfn.Succeed(scope, 'RunBackfillDateOther', { stateName: 'Not a date of the backfill' }))));
  for (const t of [stopBackfill, listDates, stopDates]) t.addCatch(next, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  return stopBackfill.next(listDates).next(stopDates).next(next);
}
