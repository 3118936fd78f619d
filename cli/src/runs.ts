/**
 * Starting runs, backfills and resumes, and finding a run by its date. Runs, resumes and, in dev, backfills are
 * started with the state machine of output `StepFunctionsStateMachineARN`; in prod a backfill is an execution of
 * the backfill state machine (docs/operations.md, "Backfill and resume").
 */
import { DescribeExecutionCommand, DescribeExecutionCommandOutput, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { checkRegion, executionArnOf, stateMachineName } from './arns';
import { CliError } from './errors';
import { hasRunWorkflow, Platform, requireOutput } from './platform';

/** The date format every input takes (YYYY-MM-DD, a real calendar date). */
export function checkDate(value: string, option: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!ok) throw new CliError(`${option} '${value}' is not a date: use YYYY-MM-DD, e.g. 2026-01-31`);
  return value;
}

/** A unique execution name: the kind, the date and the start time (names are unique per state machine for 90 days). */
export function executionName(kind: string, date: string, now: Date): string {
  return `${kind}-${date}-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17)}`;
}

export async function startRun(sfn: SFNClient, platform: Platform, date: string, now: Date): Promise<string> {
  const out = await sfn.send(new StartExecutionCommand({
    stateMachineArn: platform.runStateMachineArn, name: executionName('run', date, now), input: JSON.stringify({ date }),
  }));
  return out.executionArn!;
}

export interface BackfillOptions {
  readonly from: string;
  readonly to: string;
  readonly maxConcurrency: number;
  readonly stopOnFailure: boolean;
}

export async function startBackfill(sfn: SFNClient, platform: Platform, options: BackfillOptions, now: Date): Promise<string> {
  if (options.to < options.from) throw new CliError(`--to ${options.to} is before --from ${options.from}: swap them`);
  if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1 || options.maxConcurrency > 40) {
    throw new CliError(`--concurrency '${options.maxConcurrency}' must be a whole number from 1 to 40 (Step Functions runs at most 40 Map iterations at once)`);
  }
  const body = { from: options.from, to: options.to, maxConcurrency: options.maxConcurrency, stopOnFailure: options.stopOnFailure };
  const name = executionName('backfill', `${options.from}-to-${options.to}`, now);
  const [stateMachineArn, input] = hasRunWorkflow(platform)
    ? [platform.runStateMachineArn, { backfill: body }]
    : [requireOutput(platform, 'backfillStateMachineArn'), body];
  const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  return out.executionArn!;
}

/** Resumes a failed run (its job workflow execution, or in dev its run workflow execution) for its date. */
export async function startResume(sfn: SFNClient, platform: Platform, failedRunArn: string, now: Date): Promise<string> {
  checkRegion(failedRunArn, platform.region);
  const failed = await sfn.send(new DescribeExecutionCommand({ executionArn: failedRunArn }));
  if (failed.status === 'RUNNING' || failed.status === 'SUCCEEDED' || failed.status === 'PENDING_REDRIVE') {
    throw new CliError(`the run ${failedRunArn} is ${failed.status}: only a run that ended FAILED, TIMED_OUT or ABORTED can be resumed`);
  }
  const date = runDate(failed);
  const out = await sfn.send(new StartExecutionCommand({
    stateMachineArn: platform.runStateMachineArn,
    name: executionName('resume', date ?? 'run', now),
    input: JSON.stringify({ ...(date ? { date } : {}), resumeFrom: failedRunArn }),
  }));
  return out.executionArn!;
}

/**
 * The date a run processes: its input's `date`, else the UTC date of a schedule's `scheduledTime`, else the UTC
 * date it started (docs/operations.md, "Run date").
 */
export function runDate(execution: Pick<DescribeExecutionCommandOutput, 'input' | 'startDate'>): string | undefined {
  let input: any = {};
  try {
    input = JSON.parse(execution.input ?? '{}');
  } catch {
    input = {};
  }
  if (typeof input?.date === 'string') return input.date;
  if (typeof input?.scheduledTime === 'string') return input.scheduledTime.slice(0, 10);
  return execution.startDate?.toISOString().slice(0, 10);
}

/** How many of a state machine's newest executions `--date` looks through. */
export const DATE_SEARCH_LIMIT = 500;

/**
 * The newest job workflow execution of a date (with `statusFilter`, of that status): every run of the date is one,
 * backfilled dates included. Step Functions lists executions newest first and without their input, so each is
 * described until one of the date is found.
 */
export async function findRunByDate(sfn: SFNClient, platform: Platform, date: string, statusFilter?: 'FAILED'): Promise<string> {
  const jobWorkflow = requireOutput(platform, 'jobWorkflowArn');
  let nextToken: string | undefined;
  let seen = 0;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: jobWorkflow, statusFilter, nextToken, maxResults: 100 }));
    for (const e of page.executions ?? []) {
      if (seen++ >= DATE_SEARCH_LIMIT) break;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }));
      if (runDate(described) === date) return e.executionArn!;
    }
    nextToken = page.nextToken;
  } while (nextToken && seen < DATE_SEARCH_LIMIT);
  const what = statusFilter ? 'failed run' : 'run';
  throw new CliError(`no ${what} of ${date} among the newest ${Math.min(seen, DATE_SEARCH_LIMIT)} runs of ${stateMachineName(jobWorkflow)}: `
    + `start one with batch-platform run --date ${date}, or pass the run's execution ARN`);
}

/**
 * The job workflow execution of a run: the run itself, or in dev the job workflow the run workflow started under
 * its own execution name.
 */
export function jobWorkflowExecutionOf(platform: Platform, runArn: string): string {
  const { stateMachineName: machine, name } = checkRegion(runArn, platform.region);
  const jobWorkflow = requireOutput(platform, 'jobWorkflowArn');
  if (machine === stateMachineName(jobWorkflow)) return runArn;
  if (machine === stateMachineName(platform.runStateMachineArn)) return executionArnOf(jobWorkflow, name);
  throw new CliError(`${runArn} is not a run of stack '${platform.stackName}': its state machine ${machine} is neither `
    + `${stateMachineName(platform.runStateMachineArn)} nor ${stateMachineName(jobWorkflow)}`);
}
