/**
 * A job's image can be any ecs.ContainerImage, per tier or per job; the platform's repository at `imageTag` stays
 * the default.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { platformStack, workflowDefinition } from './util';
import { DefaultMemoryTiers, SandersBatchPlatformProps, WorkflowJob } from '../src';

const BUSYBOX = 'public.ecr.aws/docker/library/busybox:1.36';
const ASSET_DIR = path.join(__dirname, 'fixtures', 'job-image');

/** Every job definition of a template: its name (as written) and its container image (resolved by the stack). */
function images(props: SandersBatchPlatformProps): { template: Template; byName: Map<string, any> } {
  const { stack } = platformStack(props);
  const template = Template.fromStack(stack);
  const byName = new Map<string, any>();
  for (const def of Object.values(template.findResources('AWS::Batch::JobDefinition')) as any[]) {
    byName.set(def.Properties.JobDefinitionName, def.Properties.ContainerProperties.Image);
  }
  return { template, byName };
}

/** The logical ID of the job definition a workflow job is submitted with (from the job workflow's definition). */
function submittedWith(template: Template, job: string): string {
  const text = JSON.stringify(workflowDefinition(template));
  const found = text.match(new RegExp(`\\{\\}-${job}', \\$\\.run\\.tag\\)","JobQueue(?:\\.\\$)?":"[^"]*","JobDefinition":"\\$\\{([^}.]+)\\}"`));
  if (!found) throw new Error(`no SubmitJob of job ${job} in the job workflow`);
  return found[1];
}

/** The platform repository image as the default tiers write it. */
const isPlatformRepositoryImage = (image: any) => /\{"Ref":"PlatformImageRepository[0-9A-F]{8}"\},":latest"\]/.test(JSON.stringify(image));

describe('job images', () => {
  test('by default every tier runs the platform repository at imageTag', () => {
    const { byName } = images({});
    expect([...byName.keys()].sort()).toEqual(['sanders-batch-job-16gb-dev', 'sanders-batch-job-2gb-dev', 'sanders-batch-job-8gb-dev']);
    for (const image of byName.values()) expect(isPlatformRepositoryImage(image)).toBe(true);
  });

  test('a tier with an image runs it, the other tiers keep the platform repository', () => {
    const { byName } = images({
      memoryTiers: [
        { ...DefaultMemoryTiers.SMALL, image: ecs.ContainerImage.fromRegistry(BUSYBOX) }, DefaultMemoryTiers.MEDIUM, DefaultMemoryTiers.LARGE,
      ],
    });
    expect(byName.get('sanders-batch-job-2gb-dev')).toBe(BUSYBOX);
    expect(isPlatformRepositoryImage(byName.get('sanders-batch-job-8gb-dev'))).toBe(true);
    expect(isPlatformRepositoryImage(byName.get('sanders-batch-job-16gb-dev'))).toBe(true);
  });

  test('a job with an image gets a job definition of its own, with its tier\'s size, and is submitted with it', () => {
    const workflow: WorkflowJob[] = [
      { name: 'extract', tier: '8gb', image: ecs.ContainerImage.fromRegistry(BUSYBOX) },
      { name: 'train', tier: '8gb', dependsOn: ['extract'] },
    ];
    const { template, byName } = images({ workflow });
    expect(byName.get('sanders-batch-job-extract-dev')).toBe(BUSYBOX);
    expect(isPlatformRepositoryImage(byName.get('sanders-batch-job-8gb-dev'))).toBe(true);
    const own: any = template.findResources('AWS::Batch::JobDefinition', { Properties: { JobDefinitionName: 'sanders-batch-job-extract-dev' } });
    const [ownId] = Object.keys(own);
    expect(own[ownId].Properties.ContainerProperties.ResourceRequirements).toEqual(expect.arrayContaining([{ Type: 'MEMORY', Value: '8192' }, { Type: 'VCPU', Value: '2' }]));
    expect(submittedWith(template, 'extract')).toBe(ownId);
    expect(submittedWith(template, 'train')).not.toBe(ownId);
  });

  test('ContainerImage.fromAsset makes the stack carry a Docker image asset, pulled by the execution role', () => {
    const { stack } = platformStack({
      memoryTiers: [{ name: 'tiny', memory: Size.mebibytes(512), vcpu: 0.25, image: ecs.ContainerImage.fromAsset(ASSET_DIR) }],
      workflow: [{ name: 'only', tier: 'tiny' }],
    });
    const template = Template.fromStack(stack);
    const image = JSON.stringify(Object.values(template.findResources('AWS::Batch::JobDefinition')).map((d: any) => d.Properties.ContainerProperties.Image));
    // The image lives in CDK's bootstrap asset repository, tagged with the asset's hash.
    expect(image).toContain('cdk-hnb659fds-container-assets-');
    // The cloud assembly's asset manifest carries the image, built from the folder, for `cdk deploy` to build and push.
    const assembly = App.of(stack)!.synth();
    const manifests = assembly.artifacts.filter((a): a is cxapi.AssetManifestArtifact => a instanceof cxapi.AssetManifestArtifact);
    const dockerImages = manifests.flatMap(m => Object.values(JSON.parse(fs.readFileSync(m.file, 'utf8')).dockerImages ?? {})) as any[];
    expect(dockerImages).toHaveLength(1);
    expect(fs.readFileSync(path.join(assembly.directory, dockerImages[0].source.directory, 'Dockerfile'), 'utf8')).toContain('busybox');
    // The execution role that pulls it may pull from that repository.
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toMatch(/ecr:BatchGetImage[\s\S]*cdk-hnb659fds-container-assets-/);
  });

  test('an image that is not a ContainerImage is reported with the fix', () => {
    expect(() => platformStack({
      memoryTiers: [{ ...DefaultMemoryTiers.SMALL, image: BUSYBOX as any }],
      workflow: [{ name: 'a', tier: '2gb', image: 'busybox' as any }],
    })).toThrow(/memoryTiers\[0\] \(tier '2gb'\)\.image must be an ecs\.ContainerImage, got the string[\s\S]*workflow\[0\] \(job 'a'\)\.image must be an ecs\.ContainerImage, got the string 'busybox': give image: ecs\.ContainerImage\.fromAsset/);
  });
});
