/**
 * Several state machines executing together in aws-local-stepfunctions, as Step Functions runs them: a Task
 * `states:startExecution.sync:2` starts an execution of another definition (e.g. the backfill starts the job
 * workflow per date) and waits for it; every Batch call of every execution goes to one `BatchSimulator`, on
 * its virtual clock, which moves only when every execution is idle. Each execution is recorded (name, input,
 * status, start and stop in simulated seconds), so tests can measure how many ran at once.
 *
 * What Step Functions returns for `.sync:2`: the child's DescribeExecution with `Input` and `Output` as JSON;
 * for a child that did not succeed, the task fails with `States.TaskFailed` and that description (`Status`,
 * `Error`, `Cause`) as JSON text in the cause.
 *
 * `stop(arn)` is StopExecution ("Stops an execution.", API reference, StopExecution): the execution runs no state
 * any more and is ABORTED. What that does to a child it started with `.sync:2` is not documented: `childOnStop`
 * runs either reading. The Batch jobs of its `.sync` tasks are left to run (workflow-definition.ts relies on no
 * stopped `.sync` task ending its job). `onEnd` stands for an EventBridge rule on "Step Functions Execution Status
 * Change" events, sent "when an execution's status changes" (developer guide, EventBridge events of Step Functions).
 */
import { BatchSimulator } from './batch-simulator';
import { ClaimTable } from './claim-table';
import { startAt } from './fixed-start-time';
import { ExecutionError, StateMachine } from './local-stepfunctions';
import { batchHandlers, forEmulator } from './run-workflow';
import { allStates } from '../templates';


/** A state machine the simulation knows, by the ARN (or template placeholder) that definitions name it with. */
export interface SimMachine {
  readonly name: string;
  readonly definition: any;
}

export interface SimExecution {
  readonly arn: string;
  readonly name: string;
  readonly machine: string;
  readonly input: any;
  readonly startedAt: number;
  /** ABORTED after `stop`; TIMED_OUT only for records a test puts in `executions`. */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  stoppedAt?: number;
  output?: any;
  error?: string;
  cause?: string;
  readonly statesEntered: string[];
  /** The execution that started it with `.sync:2`. */
  readonly parent?: string;
  /** Every state that failed (caught or not), with its error. */
  readonly failures?: Array<{ state: string; error: string; cause?: string }>;
}

const ACCOUNT = 'arn:aws:states:eu-central-1:123456789012';

/** The emulator's state machine of each definition, built (and validated, the costly part) once. */
const EMULATED = new WeakMap<object, any>();
function emulatedOf(definition: any): any {
  if (!EMULATED.has(definition)) {
    EMULATED.set(definition, new StateMachine(forEmulator(definition), { validationOptions: { checkPaths: false, checkArn: false } }));
  }
  return EMULATED.get(definition);
}
type Handler = (input: any) => Promise<any>;

/** A fault of the StartExecution call itself, after which the caller's retrier decides. */
export interface StartFault {
  /** The error name Step Functions raises in the calling task. */
  readonly error: string;
  /** The execution was started, but its answer was lost (a 5xx or a timeout after the service acted). */
  readonly afterStart?: boolean;
}

/** Decides whether the `attempt`-th (from 1) StartExecution of an execution name fails. */
export type StartFaults = (call: { machine: string; name: string; attempt: number }) => StartFault | undefined;

export class SimulatedStepFunctions {
  public readonly executions: SimExecution[] = [];
  /** Every StartExecution call made by a `.sync:2` task, with what it answered. */
  public readonly startCalls: Array<{ machine: string; name: string; answer: string }> = [];
  /** Faults of StartExecution calls made by `.sync:2` tasks. @default - none */
  public startFaults?: StartFaults;
  /**
   * How the SDK integration's DescribeExecution renders `StartDate` in the state data, which AWS does not document:
   * an ISO 8601 text, or epoch seconds (as the JSON wire protocol sends it). @default 'iso'
   */
  public startDateAs: 'iso' | 'epoch' = 'iso';
  /**
   * The error name of the SDK integration's DescribeExecution / StopExecution of an execution that does not exist:
   * "Step Functions ... error names ... prefixed with the service name" (developer guide, SDK service integrations)
   * gives `Sfn.` as the SDK's service ID writes it, but the capitalisation Step Functions uses is not documented, so
   * both spellings run. @default 'Sfn.ExecutionDoesNotExistException'
   */
  public noSuchExecution: 'Sfn.ExecutionDoesNotExistException' | 'SFN.ExecutionDoesNotExistException' = 'Sfn.ExecutionDoesNotExistException';
  /** The date claims every execution shares (run-claim.ts). */
  public readonly claims = new ClaimTable();
  /** What StopExecution of a parent does to a child it started with `.sync:2` (not documented). @default 'keep' */
  public childOnStop: 'stop' | 'keep' = 'keep';
  /** Called once when an execution ends, whatever its status (an EventBridge rule on status changes). */
  public onEnd?: (execution: SimExecution) => void;
  /** Called for each state an execution enters (e.g. to stop it there). */
  public onStateEntered?: (execution: SimExecution, state: string) => void;
  private activity = 0;
  private readonly ended = new Map<string, Promise<SimExecution>>();
  private readonly aborts = new Map<string, () => void>();

  /** `services` answers further Task resources (e.g. EC2's SDK integration), by resource. */
  constructor(
    public readonly sim: BatchSimulator,
    private readonly machines: { [arn: string]: SimMachine },
    private readonly services: { [resource: string]: Handler } = {},
  ) {}

  /**
   * StopExecution: the execution is ABORTED at once and runs no further state; with `childOnStop: 'stop'` its
   * running `.sync:2` children are stopped too. An execution that has ended is left as it is.
   */
  public stop(arn: string, error?: string, cause?: string): { StopDate: string } {
    const e = this.executions.find(x => x.arn === arn);
    if (!e) throw Object.assign(new Error(`Execution Does Not Exist: '${arn}'`), { name: this.noSuchExecution });
    const stopDate = { StopDate: new Date(Date.UTC(2024, 4, 1, 3) + this.sim.clock.now * 1000).toISOString() };
    if (e.status !== 'RUNNING') return stopDate;
    Object.assign(e, { status: 'ABORTED', stoppedAt: this.sim.clock.now, error, cause });
    this.activity++;
    this.aborts.get(arn)!();
    if (this.childOnStop === 'stop') {
      for (const child of this.executions.filter(x => x.parent === arn && x.status === 'RUNNING')) this.stop(child.arn, error, cause);
    }
    this.onEnd?.(e);
    return stopDate;
  }

  /** The name of the state machine an execution ran. */
  public machineName(e: SimExecution): string {
    return this.machines[e.machine].name;
  }

  /** The most executions of a state machine that were RUNNING at the same simulated time. */
  public peakConcurrency(machine: string): number {
    const edges = this.executions.filter(e => e.machine === machine)
      .flatMap(e => [[e.startedAt, 1], [e.stoppedAt ?? Infinity, -1]] as Array<[number, number]>)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let peak = 0;
    for (const [, d] of edges) peak = Math.max(peak, (open += d));
    return peak;
  }

  /** Runs an execution to its end (and every execution it starts), moving the virtual clock. */
  public async run(machineArn: string, input: any, name = 'simulated-run'): Promise<SimExecution> {
    let settled = false;
    const done = this.start(machineArn, name, input).then(e => { settled = true; return e; });
    while (!settled) {
      await this.quiesce();
      if (settled) break;
      if (!this.sim.clock.advance()) {
        await this.quiesce();
        if (!settled) throw new Error('the executions are stuck: nothing is scheduled and the execution has not ended');
      }
    }
    return done;
  }

  /** Moves the clock until every execution started so far has ended. */
  public async settle(): Promise<void> {
    await this.runUntil(() => !this.executions.some(e => e.status === 'RUNNING'));
  }

  /** Moves the clock until `done()` holds, looking whenever every execution is idle. */
  public async runUntil(done: () => boolean): Promise<void> {
    while (!done()) {
      await this.quiesce();
      if (done()) break;
      if (!this.sim.clock.advance()) {
        await this.quiesce();
        if (!done()) throw new Error('the executions are stuck: nothing is scheduled and some have not ended');
      }
    }
  }

  /** Starts an execution; resolves when it has ended. */
  public start(machineArn: string, name: string, input: any, parent?: string): Promise<SimExecution> {
    const machine = this.machines[machineArn];
    if (!machine) throw new Error(`no state machine ${machineArn} in the simulation`);
    const arn = `${ACCOUNT}:execution:${machine.name}:${name}`;
    const existing = this.executions.find(e => e.arn === arn);
    if (existing) {
      // StartExecution: "if you call StartExecution with the same name and input as a running execution, the call
      // succeeds and return the same response as the original request. If the execution is closed or if the input
      // is different, it returns a 400 ExecutionAlreadyExists error. You can reuse names after 90 days." (The
      // simulated runs last days, never 90: a name is never reused here.)
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return this.ended.get(arn)!;
      throw Object.assign(new Error(`Execution Already Exists: '${arn}'`), { name: 'StepFunctions.ExecutionAlreadyExistsException' });
    }
    const failures: Array<{ state: string; error: string; cause?: string }> = [];
    const record: SimExecution = { arn, name, machine: machineArn, input, startedAt: this.sim.clock.now, status: 'RUNNING', statesEntered: [], parent, failures };
    this.executions.push(record);
    const emulated = emulatedOf(machine.definition);
    const retryIntervalOverrides: { [name: string]: number } = {};
    for (const [state, s] of allStates(machine.definition)) if (s.Retry) retryIntervalOverrides[state] = 0;
    const execution: any = startAt(new Date(Date.UTC(2024, 4, 1, 3) + this.sim.clock.now * 1000), () => emulated.run(input, {
      overrides: { taskResourceLocalHandlers: this.handlers(machine.definition, arn), retryIntervalOverrides },
      // The context object's `StateMachine` and `State.EnteredTime` (developer guide, "Accessing the Context object"),
      // which the emulator leaves out: each state is given the execution's start as its entry time.
      context: {
        Execution: { Id: arn, Name: name, Input: input },
        StateMachine: { Id: machineArn, Name: machine.name },
        State: { Name: '', EnteredTime: new Date(Date.UTC(2024, 4, 1, 3) + this.sim.clock.now * 1000).toISOString() },
      },
    }));
    void (async () => {
      for await (const event of execution.eventLogs) {
        this.activity++;
        if (record.status !== 'RUNNING') continue;
        if (event.type === 'StateEntered') {
          record.statesEntered.push(event.state.name);
          this.onStateEntered?.(record, event.state.name);
        }
        if (event.type === 'StateFailed') failures.push({ state: event.state.name, error: event.Error, cause: event.Cause });
      }
    })();
    this.aborts.set(arn, () => execution.abort());
    const ended = execution.result.then(
      (output: any) => {
        if (record.status !== 'RUNNING') return record;
        Object.assign(record, { status: 'SUCCEEDED', output, stoppedAt: this.sim.clock.now });
        this.onEnd?.(record);
        return record;
      },
      (error: any) => {
        if (record.status !== 'RUNNING') return record;
        if (!(error instanceof ExecutionError)) throw error;
        const cause = (error as any).cause;
        Object.assign(record, { status: 'FAILED', error: cause?.name ?? String(error), cause: cause?.message, stoppedAt: this.sim.clock.now });
        this.onEnd?.(record);
        return record;
      },
    );
    this.ended.set(arn, ended);
    return ended;
  }

  /** StartExecution as a `.sync:2` task makes it, with the faults of `startFaults`. */
  private startFromTask(machine: string, name: string, input: any, parent: string): Promise<SimExecution> {
    const attempt = this.startCalls.filter(c => c.machine === machine && c.name === name).length + 1;
    const fault = this.startFaults?.({ machine, name, attempt });
    if (fault && !fault.afterStart) {
      this.startCalls.push({ machine, name, answer: fault.error });
      throw Object.assign(new Error(`simulated ${fault.error}`), { name: fault.error });
    }
    let started: Promise<SimExecution>;
    try {
      started = this.start(machine, name, input, parent);
    } catch (e: any) {
      this.startCalls.push({ machine, name, answer: e.name });
      throw e;
    }
    this.startCalls.push({ machine, name, answer: fault ? fault.error : 'started' });
    if (fault) throw Object.assign(new Error(`simulated ${fault.error} after the execution started`), { name: fault.error });
    return started;
  }

  /** DescribeExecution, as `.sync:2` returns it. */
  private describe(e: SimExecution): any {
    return {
      ExecutionArn: e.arn,
      Name: e.name,
      StateMachineArn: e.machine,
      Status: e.status,
      Input: e.input,
      ...(e.output !== undefined ? { Output: e.output } : {}),
      ...(e.error !== undefined ? { Error: e.error, Cause: e.cause ?? '' } : {}),
    };
  }

  /** The simulated Batch's handlers, and `startExecution.sync:2`, each counted as activity. */
  private handlers(definition: any, self: string): { [state: string]: Handler } {
    const handlers = batchHandlers(definition, this.sim, {
      ...this.services,
      'arn:aws:states:::dynamodb:putItem': async i => this.claims.putItem(i),
      'arn:aws:states:::dynamodb:getItem': async i => this.claims.getItem(i),
      'arn:aws:states:::dynamodb:deleteItem': async i => this.claims.deleteItem(i),
      'arn:aws:states:::aws-sdk:sfn:stopExecution': async i => this.stop(i.ExecutionArn, i.Error, i.Cause),
      // ListExecutions: "Lists all executions of a state machine", filtered by `statusFilter`, newest first (API reference).
      'arn:aws:states:::aws-sdk:sfn:listExecutions': async i => ({
        Executions: this.executions.filter(e => e.machine === i.StateMachineArn && (!i.StatusFilter || e.status === i.StatusFilter))
          .slice(-(i.MaxResults || 1000)).reverse()
          .map(e => ({ ExecutionArn: e.arn, Name: e.name, StateMachineArn: e.machine, Status: e.status })),
      }),
      // The SDK integration's DescribeExecution: `Input` is the JSON text of the input (API reference, DescribeExecution).
      'arn:aws:states:::aws-sdk:sfn:describeExecution': async i => {
        const e = this.executions.find(x => x.arn === i.ExecutionArn);
        if (!e) throw Object.assign(new Error(`Execution Does Not Exist: '${i.ExecutionArn}'`), { name: this.noSuchExecution });
        const start = Date.UTC(2024, 4, 1, 3) + e.startedAt * 1000;
        return {
          ExecutionArn: e.arn,
          Name: e.name,
          StateMachineArn: e.machine,
          Status: e.status,
          Input: JSON.stringify(e.input),
          StartDate: this.startDateAs === 'iso' ? new Date(start).toISOString() : start / 1000,
        };
      },
      'arn:aws:states:::states:startExecution.sync:2': async i => {
        const ended = await this.startFromTask(i.StateMachineArn, i.Name, i.Input, self);
        if (ended.status === 'SUCCEEDED') return this.describe(ended);
        throw Object.assign(new Error(JSON.stringify(this.describe(ended))), { name: 'States.TaskFailed' });
      },
    });
    for (const [name, state] of allStates(definition)) {
      if (state.Type === 'Wait') handlers[name] = (input: any) => this.sim.clock.sleep(input.seconds);
    }
    const counted: { [state: string]: Handler } = {};
    for (const [name, h] of Object.entries(handlers)) {
      counted[name] = async input => {
        // A stopped execution runs no further state, so calls nothing. (The emulator's Map still starts an iteration
        // queued behind MaxConcurrency after an abort: its first state runs before it looks at the abort signal.)
        if (this.executions.find(e => e.arn === self)?.status === 'ABORTED') return new Promise(() => {});
        this.activity++;
        try {
          return await h(input);
        } finally {
          this.activity++;
        }
      };
    }
    return counted;
  }

  private async quiesce(): Promise<void> {
    let before: number;
    do {
      before = this.activity;
      for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve));
    } while (this.activity !== before);
  }
}
