/**
 * Checks the retriers of a state machine definition (ASL):
 * - a retrier is shadowed when every error it could match is matched by an earlier one: "When a state reports
 *   an error, Step Functions scans through the retriers and, when the error name appears in the value of a
 *   retrier's ErrorEquals field, implements the retry policy" (the first that matches decides), `States.ALL`
 *   matches every error but `States.Runtime`, and "`States.TaskFailed` ... matches any known error name except
 *   for `States.Timeout`" (Step Functions developer guide, error handling);
 * - a Task state that calls AWS must retry throttling and service errors under each name Step Functions may give
 *   them: `<Service>.<Error>` with an `Exception` suffix ("be sure to include the Exception suffix", developer
 *   guide, AWS SDK service integrations), the service's base exception for errors it does not model (production
 *   logs: `Batch.AWSBatchException`, `Ec2.Ec2Exception`), and the names the services document for throttling.
 */
import { stateMaps } from './templates';

/** Example error names for each kind of error a retrier can name, to test what it matches. */
function probes(name: string): string[] {
  if (name === 'States.ALL') return ['States.Timeout', 'States.TaskFailed', 'Unmodeled.ServiceException', 'States.Permissions'];
  if (name === 'States.TaskFailed') return ['States.TaskFailed', 'Unmodeled.ServiceException'];
  return [name];
}

/** Whether a retrier's `ErrorEquals` matches an error name. */
export function matches(errorEquals: string[], error: string): boolean {
  if (error === 'States.Runtime') return false;
  if (errorEquals.includes('States.ALL') || errorEquals.includes(error)) return true;
  return errorEquals.includes('States.TaskFailed') && error !== 'States.Timeout';
}

/** The retrier that decides for an error: the first whose `ErrorEquals` matches it. */
export function retrierFor(retry: any[], error: string): any | undefined {
  return retry.find(r => matches(r.ErrorEquals ?? [], error));
}

/** The service prefixes Step Functions uses for a Task's errors, from its `Resource`. */
export function servicesOf(resource: string): string[] {
  const sdk = /^arn:(?:\$\{[^}]*\}|[a-z-]*):states:::aws-sdk:([a-z0-9]+):/.exec(resource);
  const optimized = /^arn:(?:\$\{[^}]*\}|[a-z-]*):states:::([a-z0-9]+):/.exec(resource);
  const service = sdk?.[1] ?? optimized?.[1];
  if (!service) return [];
  const pascal = service.charAt(0).toUpperCase() + service.slice(1);
  const known: { [service: string]: string[] } = {
    batch: ['Batch'],
    ec2: ['Ec2', 'EC2'],
    dynamodb: ['DynamoDb', 'DynamoDB'],
    sfn: ['Sfn', 'SFN'],
    states: ['StepFunctions'],
    lambda: ['Lambda'],
    sns: ['Sns', 'SNS'],
  };
  return known[service] ?? [pascal];
}

/** Names a throttled or failing call of the service may fail with. */
export function transientErrorNames(service: string): string[] {
  const extra: { [service: string]: string[] } = {
    Batch: ['Batch.AWSBatchException', 'Batch.ServerException'],
    Ec2: ['Ec2.RequestLimitExceededException'],
    EC2: ['EC2.RequestLimitExceeded'],
    DynamoDb: ['DynamoDb.ProvisionedThroughputExceededException', 'DynamoDb.RequestLimitExceededException'],
    DynamoDB: ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.RequestLimitExceeded'],
  };
  return [`${service}.ThrottlingException`, `${service}.TooManyRequestsException`, `${service}.${service}Exception`, ...(extra[service] ?? [])];
}

/** The states a state can go to next (within its state map). */
function successors(state: any): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c: any) => c.Next), ...(state.Catch ?? []).map((c: any) => c.Next)]
    .filter((n): n is string => typeof n === 'string');
}

/** Whether a state's Resource submits a Batch job (`batch:submitJob`, with or without `.sync`). */
export function submitsJob(state: any): boolean {
  return typeof state.Resource === 'string' && /:states:::batch:submitJob(\.sync)?$/.test(state.Resource);
}

/** Whether a state's Resource lists Batch jobs (`aws-sdk:batch:listJobs`). */
function listsJobs(state: any): boolean {
  return typeof state.Resource === 'string' && state.Resource.endsWith(':states:::aws-sdk:batch:listJobs');
}

/**
 * Whether an error of `task` that its Catch sends on comes back to `task` only through a look for the job by
 * name (a `ListJobs` task): SubmitJob takes no idempotency token, so a SubmitJob is retried only after looking
 * whether the failed call created the job (submit-recovery.ts).
 */
export function retriedAfterLook(scope: { [name: string]: any }, task: string, error: string): boolean {
  const target = (scope[task].Catch ?? []).find((c: any) => matches(c.ErrorEquals ?? [], error))?.Next;
  if (target === undefined) return false;
  // Breadth first over (state, looked): the task reached after a look is a retry after a look; reached before one, not.
  const seen = new Set<string>();
  const queue: Array<[string, boolean]> = [[target, listsJobs(scope[target] ?? {})]];
  let back = false;
  while (queue.length > 0) {
    const [name, looked] = queue.shift()!;
    if (name === task) {
      if (!looked) return false;
      back = true;
      continue;
    }
    const key = `${name}|${looked}`;
    if (seen.has(key) || scope[name] === undefined) continue;
    seen.add(key);
    for (const next of successors(scope[name])) queue.push([next, looked || listsJobs(scope[next] ?? {})]);
  }
  return back;
}

/** The problems of a definition's retriers, one line each: `<state>: <problem>`. */
export function retryProblems(definition: any): string[] {
  const problems: string[] = [];
  for (const scope of stateMaps(definition)) {
    for (const [name, state] of Object.entries<any>(scope)) {
      if (state.Type !== 'Task') continue;
      const retry: any[] = state.Retry ?? [];
      retry.forEach((r, i) => {
        const earlier = retry.slice(0, i);
        const candidates = (r.ErrorEquals ?? []).flatMap(probes);
        if (i > 0 && candidates.every((e: string) => earlier.some(x => matches(x.ErrorEquals ?? [], e)))) {
          problems.push(`${name}: retrier ${i + 1} (${(r.ErrorEquals ?? []).join(', ')}) is shadowed by an earlier one`);
        }
      });
      const transient = servicesOf(String(state.Resource)).flatMap(transientErrorNames);
      if (submitsJob(state)) {
        // A SubmitJob's retrier would submit a second job when the failed call had created one.
        const blind = transient.filter(e => (retrierFor(retry, e)?.MaxAttempts ?? 3) > 0 && retrierFor(retry, e) !== undefined);
        if (blind.length > 0) problems.push(`${name}: retries ${blind.join(', ')} without looking for the job the failed call may have created`);
        const unretried = transient.filter(e => !retriedAfterLook(scope, name, e));
        if (unretried.length > 0) problems.push(`${name}: does not submit again after ${unretried.join(', ')} (after looking for the job)`);
        continue;
      }
      const unretried = transient.filter(e => (retrierFor(retry, e)?.MaxAttempts ?? 3) === 0 || retrierFor(retry, e) === undefined);
      if (unretried.length > 0) problems.push(`${name}: does not retry ${unretried.join(', ')}`);
    }
  }
  return problems;
}
