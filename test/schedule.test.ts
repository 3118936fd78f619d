import { App, CfnParameter, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { SandersBatchPlatform, WorkflowSchedule } from '../src';
import { platformStack, platformTemplate } from './util';

describe('schedule', () => {
  test('has no schedule by default', () => {
    const { platform } = platformStack();
    expect(platform.schedule).toBeUndefined();
    // GIVEN/WHEN default props THEN no Scheduler resource
    platformTemplate().resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test.each(['dev', 'prod'])('starts the run state machine of %s at the cron time in the time zone, with the scheduled time as input', environment => {
    // GIVEN a daily schedule in Berlin time
    const { stack } = platformStack({ environment, schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN }) } });
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
    const template = platformTemplate({ schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '6', weekDay: 'MON-FRI' }) } });
    const runId = template.toJSON().Outputs.StepFunctionsStateMachineARN.Value.Ref;
    const policies = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))] as any[];
    const starts = policies.flatMap(p => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Action === 'states:StartExecution' && JSON.stringify(st.Resource) === JSON.stringify({ Ref: runId }));
    expect(starts.length).toBeGreaterThanOrEqual(1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'UTC' });
  });

  test('keeps a disabled schedule', () => {
    platformTemplate({ schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2' }), enabled: false } })
      .hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });
});

describe('schedule from aws-cdk-lib\'s ScheduleExpression and TimeZone', () => {
  /** The schedule resource, by logical ID, of a platform in prod with this schedule. */
  function scheduleResource(schedule: WorkflowSchedule): { [id: string]: any } {
    return platformTemplate({ environment: 'prod', schedule }).findResources('AWS::Scheduler::Schedule');
  }

  test('a cron string in an expression gives the same resource, logical ID included, as the typed cron', () => {
    // The Python app's schedule was a cron string: ScheduleExpression.expression carries it over unchanged.
    const typed = scheduleResource({ expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.EUROPE_BERLIN }) });
    const string = scheduleResource({ expression: scheduler.ScheduleExpression.expression('cron(30 2 * * ? *)', TimeZone.EUROPE_BERLIN) });
    expect(Object.keys(typed)).toHaveLength(1);
    expect(typed).toEqual(string);
    expect(Object.values(typed)[0].Properties).toMatchObject({ ScheduleExpression: 'cron(30 2 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  test('an expression without a time zone is read in UTC, written down as version 0.1 did (UTC, not Etc/UTC)', () => {
    const typed = scheduleResource({ expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '6', weekDay: 'MON-FRI' }) });
    expect(typed).toEqual(scheduleResource({ expression: scheduler.ScheduleExpression.expression('cron(0 6 ? * MON-FRI *)', TimeZone.ETC_UTC) }));
    expect(Object.values(typed)[0].Properties).toMatchObject({ ScheduleExpression: 'cron(0 6 ? * MON-FRI *)', ScheduleExpressionTimezone: 'UTC' });
  });

  test('takes a rate expression and the enabled switch', () => {
    platformTemplate({ schedule: { expression: scheduler.ScheduleExpression.rate(Duration.hours(6)), enabled: false } })
      .hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)', State: 'DISABLED' });
  });

  test('fails on the cron strings of version 0.1, naming the expression that replaces them', () => {
    const old = { cronExpression: '30 2 * * ? *', timeZone: 'Europe/Berlin' } as any;
    expect(() => platformStack({ schedule: old })).toThrow(
      /schedule has cronExpression '30 2 \* \* \? \*' and timeZone 'Europe\/Berlin', which version 0\.2 replaced with expression: give expression: ScheduleExpression\.expression\('cron\(30 2 \* \* \? \*\)', TimeZone\.of\('Europe\/Berlin'\)\)/);
    expect(() => platformStack({ schedule: { expression: scheduler.ScheduleExpression.rate(Duration.hours(1)), cronExpression: '0 1 * * ? *' } as any }))
      .toThrow(/schedule has cronExpression '0 1 \* \* \? \*', which version 0\.2 replaced with expression/);
  });

  test('fails when no expression is given', () => {
    expect(() => platformStack({ schedule: { enabled: true } as any })).toThrow(/schedule has no expression: give expression: ScheduleExpression\.cron/);
  });

  test('fails when the expression is a string', () => {
    expect(() => platformStack({ schedule: { expression: 'cron(0 2 * * ? *)' as any } }))
      .toThrow(/schedule\.expression must be a scheduler\.ScheduleExpression, got the string 'cron\(0 2 \* \* \? \*\)'/);
  });

  test.each([
    ['a one-time schedule', scheduler.ScheduleExpression.expression('at(2027-01-31T02:30:00)', TimeZone.EUROPE_BERLIN), 'at(2027-01-31T02:30:00)', 'Europe/Berlin'],
    ['a rate of one hour', scheduler.ScheduleExpression.rate(Duration.hours(1)), 'rate(1 hour)', 'UTC'],
    ['the last Friday of each month (AWS\'s own example)', scheduler.ScheduleExpression.expression('cron(15 10 ? * 6L 2022-2023)'), 'cron(15 10 ? * 6L 2022-2023)', 'UTC'],
    ['a zone by its IANA link name', scheduler.ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('US/Pacific') }), 'cron(0 9 * * ? *)', 'US/Pacific'],
  ])('accepts %s and writes it as given', (_what, expression, text, zone) => {
    platformTemplate({ schedule: { expression } })
      .hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: text, ScheduleExpressionTimezone: zone });
  });

  test('passes a deploy-time expression and zone through unchecked', () => {
    const stack = new Stack(new App(), 'Consumer');
    const param = new CfnParameter(stack, 'Cron', { default: 'cron(0 2 * * ? *)' });
    const zone = new CfnParameter(stack, 'Zone', { default: 'Europe/Berlin' });
    new SandersBatchPlatform(stack, 'Platform', {
      schedule: { expression: scheduler.ScheduleExpression.expression(param.valueAsString, TimeZone.of(zone.valueAsString)) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: { Ref: 'Cron' }, ScheduleExpressionTimezone: { Ref: 'Zone' } });
  });

  test('reports a wrong expression and a wrong zone together, with the other problems of the props', () => {
    expect(() => platformStack({ environment: 'Prod', schedule: { expression: scheduler.ScheduleExpression.expression('cron(0 2 * * *)', TimeZone.of('Europe/Berln')) } }))
      .toThrow(/\(3 problems\):\n {2}- environment 'Prod'[\s\S]*- schedule expression 'cron\(0 2 \* \* \*\)': it has 5 fields[\s\S]*- schedule time zone 'Europe\/Berln' is not an IANA time zone/);
  });
});
