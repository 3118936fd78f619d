/**
 * A run predicted before it deploys: the platform's own job workflow (from the template) executed in
 * aws-local-stepfunctions on the simulated Batch (scripts/lib/sim), with the jobs' durations and failures given, and
 * what the run would do read off the simulation.
 */
import { PlatformModel, SimJobSpec } from './platform-template';
import { fargateCost } from './prices';
import { BatchSimulator, JobScript } from '../../../scripts/lib/sim/batch-simulator';
import { criticalPath } from '../../../scripts/lib/sim/critical-path';
import { runWorkflow } from '../../../scripts/lib/sim/run-workflow';

export interface PredictOptions {
  /** Seconds each job's attempt runs, by job name. */
  readonly durations: { [job: string]: number };
  /** Seconds a job runs when `durations` does not name it. */
  readonly defaultDuration: number;
  /** Seconds from RUNNABLE to running for every start: Batch scheduling and the Fargate task's start. */
  readonly startDelay: number;
  /** Jobs whose first attempt exits 1 (an application error: not retried by the platform's default rules). */
  readonly fail: string[];
  readonly date: string;
}

export interface PredictedJob {
  readonly name: string;
  readonly status: string;
  /** Seconds from the run's start; undefined when it never started. */
  readonly start?: number;
  readonly end?: number;
  readonly attempts: number;
  /** Stopped by the workflow (TerminateJob or CancelJob) rather than ending on its own. */
  readonly terminated: boolean;
  readonly statusReason?: string;
}

export interface Prediction {
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  /** Seconds from the execution's start to its end. */
  readonly runTime: number;
  readonly jobs: PredictedJob[];
  /** The chain of jobs, each waiting for the one before, that ended last. */
  readonly criticalPath: string[];
  /** The longest chain of (start delay + duration) through the graph: the least time any schedule takes. */
  readonly criticalPathSeconds: number;
  readonly peakVcpus: number;
  readonly peakMemoryMiB: number;
  readonly maxVcpus: number;
  /** Fargate on-demand list price of every attempt, image pull (the start delay) included. */
  readonly cost: number;
}

interface Interval { readonly from: number; readonly to: number; readonly vcpu: number; readonly memoryMiB: number }

function peak(intervals: Interval[], of: (i: Interval) => number): number {
  const edges = intervals.flatMap(i => [[i.from, of(i)], [i.to, -of(i)]] as Array<[number, number]>).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

/** The chain that ended last: from the last job to end, back through the dependency that ended last. */
function realizedPath(jobs: PredictedJob[], specs: SimJobSpec[]): string[] {
  const byName = new Map(jobs.map(j => [j.name, j]));
  const ended = jobs.filter(j => j.end !== undefined && j.start !== undefined).sort((a, b) => b.end! - a.end!);
  const path: string[] = [];
  let at = ended[0];
  while (at) {
    path.unshift(at.name);
    const deps = (specs.find(s => s.name === at!.name)?.dependsOn ?? []).map(d => byName.get(d)!).filter(d => d.end !== undefined);
    at = deps.sort((a, b) => b.end! - a.end!)[0];
  }
  return path;
}

export async function predict(model: PlatformModel, options: PredictOptions): Promise<Prediction> {
  const unknown = [...options.fail, ...Object.keys(options.durations)].filter(n => !model.jobs.some(j => j.name === n));
  if (unknown.length > 0) {
    throw new Error(`no job ${unknown.map(u => `'${u}'`).join(', ')} in the workflow: its jobs are ${model.jobs.map(j => j.name).join(', ')}`);
  }
  const duration = (name: string) => options.durations[name] ?? options.defaultDuration;
  const scripts: { [name: string]: JobScript } = {};
  for (const j of model.jobs) scripts[j.name] = { duration: duration(j.name), ...(options.fail.includes(j.name) ? { outcomes: ['fail'], exitCode: 1 } : {}) };
  const sim = new BatchSimulator({ scripts, startDelay: options.startDelay, maxVcpus: model.maxVcpus, vcpuOf: model.vcpuOf });
  const run = await runWorkflow(model.definition, sim, { input: { date: options.date }, startTime: `${options.date}T03:00:00.000Z` });
  const stopped = new Set(sim.calls.filter(c => c.action === 'TerminateJob' || c.action === 'CancelJob').map(c => String(c.request.JobId)));
  const intervals: Interval[] = [];
  const jobs = model.jobs.map(spec => {
    const found = sim.jobsNamed(spec.name);
    const job = found[found.length - 1];
    if (!job) return { name: spec.name, status: 'NOT SUBMITTED', attempts: 0, terminated: false };
    for (const task of job.children.length > 0 ? job.children : [job]) {
      for (const a of task.attempts) {
        // Fargate bills from the image download (part of the start delay) to the task's end.
        const from = Math.max(0, a.startedAt - options.startDelay);
        intervals.push({ from, to: a.stoppedAt ?? run.duration, vcpu: spec.vcpu, memoryMiB: spec.memoryMiB });
      }
    }
    const attempts = job.children.length > 0 ? Math.max(0, ...job.children.map(c => c.attempts.length)) : job.attempts.length;
    return {
      name: spec.name,
      status: job.status,
      start: job.startedAt,
      end: job.stoppedAt,
      attempts,
      terminated: stopped.has(job.id),
      statusReason: job.statusReason,
    };
  });
  return {
    status: run.status,
    error: run.error,
    cause: run.cause,
    runTime: run.duration,
    jobs,
    criticalPath: realizedPath(jobs, model.jobs),
    criticalPathSeconds: criticalPath(model.jobs, n => duration(n) + options.startDelay),
    peakVcpus: peak(intervals, i => i.vcpu),
    peakMemoryMiB: peak(intervals, i => i.memoryMiB),
    maxVcpus: model.maxVcpus,
    cost: intervals.reduce((sum, i) => sum + fargateCost(i.vcpu, i.memoryMiB, i.to - i.from), 0),
  };
}
