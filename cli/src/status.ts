/** `status`: a run's state and its jobs, once or (`--watch`) until the run ends. */
import { BatchClient } from '@aws-sdk/client-batch';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describeRunJobs, JobRow, runRows, runTag, workflowJobNames } from './jobs';
import { Platform, requireOutput } from './platform';
import { jobWorkflowExecutionOf } from './runs';

/** What the commands write to and how they wait: the terminal and real time, or a test's. */
export interface Io {
  readonly out: (text: string) => void;
  /** Errors and hints: stderr. */
  readonly err: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

export interface RunStatus {
  readonly runArn: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  readonly jobs: JobRow[];
}

export async function runStatus(sfn: SFNClient, batch: BatchClient, platform: Platform, runArn: string, jobNames: string[]): Promise<RunStatus> {
  const jobWorkflowRun = jobWorkflowExecutionOf(platform, runArn);
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: runArn }));
  const details = await describeRunJobs(batch, platform.jobQueue, jobWorkflowRun);
  return {
    runArn,
    status: execution.status ?? 'UNKNOWN',
    startDate: execution.startDate,
    stopDate: execution.stopDate,
    error: execution.error,
    cause: execution.cause,
    jobs: runRows(details, runTag(jobWorkflowRun), jobNames),
  };
}

/** `1h02m03s`, `4m05s`, `9s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(rest).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

function time(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Left-aligned columns, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A bar of `width` cells, `done` of `total` filled. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} jobs succeeded`;
}

export function renderStatus(s: RunStatus, now: Date): string {
  const end = s.stopDate ?? now;
  const took = s.startDate ? ` after ${formatDuration((end.getTime() - s.startDate.getTime()) / 1000)}` : '';
  const lines = [`run ${s.runArn}`, `${s.status}${took} (started ${s.startDate ? time(s.startDate.getTime()) : '-'} UTC)`];
  lines.push(progressBar(s.jobs.filter(j => j.status === 'SUCCEEDED').length, s.jobs.length));
  lines.push(table(['JOB', 'STATUS', 'ATTEMPTS', 'STARTED (UTC)', 'DURATION', 'EXIT CODE'], s.jobs.map(j => [
    j.name,
    j.status,
    String(j.attempts),
    time(j.startedAt),
    j.startedAt === undefined ? '-' : formatDuration(((j.stoppedAt ?? now.getTime()) - j.startedAt) / 1000),
    j.exitCode === undefined ? '-' : String(j.exitCode),
  ])));
  for (const j of s.jobs.filter(x => x.status === 'FAILED' && x.statusReason)) lines.push(`${j.name}: ${j.statusReason}`);
  if (s.error) lines.push(`error: ${s.error}`, `cause: ${s.cause ?? ''}`);
  return lines.join('\n');
}

export interface WatchOptions {
  readonly watch: boolean;
  /** Seconds between looks. */
  readonly intervalSeconds: number;
}

/**
 * Shows a run's status; with `watch`, again whenever it changes, until the run ends. Returns the exit code: 0 when
 * the run succeeded or is still running (without `watch`), 1 when it failed, timed out or was aborted.
 */
export async function status(sfn: SFNClient, batch: BatchClient, platform: Platform, runArn: string, options: WatchOptions, io: Io): Promise<number> {
  const jobNames = await workflowJobNames(sfn, requireOutput(platform, 'jobWorkflowArn'));
  let shown = '';
  for (;;) {
    const s = await runStatus(sfn, batch, platform, runArn, jobNames);
    // Durations of running jobs change every look: compare what changes state, print when it did.
    const key = JSON.stringify([s.status, s.jobs.map(j => [j.status, j.attempts, j.exitCode])]);
    if (key !== shown) {
      io.out(renderStatus(s, io.now()));
      io.out('');
      shown = key;
    }
    if (s.status !== 'RUNNING' && s.status !== 'PENDING_REDRIVE') return s.status === 'SUCCEEDED' ? 0 : 1;
    if (!options.watch) return 0;
    await io.sleep(options.intervalSeconds * 1000);
  }
}
