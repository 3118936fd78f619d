import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { stateMachines } from '../scripts/lib/templates';

/** The job queue's compute environments, in queue order, as their `Type`. */
function queueOrder(template: Template): string[] {
  const queue: any = Object.values(template.findResources('AWS::Batch::JobQueue'))[0];
  const envs = template.findResources('AWS::Batch::ComputeEnvironment');
  return [...queue.Properties.ComputeEnvironmentOrder]
    .sort((a: any, b: any) => a.Order - b.Order)
    .map((o: any) => (envs[o.ComputeEnvironment['Fn::GetAtt'][0]] as any).Properties.ComputeResources.Type);
}

describe('Fargate Spot', () => {
  test('dev runs on Fargate Spot first and falls back to on-demand', () => {
    // GIVEN dev with default props WHEN synthesized
    const { stack, platform } = platformStack();
    const template = Template.fromStack(stack);
    // THEN
    expect(queueOrder(template)).toEqual(['FARGATE_SPOT', 'FARGATE']);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeEnvironmentName: 'sanders-batch-compute-spot-dev' });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeEnvironmentName: 'sanders-batch-compute-dev' });
    expect(platform.spotComputeEnvironment).toBeDefined();
  });

  test('prod runs on-demand only', () => {
    const { stack, platform } = platformStack({ environment: 'prod' });
    expect(queueOrder(Template.fromStack(stack))).toEqual(['FARGATE']);
    expect(platform.spotComputeEnvironment).toBeUndefined();
  });

  test('useSpot turns Spot on in prod and off in dev', () => {
    expect(queueOrder(Template.fromStack(platformStack({ environment: 'prod', useSpot: true }).stack))).toEqual(['FARGATE_SPOT', 'FARGATE']);
    expect(queueOrder(Template.fromStack(platformStack({ useSpot: false }).stack))).toEqual(['FARGATE']);
  });

  test('retries a job whose Spot task was interrupted', () => {
    const template = Template.fromStack(platformStack().stack);
    const text = JSON.stringify(stateMachines(template.toJSON()).map(([, s]) => s.Properties.DefinitionString));
    expect(text).toContain('Your Spot Task was interrupted*');
  });
});
