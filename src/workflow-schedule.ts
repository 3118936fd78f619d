import * as scheduler from 'aws-cdk-lib/aws-scheduler';

/**
 * When the workflow starts on its own: an Amazon EventBridge Scheduler schedule.
 *
 * Give `expression`, e.g. `ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN })`.
 * The older `cronExpression` and `timeZone` strings still work, but not together with `expression`.
 */
export interface WorkflowSchedule {
  /**
   * When runs start, as aws-cdk-lib's Scheduler expression: `ScheduleExpression.cron(...)`, `.rate(...)`,
   * `.at(...)` or `.expression(...)`. Its time zone (`TimeZone` from aws-cdk-lib, e.g. `TimeZone.EUROPE_BERLIN`) is
   * the one the expression is read in; daylight saving time is followed.
   *
   * @default - `cronExpression` (deprecated); one of the two must be given
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly expression?: scheduler.ScheduleExpression;

  /**
   * The cron expression, in EventBridge Scheduler's six-field form without `cron(...)`:
   * `minutes hours day-of-month month day-of-week year`, with `?` in either day-of-month or day-of-week.
   *
   * For example `30 2 * * ? *` runs every day at 02:30.
   *
   * @deprecated use `expression`, e.g. `ScheduleExpression.cron({ minute: '30', hour: '2' })`
   * @default - `expression`; one of the two must be given
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
   */
  readonly cronExpression?: string;

  /**
   * The IANA time zone `cronExpression` is read in, e.g. `Europe/Berlin`. Daylight saving time is followed.
   * Not allowed with `expression`, which carries its own `TimeZone`.
   *
   * @deprecated use `expression` with a `TimeZone`, e.g. `ScheduleExpression.cron({ hour: '2', timeZone: TimeZone.EUROPE_BERLIN })`
   * @default 'UTC'
   */
  readonly timeZone?: string;

  /**
   * Whether the schedule starts runs. A disabled schedule is kept but starts nothing.
   *
   * @default true
   */
  readonly enabled?: boolean;
}
