/** `logs`: a job's CloudWatch log streams, every attempt in order, and with `--follow` the new lines as they come. */
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CliError } from './errors';
import { describeRunJobs, jobRow, JobRow, runTag } from './jobs';
import { Platform, requireOutput } from './platform';
import { jobWorkflowExecutionOf } from './runs';
import { Io } from './status';

async function jobOfRun(batch: BatchClient, platform: Platform, runArn: string, job: string): Promise<JobRow> {
  const jobWorkflowRun = jobWorkflowExecutionOf(platform, runArn);
  const tag = runTag(jobWorkflowRun);
  const rows = (await describeRunJobs(batch, platform.jobQueue, jobWorkflowRun)).map(d => jobRow(d, tag));
  const found = rows.filter(r => r.name === job);
  if (found.length === 0) {
    const names = rows.map(r => r.name);
    throw new CliError(`the run has no job '${job}'${names.length ? `: its jobs are ${names.join(', ')}` : ' submitted yet'}`);
  }
  return found[found.length - 1];
}

/** Reads a stream from `token` (or its start) to its current end; returns the token to go on from. */
async function readStream(cwl: CloudWatchLogsClient, group: string, stream: string, token: string | undefined, io: Io): Promise<string | undefined> {
  let next = token;
  for (;;) {
    const page = await cwl.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: next }));
    for (const e of page.events ?? []) io.out(`${new Date(e.timestamp ?? 0).toISOString()} ${e.message ?? ''}`);
    // GetLogEvents: "If you have reached the end of the stream, it returns the same token you passed in."
    if (page.nextForwardToken === next || (page.events ?? []).length === 0) return page.nextForwardToken ?? next;
    next = page.nextForwardToken;
  }
}

/** How many looks `--follow` waits for a job the run has not submitted yet. */
export const SUBMIT_WAIT_LOOKS = 120;

/** The job; with `follow`, waits (up to SUBMIT_WAIT_LOOKS looks) for a run that has not submitted it yet. */
async function firstLook(batch: BatchClient, platform: Platform, runArn: string, job: string, options: LogsOptions, io: Io): Promise<JobRow> {
  for (let look = 1; ; look++) {
    try {
      return await jobOfRun(batch, platform, runArn, job);
    } catch (e) {
      if (!options.follow || !(e instanceof CliError) || !/submitted yet/.test(e.message) || look >= SUBMIT_WAIT_LOOKS) throw e;
      if (look === 1) io.out(`waiting for the run to submit ${job} ...`);
      await io.sleep(options.intervalSeconds * 1000);
    }
  }
}

export interface LogsOptions {
  readonly follow: boolean;
  readonly intervalSeconds: number;
}

const ENDED = ['SUCCEEDED', 'FAILED'];

/** Prints every attempt's stream; with `follow`, keeps reading until the job has ended. Returns the exit code. */
export async function logs(batch: BatchClient, cwl: CloudWatchLogsClient, platform: Platform, runArn: string, job: string,
  options: LogsOptions, io: Io): Promise<number> {
  const group = requireOutput(platform, 'jobLogGroupName');
  const tokens = new Map<string, string | undefined>();
  let row = await firstLook(batch, platform, runArn, job, options, io);
  for (;;) {
    for (const [i, stream] of row.logStreams.entries()) {
      if (!tokens.has(stream)) io.out(`--- ${job} attempt ${i + 1}: ${group} ${stream} ---`);
      tokens.set(stream, await readStream(cwl, group, stream, tokens.get(stream), io));
    }
    if (!options.follow || ENDED.includes(row.status)) break;
    await io.sleep(options.intervalSeconds * 1000);
    row = await jobOfRun(batch, platform, runArn, job);
  }
  if (row.logStreams.length === 0) io.out(`${job} has no log stream yet (${row.status}): it has not started`);
  io.out(`--- ${job}: ${row.status}${row.exitCode !== undefined ? `, exit code ${row.exitCode}` : ''}${row.statusReason ? `, ${row.statusReason}` : ''} ---`);
  return 0;
}
