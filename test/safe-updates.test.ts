import { Template } from 'aws-cdk-lib/assertions';
import { platformStack, workflowDefinition } from './util';

/**
 * A deploy with a new image tag or memory registers a new job definition revision. What keeps a run in
 * flight working is visible in the template: old revisions stay ACTIVE, and the workflow submits by
 * revision ARN (the job definition's Ref), which a run reads once, when the state machine version it runs
 * was deployed.
 */
describe('updating job definitions under a running workflow', () => {
  const before = Template.fromStack(platformStack({ imageTag: 'v1' }).stack);
  const after = Template.fromStack(platformStack({ imageTag: 'v2' }).stack);

  test('keeps replaced revisions ACTIVE, so jobs submitted with them still run', () => {
    for (const def of Object.values(after.findResources('AWS::Batch::JobDefinition')) as any[]) {
      expect(def.Properties.ResourceRetentionPolicy).toEqual({ SkipDeregisterOnUpdate: true });
    }
  });

  test('submits each job by its definition\'s revision ARN, not by name', () => {
    const asl = workflowDefinition(after);
    const submits = Object.values(asl.States).filter((s: any) => s.Resource?.includes('batch:submitJob'));
    const defIds = Object.keys(after.findResources('AWS::Batch::JobDefinition'));
    expect(submits.length).toBeGreaterThan(0);
    for (const state of submits as any[]) {
      const ref = state.Parameters.JobDefinition.replace(/^\$\{|\}$/g, '');
      expect(defIds).toContain(ref);
    }
  });

  test('a new image tag changes the job definitions in place: same logical IDs, new revision', () => {
    const ids = (t: Template) => Object.keys(t.findResources('AWS::Batch::JobDefinition')).sort();
    expect(ids(after)).toEqual(ids(before));
    const image = (t: Template) => JSON.stringify(Object.values(t.findResources('AWS::Batch::JobDefinition')).map((d: any) => d.Properties.ContainerProperties.Image));
    expect(image(before)).toContain(':v1');
    expect(image(after)).toContain(':v2');
  });
});
