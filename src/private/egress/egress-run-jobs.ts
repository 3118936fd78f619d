/**
 * Step 3 of the run workflow: run the job workflow (`states:startExecution.sync:2`) with the input and the run
 * date: the input's, the scheduled time's, or the run's start date. For an input `{"backfill": {...}}`, run the
 * backfill with that input instead, so that egress is created once for every date of the backfill.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { catchToTeardown, EgressContext } from './egress-context';
import { StartJobWorkflow } from './egress-policy';
import { STARTED_BY } from '../workflow/run-input';
import { addStartRetry } from '../workflow/start-retry';

/** The states that resolve the run date and run the job workflow. */
export interface RunJobStates {
  /** Resolves the run date: the run workflow's first step after the input check, before the lock. */
  readonly resolveDate: sfn.Choice;
  /** Adds the run date to the input; the date's claim is looked at after it (egress-date-check.ts). */
  readonly merge: sfn.Pass;
  readonly runJobs: StartJobWorkflow;
  readonly runBackfill: StartJobWorkflow;
  /** Runs the backfill or the job workflow: what the routes lead to. */
  readonly chooseRun: sfn.Choice;
}

export function createRunJobStates(ctx: EgressContext, teardown: sfn.IChainable): RunJobStates {
  const { scope, props } = ctx;
  // The job workflow (and the backfill) accept a start only from this workflow, named in STARTED_BY (run-input.ts).
  const dateFrom = (id: string, stateName: string, expression: string) =>
    new sfn.Pass(scope, id, { stateName, parameters: { 'date.$': expression, [`${STARTED_BY}.$`]: '$$.Execution.Id' }, resultPath: '$.runDate' });
  const merge = new sfn.Pass(scope, 'RunMergeInput', {
    stateName: 'Add run date to input',
    parameters: { 'value.$': 'States.JsonMerge($.input, $.runDate, false)' },
    resultPath: '$.runInput',
  });
  const resolveDate = new sfn.Choice(scope, 'RunResolveDate', { stateName: 'Resolve run date' })
    .when(sfn.Condition.isPresent('$.input.date'), dateFrom('RunGivenDate', 'Use given date', '$.input.date').next(merge))
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.input.scheduledTime'), sfn.Condition.isString('$.input.scheduledTime')),
      dateFrom('RunScheduledDate', 'Use scheduled date', "States.ArrayGetItem(States.StringSplit($.input.scheduledTime, 'T'), 0)").next(merge))
    .otherwise(dateFrom('RunStartDate', 'Use run start date', "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)").next(merge));

  // Each started under the run's own execution name, waited for, and caught into the teardown.
  const startAndWait = (id: string, stateName: string, stateMachine: sfn.IStateMachine, inputPath: string) => {
    const task = new StartJobWorkflow(scope, id, {
      stateName,
      stateMachine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      input: sfn.TaskInput.fromJsonPathAt(inputPath),
      name: sfn.JsonPath.stringAt('$$.Execution.Name'),
      resultSelector: { 'Output.$': '$.Output', 'ExecutionArn.$': '$.ExecutionArn' },
      resultPath: '$.run',
    });
    // Throttling and service errors of the start itself; the run's own failure goes to the teardown at once.
    addStartRetry(task);
    task.addCatch(teardown, catchToTeardown);
    return task;
  };
  const runJobs = startAndWait('RunJobWorkflow', 'Run job workflow', props.jobWorkflow, '$.runInput.value');
  const runBackfill = startAndWait('RunBackfill', 'Run backfill', props.backfill, '$.backfillInput.value');
  // The input check made sure "backfill" is an object, which JsonMerge needs.
  const parent = new sfn.Pass(scope, 'RunBackfillParent', {
    stateName: 'Backfill parent', parameters: { [`${STARTED_BY}.$`]: '$$.Execution.Id' }, resultPath: '$.backfillParent',
  });
  const backfillInput = new sfn.Pass(scope, 'RunBackfillInput', {
    stateName: 'Backfill input', parameters: { 'value.$': 'States.JsonMerge($.input.backfill, $.backfillParent, false)' }, resultPath: '$.backfillInput',
  });
  const chooseRun = new sfn.Choice(scope, 'RunChooseRun', { stateName: 'Backfill?' })
    .when(sfn.Condition.isPresent('$.input.backfill'), parent.next(backfillInput).next(runBackfill))
    .otherwise(runJobs);
  return { resolveDate, merge, runJobs, runBackfill, chooseRun };
}
