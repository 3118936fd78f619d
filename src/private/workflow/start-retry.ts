/**
 * The retry of a task that starts a run (`states:startExecution.sync:2`): the backfill's `Run date` and the run
 * workflow's `Run job workflow` / `Run backfill`.
 *
 * A child run that ended badly fails the task with `States.TaskFailed` and its description as the cause, and that
 * must not be retried: a second StartExecution under the same name of a closed execution is refused with
 * `ExecutionAlreadyExists` (StartExecution: "If the execution is closed or if the input is different, it returns a
 * 400 ExecutionAlreadyExists error"), which would hide the run's own error. `States.TaskFailed` and `States.ALL`
 * match that failure too ("`States.TaskFailed` acts as a wildcard that matches any known error name except for
 * `States.Timeout`"), so the retrier names the errors of the call itself: Step Functions' throttling and service
 * errors, under the `StepFunctions.` prefix of the optimized integration. The names cannot be checked offline, so
 * the list is broad (the base exception and the SDK's client error among them), with bounded attempts, backoff
 * and jitter. A retried start cannot start a run twice: each start has a fixed execution name, and
 * "if you call StartExecution with the same name and input as a running execution, the call succeeds and return
 * the same response as the original request".
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** The errors of a StartExecution call that are worth another try. */
export const START_RETRY_ERRORS = [
  // Throttling, as every AWS API reports it (API reference, Common Errors) and as Batch's 429 is named.
  'StepFunctions.ThrottlingException',
  'StepFunctions.TooManyRequestsException',
  'StepFunctions.ServiceUnavailableException',
  // StartExecution's own transient error (botocore: ExecutionLimitExceeded).
  'StepFunctions.ExecutionLimitExceededException',
  // The SDK's base exception for an error it does not model, in the forms the developer guide shows for Lambda
  // (`Lambda.AWSLambdaException`, `Lambda.SdkClientException`) and production logs show for EC2 (`Ec2.Ec2Exception`).
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.SfnException',
  'StepFunctions.StepFunctionsException',
  'StepFunctions.SdkClientException',
];

/** Attempts after the first; with 3 s doubling, about 6 minutes in all. */
export const START_RETRY_ATTEMPTS = 7;

/** The retrier, in the States Language. */
export const START_RETRY = {
  ErrorEquals: START_RETRY_ERRORS,
  IntervalSeconds: 3,
  MaxAttempts: START_RETRY_ATTEMPTS,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/** The same retrier on a CDK task (the run workflow's). */
export function addStartRetry(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: START_RETRY_ERRORS,
    interval: Duration.seconds(START_RETRY.IntervalSeconds),
    maxAttempts: START_RETRY_ATTEMPTS,
    backoffRate: START_RETRY.BackoffRate,
    maxDelay: Duration.seconds(START_RETRY.MaxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  });
}
