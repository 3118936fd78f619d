/**
 * The run workflow of `NetworkProfile.ON_DEMAND_EGRESS`: egress that exists only while a run needs it.
 *
 * It wraps the job workflow (which it starts with `states:startExecution.sync:2`) in four steps:
 *
 * 0. Resolve the run date and, for a run of one date, claim it (egress-date-check.ts): a start of a date whose run
 *    is still active ends at once with `RunActive`, before it takes the lock or creates anything.
 * 1. Take the lock: one item in a small DynamoDB table, written with a conditional `PutItem` whose owner is
 *    the execution ARN. A run that finds the lock held by a RUNNING execution waits (30 s, doubling up to
 *    5 min, for about 24 hours at most); a lock whose owner is no longer RUNNING (stopped, timed out, or
 *    failed before it could release) is taken over with a `PutItem` conditioned on that stale owner.
 * 2. Create egress: an Elastic IP, a NAT gateway in the first public subnet, and a `0.0.0.0/0` route to it
 *    in each private route table (replacing a route a failed run may have left).
 * 3. Run the job workflow with the input and the run date (it takes the date's claim over before any job); or,
 *    for an input `{"backfill": {...}}`, the backfill with that input, so that egress is created once for every
 *    date of the backfill.
 * 4. Always tear down, whatever step 2 or 3 did: delete the routes, every NAT gateway and Elastic IP tagged
 *    for this VPC (so a run also cleans up what an earlier run left behind), release the lock (a `DeleteItem`
 *    conditioned on this execution being the owner, also when the teardown itself failed), then succeed or
 *    fail as the job workflow did.
 *
 * A stopped (aborted) execution runs no catch, so an EventBridge rule starts a teardown-only run
 * (`{"teardownOnly": true}`) when one is aborted or times out; it takes the lock like any run (taking it
 * over from the stopped execution), tears down and releases it.
 *
 * This file wires the steps; each has a file of its own: `egress-lock.ts` (1), `egress-create.ts` (2),
 * `egress-run-jobs.ts` (3), `egress-teardown.ts` (4, and the rule), with `egress-jobs-ended.ts` (the wait until
 * every job has ended, before the teardown). `egress-policy.ts` has the IAM statements CDK's tasks do not write
 * and the cdk-nag acknowledgements, `egress-context.ts` what the steps share. The order in which the constructs are
 * created decides the order of resources and statements in the template: the lock table and lock states, the
 * teardown, the egress, the run, then the lock loop's choices, the state machine, its grants and the rule.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { egressContext, EgressRunWorkflowProps } from './egress-context';
import { connectCreateEgress, createEgressStates } from './egress-create';
import { createDateClaim } from './egress-date-check';
import { connectLockLoop, createLockStates } from './egress-lock';
import { acknowledgeRunWorkflowWildcards, grantLockKey } from './egress-policy';
import { createRunJobStates } from './egress-run-jobs';
import { createAbortedRunCleanup, createTeardown } from './egress-teardown';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { grantRunClaims } from '../workflow/run-claim';
import { runWorkflowInputCheck } from '../workflow/run-input';

export { EGRESS_TAG } from './egress-context';
export type { EgressRunWorkflowProps } from './egress-context';
export { LOCK_FIRST_WAIT, LOCK_ITEM, LOCK_KEY, LOCK_MAX_WAIT, LOCK_MAX_WAITS } from './egress-lock';

export function createEgressRunWorkflow(scope: Construct, props: EgressRunWorkflowProps): sfn.StateMachine {
  const ctx = egressContext(scope, props);
  // 1. The lock table and the lock states (connected last, once the run they lead to exists).
  const lock = createLockStates(ctx);
  // 4. Teardown (defined first: every failure after the lock is taken goes here).
  const teardown = createTeardown(ctx, lock);
  // 2. Create egress.
  const create = createEgressStates(ctx, teardown.start);
  // 3. Run the job workflow, with the run date.
  const run = createRunJobStates(ctx, teardown.start);
  const createEgress = connectCreateEgress(ctx, create, run, teardown.start);
  connectLockLoop(ctx, lock, { failed: teardown.failed, teardown: teardown.start, run: createEgress });
  // The run date, and its claim, before the lock: a start of a date whose run is active ends at once.
  run.merge.next(createDateClaim(ctx, props.claimTable, lock.acquire));

  // The input is checked before the lock is taken: a refused start creates and holds nothing.
  const definition = runWorkflowInputCheck(scope, ctx.name, lock.keepInput.next(run.resolveDate));
  const { stateMachine, role } = createLoggedStateMachine(scope, 'RunWorkflow', {
    stateMachineName: ctx.name,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    roleDescription: 'Role of the run workflow: takes the egress lock, creates and deletes the run\'s NAT gateway, address and routes, runs the job workflow',
    comment: 'Runs the job workflow with a NAT gateway that exists only for the run (NetworkProfile.ON_DEMAND_EGRESS)',
    encryptionKey: props.encryptionKey,
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  grantLockKey(ctx, role);
  // The claim's owner is described with DescribeExecution on the job workflow's runs (granted with StartJobWorkflow)
  // or its own (granted with the lock's owner).
  grantRunClaims(props.claimTable, stateMachine);
  createAbortedRunCleanup(ctx, stateMachine);
  acknowledgeRunWorkflowWildcards(ctx, role);
  return stateMachine;
}
