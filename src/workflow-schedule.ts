import * as scheduler from 'aws-cdk-lib/aws-scheduler';

/**
 * When the workflow starts on its own: an Amazon EventBridge Scheduler schedule.
 *
 * Give `expression`, e.g. `ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN })`.
 */
export interface WorkflowSchedule {
  /**
   * When runs start, as aws-cdk-lib's Scheduler expression: `ScheduleExpression.cron(...)`, `.rate(...)`,
   * `.at(...)` or `.expression(...)`. Its time zone (`TimeZone` from aws-cdk-lib, e.g. `TimeZone.EUROPE_BERLIN`) is
   * the one the expression is read in; daylight saving time is followed.
   *
   * A cron string such as the Python app's `30 2 * * ? *` is
   * `ScheduleExpression.expression('cron(30 2 * * ? *)', TimeZone.EUROPE_BERLIN)`.
   *
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly expression: scheduler.ScheduleExpression;

  /**
   * Whether the schedule starts runs. A disabled schedule is kept but starts nothing.
   *
   * @default true
   */
  readonly enabled?: boolean;
}
