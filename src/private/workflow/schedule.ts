/**
 * The optional EventBridge Scheduler schedule that starts runs.
 *
 * Scheduler can put only its context attributes into the input, as they are (it cannot format a date), so
 * the input is `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`: the UTC time the run was due, e.g.
 * `2026-11-26T02:30:00Z`. The run date is that time's UTC date: the on-demand-egress run workflow cuts it
 * from `scheduledTime`; the job workflow, started directly, uses its start date, which is the same day
 * unless a start is retried across midnight UTC.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { DEFAULTS } from '../settings/defaults';
import { PlatformNames } from '../settings/names';
import type { ScheduleSettings } from '../settings/settings';

export interface RunScheduleProps {
  readonly names: PlatformNames;
  readonly schedule: ScheduleSettings;
  readonly stateMachine: sfn.IStateMachine;
}

export function createRunSchedule(scope: Construct, props: RunScheduleProps): scheduler.Schedule {
  const { names, schedule } = props;
  return new scheduler.Schedule(scope, 'Schedule', {
    scheduleName: names.schedule,
    description: `Starts a run of the ${names.prefix} batch platform (${names.environment}) at ${schedule.expression.expressionString} ${schedule.expression.timeZone?.timezoneName}`,
    schedule: schedule.expression,
    enabled: schedule.enabled,
    target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
      input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
      // A start that cannot happen within the hour is dropped rather than run late; the failure is in
      // Scheduler's `TargetErrorCount` metric.
      maxEventAge: DEFAULTS.scheduleMaxEventAge,
      retryAttempts: DEFAULTS.scheduleRetryAttempts,
      // A role of the platform's own (not Scheduler's stack-wide singleton), with a managed policy rather
      // than an inline one (IAMNoInlinePolicy of the NIST, HIPAA and PCI packs).
      role: new ManagedPolicyRole(scope, 'ScheduleRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        }),
        description: 'Lets EventBridge Scheduler start runs of the platform workflow',
      }),
    }),
  });
}
