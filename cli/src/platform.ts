/**
 * Finds a deployed platform by its stack name: the stack outputs name every state machine, queue and log group the
 * commands use.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './errors';

/** The outputs a platform stack has always had (the Python app's six); two of them identify it. */
export const REQUIRED_OUTPUTS = ['StepFunctionsStateMachineARN', 'BatchJobQueueName'] as const;

/** A deployed platform, as its stack outputs describe it. */
export interface Platform {
  readonly stackName: string;
  readonly region: string;
  /** The state machine runs, resumes and (in dev) backfills are started with: output `StepFunctionsStateMachineARN`. */
  readonly runStateMachineArn: string;
  /** The job workflow, whose executions submit the jobs: output `JobWorkflowStateMachineARN` (missing in older stacks). */
  readonly jobWorkflowArn?: string;
  /** The backfill state machine: output `BackfillStateMachineARN` (missing in older stacks). */
  readonly backfillStateMachineArn?: string;
  readonly jobQueue: string;
  /** Output `JobLogGroupName` (missing in older stacks). */
  readonly jobLogGroupName?: string;
  /** Every output, by key. */
  readonly outputs: { readonly [key: string]: string };
}

/** Whether runs go through a run workflow around the job workflow (dev's on-demand egress). */
export function hasRunWorkflow(platform: Platform): boolean {
  return platform.jobWorkflowArn !== undefined && platform.jobWorkflowArn !== platform.runStateMachineArn;
}

/** The value of an output a newer platform has, or an error that says the stack is older. */
export function requireOutput(platform: Platform, key: 'jobWorkflowArn' | 'backfillStateMachineArn' | 'jobLogGroupName'): string {
  const value = platform[key];
  if (value !== undefined) return value;
  const output = { jobWorkflowArn: 'JobWorkflowStateMachineARN', backfillStateMachineArn: 'BackfillStateMachineARN', jobLogGroupName: 'JobLogGroupName' }[key];
  throw new CliError(`stack '${platform.stackName}' has no output ${output}: it was deployed with an older @sanders/batch-platform. `
    + 'Upgrade the library in the app and deploy it again (cdk deploy) to use this command');
}

/** Reads the stack's outputs; a stack without the platform's outputs is refused, naming what it lacks. */
export async function findPlatform(cfn: CloudFormationClient, stackName: string, region: string): Promise<Platform> {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  if (!stack) throw new CliError(`stack '${stackName}' not found in region ${region}: pass --region <the region it is deployed in>`);
  const outputs: { [key: string]: string } = {};
  for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
  const missing = REQUIRED_OUTPUTS.filter(k => outputs[k] === undefined);
  if (missing.length > 0) {
    throw new CliError(`stack '${stackName}' is not a @sanders/batch-platform stack: it has no output ${missing.join(' or ')} `
      + `(its outputs: ${Object.keys(outputs).sort().join(', ') || 'none'}). Pass --stack <the stack that holds SandersBatchPlatform>, `
      + 'e.g. SandersCustomerPlatformStack-dev, and createOutputs must not be false');
  }
  return {
    stackName,
    region,
    runStateMachineArn: outputs.StepFunctionsStateMachineARN,
    jobWorkflowArn: outputs.JobWorkflowStateMachineARN,
    backfillStateMachineArn: outputs.BackfillStateMachineARN,
    jobQueue: outputs.BatchJobQueueName,
    jobLogGroupName: outputs.JobLogGroupName,
    outputs,
  };
}
