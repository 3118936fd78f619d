import * as batch from 'aws-cdk-lib/aws-batch';

/**
 * The default retry conditions: retry what the infrastructure broke, not what the application did.
 *
 * - `Host EC2*`: the host under the task failed (CDK's `Reason.SPOT_INSTANCE_RECLAIMED`).
 * - `Your Spot Task was interrupted*`: Fargate Spot reclaimed the capacity (ECS stop reason).
 * - `CannotPullContainerError*`: a transient image pull failure.
 * - any exit code (the application failed), or any other reason: exit, no retry. Batch retries when no
 *   condition matches, so these two catch-alls are what keep application errors from being retried.
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html
 */
export function defaultRetryStrategies(): batch.RetryStrategy[] {
  return [
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'Your Spot Task was interrupted*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onReason: 'CannotPullContainerError*' })),
    batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
    batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: '*' })),
  ];
}

/** Renders retry strategies as the SubmitJob API's `EvaluateOnExit`. */
export function renderEvaluateOnExit(strategies: batch.RetryStrategy[]): Array<{ [key: string]: string }> {
  return strategies.map(s => {
    const on = s.on as { onExitCode?: string; onReason?: string; onStatusReason?: string };
    return {
      Action: s.action,
      ...(on.onExitCode !== undefined ? { OnExitCode: on.onExitCode } : {}),
      ...(on.onReason !== undefined ? { OnReason: on.onReason } : {}),
      ...(on.onStatusReason !== undefined ? { OnStatusReason: on.onStatusReason } : {}),
    };
  });
}
