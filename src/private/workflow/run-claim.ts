/**
 * At most one active run per date (issue 21): before any job is submitted, a run claims its date with a conditional
 * `PutItem` of one item per date in a small DynamoDB table, whose owner is the run's execution ARN. A claim held by a
 * run that is still RUNNING (`DescribeExecution`) ends the new run at once with `RunActive`, naming that run; a claim
 * whose owner is no longer RUNNING (it succeeded, failed, was stopped, timed out, or crashed) or no longer exists is
 * taken over with a `PutItem` conditioned on that old owner. So a run frees its date by ending, however it ends, and
 * a stale claim never blocks a date: nothing has to release it. Two starts of one date at once: one conditional write
 * wins, the other reads the winner, RUNNING, and ends. Runs of different dates claim different items and stay
 * concurrent. Every start of a date goes through the job workflow (the schedule, a manual start, each backfill
 * date, a resume, and in dev the run workflow), so every one is checked.
 *
 * In dev the run workflow claims a run's date too, with the same states, before it takes the egress lock
 * (egress-date-check.ts): a start of a date whose run is active ends at once, having taken and created nothing. Its
 * job workflow then takes the claim from its parent (`#owner = :parent`, the run workflow execution that started it).
 */
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STARTED_BY } from './run-input';
import { CONDITION_FAILED, NO_SUCH_EXECUTION } from './workflow-states';
import type { States, WorkflowOptions } from './workflow-states';
import { acknowledge, HIPAA, inPacks, NIST } from '../core/compliance';
import { addToTableBackup, TableBackup } from '../data/backup';
import { LogSettings } from '../settings/settings';

/** The claim table's partition key: the run date. */
export const CLAIM_KEY = 'date';

/** The error of a run refused because its date's run is still active. */
export const RUN_ACTIVE = 'RunActive';


/** State names of the claim. */
export const CLAIM_STATES = {
  claim: 'Claim the run date',
  read: 'Read the date claim',
  owned: 'Date claim owned?',
  describe: 'Describe the date claim owner',
  active: 'Date claim owner running?',
  takeOver: 'Take over the date claim',
  refusedText: 'Describe the active run',
  refused: 'Run of the date active',
  failedText: 'Describe the claim failure',
  failed: 'Date claim failed',
} as const;

/** The table of date claims (`RunClaimTable`): transient items, no data. */
export function createRunClaimTable(scope: Construct, encryptionKey: kms.IKey, logs: LogSettings, tableBackup?: TableBackup): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'RunClaimTable', {
    partitionKey: { name: CLAIM_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey,
    // Its items are only claims, but point-in-time recovery costs next to nothing for a few bytes per date and
    // keeps the table within the AWS Control Tower control every table of the platform meets (CT.DYNAMODB.PR.1).
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: logs.removalPolicy,
  });
  const transient = 'It holds only which run of a date is active (one item per date, its owner an execution ARN), never data: a lost item is re-created by the next run of that date, and an item whose owner has ended is taken over';
  // Where the platform backs its table up (prod), the claims join that plan: a few bytes, and no exception to
  // explain. Elsewhere (dev, or a table the team brings) they are transient, as said.
  if (tableBackup) addToTableBackup(tableBackup, 'RunClaims', table);
  else acknowledge(table, ...inPacks('DynamoDBInBackupPlan', transient, [NIST, HIPAA]));
  return table;
}

/** Lets the job workflow claim dates (PutItem, GetItem; the table's key through DynamoDB only). */
export function grantRunClaims(table: dynamodb.ITable, stateMachine: sfn.StateMachine): void {
  stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [table.tableArn] }));
  if (table.encryptionKey) {
    // The key only through DynamoDB, as the claims are read and written, never directly.
    stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [table.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(table).region}.amazonaws.com` } },
    }));
  }
}

const retryButCondition = [
  { ErrorEquals: [CONDITION_FAILED], MaxAttempts: 0 },
  { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' },
];

/** Where the claim finds the run date, and the execution it may take the claim from. */
export interface ClaimPaths {
  /** The run date. @default '$.date' */
  readonly date?: string;
  /** The execution that started this one, which may hold the claim for it (dev's run workflow). @default - none */
  readonly parent?: string;
}

/** The claim's states, from CLAIM_STATES.claim to `next` (the first job, or in the run workflow the lock). */
export function runClaimStates(tableName: string, next: string, paths: ClaimPaths = {}): States {
  const C = CLAIM_STATES;
  const date = paths.date ?? '$.date';
  const me = { 'S.$': '$$.Execution.Id' };
  // A run that claimed its date before (a retried start) finds itself the owner; a child finds its parent.
  const parent = paths.parent ? { ':parent': { 'S.$': paths.parent } } : {};
  const claimIf = ['attribute_not_exists(#date)', '#owner = :me', ...Object.keys(parent).map(v => `#owner = ${v}`)].join(' OR ');
  const put = (condition: string, values: { [key: string]: unknown }, onCondition: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: {
      TableName: tableName,
      Item: { [CLAIM_KEY]: { 'S.$': date }, owner: me, startedAt: { 'S.$': '$$.Execution.StartTime' } },
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#date': CLAIM_KEY, '#owner': 'owner' },
      ExpressionAttributeValues: values,
    },
    ResultPath: null,
    Retry: retryButCondition,
    Catch: [
      { ErrorEquals: [CONDITION_FAILED], ResultPath: null, Next: onCondition },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.claimError', Next: C.failedText },
    ],
    Next: next,
  });
  return {
    [C.claim]: put(claimIf, { ':me': me, ...parent }, C.read),
    [C.read]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: tableName, Key: { [CLAIM_KEY]: { 'S.$': date } }, ConsistentRead: true },
      ResultSelector: { 'item.$': '$' },
      ResultPath: '$.claim',
      Retry: retryButCondition.slice(1),
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.claimError', Next: C.failedText }],
      Next: C.owned,
    },
    // The item went between the two calls: claim again.
    [C.owned]: { Type: 'Choice', Choices: [{ Variable: '$.claim.item.Item.owner.S', IsPresent: true, Next: C.describe }], Default: C.claim },
    [C.describe]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
      Parameters: { 'ExecutionArn.$': '$.claim.item.Item.owner.S' },
      ResultSelector: { 'status.$': '$.Status' },
      ResultPath: '$.claim.owner',
      Retry: [
        { ErrorEquals: NO_SUCH_EXECUTION, MaxAttempts: 0 },
        retryButCondition[1],
      ],
      // An owner that does not exist (any more) holds nothing.
      Catch: [
        { ErrorEquals: NO_SUCH_EXECUTION, ResultPath: null, Next: C.takeOver },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.claimError', Next: C.failedText },
      ],
      Next: C.active,
    },
    [C.active]: { Type: 'Choice', Choices: [{ Variable: '$.claim.owner.status', StringEquals: 'RUNNING', Next: C.refusedText }], Default: C.takeOver },
    // Conditioned on the owner it saw: if another run took it over meanwhile, look again.
    [C.takeOver]: put('#owner = :stale', { ':stale': { 'S.$': '$.claim.item.Item.owner.S' } }, C.read),
    [C.refusedText]: {
      Type: 'Pass',
      Parameters: { 'text.$': `States.Format('a run of {} is still active: {}; this run submitted no job. Wait until it has ended, or stop it, then start again', ${date}, $.claim.item.Item.owner.S)` },
      Next: C.refused,
    },
    [C.refused]: { Type: 'Fail', Error: RUN_ACTIVE, CausePath: '$.text' },
    [C.failedText]: {
      Type: 'Pass',
      Parameters: { 'text.$': `States.Format('the run of {} could not claim its date ({}: {}); this run submitted no job', ${date}, $.claimError.Error, $.claimError.Cause)` },
      Next: C.failed,
    },
    [C.failed]: { Type: 'Fail', Error: 'RunClaimFailed', CausePath: '$.text' },
  };
}

/**
 * Adds the claim before `next` when the platform has a claim table, once the date is final (a resume takes its run's)
 * and before any job; returns the state that leads to `next` (the claim, or `next` itself). With on-demand egress
 * the run workflow that started the run claimed its date first, and the run takes the claim from it.
 */
export function addRunClaim(states: States, options: Pick<WorkflowOptions, 'claimTableName' | 'startedOnlyBy'>, next: string): string {
  if (!options.claimTableName) return next;
  Object.assign(states, runClaimStates(options.claimTableName, next, options.startedOnlyBy ? { parent: `$.input.${STARTED_BY}` } : {}));
  return CLAIM_STATES.claim;
}
