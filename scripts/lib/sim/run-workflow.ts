/**
 * Runs a state machine definition in aws-local-stepfunctions with every AWS Batch call answered by a
 * `BatchSimulator`, on the simulator's virtual clock. The run takes milliseconds of real time; its duration
 * in simulated seconds is exact.
 */
import { BatchSimulator } from './batch-simulator';
import { ClaimTable } from './claim-table';
import { startAt } from './fixed-start-time';

import { ExecutionError, StateMachine } from './local-stepfunctions';
import { allStates } from '../templates';

/** How a run ended. */
export interface WorkflowRun {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** The execution's output when it succeeded. */
  readonly output?: any;
  /** The execution's error and cause when it failed. */
  readonly error?: string;
  readonly cause?: string;
  /** Simulated seconds from the start of the execution to its end. */
  readonly duration: number;
  /** Every state entered, in order (Parallel branches and Map iterations included). */
  readonly statesEntered: string[];
}

export interface RunOptions {
  /** The execution input. @default {} */
  readonly input?: any;
  /** When the execution starts (`$$.Execution.StartTime`). @default '2024-05-01T03:00:00.000Z' */
  readonly startTime?: string;
  /** Simulated seconds after which the execution is stopped from outside (`StopExecution`). @default - never */
  readonly stopAfter?: number;
  /** The execution's ARN (`$$.Execution.Id`). @default - a simulated run of state machine `workflow` */
  readonly executionArn?: string;
  /**
   * Started directly, not by a run workflow. Otherwise an object input gets the parent key a run workflow adds
   * (`AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`), which a job workflow with on-demand egress requires.
   * @default false
   */
  readonly direct?: boolean;
}

/** The run workflow execution that starts the simulated runs (unless `direct`). */
export const PARENT_EXECUTION_ARN = 'arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-run-dev:simulated-run';

function inputOf(options: RunOptions): any {
  const input = options.input ?? {};
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  return options.direct || !isObject ? input : { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: PARENT_EXECUTION_ARN, ...input };
}

type Handler = (input: any) => Promise<any>;

/** The execution the simulated runs stand for, as it appears in Batch status reasons. */
export const EXECUTION_ARN = 'arn:aws:states:eu-central-1:123456789012:execution:workflow:simulated-run';

/** The simulator's handler for each Task state of the definition, by state name (nested states included). */
export function batchHandlers(
  definition: any, sim: BatchSimulator, others: { [resource: string]: Handler } = {},
): { [stateName: string]: Handler } {
  // A single run claims its date in a table of its own (SimulatedStepFunctions shares one between executions).
  const claims = new ClaimTable();
  const byResource: { [resource: string]: Handler } = {
    'arn:aws:states:::dynamodb:putItem': async input => claims.putItem(input),
    'arn:aws:states:::dynamodb:getItem': async input => claims.getItem(input),
    // A single run knows no other execution: a resumed run it is asked about does not exist (SimulatedStepFunctions
    // answers with the executions it ran).
    'arn:aws:states:::aws-sdk:sfn:describeExecution': async input => {
      throw Object.assign(new Error(`Execution Does Not Exist: '${input.ExecutionArn}'`), { name: 'Sfn.ExecutionDoesNotExistException' });
    },
    ...others,
    'arn:aws:states:::batch:submitJob': input => sim.submitJob(input),
    'arn:aws:states:::batch:submitJob.sync': input => sim.submitJobSync(input),
    'arn:aws:states:::aws-sdk:batch:describeJobs': input => sim.describeJobs(input),
    'arn:aws:states:::aws-sdk:batch:cancelJob': input => sim.cancelJob(input),
    'arn:aws:states:::aws-sdk:batch:terminateJob': input => sim.terminateJob(input),
    'arn:aws:states:::aws-sdk:batch:listJobs': input => sim.listJobs(input),
  };
  const handlers: { [stateName: string]: Handler } = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const handler = byResource[state.Resource];
    if (!handler) throw new Error(`state '${name}' calls ${state.Resource}, which the simulated Batch does not answer`);
    // A `.sync` task's TimeoutSeconds runs on the virtual clock (the emulator's own timer is real time).
    handlers[name] = state.Resource === 'arn:aws:states:::batch:submitJob.sync' && state.TimeoutSeconds !== undefined
      ? input => sim.submitJobSync(input, state.TimeoutSeconds)
      : handler;
  }
  return handlers;
}

/** The resource of the Task states that stand for Wait states, answered on the virtual clock. */
const VIRTUAL_WAIT = 'arn:aws:lambda:eu-central-1:123456789012:function:virtual-wait';

/**
 * A copy of the definition for the emulator, whose timers are real: without the Task states' and the
 * machine's TimeoutSeconds, and with each Wait state replaced by a Task state that waits on the virtual clock.
 */
export function forEmulator(definition: any): any {
  const copy = JSON.parse(JSON.stringify(definition));
  delete copy.TimeoutSeconds;
  const walk = (machine: any) => {
    for (const [name, state] of Object.entries<any>(machine.States)) {
      if (state.Type === 'Task') delete state.TimeoutSeconds;
      if (state.Type === 'Wait') {
        if (state.Seconds === undefined && state.SecondsPath === undefined) throw new Error(`Wait state '${name}' needs Seconds or SecondsPath here`);
        machine.States[name] = {
          Type: 'Task',
          Resource: VIRTUAL_WAIT,
          Parameters: state.Seconds !== undefined ? { seconds: state.Seconds } : { 'seconds.$': state.SecondsPath },
          ResultPath: null,
          ...(state.Next ? { Next: state.Next } : { End: true }),
        };
      }
      for (const branch of state.Branches ?? []) walk(branch);
      if (state.ItemProcessor ?? state.Iterator) walk(state.ItemProcessor ?? state.Iterator);
    }
  };
  walk(copy);
  return copy;
}

/** A run that goes on this long in simulated time is taken to be stuck. */
const MAX_SIMULATED_SECONDS = 60 * 86400;

/** Lets every pending promise chain and I/O callback run, until nothing new happens. */
async function quiesce(activity: () => number): Promise<void> {
  let before: number;
  do {
    before = activity();
    for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve));
  } while (activity() !== before);
}

/**
 * Executes the definition against the simulated Batch. The virtual clock moves only when the state machine is
 * idle (every branch waits on Batch), so Step Functions' own work takes no simulated time and the duration is
 * exactly what Batch's scheduling makes it.
 */
export async function runWorkflow(definition: any, sim: BatchSimulator, options: RunOptions = {}): Promise<WorkflowRun> {
  const emulated = forEmulator(definition);
  const handlers = batchHandlers(definition, sim);
  // The Wait states, now Task states, wait on the virtual clock.
  for (const [name, state] of allStates(definition)) {
    if (state.Type === 'Wait') handlers[name] = (input: any) => sim.clock.sleep(input.seconds);
  }
  let activity = 0;
  const counted: { [name: string]: Handler } = {};
  for (const [name, handler] of Object.entries(handlers)) {
    counted[name] = async input => {
      activity++;
      try {
        return await handler(input);
      } finally {
        activity++;
      }
    };
  }
  // Retries wait for real otherwise; their waits are not what is measured.
  const retryIntervalOverrides: { [name: string]: number } = {};
  for (const [name, state] of allStates(emulated)) if (state.Retry) retryIntervalOverrides[name] = 0;

  // TimeoutSeconds is enforced on the virtual clock above; the emulator would set a real timer (and Node fires a
  // timer of more than 24.8 days at once), so it gets the definition without them.
  const machine = new StateMachine(emulated);
  const startedAt = sim.clock.now;
  // The run's start date comes from `$$.Execution.StartTime`: pinned, never the day the test runs.
  const execution: any = startAt(options.startTime ?? '2024-05-01T03:00:00.000Z',
    () => machine.run(inputOf(options), {
      overrides: { taskResourceLocalHandlers: counted, retryIntervalOverrides },
      context: { Execution: { Id: options.executionArn ?? EXECUTION_ARN, Name: (options.executionArn ?? EXECUTION_ARN).split(':').pop() } },
    }));

  const statesEntered: string[] = [];
  // When a Parallel state fails, Step Functions stops its other branches, and with them the `.sync` tasks
  // that wait for Batch jobs; it terminates those jobs, with the status reason it gives a job whose execution
  // was stopped (https://stackoverflow.com/questions/45596276).
  void (async () => {
    for await (const event of execution.eventLogs) {
      activity++;
      if (event.type === 'StateEntered') statesEntered.push(event.state.name);
      if (event.type === 'StateFailed' && event.state?.type === 'Parallel') {
        sim.stopOpenWaits(`The Task state in AWS Step Functions execution [${EXECUTION_ARN}] which was managing this resource was aborted`, sim.syncStopTerminates);
      }
    }
  })();

  let settled = false;
  let outcome: { output?: any; error?: any } = {};
  let stopped = false;
  if (options.stopAfter !== undefined) {
    sim.clock.schedule(options.stopAfter, () => {
      if (settled) return;
      stopped = true;
      execution.abort();
      // A stopped execution stops its .sync tasks; whether Step Functions then terminates their jobs is not verified.
      sim.stopOpenWaits(`The Task state in AWS Step Functions execution [${EXECUTION_ARN}] which was managing this resource was aborted`, sim.syncStopTerminates);
    });
  }
  execution.result.then(
    (output: any) => { outcome = { output }; settled = true; },
    (error: any) => { outcome = { error }; settled = true; },
  );
  while (!settled) {
    await quiesce(() => activity);
    if (settled) break;
    if (!sim.clock.advance() || sim.clock.now - startedAt > MAX_SIMULATED_SECONDS) {
      await quiesce(() => activity);
      if (!settled) {
        execution.abort();
        // Ends the tasks still waiting, so that the emulator clears their timers.
        sim.stopOpenWaits('the simulated run was stuck and is abandoned');
        throw new Error('the workflow is stuck: nothing is scheduled and the execution has not ended');
      }
    }
  }
  await quiesce(() => activity);
  const duration = sim.clock.now - startedAt;
  if (stopped) return { status: 'ABORTED', duration, statesEntered };
  if (outcome.error === undefined) return { status: 'SUCCEEDED', output: outcome.output, duration, statesEntered };
  const error = outcome.error;
  if (!(error instanceof ExecutionError)) throw error;
  const cause = (error as any).cause;
  return {
    status: 'FAILED',
    error: cause?.name ?? String(error),
    cause: cause?.message,
    duration,
    statesEntered,
  };
}
