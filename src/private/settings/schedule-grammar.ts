/**
 * EventBridge Scheduler's schedule expressions and time zones, checked at synth (aws-cdk-lib checks neither, and
 * Scheduler refuses a bad one only at deploy). The grammar follows AWS's documentation:
 * - Scheduler's API reference (CreateSchedule, ScheduleExpression): "at expression - at(yyyy-mm-ddThh:mm:ss)",
 *   "rate expression - rate(value unit)", "cron expression - cron(fields)"; "A cron expression consists of six
 *   fields separated by white spaces: (minutes hours day_of_month month day_of_week year)"; "A rate expression
 *   consists of a value as a positive integer, and a unit with the following options: minute | minutes | hour |
 *   hours | day | days".
 * - The cron reference that Scheduler's "Schedule types" page points to
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html): the fields table
 *   (Minutes 0-59 `, - * /`; Hours 0-23 `, - * /`; Day-of-month 1-31 `, - * ? / L W`; Month 1-12 or JAN-DEC
 *   `, - * /`; Day-of-week 1-7 or SUN-SAT `, - * ? L #`; Year 1970-2199 `, - * /`) and "You can't specify the
 *   Day-of-month and Day-of-week fields in the same cron expression. If you specify a value or a * (asterisk) in
 *   one of the fields, you must use a ? (question mark) in the other."
 * - Rate expressions (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html): "If the
 *   value is equal to 1, then the unit must be singular. Similarly, for values greater than 1, the unit must be
 *   plural."
 * Forms the documentation does not name (`LW`, `L-3`, `W` in a list) are refused: a user is pointed at a form AWS
 * documents rather than left to find out at deploy.
 */

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for the values min, min + 1, ... */
  readonly names?: string[];
  readonly wildcards: string;
}

/** The six fields, in order, with their values and wildcards as the cron reference's table gives them. */
export const CRON_FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59, wildcards: ', - * /' },
  { name: 'hours', min: 0, max: 23, wildcards: ', - * /' },
  { name: 'day-of-month', min: 1, max: 31, wildcards: ', - * ? / L W' },
  { name: 'month', min: 1, max: 12, names: MONTHS, wildcards: ', - * /' },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, wildcards: ', - * ? L #' },
  { name: 'year', min: 1970, max: 2199, wildcards: ', - * /' },
];

const EXAMPLE_CRON = 'cron(30 2 * * ? *)';

/** A value of a field (a number or a name), or undefined when it is neither. */
function valueOf(field: Field, text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const i = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? field.min + i : undefined;
}

/** One item of a comma list: a value, a range, either with a step, or `*` with a step; `L`, `W` and `#` forms. */
function itemIsValid(field: Field, item: string): boolean {
  const has = (w: string) => field.wildcards.includes(w);
  if (field.name === 'day-of-month' && (item === 'L' || /^\d+W$/.test(item))) return item === 'L' || valueOf(field, item.slice(0, -1)) !== undefined;
  if (field.name === 'day-of-week') {
    if (item === 'L') return true;
    const last = /^(\w+)L$/.exec(item);
    if (last) return valueOf(field, last[1]) !== undefined;
    const nth = /^(\w+)#([1-5])$/.exec(item);
    if (nth) return valueOf(field, nth[1]) !== undefined;
  }
  const [base, step, ...extra] = item.split('/');
  if (extra.length > 0) return false;
  if (step !== undefined && (!has('/') || !/^\d+$/.test(step) || Number(step) < 1 || Number(step) > field.max - field.min + 1)) return false;
  if (base === '*') return true;
  const [from, to, ...more] = base.split('-');
  if (more.length > 0 || valueOf(field, from) === undefined) return false;
  return to === undefined || valueOf(field, to) !== undefined;
}

/** The problem of one field's text, or undefined. */
function fieldProblem(field: Field, text: string): string | undefined {
  if (text === '*' || (text === '?' && field.wildcards.includes('?'))) return undefined;
  if (text.split(',').every(item => item !== '' && itemIsValid(field, item))) return undefined;
  if (field.name === 'day-of-week' && /(^|[,-])0($|[,\-/#L])/.test(text)) {
    return `${field.name} '${text}' counts Sunday as 0, as Unix cron does: Scheduler numbers the days 1-7 from Sunday (1 = SUN, 2 = MON, ..., 7 = SAT); use 1-7 or SUN-SAT, e.g. MON-FRI`;
  }
  const values = field.names ? `${field.min}-${field.max} or ${field.names[0]}-${field.names[field.names.length - 1]}` : `${field.min}-${field.max}`;
  return `${field.name} '${text}' is not valid: use ${values} with the wildcards ${field.wildcards}`;
}

/** The problems of the fields inside `cron(...)`. */
function cronProblems(inner: string): string[] {
  if (/^\s*(cron|rate|at)\s*\(/.test(inner)) {
    return [`it has an expression inside cron(...): give the fields alone, e.g. '${EXAMPLE_CRON}', or a rate as 'rate(5 minutes)'`];
  }
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) {
    const unix = fields.length === 5 ? ' (Unix cron has 5; Scheduler adds the year and needs ? in day-of-month or day-of-week)' : '';
    return [`it has ${fields.length} field${fields.length === 1 ? '' : 's'}, but Scheduler's cron has 6: minutes hours day-of-month month day-of-week year${unix}, e.g. '${EXAMPLE_CRON}'`];
  }
  const problems = fields.flatMap((text, i) => fieldProblem(CRON_FIELDS[i], text) ?? []);
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    // The nearest valid expression: '?' where the user left '*', or '*' for every day when both are '?'.
    const [dom, dow] = dayOfMonth === '?' ? ['*', '?'] : dayOfWeek === '*' ? [dayOfMonth, '?'] : ['?', dayOfWeek];
    const fixed = `cron(${[fields[0], fields[1], dom, fields[3], dow, fields[5]].join(' ')})`;
    problems.push(`day-of-month '${dayOfMonth}' and day-of-week '${dayOfWeek}': exactly one of them must be '?' (Scheduler cannot combine a day of the month with a day of the week), e.g. '${fixed}'`);
  }
  return problems;
}

/** The problems of the text inside `rate(...)`. */
function rateProblems(inner: string): string[] {
  const match = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(inner);
  if (!match) return ["give a positive whole number and a unit: minute(s), hour(s) or day(s), e.g. 'rate(5 minutes)' or 'rate(1 day)'"];
  const [value, unit] = [Number(match[1]), match[2]];
  if (value < 1) return [`its value ${value} is not positive: give 1 or more, e.g. 'rate(1 ${unit.replace(/s$/, '')})'`];
  const singular = unit.replace(/s$/, '');
  if (value === 1 && unit !== singular) return [`give the unit in the singular for 1: 'rate(1 ${singular})'`];
  if (value > 1 && unit === singular) return [`give the unit in the plural for ${value}: 'rate(${value} ${singular}s)'`];
  return [];
}

/** The problems of the text inside `at(...)`: a real date and time, `yyyy-mm-ddThh:mm:ss`. */
function atProblems(inner: string): string[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  const fix = "give the date and time as yyyy-mm-ddThh:mm:ss, without a zone or milliseconds (the schedule's time zone applies), e.g. 'at(2027-01-31T02:30:00)'";
  if (!m) return [fix];
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  return real ? [] : [`${inner} is not a date and time that exists: ${fix}`];
}

/**
 * The problems of a schedule expression, each a sentence that starts with the expression. Empty for a valid one.
 */
export function scheduleExpressionProblems(expression: string): string[] {
  const label = `schedule expression '${expression}'`;
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(expression);
  if (!match) {
    const unix = /^[\d*?,/\-\s]+$/.test(expression.trim()) ? " (a bare cron string goes inside cron(...): ScheduleExpression.expression('cron(30 2 * * ? *)'))" : '';
    return [`${label} is not valid: Scheduler takes cron(...), rate(...) or at(...)${unix}, e.g. ScheduleExpression.cron({ minute: '30', hour: '2' })`];
  }
  const [, kind, inner] = match;
  const problems = kind === 'cron' ? cronProblems(inner) : kind === 'rate' ? rateProblems(inner) : atProblems(inner);
  return problems.map(p => `${label}: ${p}`);
}

/** Zone names as Node's ICU lists them, read once. */
let zones: Set<string> | undefined;

/** The distance between two strings, for suggesting the zone a misspelt one meant. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length];
}

/**
 * The problem of a schedule time zone, or undefined. Scheduler takes IANA zone names ("You can specify a time zone
 * from the IANA time zone database", schedule-types.html#time-zones). A zone is valid when Node's ICU (the IANA
 * database) knows it by this exact name, as a zone or a link (`UTC`, `US/Pacific`); an offset such as `+01:00` or
 * `UTC+1` is not a zone name.
 */
export function timeZoneProblem(zone: string): string | undefined {
  zones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (zones.has(zone)) return undefined;
  let canonical: string | undefined;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    canonical = undefined;
  }
  const label = `schedule time zone '${zone}'`;
  if (/^(UTC|GMT)?\s*[+-]\d/i.test(zone)) {
    return `${label} is an offset, not an IANA time zone: give the zone of the place, such as TimeZone.EUROPE_BERLIN (it follows daylight saving time), or TimeZone.of('Etc/GMT-1') for a fixed UTC+1 (IANA's Etc/GMT signs are inverted)`;
  }
  if (canonical !== undefined && canonical.toLowerCase() !== zone.toLowerCase()) return undefined;
  if (canonical !== undefined && canonical === zone) return undefined;
  const lower = zone.toLowerCase();
  const near = canonical ?? [...zones].find(z => z.toLowerCase().endsWith(`/${lower}`))
    ?? [...zones].map(z => ({ z, d: editDistance(z.toLowerCase(), lower) })).sort((a, b) => a.d - b.d).find(c => c.d <= 3)?.z;
  const meant = near !== undefined ? `TimeZone.of('${near}') if that is the zone meant, or ` : '';
  return `${label} is not an IANA time zone: give ${meant}a zone such as TimeZone.EUROPE_BERLIN or TimeZone.of('America/New_York')`;
}
