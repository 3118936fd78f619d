/**
 * Before the lock, in dev: the run workflow claims a run's date (issue 21, item 1).
 *
 * The job workflow claims its date before any job (run-claim.ts), but in the run workflow it starts only after the
 * egress lock and the NAT gateway: a start of a date whose run is active would wait for the lock, create egress and
 * tear it down again before its child refused it; and a start made while the date's first run is still creating its
 * egress (before its child claimed) would wait for the lock and run the date again once the first had ended. So the
 * run workflow takes the same claim, with the same states, once its date is resolved and before the lock: a start of
 * a date whose run is still active ends at once with `RunActive`, naming that run, having taken and created nothing;
 * the claim held while the run waits for the lock refuses a second start of the date. The job workflow it starts takes
 * the claim over from it (its condition accepts its parent, run-claim.ts). A backfill (each date is claimed by its own
 * run), a resume (its date is the resumed run's, which the job workflow reads and claims) and a teardown-only run
 * claim nothing here.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { EgressContext } from './egress-context';
import { CLAIM_STATES, runClaimStates } from '../workflow/run-claim';
import { toCdkStates } from '../workflow/run-input';

/** The exit of the claim's states: the lock. */
const TO_LOCK = 'to the lock';

/** The run date's claim for a run of one date, before `next` (the lock). */
export function createDateClaim(ctx: EgressContext, claimTable: dynamodb.ITable, next: sfn.IChainable): sfn.IChainable {
  const { scope } = ctx;
  const states = runClaimStates(claimTable.tableName, TO_LOCK, { date: '$.runDate.date' });
  const claim = toCdkStates(scope, 'RunDateClaim', states, CLAIM_STATES.claim, { [TO_LOCK]: next });
  const other = sfn.Condition.or(
    sfn.Condition.isPresent('$.input.backfill'), sfn.Condition.isPresent('$.input.resumeFrom'), sfn.Condition.isPresent('$.input.teardownOnly'));
  return new sfn.Choice(scope, 'RunOneDate', { stateName: 'A run of one date?' }).when(other, next).otherwise(claim);
}
