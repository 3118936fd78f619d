/**
 * The backfill state machine (`<prefix>-batch-platform-backfill-<env>`): runs the job workflow once per date of a range,
 * at most N dates at a time (backfill-definition.ts), with a role that may only start, watch and stop runs of
 * the job workflow.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildBackfillDefinition, MAX_BACKFILL_DATES } from './backfill-definition';
import { acknowledgeWildcards } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { PlatformNames } from '../settings/names';
import { LogSettings } from '../settings/settings';

export interface BackfillProps {
  readonly names: PlatformNames;
  readonly logs: LogSettings;
  /** The job workflow each date runs. */
  readonly jobWorkflow: sfn.IStateMachine;
  readonly encryptionKey: kms.IKey;
  /** With on-demand egress: the run workflow, the only state machine that may start the backfill. @default - anyone */
  readonly runWorkflowName?: string;
}

/** The backfill state machine (`Backfill`, with `BackfillLogs` and `BackfillRole`). */
export function createBackfill(scope: Construct, props: BackfillProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  const definition = buildBackfillDefinition(props.jobWorkflow.stateMachineArn, {
    backfill: props.names.backfill, runWorkflow: props.runWorkflowName,
  });
  const { stateMachine, role } = createLoggedStateMachine(scope, 'Backfill', {
    stateMachineName: props.names.backfill,
    definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
    roleDescription: 'Role of the backfill: starts, watches and stops runs of the job workflow, one per date',
    comment: `Runs the job workflow for every date of a range (at most ${MAX_BACKFILL_DATES}), at most maxConcurrency at a time`,
    encryptionKey: props.encryptionKey,
    logRetention: props.logs.retention,
    removalPolicy: props.logs.removalPolicy,
  });
  const jobWorkflowExecutions = stack.formatArn({
    service: 'states', resource: 'execution', resourceName: `${props.names.stateMachine}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  // What startExecution.sync:2 needs (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
  stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [props.jobWorkflow.stateMachineArn] }));
  stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [jobWorkflowExecutions] }));
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
  }));
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
    { pattern: /:states:.*:execution:.*:\*$/, reason: 'Executions of the platform\'s own job workflow, named at start (one per date of the backfill): the backfill describes and stops only those it started' },
  ]);
  return stateMachine;
}
