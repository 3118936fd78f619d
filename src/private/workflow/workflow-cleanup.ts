/**
 * The cleanup of a run stopped from outside: a run that is stopped (`StopExecution`) or times out runs no
 * state of its own any more, so an EventBridge rule on its ABORTED and TIMED_OUT executions starts this small
 * state machine, which finds the run's jobs by their name (`<MD5 of the execution ARN>-<job>`) and terminates
 * every one that has not ended, until two looks in a row find none.
 */
import { Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { runFilter } from './workflow-states';
import { startWatch, watchStates, WatchOptions } from './workflow-watch';
import { acknowledgeWildcards } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { PlatformNames } from '../settings/names';
import { LogSettings } from '../settings/settings';

export interface RunCleanupProps {
  readonly names: PlatformNames;
  readonly logs: LogSettings;
  /** The job workflow whose stopped runs are cleaned up. */
  readonly jobWorkflow: sfn.IStateMachine;
  readonly jobQueue: batch.IJobQueue;
  readonly encryptionKey: kms.IKey;
}

/**
 * The cleanup's definition: its input is the execution's status-change event, or any object with
 * `detail.executionArn` (to clean up a run by hand).
 */
export function buildRunCleanupDefinition(jobQueueArn: string): { [key: string]: unknown } {
  const watch: WatchOptions = {
    prefix: 'Cleanup', kind: 'cleanup', jobQueueArn, filterPath: '$.run.filter', failureMode: 'STOP_ALL', next: 'Every job ended',
  };
  return {
    Comment: 'Terminates every job of a stopped or timed-out run of the job workflow that has not ended',
    StartAt: 'Find the run\'s jobs',
    States: {
      'Find the run\'s jobs': {
        Type: 'Pass',
        Parameters: { 'filter.$': runFilter('$.detail.executionArn') },
        ResultPath: '$.run',
        Next: 'Cleanup: start',
      },
      'Cleanup: start': startWatch(watch, 'Cleanup: wait'),
      ...watchStates(watch),
      'Every job ended': { Type: 'Succeed' },
    },
  };
}

/** The cleanup state machine and the rule that starts it for every stopped or timed-out run. */
export function createRunCleanup(scope: Construct, props: RunCleanupProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  const names = props.names;
  const definition = buildRunCleanupDefinition(props.jobQueue.jobQueueArn);
  const { stateMachine, role } = createLoggedStateMachine(scope, 'RunCleanup', {
    stateMachineName: names.runCleanup,
    definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
    roleDescription: 'Role of the run cleanup: lists the jobs of a stopped run and terminates those that have not ended',
    comment: 'Terminates the jobs of a stopped or timed-out run of the job workflow',
    encryptionKey: props.encryptionKey,
    logRetention: props.logs.retention,
    removalPolicy: props.logs.removalPolicy,
  });
  const jobArns = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
  // ListJobs has no resource-level permissions.
  stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:ListJobs'], resources: ['*'] }));
  stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:TerminateJob'], resources: [jobArns] }));
  new events.Rule(scope, 'RunCleanupRule', {
    description: `Terminates the jobs of a run of ${names.stateMachine} that was stopped or timed out`,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [props.jobWorkflow.stateMachineArn], status: ['ABORTED', 'TIMED_OUT'] },
    },
    targets: [new targets.SfnStateMachine(stateMachine, {
      role: new ManagedPolicyRole(scope, 'RunCleanupRuleRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: 'Lets EventBridge start the cleanup of a stopped run',
      }),
    })],
  });
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: batch:ListJobs (finding a run\'s jobs by name), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
    { pattern: /:batch:.*:job\/\*$/, reason: 'batch:TerminateJob names a job by its ID, which Batch assigns at submission; the cleanup terminates only jobs named for the stopped run' },
  ]);
  return stateMachine;
}
