/**
 * The schedule grammar against AWS's documented examples. Valid cases are the examples of the cron and rate
 * references (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html "Examples" table,
 * eb-rate-expressions.html) and of Scheduler's API reference (ScheduleExpression: "at(yyyy-mm-ddThh:mm:ss)",
 * "rate(value unit)"); invalid cases break one documented rule each, and the message must name the field, the value
 * and the fix.
 */
import { scheduleExpressionProblems, timeZoneProblem } from '../src/private/settings/schedule-grammar';

describe('schedule expressions AWS documents as valid', () => {
  test.each([
    // eb-cron-expressions.html, Examples
    ['cron(0 10 * * ? *)', '10:00 am UTC every day'],
    ['cron(15 12 * * ? *)', '12:15 pm UTC every day'],
    ['cron(0 18 ? * MON-FRI *)', '6:00 pm UTC Monday to Friday'],
    ['cron(0 8 1 * ? *)', '8:00 am UTC on the first day of the month'],
    ['cron(0/15 * * * ? *)', 'every 15 minutes'],
    ['cron(0/10 * ? * MON-FRI *)', 'every 10 minutes Monday to Friday'],
    ['cron(0/5 8-17 ? * MON-FRI *)', 'every 5 minutes between 8:00 am and 5:55 pm UTC Monday to Friday'],
    ['cron(0 9 ? * 2#1 *)', '9:00 am UTC on the first Monday of each month'],
    // The wildcard descriptions: "3W specifies the weekday closest to the third day of the month", "L ... the last
    // day of the month or week", "3#2 would be the second Tuesday", "JAN,FEB,MAR", "1-15", "1/10".
    ['cron(0 0 3W * ? *)', 'the weekday closest to the 3rd'],
    ['cron(0 0 L * ? *)', 'the last day of the month'],
    ['cron(0 0 ? * L *)', 'the last day of the week'],
    ['cron(0 0 ? * 3#2 *)', 'the second Tuesday'],
    ['cron(0 0 1-15 JAN,FEB,MAR ? *)', 'days 1 to 15 of the first quarter'],
    ['cron(1/10 * * * ? *)', 'every tenth minute from the first'],
    // Scheduler's schedule-types.html cron example: the last Friday of each month in 2022-2023.
    ['cron(15 10 ? * 6L 2022-2023)', '10:15 on the last Friday of each month, 2022 to 2023'],
    ['cron(0 0 * * ? 1970)', 'the first year the Year field takes'],
    ['cron(0 0 * * ? 2199)', 'the last year the Year field takes'],
    // eb-rate-expressions.html: "rate(5 minutes)", "rate(1 hour)", "rate(7 days)"
    ['rate(5 minutes)', 'every 5 minutes'],
    ['rate(1 hour)', 'every hour'],
    ['rate(7 days)', 'every 7 days'],
    ['rate(1 minute)', 'every minute, singular for 1'],
    // ScheduleExpression: at(yyyy-mm-ddThh:mm:ss)
    ['at(2027-01-31T02:30:00)', 'once'],
    ['at(2028-02-29T23:59:59)', 'once, on a leap day'],
  ])('accepts %s (%s)', (expression) => {
    expect(scheduleExpressionProblems(expression)).toEqual([]);
  });
});

describe('schedule expressions AWS refuses', () => {
  test.each([
    // fields out of range (the Values column)
    ['cron(60 2 * * ? *)', /minutes '60' is not valid: use 0-59 with the wildcards , - \* \//],
    ['cron(0 24 * * ? *)', /hours '24' is not valid: use 0-23/],
    ['cron(0 2 0 * ? *)', /day-of-month '0' is not valid: use 1-31 with the wildcards , - \* \? \/ L W/],
    ['cron(0 2 32 * ? *)', /day-of-month '32' is not valid: use 1-31/],
    ['cron(0 2 ? 13 MON *)', /month '13' is not valid: use 1-12 or JAN-DEC/],
    ['cron(0 2 ? * 8 *)', /day-of-week '8' is not valid: use 1-7 or SUN-SAT with the wildcards , - \* \? L #/],
    ['cron(0 2 * * ? 1969)', /year '1969' is not valid: use 1970-2199/],
    ['cron(0 2 * * ? 2200)', /year '2200' is not valid: use 1970-2199/],
    ['cron(0 2 ? FOO MON *)', /month 'FOO' is not valid/],
    ['cron(0 0-25 * * ? *)', /hours '0-25' is not valid/],
    ['cron(0/0 * * * ? *)', /minutes '0\/0' is not valid/],
    ['cron(0 2 1,,2 * ? *)', /day-of-month '1,,2' is not valid/],
    // wildcards a field does not take (the Wildcards column)
    ['cron(0 2 ? * MON/2 *)', /day-of-week 'MON\/2' is not valid: .*wildcards , - \* \? L #/],
    ['cron(? 2 * * ? *)', /minutes '\?' is not valid/],
    ['cron(L 2 * * ? *)', /minutes 'L' is not valid/],
    ['cron(0 2 ? * 2#6 *)', /day-of-week '2#6' is not valid/],
    ['cron(0 2 32W * ? *)', /day-of-month '32W' is not valid/],
    // Unix cron habits
    ['cron(0 2 * * *)', /it has 5 fields, but Scheduler's cron has 6: minutes hours day-of-month month day-of-week year \(Unix cron has 5.*e\.g\. 'cron\(30 2 \* \* \? \*\)'/],
    ['cron(0 0 2 * * ? *)', /it has 7 fields, but Scheduler's cron has 6/],
    ['cron(0 2 * * * *)', /day-of-month '\*' and day-of-week '\*': exactly one of them must be '\?'.*e\.g\. 'cron\(0 2 \* \* \? \*\)'/],
    ['cron(0 2 1 * MON *)', /day-of-month '1' and day-of-week 'MON': exactly one of them must be '\?'.*e\.g\. 'cron\(0 2 \? \* MON \*\)'/],
    ['cron(0 2 ? * ? *)', /day-of-month '\?' and day-of-week '\?': exactly one.*e\.g\. 'cron\(0 2 \* \* \? \*\)'/],
    ['cron(0 2 ? * 0 *)', /day-of-week '0' counts Sunday as 0, as Unix cron does: Scheduler numbers the days 1-7 from Sunday \(1 = SUN/],
    ['cron(0 2 ? * 0-4 *)', /day-of-week '0-4' counts Sunday as 0/],
    ['0 2 * * ? *', /schedule expression '0 2 \* \* \? \*' is not valid: Scheduler takes cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\) \(a bare cron string goes inside cron/],
    // an expression inside another
    ['cron(rate(5 minutes))', /'cron\(rate\(5 minutes\)\)': it has an expression inside cron\(\.\.\.\): give the fields alone/],
    ['cron(cron(0 2 * * ? *))', /it has an expression inside cron/],
    // rate: "a positive integer", units minute(s) | hour(s) | day(s), singular for 1, plural otherwise
    ['rate(1 hours)', /'rate\(1 hours\)': give the unit in the singular for 1: 'rate\(1 hour\)'/],
    ['rate(5 hour)', /give the unit in the plural for 5: 'rate\(5 hours\)'/],
    ['rate(0 minutes)', /its value 0 is not positive/],
    ['rate(2 weeks)', /give a positive whole number and a unit: minute\(s\), hour\(s\) or day\(s\)/],
    ['rate(1.5 hours)', /give a positive whole number/],
    ['rate(-5 minutes)', /give a positive whole number/],
    // at: yyyy-mm-ddThh:mm:ss
    ['at(2027-02-30T02:30:00)', /2027-02-30T02:30:00 is not a date and time that exists/],
    ['at(2027-01-31T24:00:00)', /is not a date and time that exists/],
    ['at(2027-01-31 02:30)', /give the date and time as yyyy-mm-ddThh:mm:ss/],
    ['at(2027-01-31T02:30:00Z)', /without a zone or milliseconds/],
    ['every day at 2', /is not valid: Scheduler takes cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
  ])('refuses %s', (expression, message) => {
    const problems = scheduleExpressionProblems(expression);
    expect(problems.length).toBe(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0].startsWith(`schedule expression '${expression}'`)).toBe(true);
  });

  test('names every wrong field of one expression', () => {
    expect(scheduleExpressionProblems('cron(61 25 * * ? *)')).toEqual([
      "schedule expression 'cron(61 25 * * ? *)': minutes '61' is not valid: use 0-59 with the wildcards , - * /",
      "schedule expression 'cron(61 25 * * ? *)': hours '25' is not valid: use 0-23 with the wildcards , - * /",
    ]);
  });
});

describe('schedule time zones', () => {
  // Scheduler takes IANA names; UTC and the link names of the IANA database (US/Pacific) are names too.
  test.each(['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'US/Pacific', 'Etc/GMT-1', 'Australia/Lord_Howe'])('accepts %s', zone => {
    expect(timeZoneProblem(zone)).toBeUndefined();
  });

  test.each([
    ['Europe/Berln', /'Europe\/Berln' is not an IANA time zone: give TimeZone\.of\('Europe\/Berlin'\) if that is the zone meant/],
    ['europe/berlin', /'europe\/berlin' is not an IANA time zone: give TimeZone\.of\('Europe\/Berlin'\)/],
    ['Berlin', /'Berlin' is not an IANA time zone: give TimeZone\.of\('Europe\/Berlin'\)/],
    ['Mars/Olympus_Mons', /'Mars\/Olympus_Mons' is not an IANA time zone: give a zone such as TimeZone\.EUROPE_BERLIN/],
    ['+01:00', /'\+01:00' is an offset, not an IANA time zone: give the zone of the place.*TimeZone\.of\('Etc\/GMT-1'\) for a fixed UTC\+1/],
    ['UTC+1', /'UTC\+1' is an offset, not an IANA time zone/],
    ['GMT-05:00', /'GMT-05:00' is an offset/],
  ])('refuses %s', (zone, message) => {
    expect(timeZoneProblem(zone)).toMatch(message);
  });
});
