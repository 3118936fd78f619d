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
import { allStates } from './templates';

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

/** The problems of a definition's retriers, one line each: `<state>: <problem>`. */
export function retryProblems(definition: any): string[] {
  const problems: string[] = [];
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const retry: any[] = state.Retry ?? [];
    retry.forEach((r, i) => {
      const earlier = retry.slice(0, i);
      const candidates = (r.ErrorEquals ?? []).flatMap(probes);
      if (i > 0 && candidates.every((e: string) => earlier.some(x => matches(x.ErrorEquals ?? [], e)))) {
        problems.push(`${name}: retrier ${i + 1} (${(r.ErrorEquals ?? []).join(', ')}) is shadowed by an earlier one`);
      }
    });
    const unretried = servicesOf(String(state.Resource)).flatMap(transientErrorNames)
      .filter(e => (retrierFor(retry, e)?.MaxAttempts ?? 3) === 0 || retrierFor(retry, e) === undefined);
    if (unretried.length > 0) problems.push(`${name}: does not retry ${unretried.join(', ')}`);
  }
  return problems;
}
