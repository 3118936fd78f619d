/**
 * The errors the tool explains: each says what went wrong and what to do, instead of an SDK stack trace.
 */

/** An error whose message is meant for the user as it is; the tool prints it and exits 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** What the tool was doing when an AWS call failed, to name it in the explanation. */
export interface ErrorContext {
  readonly region?: string;
  readonly stackName?: string;
}

/** Turns an AWS SDK error (or any error) into a message that says what to do. */
export function explain(error: any, context: ErrorContext = {}): string {
  if (error instanceof CliError) return error.message;
  const name: string = error?.name ?? '';
  const message: string = error?.message ?? String(error);
  const region = context.region ?? '(none)';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'no AWS credentials found: sign in (aws sso login --profile <p>, or aws configure) and pass --profile <p> '
      + 'or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (/Region is missing/i.test(message)) {
    return 'no AWS region: pass --region <region> (the region the stack is deployed in) or set AWS_REGION';
  }
  if (['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'ExpiredTokenException', 'ExpiredToken'].includes(name)) {
    return `AWS refused the credentials (${name}: ${message}): sign in again (aws sso login) or check AWS_PROFILE`;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return `not allowed: ${message}. Ask for the platform's operator permissions (grantStartBackfill, states:DescribeExecution, batch:ListJobs, batch:DescribeJobs, logs:GetLogEvents)`;
  }
  if (name === 'ValidationError' && /does not exist/.test(message)) {
    return `stack '${context.stackName}' not found in region ${region}: check the name (aws cloudformation list-stacks --region ${region}) `
      + 'and the region: stacks are regional, pass --region <the region it is deployed in>';
  }
  if (name === 'ExecutionDoesNotExist') {
    return `${message}: check the run's ARN, and that --region (${region}) is the region it ran in`;
  }
  if (name === 'ExecutionAlreadyExists') {
    return `${message}: a run of that name exists already; wait a second and start it again`;
  }
  if (name === 'InvalidExecutionInput' || name === 'InvalidArn') {
    return `${name}: ${message}`;
  }
  return `${name || 'Error'}: ${message}`;
}
