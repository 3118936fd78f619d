/**
 * Alarm checks: the addresses the alarms go to and how long a job may wait in RUNNABLE before the stuck-jobs alarm
 * fires.
 */
import { Token } from 'aws-cdk-lib';
import { PropsCheck } from './problems';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const checkAlarms: PropsCheck = (problems, props) => {
  const alarmEmails = props.alarmEmails ?? [];
  for (const email of new Set(alarmEmails.filter((e, i) => alarmEmails.indexOf(e) !== i))) {
    problems.add(`alarmEmails lists '${email}' more than once: list each address once`);
  }
  for (const email of alarmEmails) {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      problems.add(`alarmEmails entry '${email}' is not an e-mail address: give addresses such as 'oncall@example.com'`);
    }
  }
  const runnableTimeout = props.runnableTimeout;
  const seconds = runnableTimeout === undefined || runnableTimeout.isUnresolved() ? undefined : runnableTimeout.toSeconds();
  if (runnableTimeout !== undefined && seconds !== undefined && (seconds < 60 || seconds > 7 * 24 * 3600)) {
    problems.add(`runnableTimeout ${runnableTimeout.toHumanString()} is not valid: give 1 minute to 7 days (how long a job may wait in RUNNABLE before the alarm fires)`);
  }
};
