/**
 * The metric methods, like the L2s': each returns a `cloudwatch.Metric` with `MetricOptions` over its defaults, and
 * the platform's alarms and dashboard use the same metrics.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { platformStack } from './util';

/** What CloudFormation gets for a metric: its namespace, name, dimensions, period and statistic. */
function rendered(stack: Stack, metric: cloudwatch.IMetric): any {
  const config = metric.toMetricConfig().metricStat!;
  return stack.resolve({
    namespace: config.namespace,
    metricName: config.metricName,
    dimensions: config.dimensions,
    period: config.period.toSeconds(),
    statistic: config.statistic,
  });
}

/** The metric an alarm of the template watches, in the same shape. */
function alarmMetric(template: Template, alarmName: string): any {
  const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(r => r.Properties.AlarmName === alarmName)!;
  const p = alarm.Properties;
  const dimensions = p.Dimensions.map((d: any) => ({ name: d.Name, value: d.Value }));
  return { namespace: p.Namespace, metricName: p.MetricName, dimensions, period: p.Period, statistic: p.Statistic };
}

describe.each(['dev', 'prod'])('metric methods in %s', environment => {
  const { stack, platform } = platformStack({ environment });
  const template = Template.fromStack(stack);
  const dashboard = JSON.stringify(template.toJSON().Resources);

  test('metricFailedRuns is the metric failedRunsAlarm watches, on the state machine runs start with', () => {
    const metric = platform.metricFailedRuns();
    expect(rendered(stack, (platform.failedRunsAlarm as cloudwatch.Alarm).metric)).toEqual(rendered(stack, metric));
    expect(alarmMetric(template, `sanders-batch-platform-failed-runs-${environment}`)).toEqual(rendered(stack, metric));
    expect(rendered(stack, metric)).toMatchObject({
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      period: 300,
      statistic: 'Sum',
      dimensions: [{ name: 'StateMachineArn', value: stack.resolve(platform.stateMachine.stateMachineArn) }],
    });
  });

  test('metricJobsStuckRunnable is the metric stuckJobsAlarm watches', () => {
    const metric = platform.metricJobsStuckRunnable();
    expect(rendered(stack, (platform.stuckJobsAlarm as cloudwatch.Alarm).metric)).toEqual(rendered(stack, metric));
    expect(alarmMetric(template, `sanders-batch-platform-stuck-jobs-${environment}`)).toEqual(rendered(stack, metric));
    expect(rendered(stack, metric)).toMatchObject({ namespace: 'Sanders/BatchPlatform', metricName: 'JobsStuckRunnable', period: 300, statistic: 'Sum' });
  });

  test('metricFailedJobs counts the matches of the failed-jobs rule', () => {
    const metric = rendered(stack, platform.metricFailedJobs());
    const [ruleId] = Object.entries(template.findResources('AWS::Events::Rule')).find(([id]) => id.includes('FailedJobsRule'))!;
    expect(metric).toEqual({ namespace: 'AWS/Events', metricName: 'TriggeredRules', dimensions: [{ name: 'RuleName', value: { Ref: ruleId } }], period: 300, statistic: 'Sum' });
  });

  test('metricRunDuration is the ExecutionTime of the state machine runs start with, averaged', () => {
    expect(rendered(stack, platform.metricRunDuration())).toMatchObject({
      namespace: 'AWS/States',
      metricName: 'ExecutionTime',
      period: 300,
      statistic: 'Average',
      dimensions: [{ name: 'StateMachineArn', value: stack.resolve(platform.stateMachine.stateMachineArn) }],
    });
  });

  test('takes MetricOptions over the defaults', () => {
    const metric = platform.metricFailedRuns({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM, label: 'x' });
    expect(rendered(stack, metric)).toMatchObject({ period: 3600, statistic: 'Maximum' });
    expect(metric.label).toBe('x');
  });

  if (environment === 'prod') {
    test('the dashboard graphs the same metrics', () => {
      expect(dashboard).toContain('\\"AWS/Events\\",\\"TriggeredRules\\",\\"RuleName\\"');
      expect(dashboard).toContain('\\"Sanders/BatchPlatform\\",\\"JobsStuckRunnable\\"');
      expect(dashboard).toContain('\\"AWS/States\\",\\"ExecutionTime\\"');
    });
  }
});
