/**
 * AWS on 127.0.0.1, as the AWS SDK for JavaScript v3 talks to it, for the calls the batch-platform CLI makes, answered
 * from a SimulatedPlatform:
 * - Step Functions, JSON 1.0 (`X-Amz-Target: AWSStepFunctions.<Op>`): StartExecution, DescribeExecution, ListExecutions,
 *   DescribeStateMachine; timestamps as epoch seconds;
 * - CloudWatch Logs, JSON 1.1 (`X-Amz-Target: Logs_20140328.<Op>`): GetLogEvents;
 * - AWS Batch, REST-JSON (`POST /v1/listjobs`, `POST /v1/describejobs`), camelCase members, times in epoch ms;
 * - CloudFormation, query protocol (form-encoded `Action=DescribeStacks`), XML answers, errors as `ErrorResponse`.
 * The region of each request is read from its SigV4 credential scope, so a stack exists only in its region.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { EPOCH_MS, REGION, SimulatedPlatform } from './simulated-platform';
import { SimExecution } from '../../scripts/lib/sim/step-functions';

/** An error the service answers with: its code (`__type`, or the query protocol's `Code`) and HTTP status. */
class ServiceError extends Error {
  constructor(public readonly code: string, message: string, public readonly status = 400) {
    super(message);
  }
}

/** A stack the fake CloudFormation knows: its region and outputs. */
export interface LoopbackStack {
  readonly region: string;
  readonly outputs: { [key: string]: string };
}

/** Log lines of one attempt of a job, by the job's description: what the fake CloudWatch Logs serves. */
export type LogLines = (job: any, attempt: number) => Array<{ at: number; message: string }>;

/** Batch's member names are camelCase; the simulator's are the Step Functions integration's PascalCase. Map keys stay. */
function camel(value: any, key = ''): any {
  if (Array.isArray(value)) return value.map(v => camel(v));
  if (value === null || typeof value !== 'object') return value;
  if (key === 'Parameters' || key === 'StatusSummary') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), camel(v, k)]));
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class LoopbackAws {
  /** Every request, as `<service>.<operation>`. */
  public readonly requests: string[] = [];
  private server?: Server;

  constructor(private readonly platform: SimulatedPlatform, private readonly stacks: { [name: string]: LoopbackStack },
    private readonly logGroup: string, private readonly logLines: LogLines) {}

  /** Starts listening on a free loopback port; resolves to the endpoint URL. */
  public async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'none';
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (target.startsWith('AWSStepFunctions.')) return this.json(res, '1.0', await this.stepFunctions(target.split('.')[1], JSON.parse(body || '{}')));
      if (target.startsWith('Logs_20140328.')) return this.json(res, '1.1', await this.logs(target.split('.')[1], JSON.parse(body || '{}')));
      if (req.url?.startsWith('/v1/')) return this.rest(res, await this.batchApi(req.url, JSON.parse(body || '{}')));
      const form = new URLSearchParams(body);
      if (form.get('Action') === 'DescribeStacks') return this.xml(res, 200, this.describeStacks(region, form.get('StackName') ?? ''));
      throw new ServiceError('UnknownOperationException', `no such operation: ${target || req.url} ${form.get('Action') ?? ''}`);
    } catch (e) {
      const error = e instanceof ServiceError ? e : new ServiceError(`${(e as Error).name ?? 'InternalFailure'}`, String((e as Error).message), 400);
      if (new URLSearchParams(body).get('Action')) return this.queryError(res, error);
      if (req.url?.startsWith('/v1/')) {
        res.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.code });
        res.end(JSON.stringify({ message: error.message }));
        return;
      }
      res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: error.code, message: error.message }));
    }
  }

  private json(res: ServerResponse, version: string, out: any): void {
    res.writeHead(200, { 'content-type': `application/x-amz-json-${version}` });
    res.end(JSON.stringify(out));
  }

  private rest(res: ServerResponse, out: any): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }

  private xml(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(body);
  }

  private queryError(res: ServerResponse, e: ServiceError): void {
    this.xml(res, e.status, '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
      + `<Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>loopback</RequestId></ErrorResponse>`);
  }

  // ---- CloudFormation ----

  private describeStacks(region: string, name: string): string {
    this.requests.push('cloudformation.DescribeStacks');
    const stack = this.stacks[name];
    if (!stack || stack.region !== region) throw new ServiceError('ValidationError', `Stack with id ${name} does not exist`);
    const outputs = Object.entries(stack.outputs).map(([k, v]) =>
      `<member><OutputKey>${xmlEscape(k)}</OutputKey><OutputValue>${xmlEscape(v)}</OutputValue></member>`).join('');
    return '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
      + `<StackName>${xmlEscape(name)}</StackName><StackId>arn:aws:cloudformation:${region}:123456789012:stack/${xmlEscape(name)}/0b1c2d3e</StackId>`
      + `<CreationTime>2024-04-30T12:00:00.000Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${outputs}</Outputs>`
      + '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>loopback</RequestId></ResponseMetadata></DescribeStacksResponse>';
  }

  // ---- Step Functions ----

  private execution(arn: string): SimExecution {
    const e = this.platform.sfn.executions.find(x => x.arn === arn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  private describeExecution(e: SimExecution): any {
    const text = (v: any) => (typeof v === 'string' ? v : JSON.stringify(v));
    return {
      executionArn: e.arn,
      stateMachineArn: e.machine,
      name: e.name,
      status: e.status,
      startDate: (EPOCH_MS / 1000) + e.startedAt,
      ...(e.stoppedAt !== undefined ? { stopDate: (EPOCH_MS / 1000) + e.stoppedAt } : {}),
      input: text(e.input ?? {}),
      ...(e.output !== undefined ? { output: text(e.output) } : {}),
      ...(e.error !== undefined ? { error: e.error, cause: e.cause ?? '' } : {}),
    };
  }

  private async stepFunctions(op: string, input: any): Promise<any> {
    this.requests.push(`states.${op}`);
    const machines = this.platform.machines;
    const machine = (arn: string) => {
      if (!machines[arn]) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
      return machines[arn];
    };
    switch (op) {
      case 'StartExecution': {
        machine(input.stateMachineArn);
        try {
          void this.platform.sfn.start(input.stateMachineArn, input.name, JSON.parse(input.input ?? '{}'));
        } catch (e) {
          throw new ServiceError('ExecutionAlreadyExists', (e as Error).message);
        }
        // By state machine and name: an execution may start others before this line (a run workflow its job workflow).
        const started = this.platform.sfn.executions.find(e => e.machine === input.stateMachineArn && e.name === input.name)!;
        return { executionArn: started.arn, startDate: (EPOCH_MS / 1000) + started.startedAt };
      }
      case 'DescribeExecution':
        return this.describeExecution(this.execution(input.executionArn));
      case 'ListExecutions': {
        machine(input.stateMachineArn);
        const all = this.platform.sfn.executions
          .filter(e => e.machine === input.stateMachineArn && (!input.statusFilter || e.status === input.statusFilter))
          .slice().reverse();
        const start = Number(input.nextToken ?? 0);
        const size = input.maxResults || 100;
        const page = all.slice(start, start + size).map(e => {
          const { input: _i, output: _o, error: _e, cause: _c, ...item } = this.describeExecution(e);
          return item;
        });
        return { executions: page, ...(start + size < all.length ? { nextToken: String(start + size) } : {}) };
      }
      case 'DescribeStateMachine': {
        const m = machine(input.stateMachineArn);
        return {
          stateMachineArn: input.stateMachineArn,
          name: m.name,
          status: 'ACTIVE',
          definition: JSON.stringify(m.definition),
          roleArn: 'arn:aws:iam::123456789012:role/workflow',
          type: 'STANDARD',
          creationDate: EPOCH_MS / 1000 - 86400,
        };
      }
      default:
        throw new ServiceError('UnknownOperationException', `states ${op} is not simulated`);
    }
  }

  // ---- Batch ----

  /** A job as Batch's REST API shows it, each attempt with the log stream of its own Fargate task. */
  private batchJob(job: any): any {
    const out = camel(job);
    out.attempts = (out.attempts ?? []).map((a: any, i: number) => ({ ...a, container: { ...a.container, logStreamName: `${job.Container.LogStreamName}-attempt-${i + 1}` } }));
    if (job.Container.LogStreamName) out.container.logStreamName = `${job.Container.LogStreamName}-attempt-${Math.max(1, out.attempts.length + (job.Status === 'RUNNING' ? 1 : 0))}`;
    return out;
  }

  private async batchApi(path: string, input: any): Promise<any> {
    this.requests.push(`batch.${path.slice(4)}`);
    const sim = this.platform.batch;
    if (path === '/v1/listjobs') {
      const out = await sim.listJobs({
        JobQueue: input.jobQueue,
        Filters: (input.filters ?? []).map((f: any) => ({ Name: f.name, Values: f.values })),
        MaxResults: input.maxResults,
        NextToken: input.nextToken,
      });
      return camel(out);
    }
    if (path === '/v1/describejobs') {
      const out = await sim.describeJobs({ Jobs: input.jobs });
      return { jobs: out.Jobs.map((j: any) => this.batchJob(j)) };
    }
    throw new ServiceError('ClientException', `batch ${path} is not simulated`);
  }

  // ---- CloudWatch Logs ----

  private async logs(op: string, input: any): Promise<any> {
    this.requests.push(`logs.${op}`);
    if (op !== 'GetLogEvents') throw new ServiceError('UnknownOperationException', `logs ${op} is not simulated`);
    if (input.logGroupName !== this.logGroup) throw new ServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
    const m = /^(.*)-attempt-(\d+)$/.exec(input.logStreamName ?? '');
    const jobId = m?.[1].split('/').pop();
    // The simulator names a job's stream after its ID (an array child's `:` written as `-`).
    const job = jobId ? (await this.platform.batch.describeJobs({ Jobs: [jobId] })).Jobs[0]
      ?? (await this.platform.batch.describeJobs({ Jobs: [jobId.replace(/-(\d+)$/, ':$1')] })).Jobs[0] : undefined;
    if (!job) throw new ServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const now = SimulatedPlatform.epochMs(this.platform.batch.clock.now);
    const events = this.logLines(job, Number(m![2])).filter(e => e.at <= now)
      .map(e => ({ timestamp: e.at, message: e.message, ingestionTime: e.at }));
    const from = Number(String(input.nextToken ?? 'f/0').slice(2));
    const page = events.slice(from, from + 2);
    const next = `f/${from + page.length}`;
    return { events: page, nextForwardToken: next, nextBackwardToken: `b/${from}` };
  }
}

export { REGION };
