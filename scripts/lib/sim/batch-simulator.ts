/**
 * A simulated AWS Batch for tests: SubmitJob (DependsOn, RetryStrategy with EvaluateOnExit, ArrayProperties,
 * Timeout), the Step Functions `.sync` wait, DescribeJobs, CancelJob and TerminateJob, on a virtual clock.
 *
 * Each job's behaviour is scripted by its name: how long an attempt runs and how each attempt ends. The rules
 * follow AWS Batch's documentation:
 * - a job with dependencies stays PENDING until every dependency SUCCEEDED, then becomes RUNNABLE; when any
 *   dependency fails it goes from PENDING to FAILED
 *   (https://docs.aws.amazon.com/batch/latest/userguide/job_dependencies.html). The status reason Batch gives
 *   it is not documented; this simulator uses `Dependent Job failed`, the text seen in practice.
 * - a failed attempt is retried while attempts remain, unless the first `EvaluateOnExit` entry whose conditions
 *   all match says EXIT; when none matches, the job is retried; patterns match a prefix when they end with `*`
 *   (https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html).
 * - an attempt that runs longer than `Timeout.AttemptDurationSeconds` is stopped and not retried
 *   (https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html).
 * - an array job's children run independently; the parent SUCCEEDED when every child did, FAILED when any
 *   failed, and jobs that depend on the parent wait for all children
 *   (https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html). The parent's own status follows the
 *   same page: "The parent array job can enter a SUBMITTED, PENDING, FAILED, or SUCCEEDED status ... never
 *   enters a RUNNABLE or RUNNING status", and ListJobs: parents "remain in PENDING status while child jobs are
 *   running" (https://docs.aws.amazon.com/batch/latest/APIReference/API_ListJobs.html). `arrayParentStatus:
 *   'running'` keeps the older model (the parent RUNNABLE, then RUNNING with its first child) for tests that
 *   must hold either way. "If you cancel or terminate a parent array job, all of the child jobs are cancelled or
 *   terminated with it" (array_jobs.html).
 * - CancelJob fails a job that has not reached STARTING and leaves a started job alone; TerminateJob also
 *   stops a running one (https://docs.aws.amazon.com/batch/latest/APIReference/API_CancelJob.html). Both
 *   wait for a PENDING job's dependencies: "A PENDING job is canceled after all dependency jobs are
 *   completed. Therefore, it may take longer than expected to cancel a job in PENDING status" (CancelJob), and
 *   TerminateJob: "Jobs that have not progressed to the STARTING state are cancelled"
 *   (https://docs.aws.amazon.com/batch/latest/APIReference/API_TerminateJob.html).
 * - ListJobs with a filter: "the jobStatus parameter is ignored and jobs with any status are returned"; "Batch
 *   returns up to 100 values" a page with a `nextToken`; "The filter doesn't apply to child jobs in an array";
 *   `JOB_NAME` "is a case-insensitive match ... If the value ends with an asterisk (*), the filter matches any
 *   job name that begins with the string before the '*'" (API_ListJobs.html, API_KeyValuesPair.html).
 *
 * Compute capacity is `maxVcpus` (unlimited by default): RUNNABLE jobs start in the order they became RUNNABLE
 * when their vCPUs fit, and hold them from then on, through `startDelay` seconds of Fargate start.
 *
 * What nobody here has verified on AWS is a switch, so that tests can run every way it may be:
 * `dependencyFailure` (a job whose dependency failed is failed at once, or held PENDING), `syncStopTerminates`
 * (Step Functions terminates the job of a `.sync` task it stops, or leaves it), `sdkErrorNames` (which name a
 * throttled call fails with) and `listJobsLag` (how long a new job stays out of `ListJobs`).
 *
 * The workflow names each job `<run tag>-<name>`; the simulator keeps both and answers to the workflow's name.
 */
import { VirtualClock } from './virtual-clock';

/** How one attempt of a job ends. */
export type Outcome =
  /** exit code 0 */
  | 'succeed'
  /** the application exits non-zero (`exitCode`, default 1) */
  | 'fail'
  /** Fargate Spot reclaims the task: status reason `Your Spot Task was interrupted.`, exit code 143 */
  | 'spot-interruption'
  /**
   * Fargate cannot set the task up: status reason `ResourceInitializationError: unable to pull secrets or
   * registry auth: ...` (ECS stopped task errors), no exit code
   */
  | 'resource-initialization-error'
  /** a Fargate error no default rule lists: status reason `Timeout waiting for network interface provisioning to complete.`, no exit code */
  | 'unlisted-infrastructure-error'
  /** the image cannot be pulled: container reason `CannotPullContainerError: ...`, no exit code */
  | 'image-pull-failure';

/** The behaviour of a job, by name. */
export interface JobScript {
  /** Seconds one attempt runs (each array child too). @default 60 */
  readonly duration?: number;
  /** How the first, second, ... attempt ends; the last entry repeats. @default ['succeed'] */
  readonly outcomes?: Outcome[];
  /** The exit code of a `fail` outcome. @default 1 */
  readonly exitCode?: number;
}

export type JobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** What happened, when: the record tests assert on. */
/** What Batch does with a job whose dependency failed. */
export type DependencyFailure =
  /** fails it at once with `Dependent Job failed` (what the Batch documentation says) */
  | 'fail'
  /** holds it PENDING for ever when it was submitted after its dependency had failed, fails it otherwise */
  | 'hold-if-submitted-after'
  /** holds it PENDING for ever */
  | 'hold';

/** Every combination of the unverified behaviours, for `test.each`. */
export const UNVERIFIED_MODES: Array<{ dependencyFailure: DependencyFailure; syncStopTerminates: boolean }> =
  (['fail', 'hold-if-submitted-after', 'hold'] as DependencyFailure[]).flatMap(dependencyFailure =>
    [true, false].map(syncStopTerminates => ({ dependencyFailure, syncStopTerminates })));

export interface SimEvent {
  readonly time: number;
  readonly job: string;
  readonly type: 'SUBMITTED' | 'STARTED' | 'ATTEMPT_FAILED' | 'SUCCEEDED' | 'FAILED';
  readonly attempt?: number;
  readonly reason?: string;
}

interface Attempt {
  startedAt: number;
  stoppedAt?: number;
  exitCode?: number;
  containerReason?: string;
  statusReason?: string;
}

interface SimJob {
  readonly id: string;
  readonly name: string;
  readonly request: any;
  readonly createdAt: number;
  readonly dependsOn: string[];
  readonly arraySize?: number;
  readonly parentId?: string;
  readonly children: SimJob[];
  status: JobStatus;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  attempts: Attempt[];
  /** Bumped when an attempt is stopped early, so its scheduled end is ignored. */
  generation: number;
  waiters: Array<() => void>;
  /** Held PENDING for ever (`dependencyFailure`). */
  held?: boolean;
  /** CancelJob or TerminateJob asked for a PENDING job: it fails with this reason once its dependencies ended. */
  cancelReason?: string;
  /** The name Batch was given: `<run tag>-<name>`. */
  readonly batchName: string;
  /** vCPUs it holds while it starts and runs. */
  readonly vcpu: number;
}

export interface BatchSimulatorOptions {
  /** Per job name; jobs without a script run 60 s and succeed. */
  readonly scripts?: { [jobName: string]: JobScript };
  /**
   * Seconds from RUNNABLE to RUNNING (Batch scheduling and Fargate start): one figure for every start, or one per
   * start of a job (by its workflow name and attempt), e.g. drawn from 30-60 s. @default 0
   */
  readonly startDelay?: number | ((jobName: string, attempt: number) => number);
  /** Seconds each Batch API call takes. @default 0 */
  readonly apiLatency?: number;
  /** The clock to run on. @default - a new one */
  readonly clock?: VirtualClock;
  /** Names of jobs whose SubmitJob call Batch refuses (`Batch.ClientException`). @default - none */
  readonly refuseSubmit?: string[];
  /**
   * What Batch does with a SubmitJob whose `DependsOn` names a job that has already SUCCEEDED (a resumed run's
   * skipped job): counts it as a succeeded dependency, or refuses the call (not documented either way).
   * @default 'accept'
   */
  readonly endedDependency?: 'accept' | 'refuse';
  /** What Batch does with a job whose dependency failed. @default 'fail' */
  readonly dependencyFailure?: DependencyFailure;
  /** Whether Step Functions terminates the job of a `.sync` task it stops. @default true */
  readonly syncStopTerminates?: boolean;
  /** The name of a throttling error: `Batch.BatchException` (primary) or `Batch.AWSBatchException`. @default 'primary' */
  readonly sdkErrorNames?: 'primary' | 'alternative';
  /** How many of the first calls of each action are throttled. @default - none */
  readonly throttle?: { [action: string]: number };
  /**
   * How many of the first SubmitJob calls create their job and then fail with a server error
   * (`Batch.AWSBatchException`, as production logs show a 500): SubmitJob takes no idempotency token (API
   * reference: no `clientToken`), so a retry submits a second job. @default 0
   */
  readonly failAfterSubmit?: number;
  /**
   * Faults of SubmitJob by workflow job name (the Batch name without its run tag), one entry per call for that
   * job, in order: `before` fails the call before Batch creates the job (a throttled request, a server error
   * before anything was stored), `after` creates the job and then fails the call with a server error, `none`
   * answers. Both faults are `Batch.AWSBatchException` (production logs show it for a 500; throttling, HTTP 429,
   * is not in Batch's model and surfaces as the same base exception). @default - none
   */
  readonly submitFaults?: { [jobName: string]: Array<'before' | 'after' | 'none'> };
  /** Seconds a new job stays out of `ListJobs` results (not documented either way). @default 0 */
  readonly listJobsLag?: number;
  /**
   * The status an array parent shows while its children wait and run: PENDING, as the documentation says, or
   * RUNNABLE then RUNNING (not documented; for tests that must hold either way). @default 'pending'
   */
  readonly arrayParentStatus?: 'pending' | 'running';
  /** The compute environment's MaxvCpus. @default - unlimited */
  readonly maxVcpus?: number;
  /** vCPUs of a job, from its request (e.g. its job definition). @default - 1 */
  readonly vcpuOf?: (request: any) => number;
  /** A job's script from its request (e.g. by its `Parameters.date`), before `scripts`. @default - `scripts` only */
  readonly scriptOf?: (request: any, name: string) => JobScript | undefined;
}

const TERMINAL: JobStatus[] = ['SUCCEEDED', 'FAILED'];
const NOT_STARTED: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
const EPOCH_MS = Date.UTC(2024, 4, 1, 3, 0, 0);

/** Batch's error for a bad request, as Step Functions names it. */
export class BatchClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Batch.ClientException';
  }
}

export class BatchSimulator {
  public readonly clock: VirtualClock;
  public readonly events: SimEvent[] = [];
  /** Every Batch API call, in order: the action and its request. */
  public readonly calls: Array<{ time: number; action: string; request: any }> = [];
  private readonly jobs = new Map<string, SimJob>();
  private readonly scripts: { [name: string]: JobScript };
  private readonly startDelay: (jobName: string, attempt: number) => number;
  private readonly apiLatency: number;
  private readonly refuseSubmit: string[];
  private readonly options: BatchSimulatorOptions;
  private readonly throttled = new Map<string, number>();
  /** Jobs RUNNABLE and waiting for capacity, in order. */
  private readonly queue: SimJob[] = [];
  private vcpusInUse = 0;
  /** The most vCPUs in use at once. */
  public peakVcpus = 0;
  private nextId = 1;
  private failedAfterSubmit = 0;
  /** SubmitJob calls so far, by workflow job name. */
  private readonly submitsOf = new Map<string, number>();
  /** Jobs whose `.sync` wait is open: Step Functions stops them if their task is stopped. */
  private readonly openWaits = new Set<string>();

  constructor(options: BatchSimulatorOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.scripts = options.scripts ?? {};
    const delay = options.startDelay ?? 0;
    this.startDelay = typeof delay === 'number' ? () => delay : delay;
    this.apiLatency = options.apiLatency ?? 0;
    this.refuseSubmit = options.refuseSubmit ?? [];
    this.options = options;
  }

  /** Whether Step Functions terminates the job of a `.sync` task it stops (for the run harness). */
  public get syncStopTerminates(): boolean {
    return this.options.syncStopTerminates ?? true;
  }

  /** Fails the first calls of an action as throttled, under the error name the options pick. */
  private maybeThrottle(action: string): void {
    const count = this.throttled.get(action) ?? 0;
    if (count >= (this.options.throttle?.[action] ?? 0)) return;
    this.throttled.set(action, count + 1);
    const error = new Error('Too Many Requests');
    error.name = this.options.sdkErrorNames === 'alternative' ? 'Batch.AWSBatchException' : 'Batch.BatchException';
    throw error;
  }

  // ---- The Batch API, as the Step Functions integrations call it (PascalCase) ----

  /** `batch:submitJob`: returns `{ JobArn, JobId, JobName }`. */
  public async submitJob(request: any): Promise<any> {
    await this.clock.sleep(this.apiLatency);
    this.calls.push({ time: this.clock.now, action: 'SubmitJob', request });
    this.maybeThrottle('SubmitJob');
    const plainName = String(request.JobName).replace(/^[0-9a-f]{32}-/, '');
    if (this.refuseSubmit.includes(plainName)) {
      throw new BatchClientError(`Error executing request, Exception : Job definition ${request.JobDefinition} is INACTIVE.`);
    }
    const fault = this.options.submitFaults?.[plainName]?.[this.submitsOf.get(plainName) ?? 0];
    this.submitsOf.set(plainName, (this.submitsOf.get(plainName) ?? 0) + 1);
    const serverError = () => Object.assign(new Error('Internal Server Error'), { name: 'Batch.AWSBatchException' });
    if (fault === 'before') throw serverError();
    const job = this.createJob(request);
    if (fault === 'after') throw serverError();
    if (this.failedAfterSubmit < (this.options.failAfterSubmit ?? 0)) {
      this.failedAfterSubmit++;
      throw serverError();
    }
    return { JobArn: this.arn(job.id), JobId: job.id, JobName: job.batchName };
  }

  /**
   * `batch:submitJob.sync`: submits, then waits for the job to end. Resolves with the job's description when
   * it SUCCEEDED; rejects with `States.TaskFailed` and the description as the cause when it FAILED, as Step
   * Functions does. With `timeoutSeconds` (the task's `TimeoutSeconds`, counted from the task's start), a job
   * that has not ended by then is terminated like the job of a stopped task and the task fails with
   * `States.Timeout`.
   */
  public async submitJobSync(request: any, timeoutSeconds?: number): Promise<any> {
    const startedAt = this.clock.now;
    const { JobId } = await this.submitJob(request);
    this.openWaits.add(JobId);
    let timedOut = false;
    const ended = this.waitFor(JobId);
    if (timeoutSeconds !== undefined) {
      const timeout = new Promise<void>(resolve => this.clock.schedule(Math.max(0, startedAt + timeoutSeconds - this.clock.now), () => {
        if (!this.openWaits.has(JobId)) return;
        timedOut = true;
        this.openWaits.delete(JobId);
        const reason = 'The Task state in AWS Step Functions execution which was managing this resource timed out';
        this.calls.push({ time: this.clock.now, action: 'TerminateJob', request: { JobId, Reason: reason } });
        this.terminate(this.jobs.get(JobId)!, reason);
        resolve();
      }));
      await Promise.race([ended, timeout]);
    } else {
      await ended;
    }
    if (timedOut) {
      const error = new Error(`Task timed out after ${timeoutSeconds} seconds`);
      error.name = 'States.Timeout';
      throw error;
    }
    this.openWaits.delete(JobId);
    const description = this.describe(this.jobs.get(JobId)!);
    if (description.Status === 'FAILED') {
      const error = new Error(JSON.stringify(description));
      error.name = 'States.TaskFailed';
      throw error;
    }
    return description;
  }

  /** `aws-sdk:batch:describeJobs`: unknown IDs are left out, as Batch does. */
  public async describeJobs(request: any): Promise<any> {
    await this.clock.sleep(this.apiLatency);
    this.calls.push({ time: this.clock.now, action: 'DescribeJobs', request });
    this.maybeThrottle('DescribeJobs');
    const ids: string[] = request.Jobs;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) {
      throw new BatchClientError(`jobs must list 1 to 100 job IDs, got ${JSON.stringify(ids)}`);
    }
    return { Jobs: ids.flatMap(id => (this.jobs.has(id) ? [this.describe(this.jobs.get(id)!)] : [])) };
  }

  /** `aws-sdk:batch:cancelJob`. */
  public async cancelJob(request: any): Promise<any> {
    await this.clock.sleep(this.apiLatency);
    this.calls.push({ time: this.clock.now, action: 'CancelJob', request });
    const job = this.job(request.JobId);
    if (NOT_STARTED.includes(job.status)) this.cancel(job, request.Reason);
    return {};
  }

  /** `aws-sdk:batch:terminateJob`, also what Step Functions calls when it stops a `.sync` task. */
  public async terminateJob(request: any): Promise<any> {
    await this.clock.sleep(this.apiLatency);
    this.calls.push({ time: this.clock.now, action: 'TerminateJob', request });
    this.maybeThrottle('TerminateJob');
    this.terminate(this.job(request.JobId), request.Reason);
    return {};
  }

  /**
   * `aws-sdk:batch:listJobs` with a `JOB_NAME` filter (case-insensitive; a trailing `*` matches a prefix): jobs
   * in every status, at most `MaxResults` (up to 100) a page, newest first, array children left out.
   */
  public async listJobs(request: any): Promise<any> {
    await this.clock.sleep(this.apiLatency);
    this.calls.push({ time: this.clock.now, action: 'ListJobs', request });
    this.maybeThrottle('ListJobs');
    const filter = (request.Filters ?? []).find((f: any) => f.Name === 'JOB_NAME');
    if (!filter && request.JobQueue !== undefined && request.Filters === undefined) return this.listJobsByStatus(request);
    if (!filter || request.JobQueue === undefined) throw new BatchClientError('this simulator answers ListJobs with a job queue and a JOB_NAME filter only');
    const pattern = String(filter.Values[0]).toLowerCase();
    const lag = this.options.listJobsLag ?? 0;
    const matching = [...this.jobs.values()]
      .filter(j => j.parentId === undefined && this.clock.now - j.createdAt >= lag && globMatch(pattern, j.batchName.toLowerCase()))
      .reverse();
    const size = Math.min(request.MaxResults ?? 100, 100);
    const start = request.NextToken ? Number(request.NextToken) : 0;
    const page = matching.slice(start, start + size).map(j => this.summarize(j));
    return { JobSummaryList: page, ...(start + size < matching.length ? { NextToken: String(start + size) } : {}) };
  }

  /**
   * `ListJobs` of a queue by status, without filters: "jobStatus: The job status used to filter jobs in the specified
   * queue ... If you don't specify a status, only RUNNING jobs are returned" (API_ListJobs.html); array children are
   * left out, as they are listed only with `arrayJobId`.
   */
  private listJobsByStatus(request: any): any {
    const status: JobStatus = request.JobStatus ?? 'RUNNING';
    const lag = this.options.listJobsLag ?? 0;
    const matching = [...this.jobs.values()]
      .filter(j => j.parentId === undefined && j.status === status && this.clock.now - j.createdAt >= lag).reverse();
    const size = Math.min(request.MaxResults ?? 100, 100);
    const start = request.NextToken ? Number(request.NextToken) : 0;
    const page = matching.slice(start, start + size).map(j => this.summarize(j));
    return { JobSummaryList: page, ...(start + size < matching.length ? { NextToken: String(start + size) } : {}) };
  }

  /**
   * Step Functions stopped the task states that were waiting (`.sync`) for jobs, e.g. because another branch
   * of their Parallel state failed: it terminates those jobs. The Batch `.sync` policy Step Functions
   * generates includes `batch:TerminateJob` for this
   * (https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html), and a job whose execution was stopped
   * is reported terminated with `The Task state in AWS Step Functions execution [...] which was managing this
   * resource was aborted` (https://stackoverflow.com/questions/45596276).
   */
  public stopOpenWaits(reason: string, terminate = true): void {
    for (const id of [...this.openWaits]) {
      this.openWaits.delete(id);
      if (!terminate) continue;
      this.calls.push({ time: this.clock.now, action: 'TerminateJob', request: { JobId: id, Reason: reason } });
      this.terminate(this.jobs.get(id)!, reason);
    }
  }

  /**
   * Batch forgets an ended job: "Jobs ... are kept for at least 7 days" (user guide, job states), and after that
   * neither DescribeJobs nor ListJobs returns it. Tests call this to make a job of a long run vanish.
   */
  public forget(name: string): void {
    for (const job of this.jobsNamed(name)) {
      if (!TERMINAL.includes(job.status)) throw new Error(`job ${name} has not ended: Batch forgets only ended jobs`);
      for (const child of job.children) this.jobs.delete(child.id);
      this.jobs.delete(job.id);
    }
  }

  // ---- What tests read ----

  /** The jobs submitted under a name (the latest last). */
  public jobsNamed(name: string): SimJob[] {
    return [...this.jobs.values()].filter(j => j.name === name && j.parentId === undefined);
  }

  /** The one job submitted under a name. */
  public jobNamed(name: string): SimJob {
    const found = this.jobsNamed(name);
    if (found.length !== 1) throw new Error(`expected one job named ${name}, found ${found.length}`);
    return found[0];
  }

  /** Names of the jobs that started, in the order they started. */
  public startOrder(): string[] {
    return this.firstEvents('STARTED');
  }

  /** Names of the jobs that ended (SUCCEEDED or FAILED), in the order they ended. */
  public endOrder(): string[] {
    return this.events.filter(e => e.type === 'SUCCEEDED' || e.type === 'FAILED').map(e => e.job);
  }

  /** The submitted top-level jobs (not array children) with their status, start and stop times. */
  public summary(): Array<{ name: string; status: JobStatus; startedAt?: number; stoppedAt?: number; statusReason?: string; attempts: number }> {
    return [...this.jobs.values()].filter(j => j.parentId === undefined).map(j => ({
      name: j.name,
      status: j.status,
      startedAt: j.startedAt,
      stoppedAt: j.stoppedAt,
      statusReason: j.statusReason,
      attempts: j.arraySize ? Math.max(0, ...j.children.map(c => c.attempts.length)) : j.attempts.length,
    }));
  }

  /** Whether any job has not ended. */
  public get busy(): boolean {
    return [...this.jobs.values()].some(j => !TERMINAL.includes(j.status));
  }

  /** The jobs (array children included) that have not ended, as `name: STATUS`. */
  public openJobs(): string[] {
    const label = (j: SimJob) => `${j.name}${j.parentId ? `[${j.id.split(':')[1]}]` : ''}`;
    return [...this.jobs.values()].filter(j => !TERMINAL.includes(j.status)).map(j => `${label(j)}: ${j.status}`);
  }

  // ---- The model ----

  private firstEvents(type: SimEvent['type']): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of this.events) {
      if (e.type === type && !seen.has(e.job)) {
        seen.add(e.job);
        out.push(e.job);
      }
    }
    return out;
  }

  private job(id: string): SimJob {
    const job = this.jobs.get(id);
    if (!job) throw new BatchClientError(`job ${id} does not exist`);
    return job;
  }

  private arn(id: string): string {
    return `arn:aws:batch:eu-central-1:123456789012:job/${id}`;
  }

  private createJob(request: any, parent?: SimJob, index?: number): SimJob {
    const batchName: string = request.JobName;
    const name = batchName.replace(/^[0-9a-f]{32}-/, '');
    if (!parent) this.validateRequest(request);
    const dependsOn: string[] = parent ? [] : (request.DependsOn ?? []).map((d: any) => d.JobId);
    const id = parent ? `${parent.id}:${index}` : `job-${String(this.nextId++).padStart(4, '0')}`;
    const job: SimJob = {
      id,
      name,
      batchName,
      vcpu: this.options.vcpuOf?.(request) ?? 1,
      request,
      createdAt: this.clock.now,
      dependsOn,
      arraySize: parent ? undefined : request.ArrayProperties?.Size,
      parentId: parent?.id,
      children: [],
      status: 'SUBMITTED',
      attempts: [],
      generation: 0,
      waiters: [],
    };
    this.jobs.set(id, job);
    if (parent) {
      parent.children.push(job);
      this.makeRunnable(job);
      return job;
    }
    this.events.push({ time: this.clock.now, job: name, type: 'SUBMITTED' });
    job.status = 'PENDING';
    this.checkDependencies(job, true);
    return job;
  }

  private validateRequest(request: any): void {
    if (typeof request.JobName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(request.JobName)) {
      throw new BatchClientError(`invalid job name ${JSON.stringify(request.JobName)}`);
    }
    if (typeof request.JobQueue !== 'string' || typeof request.JobDefinition !== 'string') {
      throw new BatchClientError('jobQueue and jobDefinition are required');
    }
    const deps = request.DependsOn ?? [];
    if (deps.length > 20) throw new BatchClientError(`a job may depend on at most 20 jobs, got ${deps.length}`);
    for (const d of deps) {
      if (typeof d.JobId !== 'string' || !this.jobs.has(d.JobId)) {
        throw new BatchClientError(`dependency ${JSON.stringify(d.JobId)} is not a job`);
      }
      if (this.options.endedDependency === 'refuse' && this.jobs.get(d.JobId)!.status === 'SUCCEEDED') {
        throw new BatchClientError(`dependency ${d.JobId} has already completed`);
      }
    }
    const attempts = request.RetryStrategy?.Attempts;
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)) {
      throw new BatchClientError(`retryStrategy.attempts must be 1-10, got ${attempts}`);
    }
    if ((request.RetryStrategy?.EvaluateOnExit ?? []).length > 5) throw new BatchClientError('evaluateOnExit allows at most 5 entries');
    const timeout = request.Timeout?.AttemptDurationSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 60)) {
      throw new BatchClientError(`timeout.attemptDurationSeconds must be at least 60, got ${timeout}`);
    }
    const size = request.ArrayProperties?.Size;
    if (size !== undefined && (!Number.isInteger(size) || size < 2 || size > 10000)) {
      throw new BatchClientError(`arrayProperties.size must be 2-10,000, got ${size}`);
    }
  }

  /**
   * Cancels a job that has not started: at once, unless it is PENDING with a dependency that has not ended
   * ("A PENDING job is canceled after all dependency jobs are completed", CancelJob).
   */
  private cancel(job: SimJob, reason: string): void {
    if (job.status === 'PENDING' && job.dependsOn.some(id => !TERMINAL.includes(this.jobs.get(id)!.status))) {
      job.cancelReason ??= reason;
      return;
    }
    this.fail(job, reason);
  }

  /** PENDING -> RUNNABLE once every dependency SUCCEEDED; -> FAILED when one failed. */
  private checkDependencies(job: SimJob, atSubmission = false): void {
    if (job.status !== 'PENDING') return;
    const deps = job.dependsOn.map(id => this.jobs.get(id)!);
    if (job.cancelReason !== undefined && deps.every(d => TERMINAL.includes(d.status))) {
      this.fail(job, job.cancelReason);
      return;
    }
    if (job.held) return;
    if (deps.some(d => d.status === 'FAILED')) {
      const mode = this.options.dependencyFailure ?? 'fail';
      if (mode === 'hold' || (mode === 'hold-if-submitted-after' && atSubmission)) job.held = true;
      if (job.held) return;
      this.fail(job, 'Dependent Job failed');
    } else if (deps.every(d => d.status === 'SUCCEEDED')) {
      if (job.arraySize !== undefined) {
        if (this.options.arrayParentStatus === 'running') job.status = 'RUNNABLE';
        for (let i = 0; i < job.arraySize; i++) this.createJob(job.request, job, i);
      } else {
        this.makeRunnable(job);
      }
    }
  }

  private makeRunnable(job: SimJob): void {
    job.status = 'RUNNABLE';
    this.queue.push(job);
    this.dispatch();
  }

  /** Starts RUNNABLE jobs in order while their vCPUs fit: STARTING for `startDelay` s, then RUNNING. */
  private dispatch(): void {
    const max = this.options.maxVcpus ?? Infinity;
    while (this.queue.length > 0) {
      const job = this.queue[0];
      if (job.status !== 'RUNNABLE') {
        this.queue.shift();
        continue;
      }
      if (this.vcpusInUse + job.vcpu > max && this.vcpusInUse > 0) return;
      this.queue.shift();
      this.vcpusInUse += job.vcpu;
      this.peakVcpus = Math.max(this.peakVcpus, this.vcpusInUse);
      job.status = 'STARTING';
      const generation = job.generation;
      this.clock.schedule(this.startDelay(job.name, job.attempts.length), () => {
        if (job.status === 'STARTING' && job.generation === generation) this.startAttempt(job);
      });
    }
  }

  /** Gives back a job's vCPUs when an attempt ends or it is stopped while starting. */
  private release(job: SimJob): void {
    this.vcpusInUse -= job.vcpu;
    this.dispatch();
  }

  private scriptOf(job: SimJob): JobScript {
    return this.options.scriptOf?.(job.request, job.name) ?? this.scripts[job.name] ?? {};
  }

  private startAttempt(job: SimJob): void {
    job.status = 'RUNNING';
    const attempt: Attempt = { startedAt: this.clock.now };
    job.attempts.push(attempt);
    job.startedAt ??= this.clock.now;
    const parent = job.parentId ? this.jobs.get(job.parentId)! : undefined;
    if (parent) {
      if (parent.startedAt === undefined) {
        parent.startedAt = this.clock.now;
        if (this.options.arrayParentStatus === 'running') parent.status = 'RUNNING';
        this.events.push({ time: this.clock.now, job: parent.name, type: 'STARTED', attempt: 1 });
      }
    } else {
      this.events.push({ time: this.clock.now, job: job.name, type: 'STARTED', attempt: job.attempts.length });
    }

    const script = this.scriptOf(job);
    const outcomes = script.outcomes ?? ['succeed'];
    const outcome = outcomes[Math.min(job.attempts.length - 1, outcomes.length - 1)];
    const duration = script.duration ?? 60;
    const timeout: number | undefined = job.request.Timeout?.AttemptDurationSeconds;
    const generation = job.generation;
    if (timeout !== undefined && duration > timeout) {
      this.clock.schedule(timeout, () => {
        if (job.generation !== generation) return;
        this.endAttempt(job, { statusReason: 'Job attempt duration exceeded timeout', exitCode: 137 }, false);
      });
      return;
    }
    this.clock.schedule(duration, () => {
      if (job.generation !== generation) return;
      switch (outcome) {
        case 'succeed':
          return this.endAttempt(job, { exitCode: 0, statusReason: 'Essential container in task exited' }, true);
        case 'fail':
          return this.endAttempt(job, { exitCode: script.exitCode ?? 1, statusReason: 'Essential container in task exited' }, true);
        case 'spot-interruption':
          return this.endAttempt(job, { exitCode: 143, statusReason: 'Your Spot Task was interrupted.' }, true);
        case 'resource-initialization-error':
          return this.endAttempt(job, {
            statusReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 5 time(s)',
          }, true);
        case 'unlisted-infrastructure-error':
          return this.endAttempt(job, { statusReason: 'Timeout waiting for network interface provisioning to complete.' }, true);
        case 'image-pull-failure':
          return this.endAttempt(job, {
            statusReason: 'Task failed to start',
            containerReason: 'CannotPullContainerError: pull image manifest has been retried 1 time(s)',
          }, true);
      }
    });
  }

  private endAttempt(job: SimJob, end: Omit<Attempt, 'startedAt'>, retryable: boolean): void {
    const attempt = job.attempts[job.attempts.length - 1];
    Object.assign(attempt, end, { stoppedAt: this.clock.now });
    this.release(job);
    if (end.exitCode === 0) {
      this.succeed(job);
      return;
    }
    const label = job.parentId ? `${job.name}[${job.id.split(':')[1]}]` : job.name;
    this.events.push({ time: this.clock.now, job: label, type: 'ATTEMPT_FAILED', attempt: job.attempts.length, reason: end.statusReason });
    const maxAttempts = job.request.RetryStrategy?.Attempts ?? 1;
    if (retryable && job.attempts.length < maxAttempts && this.shouldRetry(job.request.RetryStrategy?.EvaluateOnExit ?? [], attempt)) {
      job.generation++;
      this.makeRunnable(job);
      return;
    }
    this.fail(job, end.statusReason ?? 'Essential container in task exited');
  }

  /** The first EvaluateOnExit entry whose conditions all match decides; none matching means retry. */
  private shouldRetry(rules: Array<{ [key: string]: string }>, attempt: Attempt): boolean {
    for (const rule of rules) {
      const checks: Array<[string | undefined, string | undefined]> = [
        [rule.OnExitCode, attempt.exitCode === undefined ? undefined : String(attempt.exitCode)],
        [rule.OnReason, attempt.containerReason],
        [rule.OnStatusReason, attempt.statusReason],
      ];
      const matches = checks.every(([pattern, value]) => pattern === undefined || (value !== undefined && globMatch(pattern, value)));
      if (matches) return String(rule.Action).toUpperCase() === 'RETRY';
    }
    return true;
  }

  private succeed(job: SimJob): void {
    job.status = 'SUCCEEDED';
    job.stoppedAt = this.clock.now;
    if (job.parentId) {
      this.childEnded(this.jobs.get(job.parentId)!);
      return;
    }
    this.events.push({ time: this.clock.now, job: job.name, type: 'SUCCEEDED' });
    this.settled(job);
  }

  private fail(job: SimJob, reason: string): void {
    if (TERMINAL.includes(job.status)) return;
    job.generation++;
    job.status = 'FAILED';
    job.statusReason = reason;
    job.stoppedAt = this.clock.now;
    if (job.parentId) {
      this.childEnded(this.jobs.get(job.parentId)!);
      return;
    }
    for (const child of job.children) {
      if (!TERMINAL.includes(child.status)) this.fail(child, reason);
    }
    this.events.push({ time: this.clock.now, job: job.name, type: 'FAILED', reason });
    this.settled(job);
  }

  private childEnded(parent: SimJob): void {
    if (TERMINAL.includes(parent.status)) return;
    if (!parent.children.every(c => TERMINAL.includes(c.status))) return;
    const failed = parent.children.filter(c => c.status === 'FAILED');
    if (failed.length === 0) {
      this.succeed(parent);
    } else {
      this.fail(parent, `Array Child Job failed: ${failed.length} of ${parent.children.length} children failed`);
    }
  }

  private terminate(job: SimJob, reason: string): void {
    if (TERMINAL.includes(job.status)) return;
    // "Jobs that have not progressed to the STARTING state are cancelled" (TerminateJob): a PENDING job whose
    // dependencies have not ended waits for them. An array parent's children have no dependencies of their own.
    if (job.status === 'PENDING' && job.children.length === 0) {
      this.cancel(job, reason);
      return;
    }
    if (job.arraySize !== undefined) {
      for (const child of job.children) this.terminate(child, reason);
    }
    const attempt = job.attempts[job.attempts.length - 1];
    if (job.status === 'RUNNING' && attempt && attempt.stoppedAt === undefined) {
      Object.assign(attempt, { stoppedAt: this.clock.now, exitCode: 143, statusReason: reason });
      this.release(job);
    } else if (job.status === 'STARTING') {
      this.release(job);
    }
    this.fail(job, reason);
  }

  /** Wakes the `.sync` waiters of a job that ended and the jobs that depend on it. */
  private settled(job: SimJob): void {
    for (const w of job.waiters.splice(0)) w();
    for (const other of this.jobs.values()) {
      if (other.dependsOn.includes(job.id)) this.checkDependencies(other);
    }
  }

  private waitFor(id: string): Promise<void> {
    const job = this.jobs.get(id)!;
    if (TERMINAL.includes(job.status)) return Promise.resolve();
    return new Promise(resolve => job.waiters.push(resolve));
  }

  /** A job as DescribeJobs (and a `.sync` task's output) shows it. */
  private describe(job: SimJob): any {
    const lastAttempt = job.attempts[job.attempts.length - 1];
    const environment = job.request.ContainerOverrides?.Environment ?? [];
    return {
      JobArn: this.arn(job.id),
      JobName: job.batchName,
      JobId: job.id,
      JobQueue: job.request.JobQueue,
      Status: job.status,
      ...(job.statusReason !== undefined ? { StatusReason: job.statusReason } : {}),
      CreatedAt: EPOCH_MS + job.createdAt * 1000,
      ...(job.startedAt !== undefined ? { StartedAt: EPOCH_MS + job.startedAt * 1000 } : {}),
      ...(job.stoppedAt !== undefined ? { StoppedAt: EPOCH_MS + job.stoppedAt * 1000 } : {}),
      DependsOn: job.dependsOn.map(JobId => ({ JobId })),
      JobDefinition: job.request.JobDefinition,
      Parameters: job.request.Parameters ?? {},
      Container: {
        Command: job.request.ContainerOverrides?.Command ?? [],
        Environment: environment,
        ...(lastAttempt?.exitCode !== undefined ? { ExitCode: lastAttempt.exitCode } : {}),
        ...(lastAttempt?.containerReason !== undefined ? { Reason: lastAttempt.containerReason } : {}),
        ...(lastAttempt ? { LogStreamName: `job/default/${job.id.replace(':', '-')}` } : {}),
      },
      Attempts: job.attempts.filter(a => a.stoppedAt !== undefined).map(a => ({
        Container: { ...(a.exitCode !== undefined ? { ExitCode: a.exitCode } : {}), ...(a.containerReason ? { Reason: a.containerReason } : {}) },
        StartedAt: EPOCH_MS + a.startedAt * 1000,
        StoppedAt: EPOCH_MS + a.stoppedAt! * 1000,
        StatusReason: a.statusReason,
      })),
      ...(job.arraySize !== undefined ? { ArrayProperties: { Size: job.arraySize, StatusSummary: this.statusSummary(job) } } : {}),
      ...(job.request.RetryStrategy ? { RetryStrategy: job.request.RetryStrategy } : {}),
      ...(job.request.Timeout ? { Timeout: job.request.Timeout } : {}),
    };
  }

  /** A job as ListJobs shows it (a JobSummary). */
  private summarize(job: SimJob): any {
    const d = this.describe(job);
    return {
      JobArn: d.JobArn,
      JobId: d.JobId,
      JobName: d.JobName,
      CreatedAt: d.CreatedAt,
      Status: d.Status,
      ...(d.StatusReason !== undefined ? { StatusReason: d.StatusReason } : {}),
      ...(d.StartedAt !== undefined ? { StartedAt: d.StartedAt } : {}),
      ...(d.StoppedAt !== undefined ? { StoppedAt: d.StoppedAt } : {}),
      Container: {
        ...(d.Container.ExitCode !== undefined ? { ExitCode: d.Container.ExitCode } : {}),
        ...(d.Container.Reason ? { Reason: d.Container.Reason } : {}),
      },
      ...(d.ArrayProperties ? { ArrayProperties: { Size: d.ArrayProperties.Size } } : {}),
    };
  }

  private statusSummary(job: SimJob): { [status: string]: number } {
    const summary: { [status: string]: number } = {};
    for (const s of ['STARTING', 'FAILED', 'RUNNING', 'SUCCEEDED', 'RUNNABLE', 'SUBMITTED', 'PENDING']) summary[s] = 0;
    for (const c of job.children) summary[c.status]++;
    return summary;
  }
}

/** Batch's EvaluateOnExit patterns: exact, or a prefix when they end with `*`. */
export function globMatch(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}
