/**
 * When the workflow starts on its own: an Amazon EventBridge Scheduler schedule.
 */
export interface WorkflowSchedule {
  /**
   * The cron expression, in EventBridge Scheduler's six-field form without `cron(...)`:
   * `minutes hours day-of-month month day-of-week year`, with `?` in either day-of-month or day-of-week.
   *
   * For example `30 2 * * ? *` runs every day at 02:30.
   *
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
   */
  readonly cronExpression: string;

  /**
   * The IANA time zone the cron expression is read in, e.g. `Europe/Berlin`. Daylight saving time is
   * followed.
   *
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
