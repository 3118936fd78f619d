import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createBackfill } from './backfill';
import { DefinitionLocation, definitionLocation } from './definition-location';
import { createRunClaimTable, grantRunClaims } from './run-claim';
import { createRunCleanup } from './workflow-cleanup';
import { buildWorkflowDefinition, JobSubmission } from './workflow-definition';
import { JobDefinitions } from '../compute/job-definitions';
import { renderEvaluateOnExit } from '../compute/retry';
import { acknowledge, wildcardResourceFinding } from '../core/compliance';
import { createLoggedStateMachine } from '../core/logged-state-machine';
import type { ManagedPolicyRole } from '../core/managed-policy-role';
import { Namespace } from '../core/namespace';
import { TableBackup } from '../data/backup';
import { PlatformNames } from '../settings/names';
import { LogSettings, WorkflowSettings } from '../settings/settings';

export interface WorkflowPartProps {
  readonly names: PlatformNames;
  readonly settings: WorkflowSettings;
  readonly logs: LogSettings;
  readonly encryptionKey: kms.IKey;
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinitions: JobDefinitions;
  /** With on-demand egress, runs are started only by the run workflow (and the backfill it starts). @default false */
  readonly runWorkflowOnly?: boolean;
  /** The daily backup of the platform's table, which the table of date claims joins. @default - not backed up */
  readonly tableBackup?: TableBackup;
}

/** At most this many job definitions per `batch:SubmitJob` statement (see `ManagedPolicyRole`'s size limit). */
const DEFINITIONS_PER_STATEMENT = 20;

/**
 * The workflow part (`Workflow`): the job workflow, a state machine that submits the jobs in dependency order
 * and waits for each (`.sync`), with its log group and role; the backfill, which runs it for every date of a
 * range; and the schedule that starts runs, when there is one.
 */
export class WorkflowPart extends Namespace {
  public readonly stateMachine: sfn.StateMachine;
  /** Runs the job workflow for every date of a range (backfill.ts). */
  public readonly backfillStateMachine: sfn.StateMachine;
  /** The date claims of the job workflow (run-claim.ts), which the run workflow looks at before its lock. */
  public readonly claimTable: dynamodb.Table;
  /** Where the job workflow's definition is (the template or S3) and its deployed size. */
  public readonly definition: DefinitionLocation;

  constructor(scope: Construct, id: string, props: WorkflowPartProps) {
    super(scope, id);
    const submissions: JobSubmission[] = props.settings.jobs.map(job => ({
      name: job.name,
      jobDefinitionArn: props.jobDefinitions.of(job).jobDefinitionArn,
      dependsOn: job.dependsOn,
      command: job.command,
      environment: job.environment,
      retryAttempts: job.retryAttempts,
      evaluateOnExit: renderEvaluateOnExit(job.retryStrategies),
      timeoutSeconds: job.timeout?.toSeconds(),
      arraySize: job.arraySize,
    }));
    const stack = Stack.of(this);
    const claims = createRunClaimTable(this, props.encryptionKey, props.logs, props.tableBackup);
    this.claimTable = claims;
    const definition = buildWorkflowDefinition(submissions, props.jobQueue.jobQueueArn, {
      runTimeoutSeconds: props.settings.runTimeout.toSeconds(),
      failureMode: props.settings.onJobFailure,
      logGroupName: props.names.jobLogGroup,
      stateMachineName: props.names.stateMachine,
      runWorkflowName: props.names.runWorkflow,
      startedOnlyBy: props.runWorkflowOnly ? { runWorkflow: props.names.runWorkflow, backfill: props.names.backfill } : undefined,
      claimTableName: claims.tableName,
    });
    this.definition = definitionLocation(stack, definition);
    const { stateMachine, role } = createLoggedStateMachine(this, 'Workflow', {
      stateMachineName: props.names.stateMachine,
      definitionBody: this.definition.body,
      definitionSubstitutions: this.definition.substitutions,
      roleDescription: 'Role of the batch platform workflow: submits, watches and stops the platform\'s Batch jobs, writes its logs and traces',
      encryptionKey: props.encryptionKey,
      logRetention: props.logs.retention,
      removalPolicy: props.logs.removalPolicy,
    });
    this.stateMachine = stateMachine;
    this.grantBatch(role, props);
    grantRunClaims(claims, stateMachine);
    createRunCleanup(this, {
      names: props.names,
      jobWorkflow: stateMachine,
      jobQueue: props.jobQueue,
      encryptionKey: props.encryptionKey,
      logs: props.logs,
    });
    this.backfillStateMachine = createBackfill(this, {
      names: props.names,
      logs: props.logs,
      jobWorkflow: stateMachine,
      encryptionKey: props.encryptionKey,
      runWorkflowName: props.runWorkflowOnly ? props.names.runWorkflow : undefined,
    });
  }

  /** Submit, watch and stop the platform's own jobs, on its queue and job definitions only. */
  private grantBatch(role: ManagedPolicyRole, props: WorkflowPartProps): void {
    const stack = Stack.of(this);
    const jobDefinitionArns = props.jobDefinitions.names.map(n => stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${n}:*` }));
    const jobArns = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    // Statements that each stay under IAM's 6,144-character policy limit, so a large workflow's grants spread
    // over managed policies (see ManagedPolicyRole).
    for (let i = 0; i === 0 || i < jobDefinitionArns.length; i += DEFINITIONS_PER_STATEMENT) {
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [props.jobQueue.jobQueueArn, ...jobDefinitionArns.slice(i, i + DEFINITIONS_PER_STATEMENT)],
      }));
    }
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      // DescribeJobs and ListJobs (how the watch finds the run's jobs) have no resource-level permissions.
      actions: ['batch:DescribeJobs', 'batch:ListJobs'],
      resources: ['*'],
    }));
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['batch:TerminateJob'],
      resources: [jobArns],
    }));
    acknowledge(role,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only for actions without resource-level permissions: batch:DescribeJobs (how a .sync task polls its job), batch:ListJobs (how the watch finds the run\'s jobs), X-Ray trace writing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and friends), which Step Functions needs for logging at level ALL',
      },
      {
        id: wildcardResourceFinding(this, jobArns),
        reason: 'batch:TerminateJob names a job by its ID, which Batch assigns at submission; the workflow stops only jobs of its own run (found by their name) when a job fails or runTimeout passes',
      },
      ...jobDefinitionArns.map(arn => ({
        id: wildcardResourceFinding(this, arn),
        reason: 'The :* matches the revisions of one of the platform\'s own job definitions, by name; every deploy registers a new revision and a run in flight may still submit the previous one',
      })));
    // A resume describes the run it resumes (workflow-resume-run.ts): only runs of this job workflow.
    const ownExecutions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${props.names.stateMachine}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [ownExecutions] }));
    acknowledge(role, {
      id: wildcardResourceFinding(this, ownExecutions),
      reason: 'A resume describes the run given as resumeFrom, and the date claim the run that holds a date: any execution of the job workflow itself (DescribeExecution names one execution, by its ARN)',
    });
    if (props.runWorkflowOnly) {
      // With on-demand egress a date's claim may be held by a run workflow execution (egress-date-check.ts).
      const runWorkflowExecutions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${props.names.runWorkflow}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [runWorkflowExecutions] }));
      acknowledge(role, {
        id: wildcardResourceFinding(this, runWorkflowExecutions),
        reason: 'The date claim describes the run that holds a date, which with on-demand egress may be any execution of the platform\'s run workflow (DescribeExecution names one execution, by its ARN)',
      });
    }
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      // How Step Functions waits for a `.sync` Batch job.
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForBatchJobsRule' })],
    }));
  }
}
