/**
 * A synthesized platform's state machines as SimulatedStepFunctions runs them: ARNs and names written as AWS resolves
 * them (`${AWS::Partition}` is aws), each definition with its tokens resolved.
 */
import { SimMachine } from './step-functions';
import { definitionOf, stateMachines, tokenPlaceholder } from '../templates';

/** The simulated account's Step Functions ARNs. */
export const STATES = 'arn:aws:states:eu-central-1:123456789012';

export interface PlatformMachines {
  readonly machines: { [arn: string]: SimMachine };
  /** State machine ARNs by role. */
  readonly jobWorkflow: string;
  readonly cleanup: string;
  readonly run?: string;
  readonly backfill: string;
}

/** The platform's state machines, with ARNs and names written as AWS resolves them (`${AWS::Partition}` is aws). */
export function platformMachines(template: any): PlatformMachines {
  const found = stateMachines(template);
  const names = Object.fromEntries(found.map(([id, sm]) => [id, sm.Properties.StateMachineName as string]));
  const arn = (id: string) => `${STATES}:stateMachine:${names[id]}`;
  const write = (token: any): string => {
    if (token.Ref === 'AWS::Partition') return 'aws';
    if (token.Ref && names[token.Ref]) return arn(token.Ref);
    // `Fn::Select [6, Fn::Split [':', Ref machine]]`: the machine's name, in the ARNs of its executions.
    const select = token['Fn::Select'];
    if (select?.[0] === 6 && names[select[1]['Fn::Split']?.[1]?.Ref]) return names[select[1]['Fn::Split'][1].Ref];
    return tokenPlaceholder(token);
  };
  const machines = Object.fromEntries(found.map(([id, sm]) => [arn(id), { name: names[id], definition: definitionOf(sm, write) }]));
  const only = (pattern: RegExp) => found.filter(([id]) => pattern.test(id)).map(([id]) => arn(id));
  return { machines, jobWorkflow: only(/^PlatformWorkflow[0-9A-F]{8}$/)[0], cleanup: only(/RunCleanup/)[0], run: only(/RunWorkflow/)[0], backfill: only(/Backfill/)[0] };
}

