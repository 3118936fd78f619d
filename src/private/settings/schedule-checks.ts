/**
 * Schedule checks: the `schedule` prop (its expression is there, not the strings of version 0.1) and, through
 * `schedule-grammar.ts`, the expression and time zone against EventBridge Scheduler's documented grammar. A
 * deploy-time token is taken as it is.
 */
import { Token } from 'aws-cdk-lib';
import { PropsCheck } from './problems';
import { scheduleExpressionProblems, timeZoneProblem } from './schedule-grammar';

const EXAMPLE = "expression: ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN })";

/** A schedule needs its `expression` (JavaScript callers may leave it out, or give the strings of version 0.1). */
export const checkSchedule: PropsCheck = (problems, props) => {
  const schedule = props.schedule;
  if (schedule === undefined) return;
  const old = schedule as { cronExpression?: unknown; timeZone?: unknown };
  if (old.cronExpression !== undefined || old.timeZone !== undefined) {
    const given = [old.cronExpression !== undefined ? `cronExpression '${old.cronExpression}'` : undefined, old.timeZone !== undefined ? `timeZone '${old.timeZone}'` : undefined]
      .filter(Boolean).join(' and ');
    problems.add(`schedule has ${given}, which version 0.2 replaced with expression: give `
      + `expression: ScheduleExpression.expression('cron(${old.cronExpression ?? '30 2 * * ? *'})', TimeZone.of('${old.timeZone ?? 'UTC'}')), or ${EXAMPLE}`);
    return;
  }
  if (schedule.expression === undefined) {
    problems.add(`schedule has no expression: give ${EXAMPLE}`);
    return;
  }
  const text = schedule.expression.expressionString;
  if (!Token.isUnresolved(text)) scheduleExpressionProblems(text).forEach(p => problems.add(p));
  const zone = schedule.expression.timeZone?.timezoneName;
  if (zone !== undefined && !Token.isUnresolved(zone)) {
    const problem = timeZoneProblem(zone);
    if (problem !== undefined) problems.add(problem);
  }
};
