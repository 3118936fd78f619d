import * as batch from 'aws-cdk-lib/aws-batch';

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
