import * as batch from 'aws-cdk-lib/aws-batch';

/**
 * The default retry conditions for jobs on Fargate: retry what the infrastructure broke, not what the
 * application did. At most 5 rules (Batch's limit); the first rule whose patterns all match decides, and Batch
 * retries an attempt that no rule matches
 * (https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html, which shows `onStatusReason:
 * "Task failed to start"` as a rule to retry).
 *
 * 1. status reason `Your Spot Task was interrupted*`: Fargate Spot reclaimed the capacity (the ECS stop reason of
 *    an interrupted Spot task; its container exits 143, so this rule must come before the exit-code rule).
 * 2. status reason `ResourceInitializationError*`: Fargate could not set the task up, e.g.
 *    `ResourceInitializationError: unable to pull secrets or registry auth: ...` (ECS stopped task errors,
 *    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html).
 * 3. status reason `Task failed to start*`: the task never ran (Batch's own retry example).
 * 4. container reason `CannotPullContainerError*`: the image pull failed
 *    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html); with Batch's
 *    `Task failed to start` status reason rule 3 already matches, this covers any other status reason.
 *    `CannotStartContainerError` (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-start-container.html)
 *    comes with `Task failed to start` too.
 * 5. any exit code: the application ran and failed: exit, no retry.
 *
 * Anything else without an exit code (a Fargate error not listed) matches no rule, so Batch retries it. The
 * EC2 reason `Host EC2*` (CDK's `Reason.SPOT_INSTANCE_RECLAIMED`) never occurs on Fargate and is not listed.
 */
export function defaultRetryStrategies(): batch.RetryStrategy[] {
  return [
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'Your Spot Task was interrupted*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'ResourceInitializationError*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: 'Task failed to start*' })),
    batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onReason: 'CannotPullContainerError*' })),
    batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
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
