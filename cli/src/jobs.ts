/**
 * The jobs of a run. Every job of a run is named `<run tag>-<job name>`, the run tag being the MD5 of the job
 * workflow's execution ARN, so one `ListJobs` name filter `<run tag>-*` finds them (src/private/workflow/workflow-states.ts).
 */
import { createHash } from 'crypto';
import { BatchClient, DescribeJobsCommand, JobDetail, ListJobsCommand } from '@aws-sdk/client-batch';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { allStates, submittedJobName } from '../../scripts/lib/templates';

/** One job of a run, as the status table shows it. */
export interface JobRow {
  readonly name: string;
  readonly jobId?: string;
  /** Batch's status, or NOT SUBMITTED for a job of the workflow the run has not submitted (yet). */
  readonly status: string;
  readonly attempts: number;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly exitCode?: number;
  readonly statusReason?: string;
  /** The log stream of each attempt, the running one last. */
  readonly logStreams: string[];
}

/** The run tag of a job workflow execution: the MD5 of its ARN, in hex. */
export function runTag(jobWorkflowExecutionArn: string): string {
  return createHash('md5').update(jobWorkflowExecutionArn).digest('hex');
}

/** Every job Batch has of the run (ListJobs pages, then DescribeJobs 100 at a time). */
export async function describeRunJobs(batch: BatchClient, jobQueue: string, jobWorkflowExecutionArn: string): Promise<JobDetail[]> {
  const tag = runTag(jobWorkflowExecutionArn);
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(new ListJobsCommand({ jobQueue, filters: [{ name: 'JOB_NAME', values: [`${tag}-*`] }], nextToken }));
    ids.push(...(page.jobSummaryList ?? []).map(j => j.jobId!));
    nextToken = page.nextToken;
  } while (nextToken);
  const details: JobDetail[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const out = await batch.send(new DescribeJobsCommand({ jobs: ids.slice(i, i + 100) }));
    details.push(...(out.jobs ?? []));
  }
  return details.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
}

/** The names of the jobs a job workflow submits, read from its definition (DescribeStateMachine). */
export async function workflowJobNames(sfn: SFNClient, jobWorkflowArn: string): Promise<string[]> {
  const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: jobWorkflowArn }));
  const names = allStates(JSON.parse(definition ?? '{}')).map(([, state]) => submittedJobName(state)).filter((n): n is string => !!n);
  return [...new Set(names)];
}

/** A job's row: the latest submission of each name (a run submits each job once). */
export function jobRow(job: JobDetail, tag: string): JobRow {
  const attempts = job.attempts ?? [];
  const streams = attempts.map(a => a.container?.logStreamName).filter((s): s is string => !!s);
  const current = job.container?.logStreamName;
  if (current && !streams.includes(current)) streams.push(current);
  const exitCode = job.container?.exitCode ?? attempts[attempts.length - 1]?.container?.exitCode;
  const running = job.status === 'RUNNING' || job.status === 'STARTING' ? 1 : 0;
  return {
    name: (job.jobName ?? '').startsWith(`${tag}-`) ? job.jobName!.slice(tag.length + 1) : job.jobName ?? '',
    jobId: job.jobId,
    status: job.status ?? 'UNKNOWN',
    attempts: attempts.length + running,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    exitCode,
    statusReason: job.statusReason,
    logStreams: streams,
  };
}

/** The rows of a run: Batch's jobs, then the workflow's jobs not submitted (yet), in the workflow's order. */
export function runRows(details: JobDetail[], tag: string, workflowJobs: string[]): JobRow[] {
  const rows = details.map(d => jobRow(d, tag));
  const submitted = new Set(rows.map(r => r.name));
  return [...rows, ...workflowJobs.filter(n => !submitted.has(n)).map(name => ({ name, status: 'NOT SUBMITTED', attempts: 0, logStreams: [] }))];
}
