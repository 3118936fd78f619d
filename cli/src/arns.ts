/** Step Functions ARNs, as the API reference gives their shape: `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`. */
import { CliError } from './errors';

export interface ExecutionArn {
  readonly region: string;
  readonly stateMachineName: string;
  readonly name: string;
}

/** The parts of an execution ARN, or an error that shows the expected shape. */
export function parseExecutionArn(arn: string): ExecutionArn {
  const m = /^arn:[a-z-]+:states:([a-z0-9-]+):\d{12}:execution:([^:]+):([^:]+)$/.exec(arn);
  if (!m) {
    throw new CliError(`'${arn}' is not a run's execution ARN: expected arn:aws:states:<region>:<account>:execution:<state machine>:<name> `
      + '(batch-platform run and resume print it; or use --date YYYY-MM-DD)');
  }
  return { region: m[1], stateMachineName: m[2], name: m[3] };
}

/** The name of a state machine from its ARN. */
export function stateMachineName(stateMachineArn: string): string {
  return stateMachineArn.split(':').pop()!;
}

/** The ARN of an execution of a state machine, by name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** A run's ARN must be in the region the tool talks to: say so instead of "does not exist". */
export function checkRegion(arn: string, region: string): ExecutionArn {
  const parsed = parseExecutionArn(arn);
  if (parsed.region !== region) {
    throw new CliError(`the run ${arn} is in region ${parsed.region}, but the tool is using region ${region}: pass --region ${parsed.region}`);
  }
  return parsed;
}
