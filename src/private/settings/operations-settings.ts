/**
 * Defaults and validation of the operational props: network profile, Spot, schedule, alerts.
 * Called from `resolveSettings`, so every problem is reported together with the others.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Problems } from './validation';
import { NetworkProfile } from '../../network-profile';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';

export interface ScheduleSettings {
  /** `cron(...)`, as EventBridge Scheduler takes it. */
  readonly expression: string;
  readonly timeZone: string;
  readonly enabled: boolean;
}

export interface OperationsSettings {
  /** The profile of the VPC the platform creates; undefined when the team brings its own VPC. */
  readonly networkProfile?: NetworkProfile;
  readonly vpc?: ec2.IVpc;
  readonly useSpot: boolean;
  readonly schedule?: ScheduleSettings;
  readonly alarmEmails: string[];
  readonly runnableTimeout: Duration;
  readonly createDashboard: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

export function resolveOperations(problems: Problems, props: SandersBatchPlatformProps, isDev: boolean): OperationsSettings {
  if (props.networkProfile !== undefined && !Object.values(NetworkProfile).includes(props.networkProfile)) {
    problems.add(`networkProfile '${props.networkProfile}' is not a network profile: use one of ${Object.values(NetworkProfile).join(', ')}`);
  }
  if (props.vpc !== undefined && props.networkProfile !== undefined) {
    problems.add(`networkProfile ${props.networkProfile} and vpc are both given: a network profile shapes only the VPC the platform creates; leave out networkProfile when you bring your own VPC`);
  }
  if (props.vpc !== undefined && props.vpc.privateSubnets.length === 0) {
    problems.add(`vpc ${Token.isUnresolved(props.vpc.vpcId) ? '(imported)' : props.vpc.vpcId} has no private subnets with egress: the jobs run in PRIVATE_WITH_EGRESS subnets that reach ECR, CloudWatch Logs and Batch through a NAT gateway or interface endpoints; import the VPC with its privateSubnetIds`);
  }

  let schedule: ScheduleSettings | undefined;
  if (props.schedule !== undefined) {
    const cron = props.schedule.cronExpression;
    const timeZone = props.schedule.timeZone ?? 'UTC';
    if (Token.isUnresolved(cron)) {
      problems.add('schedule cronExpression is an unresolved token: give a literal cron expression such as \'30 2 * * ? *\'');
    } else {
      const problem = cronProblem(cron);
      if (problem) problems.add(problem);
    }
    if (Token.isUnresolved(timeZone) || !isKnownTimeZone(timeZone)) {
      problems.add(`schedule timeZone '${timeZone}' is not an IANA time zone: use a name such as 'UTC', 'Europe/Berlin' or 'America/New_York'`);
    }
    schedule = { expression: `cron(${cron.trim().split(/\s+/).join(' ')})`, timeZone, enabled: props.schedule.enabled ?? true };
  }

  const alarmEmails = props.alarmEmails ?? [];
  for (const email of new Set(alarmEmails.filter((e, i) => alarmEmails.indexOf(e) !== i))) {
    problems.add(`alarmEmails lists '${email}' more than once: list each address once`);
  }
  for (const email of alarmEmails) {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      problems.add(`alarmEmails entry '${email}' is not an e-mail address: give addresses such as 'oncall@example.com'`);
    }
  }

  // Fargate Spot runs only X86_64 tasks: an ARM64 job in a Spot-first queue would never be placed on Spot.
  const armTiers = (props.memoryTiers ?? []).filter(t => t.cpuArchitecture?._cpuArchitecture === 'ARM64').map(t => t.name);
  if (props.useSpot === true && armTiers.length > 0) {
    problems.add(`useSpot is true but memory tier(s) ${armTiers.map(t => `'${t}'`).join(', ')} run on ARM64, which Fargate Spot does not support: set useSpot to false or use X86_64 for those tiers`);
  }
  const useSpot = props.useSpot ?? (isDev && armTiers.length === 0);

  const runnableTimeout = props.runnableTimeout ?? Duration.minutes(30);
  if (!runnableTimeout.isUnresolved() && (runnableTimeout.toSeconds() < 60 || runnableTimeout.toSeconds() > 7 * 24 * 3600)) {
    problems.add(`runnableTimeout ${runnableTimeout.toHumanString()} is not valid: give 1 minute to 7 days (how long a job may wait in RUNNABLE before the alarm fires)`);
  }

  return {
    networkProfile: props.vpc !== undefined ? undefined
      : props.networkProfile ?? (isDev ? NetworkProfile.ON_DEMAND_EGRESS : NetworkProfile.NAT_GATEWAY_PER_AZ),
    vpc: props.vpc,
    useSpot,
    schedule,
    alarmEmails,
    runnableTimeout,
    // Off in dev: a dashboard is $3 a month beyond an account's first three, which with the rotated KMS key
    // would lift dev's idle cost over $5; every other environment has one.
    createDashboard: props.createDashboard ?? !isDev,
  };
}
