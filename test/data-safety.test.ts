/**
 * Data safety of the example prod stack: nothing that holds data can be lost to a stack update or a
 * stack deletion, and a refactor that would replace such a resource fails the build.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SandersCustomerPlatformStack } from './integ/platform-stack';

const DATA_TYPES = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::ECR::Repository', 'AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::Backup::BackupVault'];
const EXPECTED: { [type: string]: string[] } = JSON.parse(fs.readFileSync(path.join(__dirname, 'data-safety.prod-resources.json'), 'utf8'));

function template(environment: string): Template {
  return Template.fromStack(new SandersCustomerPlatformStack(new App(), environment));
}

describe('data safety (prod)', () => {
  const prod = template('prod');
  const resources = prod.toJSON().Resources as { [id: string]: any };
  const dataResources = Object.entries(resources).filter(([, r]) => DATA_TYPES.includes(r.Type));

  test('the logical IDs of the resources that hold data are the pinned ones', () => {
    const actual: { [type: string]: string[] } = {};
    for (const [id, r] of dataResources) (actual[r.Type] ??= []).push(id);
    for (const ids of Object.values(actual)) ids.sort();
    const { ['//']: _comment, ...expected } = EXPECTED as any;
    expect(actual).toEqual(expected);
  });

  test.each(DATA_TYPES)('every %s has DeletionPolicy and UpdateReplacePolicy Retain', (type) => {
    const ofType = dataResources.filter(([, r]) => r.Type === type);
    expect(ofType.length).toBeGreaterThan(0);
    for (const [id, r] of ofType) {
      expect({ id, deletion: r.DeletionPolicy, replace: r.UpdateReplacePolicy }).toEqual({ id, deletion: 'Retain', replace: 'Retain' });
    }
  });

  test('the table has point-in-time recovery and deletion protection, and is in a daily backup plan', () => {
    prod.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    const tableId = EXPECTED['AWS::DynamoDB::Table'][0];
    prod.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [tableId, 'Arn'] })]) }),
    });
    prod.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({ BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 35 } })] }),
    });
    prod.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [EXPECTED['AWS::KMS::Key'][0], 'Arn'] },
    });
  });

  test('every bucket is versioned, and none is emptied on deletion', () => {
    for (const [id, r] of dataResources.filter(([, x]) => x.Type === 'AWS::S3::Bucket')) {
      expect({ id, versioning: r.Properties.VersioningConfiguration }).toEqual({ id, versioning: { Status: 'Enabled' } });
    }
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    prod.resourceCountIs('Custom::ECRAutoDeleteImages', 0);
  });

  test('the KMS key rotates and waits 7 days before deletion', () => {
    prod.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 7 }),
      DeletionPolicy: 'Retain',
    });
  });

  test('no lifecycle rule of the data bucket expires objects or versions', () => {
    const bucket = resources[EXPECTED['AWS::S3::Bucket'].find(id => id.startsWith('PlatformDataBucket'))!];
    for (const rule of bucket.Properties.LifecycleConfiguration?.Rules ?? []) {
      expect(rule.ExpirationInDays).toBeUndefined();
      expect(rule.NoncurrentVersionExpiration).toBeUndefined();
    }
  });
});

describe('data safety (dev)', () => {
  test('dev stays disposable: data resources are destroyed with the stack and no backup vault is kept', () => {
    const dev = template('dev');
    dev.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ BucketName: 'sanders-customer-platform-dev' }) });
    dev.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    dev.resourceCountIs('AWS::Backup::BackupVault', 0);
  });
});
