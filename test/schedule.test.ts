import { Duration, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { WorkflowSchedule } from '../src';
import { platformStack, platformTemplate } from './util';
import { cronProblem } from '../src/private/settings/cron';

describe('schedule', () => {
  test('has no schedule by default', () => {
    const { platform } = platformStack();
    expect(platform.schedule).toBeUndefined();
    // GIVEN/WHEN default props THEN no Scheduler resource
    platformTemplate().resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test.each(['dev', 'prod'])('starts the run state machine of %s at the cron time in the time zone, with the scheduled time as input', environment => {
    // GIVEN a daily schedule in Berlin time
    const { stack } = platformStack({ environment, schedule: { cronExpression: '30 2 * * ? *', timeZone: 'Europe/Berlin' } });
    // WHEN
    const template = Template.fromStack(stack);
    // THEN
    const runId = template.toJSON().Outputs.StepFunctionsStateMachineARN.Value.Ref;
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `sanders-customer-platform-${environment}`,
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { Ref: runId },
        Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 5 },
      }),
    });
  });

  test('the scheduler role may start only the run state machine', () => {
    const template = platformTemplate({ schedule: { cronExpression: '0 6 ? * MON-FRI *' } });
    const runId = template.toJSON().Outputs.StepFunctionsStateMachineARN.Value.Ref;
    const policies = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))] as any[];
    const starts = policies.flatMap(p => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Action === 'states:StartExecution' && JSON.stringify(st.Resource) === JSON.stringify({ Ref: runId }));
    expect(starts.length).toBeGreaterThanOrEqual(1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'UTC' });
  });

  test('keeps a disabled schedule', () => {
    platformTemplate({ schedule: { cronExpression: '30 2 * * ? *', enabled: false } })
      .hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });

  test.each([
    '30 2 * * ? *', '0 6 ? * MON-FRI *', '0/15 * * * ? *', '0 0 L * ? *', '0 8 ? * 2#1 *', '5,35 14 ? * 6L 2026-2030', '0 12 15W * ? *',
  ])('accepts the cron expression %s', expression => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  test('fails when the cron expression has five fields', () => {
    expect(() => platformStack({ schedule: { cronExpression: '30 2 * * *' } })).toThrow(/schedule cronExpression '30 2 \* \* \*' has 5 fields, not 6/);
  });

  test('fails when the cron expression is wrapped in cron()', () => {
    expect(() => platformStack({ schedule: { cronExpression: 'cron(30 2 * * ? *)' } })).toThrow(/leave out 'cron\(' and '\)'/);
  });

  test('fails when the cron expression has an hour out of range', () => {
    expect(() => platformStack({ schedule: { cronExpression: '30 25 * * ? *' } })).toThrow(/invalid hours field '25'/);
  });

  test('fails when neither or both day fields are ?', () => {
    expect(() => platformStack({ schedule: { cronExpression: '30 2 * * * *' } })).toThrow(/must have '\?' in exactly one of day-of-month \('\*'\) and day-of-week \('\*'\)/);
    expect(cronProblem('30 2 ? * ? *')).toMatch(/exactly one of day-of-month/);
  });

  test('fails when the time zone is not an IANA time zone', () => {
    expect(() => platformStack({ schedule: { cronExpression: '30 2 * * ? *', timeZone: 'Europe/Atlantis' } }))
      .toThrow(/schedule timeZone 'Europe\/Atlantis' is not an IANA time zone/);
  });
});

describe('schedule from aws-cdk-lib\'s ScheduleExpression and TimeZone', () => {
  /** The schedule resource, by logical ID, of a platform in prod with this schedule. */
  function scheduleResource(schedule: WorkflowSchedule): { [id: string]: any } {
    return platformTemplate({ environment: 'prod', schedule }).findResources('AWS::Scheduler::Schedule');
  }

  test('a cron expression with a TimeZone gives the same resource, logical ID included, as the deprecated strings', () => {
    const typed = scheduleResource({ expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN }) });
    const strings = scheduleResource({ cronExpression: '30 2 * * ? *', timeZone: 'Europe/Berlin' });
    expect(Object.keys(typed)).toHaveLength(1);
    expect(typed).toEqual(strings);
    expect(Object.values(typed)[0].Properties).toMatchObject({ ScheduleExpression: 'cron(30 2 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  test('an expression without a time zone is read in UTC, written down as the strings always did', () => {
    const typed = scheduleResource({ expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '6', weekDay: 'MON-FRI' }) });
    expect(typed).toEqual(scheduleResource({ cronExpression: '0 6 ? * MON-FRI *' }));
    expect(Object.values(typed)[0].Properties.ScheduleExpressionTimezone).toBe('UTC');
  });

  test('takes a rate expression and the enabled switch', () => {
    platformTemplate({ schedule: { expression: scheduler.ScheduleExpression.rate(Duration.hours(6)), enabled: false } })
      .hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)', State: 'DISABLED' });
  });

  test('fails when expression and cronExpression are both given', () => {
    expect(() => platformStack({ schedule: { expression: scheduler.ScheduleExpression.rate(Duration.hours(1)), cronExpression: '30 2 * * ? *' } }))
      .toThrow(/schedule has both expression and cronExpression '30 2 \* \* \? \*': give only expression \(cronExpression is deprecated\)/);
  });

  test('fails when expression comes with the timeZone string', () => {
    expect(() => platformStack({ schedule: { expression: scheduler.ScheduleExpression.rate(Duration.hours(1)), timeZone: 'Europe/Berlin' } }))
      .toThrow(/schedule has both expression and timeZone 'Europe\/Berlin': give the time zone in the expression, e\.g\. expression: ScheduleExpression\.cron/);
  });

  test('fails when neither expression nor cronExpression is given', () => {
    expect(() => platformStack({ schedule: { enabled: true } })).toThrow(/schedule has neither expression nor cronExpression: give expression: ScheduleExpression\.cron/);
  });

  test('fails when the expression is a string', () => {
    expect(() => platformStack({ schedule: { expression: 'cron(0 2 * * ? *)' as any } }))
      .toThrow(/schedule\.expression must be a scheduler\.ScheduleExpression, got the string 'cron\(0 2 \* \* \? \*\)'/);
  });
});
