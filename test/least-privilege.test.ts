/**
 * Least privilege: the job roles reach only this platform's bucket, table and key, with the actions the
 * jobs need, narrowed further where a job declares `dataAccess`; a `*` resource appears only for actions
 * that have no resource-level permissions.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { logicalIdOf, platformStack } from './util';
import { policyStatements } from '../scripts/lib/templates';
import { AccessLevel, SandersBatchPlatform, SandersBatchPlatformProps } from '../src';

/** Actions without resource-level permissions: the only ones allowed on `*` (docs/security.md lists them). */
const NO_RESOURCE_LEVEL = new Set([
  'ecr:GetAuthorizationToken',
  'batch:DescribeJobs', 'batch:ListJobs',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
  'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
  'cloudwatch:PutMetricData',
  'ec2:DescribeNatGateways', 'ec2:DescribeAddresses',
]);

function statementsOf(stack: Stack, role: iam.IRole): any[] {
  return policyStatements(Template.fromStack(stack).toJSON(), logicalIdOf(role));
}

function actions(statements: any[]): string[] {
  return statements.flatMap(s => ([] as string[]).concat(s.Action)).sort();
}

function jobRoleOf(props: SandersBatchPlatformProps, jobName: string): { stack: Stack; platform: SandersBatchPlatform; role: iam.IRole } {
  const { stack, platform } = platformStack(props);
  const role = platform.node.findChild('Compute').node.findChild(`JobRole-${jobName}`) as iam.IRole;
  return { stack, platform, role };
}

describe('least privilege', () => {
  test('the shared job role has explicit actions on this bucket, table and key only, the key only through S3 and DynamoDB', () => {
    // GIVEN
    const { stack, platform } = platformStack();
    const statements = statementsOf(stack, platform.jobRole);
    const id = (c: any) => logicalIdOf(c);

    // THEN
    expect(actions(statements).filter(a => a.includes('*'))).toEqual([]);
    expect(actions(statements)).toEqual([
      'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
      'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey',
      's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket',
      's3:ListBucketMultipartUploads', 's3:ListMultipartUploadParts', 's3:PutObject',
    ]);
    for (const s of statements) {
      const resources = JSON.stringify(s.Resource);
      expect([id(platform.bucket), id(platform.table), id(platform.encryptionKey)].some(x => resources.includes(x))).toBe(true);
    }
    const kms = statements.find(s => ([] as string[]).concat(s.Action).includes('kms:Decrypt'));
    expect(kms.Condition.StringEquals['kms:ViaService']).toEqual(['s3.eu-central-1.amazonaws.com', 'dynamodb.eu-central-1.amazonaws.com']);
  });

  test('a read-only job under a prefix gets only GetObject on that prefix, a listing limited to it, and no table', () => {
    // GIVEN
    const { stack, role } = jobRoleOf({
      workflow: [{ name: 'report', tier: '2gb', dataAccess: { bucket: AccessLevel.READ, bucketPrefix: 'reports/', table: AccessLevel.NONE } }],
    }, 'report');
    const statements = statementsOf(stack, role);

    // THEN
    expect(actions(statements)).toEqual(['kms:Decrypt', 'kms:DescribeKey', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    const get = statements.find(s => s.Action === 's3:GetObject');
    expect(JSON.stringify(get.Resource)).toMatch(/"\/reports\/\*"/);
    const list = statements.find(s => ([] as string[]).concat(s.Action).includes('s3:ListBucket'));
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['reports/*'] } });
    const kms = statements.find(s => ([] as string[]).concat(s.Action).includes('kms:Decrypt'));
    expect(kms.Condition.StringEquals['kms:ViaService']).toEqual(['s3.eu-central-1.amazonaws.com']);
  });

  test('a job limited to leading keys gets item actions with dynamodb:LeadingKeys and no Scan', () => {
    const { stack, role } = jobRoleOf({
      workflow: [{ name: 'one-customer', tier: '2gb', dataAccess: { bucket: AccessLevel.NONE, table: AccessLevel.READ, tableLeadingKeys: ['customer-42'] } }],
    }, 'one-customer');
    const statements = statementsOf(stack, role);
    expect(actions(statements)).toEqual([
      'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query',
      'kms:Decrypt', 'kms:DescribeKey',
    ]);
    const table = statements.find(s => ([] as string[]).concat(s.Action).includes('dynamodb:GetItem'));
    expect(table.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['customer-42'] } });
  });

  test('a job with no data access at all gets no data permissions', () => {
    const { stack, role } = jobRoleOf({
      workflow: [{ name: 'compute-only', tier: '2gb', dataAccess: { bucket: AccessLevel.NONE, table: AccessLevel.NONE } }],
    }, 'compute-only');
    expect(statementsOf(stack, role)).toEqual([]);
  });

  test.each([['dev', {}], ['prod', { environment: 'prod' }]] as const)('%s: a "*" resource appears only with actions that have no resource-level permissions', (_env, props) => {
    const { stack } = platformStack(props);
    const onStar = policyStatements(Template.fromStack(stack).toJSON())
      .filter((s: any) => s.Effect === 'Allow' && ([] as unknown[]).concat(s.Resource).includes('*'))
      .flatMap((s: any) => ([] as string[]).concat(s.Action));
    expect(onStar.length).toBeGreaterThan(0);
    // IAM action names are case-insensitive (CallAwsService writes `batch:describeJobs`).
    const allowed = new Set([...NO_RESOURCE_LEVEL].map(a => a.toLowerCase()));
    expect([...new Set(onStar)].filter(a => !allowed.has(a.toLowerCase()))).toEqual([]);
  });

  test('a workflow of 60 jobs with roles of their own keeps every managed policy under IAM\'s 6,144 characters', () => {
    const { stack } = platformStack({
      environment: 'prod',
      workflow: Array.from({ length: 60 }, (_, i) => ({ name: `job-with-a-long-name-${i}`, tier: '2gb', dataAccess: { bucket: AccessLevel.READ } })),
    });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')) as any[];
    // The template form (Ref, Fn::Join) is longer than the ARNs CloudFormation writes, so this is an upper bound.
    const sizes = policies.map(p => JSON.stringify(p.Properties.PolicyDocument).length);
    expect(Math.max(...sizes)).toBeLessThan(6144);
  });

  test('no role of the platform has an AWS-managed policy or an inline policy', () => {
    const { stack } = platformStack({ environment: 'prod' });
    const template = Template.fromStack(stack);
    for (const role of Object.values(template.findResources('AWS::IAM::Role')) as any[]) {
      expect(role.Properties.Policies).toBeUndefined();
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(/:iam::aws:policy\//);
    }
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });
});
