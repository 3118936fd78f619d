/**
 * Namespaces group the platform's parts in the construct tree without changing a logical ID.
 */
import { App, CfnElement, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SandersBatchPlatform } from '../src';
import { platformStack } from './util';
import { logicalIdWithoutNamespaces, Namespace, pathWithoutNamespaces, uniqueIdOfPath } from '../src/private/core/namespace';

function stack(): Stack {
  return new Stack(new App(), 'TestStack');
}

function logicalIds(s: Stack): { [path: string]: string } {
  const out: { [path: string]: string } = {};
  for (const c of s.node.findAll()) {
    if (CfnElement.isCfnElement(c)) out[pathWithoutNamespaces(c)] = s.resolve((c as CfnElement).logicalId);
  }
  return out;
}

/** The same constructs, with or without namespaces around them. */
function build(s: Stack, namespaced: boolean, platformId = 'Platform'): void {
  const platform = new Construct(s, platformId);
  const data = namespaced ? new Namespace(platform, 'Data') : platform;
  const inner = namespaced ? new Namespace(data, 'Inner') : data;
  const bucket = new s3.Bucket(data, 'DataBucket', { enforceSSL: true });
  new sns.Topic(inner, 'AlarmTopic-with-dashes');
  new CfnResource(inner, 'Default', { type: 'Test::Default' });
  new CfnResource(data, 'Resource', { type: 'Test::Resource' });
  new CfnResource(data, 'A'.repeat(250), { type: 'Test::Long' });
  // Added after the namespace's constructs were created, as a consumer's grant or policy would.
  bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')], principals: [new iam.AccountRootPrincipal()] }));
}

describe('uniqueIdOfPath', () => {
  test('equals the logical ID the stack allocates to every element of a tree without namespaces', () => {
    const s = stack();
    build(s, false);
    const elements = s.node.findAll().filter(c => CfnElement.isCfnElement(c)) as CfnElement[];
    expect(elements.length).toBeGreaterThan(5);
    for (const element of elements) {
      expect({ path: element.node.path, id: logicalIdWithoutNamespaces(element) }).toEqual({ path: element.node.path, id: s.getLogicalId(element) });
    }
  });

  test('hashes the path as aws-cdk-lib does (a known logical ID of the example stacks)', () => {
    expect(uniqueIdOfPath(['Platform', 'DataBucket', 'Resource'])).toBe('PlatformDataBucket482B67D1');
    expect(uniqueIdOfPath(['S3BucketName'])).toBe('S3BucketName');
  });
});

describe('Namespace', () => {
  test.each(['Platform', 'Analytics-2'])('elements below namespaces keep the logical IDs they have without them (platform id %s)', (platformId) => {
    const plain = stack();
    build(plain, false, platformId);
    const namespaced = stack();
    build(namespaced, true, platformId);
    expect(Template.fromStack(namespaced).toJSON()).toEqual(Template.fromStack(plain).toJSON());
    expect(logicalIds(namespaced)).toEqual(logicalIds(plain));
  });

  test('the namespaces are in the tree', () => {
    const s = stack();
    build(s, true);
    expect(s.node.findChild('Platform').node.children.map(c => c.node.id)).toEqual(['Data']);
    expect(s.node.tryFindChild('Platform')?.node.tryFindChild('Data')?.node.tryFindChild('DataBucket')).toBeDefined();
  });

  test('leaves a logical ID overridden by someone else alone', () => {
    const s = stack();
    const ns = new Namespace(s, 'Outputs');
    new CfnOutput(ns, 'Key', { value: 'v' }).overrideLogicalId('MyKey');
    new CfnOutput(ns, 'Other', { value: 'v' });
    expect(Object.keys(Template.fromStack(s).toJSON().Outputs).sort()).toEqual(['MyKey', 'Other']);
  });

  test('is told apart from other constructs', () => {
    const s = stack();
    expect(Namespace.isNamespace(new Namespace(s, 'N'))).toBe(true);
    expect(Namespace.isNamespace(new Construct(s, 'C'))).toBe(false);
  });
});

describe('the platform tree', () => {
  test('the dev platform has at most 25 direct children: its parts', () => {
    const { platform } = platformStack({ environment: 'dev' });
    const children = platform.node.children.map(c => c.node.id);
    expect(children.length).toBeLessThanOrEqual(25);
    expect(children).toEqual(['Data', 'Network', 'Compute', 'Workflow', 'Egress', 'Monitoring', 'Outputs']);
  });

  test('every resource of the platform is in a part', () => {
    const { platform } = platformStack({ environment: 'prod', createOutputs: false });
    for (const child of platform.node.children) expect(Namespace.isNamespace(child)).toBe(true);
  });

  test('a consumer can export a platform value right after construction and reference one from another stack, by the un-namespaced logical IDs', () => {
    // GIVEN a platform, WHEN its stack exports the bucket ARN at once (which locks the bucket's logical ID) and
    // another stack of the app references the table
    const app = new App();
    const env = { account: '123456789012', region: 'eu-central-1' };
    const home = new Stack(app, 'Home', { env });
    const platform = new SandersBatchPlatform(home, 'Platform', { environment: 'dev' });
    home.exportValue(platform.bucket.bucketArn);
    const other = new Stack(app, 'Other', { env });
    new iam.Role(other, 'Reader', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { read: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [platform.table.tableArn] })] }) },
    });
    // THEN the exports name the logical IDs the resources have without namespaces (no LogicalIdLocked error)
    const exported = Object.values(Template.fromStack(home).toJSON().Outputs as { [id: string]: any })
      .filter(o => o.Export).map(o => o.Value['Fn::GetAtt'][0]);
    expect(exported.sort()).toEqual(['PlatformDataBucket482B67D1', 'PlatformFeaturesTable3772D452']);
  });
});
