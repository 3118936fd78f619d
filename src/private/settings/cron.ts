/**
 * EventBridge Scheduler's cron expressions and time zones, checked at synth time: only for the deprecated strings
 * `WorkflowSchedule.cronExpression` and `timeZone` (a `ScheduleExpression` and a `TimeZone` need no parser).
 */

// EventBridge Scheduler cron fields: minutes hours day-of-month month day-of-week year.
const NUM_LIST = (n: string) => `(?:\\*|${n}(?:-${n})?)(?:/\\d{1,4})?`;
const MONTHS = '(?:1[0-2]|0?[1-9]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)';
const DAYS = '(?:[1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)';
const CRON_FIELDS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'minutes', pattern: list(NUM_LIST('(?:[0-5]?\\d)')) },
  { name: 'hours', pattern: list(NUM_LIST('(?:2[0-3]|[01]?\\d)')) },
  { name: 'day-of-month', pattern: new RegExp(`^(?:\\?|L|(?:3[01]|[12]\\d|0?[1-9])W|${listBody(NUM_LIST('(?:3[01]|[12]\\d|0?[1-9])'))})$`, 'i') },
  { name: 'month', pattern: list(NUM_LIST(MONTHS)) },
  { name: 'day-of-week', pattern: new RegExp(`^(?:\\?|${DAYS}L|${DAYS}#[1-5]|L|${listBody(NUM_LIST(DAYS))})$`, 'i') },
  { name: 'year', pattern: list(NUM_LIST('(?:19[7-9]\\d|2[01]\\d\\d)')) },
];

function listBody(item: string): string {
  return `${item}(?:,${item})*`;
}

function list(item: string): RegExp {
  return new RegExp(`^${listBody(item)}$`, 'i');
}

/** Checks an EventBridge Scheduler cron expression (six fields, without `cron(...)`). */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  const hint = "give six fields 'minutes hours day-of-month month day-of-week year' without cron(...), e.g. '30 2 * * ? *'";
  if (expression.trim().startsWith('cron(')) return `schedule cronExpression '${expression}' is not valid: leave out 'cron(' and ')': ${hint}`;
  if (fields.length !== 6) return `schedule cronExpression '${expression}' has ${fields.length} fields, not 6: ${hint}`;
  for (let i = 0; i < 6; i++) {
    if (!CRON_FIELDS[i].pattern.test(fields[i])) {
      return `schedule cronExpression '${expression}' has an invalid ${CRON_FIELDS[i].name} field '${fields[i]}': ${hint}`;
    }
  }
  const [dom, dow] = [fields[2], fields[4]];
  if ((dom === '?') === (dow === '?')) {
    return `schedule cronExpression '${expression}' must have '?' in exactly one of day-of-month ('${dom}') and day-of-week ('${dow}'): e.g. '30 2 * * ? *' or '0 6 ? * MON-FRI *'`;
  }
  return undefined;
}

/** Whether the runtime knows the IANA time zone (Node's ICU, the same database Scheduler uses). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
