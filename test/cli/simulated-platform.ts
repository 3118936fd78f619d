/**
 * A deployed platform, simulated: the state machines of a synthesized template executed in aws-local-stepfunctions on
 * the simulated Batch (scripts/lib/sim), its stack outputs as CloudFormation would resolve them, its job logs, and a
 * driver that moves the virtual clock on while executions run, so that a client polling in real time sees a run go by.
 */
import { BatchSimulator, BatchSimulatorOptions } from '../../scripts/lib/sim/batch-simulator';
import { SimulatedStepFunctions, SimMachine } from '../../scripts/lib/sim/step-functions';
import { definitionOf, resourcesOfType, TemplateJson } from '../../scripts/lib/templates';

export const REGION = 'eu-central-1';
export const ACCOUNT = '123456789012';
/** Where the simulated clock starts, as the simulator's job times and SimulatedStepFunctions' start times count from it. */
export const EPOCH_MS = Date.UTC(2024, 4, 1, 3, 0, 0);

/** The ARN of a state machine resource of the template, from its StateMachineName. */
function stateMachineArn(resource: any): string {
  return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${resource.Properties.StateMachineName}`;
}

/** What CloudFormation gives for a `Ref` of each resource type the outputs name. */
function refValue(template: any, id: string): string {
  const r = template.Resources[id];
  const p = r?.Properties ?? {};
  switch (r?.Type) {
    case 'AWS::StepFunctions::StateMachine': return stateMachineArn(r);
    case 'AWS::Batch::JobQueue': return p.JobQueueName;
    case 'AWS::S3::Bucket': return p.BucketName;
    case 'AWS::DynamoDB::Table': return p.TableName;
    case 'AWS::Logs::LogGroup': return p.LogGroupName;
    case 'AWS::EC2::VPC': return 'vpc-0a1b2c3d4e5f60718';
    default: return id;
  }
}

function resolve(template: any, value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return refValue(template, value.Ref);
  if (value['Fn::GetAtt']) {
    const [id, attribute] = value['Fn::GetAtt'];
    if (attribute === 'RepositoryUri') return `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${template.Resources[id].Properties.RepositoryName}`;
    return `${refValue(template, id)}.${attribute}`;
  }
  if (value['Fn::Join']) return value['Fn::Join'][1].map((p: any) => resolve(template, p)).join(value['Fn::Join'][0]);
  if (value['Fn::Select']) return resolve(template, value['Fn::Select'][1]).split(',')[value['Fn::Select'][0]] ?? '';
  if (value['Fn::Split']) return resolve(template, value['Fn::Split'][1]);
  return JSON.stringify(value);
}

/** The stack's outputs, by key, as DescribeStacks returns them. */
export function stackOutputs(template: TemplateJson & { Outputs?: any }): { [key: string]: string } {
  return Object.fromEntries(Object.entries<any>(template.Outputs ?? {}).map(([k, o]) => [k, resolve(template, o.Value)]));
}

/** The job log group of the template: the one Batch's jobs log to (`/aws/batch/...`). */
export function jobLogGroupName(template: TemplateJson): string {
  const groups = resourcesOfType(template, 'AWS::Logs::LogGroup').map(([, r]) => r.Properties.LogGroupName).filter(n => /^\/aws\/batch\//.test(n));
  if (groups.length !== 1) throw new Error(`expected one /aws/batch/ log group, found ${groups.join(', ')}`);
  return groups[0];
}

/** Every state machine of the template, by ARN, with its definition (a Ref to another state machine written as its ARN). */
export function machinesOf(template: TemplateJson): { [arn: string]: SimMachine & { logicalId: string } } {
  const writeToken = (token: any): string => {
    const r = token.Ref ? (template.Resources ?? {})[token.Ref] : undefined;
    if (r?.Type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(r);
    if (token.Ref) return `\${${token.Ref}}`;
    return `\${${JSON.stringify(token).replace(/[^A-Za-z0-9.]/g, '')}}`;
  };
  return Object.fromEntries(resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([id, r]) => [
    stateMachineArn(r), { logicalId: id, name: r.Properties.StateMachineName, definition: definitionOf(r, writeToken) },
  ]));
}

/** The platform's Step Functions and Batch on one virtual clock, and a driver that moves the clock. */
export class SimulatedPlatform {
  /** Epoch milliseconds of a simulated time. */
  public static epochMs(simSeconds: number): number {
    return EPOCH_MS + simSeconds * 1000;
  }

  public readonly batch: BatchSimulator;
  public readonly sfn: SimulatedStepFunctions;
  public readonly machines: { [arn: string]: SimMachine & { logicalId: string } };
  private driving = false;
  private stopped?: Promise<void>;

  constructor(public readonly template: TemplateJson, batch: BatchSimulatorOptions, public tickMs = 20) {
    this.batch = new BatchSimulator(batch);
    this.machines = machinesOf(template);
    this.sfn = new SimulatedStepFunctions(this.batch, this.machines);
  }

  /**
   * Moves the virtual clock to its next event every `tickMs` of real time while any execution runs. A real-time
   * pause between moves lets the emulator finish its work (promise chains, its own zero-delay timers) first, as
   * SimulatedStepFunctions.run does by waiting until nothing changes.
   */
  public startClock(): void {
    this.driving = true;
    this.stopped = (async () => {
      while (this.driving) {
        await new Promise(done => setTimeout(done, this.tickMs));
        if (this.sfn.executions.some(e => e.status === 'RUNNING')) this.batch.clock.advance();
      }
    })();
  }

  public async stopClock(): Promise<void> {
    this.driving = false;
    await this.stopped;
  }
}
