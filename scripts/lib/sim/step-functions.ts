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
 */
import { BatchSimulator } from './batch-simulator';
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
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stoppedAt?: number;
  output?: any;
  error?: string;
  cause?: string;
  readonly statesEntered: string[];
}

const ACCOUNT = 'arn:aws:states:eu-central-1:123456789012';
type Handler = (input: any) => Promise<any>;

export class SimulatedStepFunctions {
  public readonly executions: SimExecution[] = [];
  private activity = 0;

  constructor(public readonly sim: BatchSimulator, private readonly machines: { [arn: string]: SimMachine }) {}

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

  /** Starts an execution; resolves when it has ended. */
  public start(machineArn: string, name: string, input: any): Promise<SimExecution> {
    const machine = this.machines[machineArn];
    if (!machine) throw new Error(`no state machine ${machineArn} in the simulation`);
    const arn = `${ACCOUNT}:execution:${machine.name}:${name}`;
    if (this.executions.some(e => e.arn === arn)) {
      throw Object.assign(new Error(`Execution Already Exists: '${arn}'`), { name: 'StepFunctions.ExecutionAlreadyExistsException' });
    }
    const record: SimExecution = { arn, name, machine: machineArn, input, startedAt: this.sim.clock.now, status: 'RUNNING', statesEntered: [] };
    this.executions.push(record);
    const emulated = new StateMachine(forEmulator(machine.definition), { validationOptions: { checkPaths: false, checkArn: false } });
    const retryIntervalOverrides: { [name: string]: number } = {};
    for (const [state, s] of allStates(machine.definition)) if (s.Retry) retryIntervalOverrides[state] = 0;
    const execution: any = startAt(new Date(Date.UTC(2024, 4, 1, 3) + this.sim.clock.now * 1000), () => emulated.run(input, {
      overrides: { taskResourceLocalHandlers: this.handlers(machine.definition), retryIntervalOverrides },
      context: { Execution: { Id: arn, Name: name, Input: input } },
    }));
    void (async () => {
      for await (const event of execution.eventLogs) {
        this.activity++;
        if (event.type === 'StateEntered') record.statesEntered.push(event.state.name);
      }
    })();
    return execution.result.then(
      (output: any) => Object.assign(record, { status: 'SUCCEEDED', output, stoppedAt: this.sim.clock.now }),
      (error: any) => {
        if (!(error instanceof ExecutionError)) throw error;
        const cause = (error as any).cause;
        return Object.assign(record, { status: 'FAILED', error: cause?.name ?? String(error), cause: cause?.message, stoppedAt: this.sim.clock.now });
      },
    );
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
  private handlers(definition: any): { [state: string]: Handler } {
    const handlers = batchHandlers(definition, this.sim, {
      'arn:aws:states:::states:startExecution.sync:2': async i => {
        const ended = await this.start(i.StateMachineArn, i.Name, i.Input);
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
