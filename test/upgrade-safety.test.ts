/**
 * The upgrade-safety checker (scripts/ci/upgrade-safety.ts) on crafted templates and on the example prod stack:
 * it must fail on every change that replaces or deletes a resource holding data, and pass the rest.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnTemplate, dataLossRisks, loadReplacingProperties, ReplacingProperties } from '../scripts/ci/upgrade-safety';
import { SandersBatchPlatform } from '../src';
import { SandersCustomerPlatformStack } from './integ/platform-stack';

const retain = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
const keyArn = { 'Fn::GetAtt': ['Key', 'Arn'] };

/** A prod-like template with one resource of each data type. */
function previous(): any {
  return {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true }, ...retain },
      DataBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'sanders-customer-platform-prod', VersioningConfiguration: { Status: 'Enabled' } }, ...retain },
      FeaturesTable: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'sanders_daily_customer_features_prod',
          KeySchema: [{ AttributeName: 'customer_id', KeyType: 'HASH' }, { AttributeName: 'feature_date', KeyType: 'RANGE' }],
          AttributeDefinitions: [{ AttributeName: 'customer_id', AttributeType: 'S' }, { AttributeName: 'feature_date', AttributeType: 'S' }],
          SSESpecification: { SSEEnabled: true, KMSMasterKeyId: keyArn },
        },
        ...retain,
      },
      ImageRepository: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'sanders-batch-prod', EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: keyArn } }, ...retain },
      BackupVault: { Type: 'AWS::Backup::BackupVault', Properties: { BackupVaultName: 'sanders-prod', EncryptionKeyArn: keyArn }, ...retain },
      JobLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/batch/sanders-prod', RetentionInDays: 365, KmsKeyId: keyArn }, ...retain },
      JobDefinition: { Type: 'AWS::Batch::JobDefinition', Properties: { JobDefinitionName: 'sanders-small-prod' } },
    },
  };
}

/** The previous template with `change` applied to a copy. */
function changed(change: (t: any) => void): CfnTemplate {
  const t = previous();
  change(t);
  return t;
}

let replacing: ReplacingProperties;
beforeAll(async () => {
  replacing = await loadReplacingProperties();
});

describe('upgrade-safety checker', () => {
  test('reads the replacing properties from aws-cdk\'s CloudFormation database', () => {
    expect(replacing('AWS::S3::Bucket')).toEqual(expect.arrayContaining(['BucketName', 'ObjectLockEnabled']));
    expect(replacing('AWS::DynamoDB::Table')).toEqual(expect.arrayContaining(['TableName', 'KeySchema']));
    expect(replacing('AWS::ECR::Repository')).toEqual(expect.arrayContaining(['RepositoryName', 'EncryptionConfiguration']));
    expect(replacing('AWS::Backup::BackupVault')).toEqual(expect.arrayContaining(['BackupVaultName', 'EncryptionKeyArn']));
    expect(replacing('AWS::Logs::LogGroup')).toContain('LogGroupName');
    expect(replacing('AWS::Logs::LogGroup')).not.toContain('RetentionInDays');
  });

  test('passes an unchanged template and changes made in place', () => {
    expect(dataLossRisks(previous(), previous(), replacing)).toEqual([]);
    const inPlace = changed(t => {
      t.Resources.JobLogs.Properties.RetentionInDays = 731;
      t.Resources.DataBucket.Properties.LifecycleConfiguration = { Rules: [{ Status: 'Enabled', NoncurrentVersionTransitions: [] }] };
      t.Resources.FeaturesTable.Properties.AttributeDefinitions.push({ AttributeName: 'segment', AttributeType: 'S' });
      delete t.Resources.JobDefinition; // not data
      t.Resources.NewLogs = { Type: 'AWS::Logs::LogGroup', Properties: {} }; // added, not replaced
    });
    expect(dataLossRisks(previous(), inPlace, replacing)).toEqual([]);
  });

  test('fails when a table construct is renamed: its logical ID is gone', () => {
    const renamed = changed(t => {
      t.Resources.CustomerFeaturesTable = t.Resources.FeaturesTable;
      delete t.Resources.FeaturesTable;
    });
    expect(dataLossRisks(previous(), renamed, replacing)).toEqual([expect.stringMatching(/^FeaturesTable \(AWS::DynamoDB::Table\) is gone from the new template/)]);
  });

  test.each([
    ['a bucket name', (t: any) => { t.Resources.DataBucket.Properties.BucketName = 'sanders-customer-data-prod'; }, /^DataBucket \(AWS::S3::Bucket\): BucketName changes from "sanders-customer-platform-prod" to "sanders-customer-data-prod"/],
    ['a bucket name given up for a generated one', (t: any) => { delete t.Resources.DataBucket.Properties.BucketName; }, /^DataBucket .*BucketName changes from .* to \(not set\)/],
    ['a table name', (t: any) => { t.Resources.FeaturesTable.Properties.TableName = 'features_prod'; }, /^FeaturesTable .*TableName changes/],
    ['the key schema', (t: any) => { t.Resources.FeaturesTable.Properties.KeySchema.pop(); }, /^FeaturesTable .*KeySchema changes/],
    ['the type of a key attribute', (t: any) => { t.Resources.FeaturesTable.Properties.AttributeDefinitions[1].AttributeType = 'N'; }, /^FeaturesTable .*the key's attribute types change from .*"S".* to .*"N"/],
    ['the repository\'s encryption key', (t: any) => { t.Resources.ImageRepository.Properties.EncryptionConfiguration = { EncryptionType: 'AES256' }; }, /^ImageRepository .*EncryptionConfiguration changes/],
    ['the backup vault\'s encryption key', (t: any) => { t.Resources.BackupVault.Properties.EncryptionKeyArn = { 'Fn::GetAtt': ['OtherKey', 'Arn'] }; }, /^BackupVault .*EncryptionKeyArn changes/],
    ['a log group name', (t: any) => { t.Resources.JobLogs.Properties.LogGroupName = '/sanders/jobs-prod'; }, /^JobLogs .*LogGroupName changes/],
    ['the type behind a logical ID', (t: any) => { t.Resources.JobLogs.Type = 'AWS::Logs::LogStream'; }, /^JobLogs changes type from AWS::Logs::LogGroup to AWS::Logs::LogStream/],
    ['a deleted KMS key', (t: any) => { delete t.Resources.Key; }, /^Key \(AWS::KMS::Key\) is gone/],
    ['Retain given up', (t: any) => { t.Resources.DataBucket.DeletionPolicy = 'Delete'; }, /^DataBucket .*DeletionPolicy changes from Retain to Delete/],
  ])('fails on %s', (_name, change, message) => {
    const problems = dataLossRisks(previous(), changed(change), replacing);
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  test('lists every problem, not only the first', () => {
    const problems = dataLossRisks(previous(), changed(t => {
      t.Resources.DataBucket.Properties.BucketName = 'other';
      delete t.Resources.JobLogs;
    }), replacing);
    expect(problems).toHaveLength(2);
  });
});

describe('upgrade-safety on the example prod stack', () => {
  const prod = () => Template.fromStack(new SandersCustomerPlatformStack(new App(), 'prod')).toJSON();

  test('two builds of the same source are safe', () => {
    expect(dataLossRisks(prod(), prod(), replacing)).toEqual([]);
  });

  test('fails on every resource holding data when the platform construct gets another id', () => {
    // The example stack with its platform under another construct id: every logical ID below it changes.
    const stack = new Stack(new App(), 'SandersCustomerPlatformStack-prod');
    new SandersBatchPlatform(stack, 'CustomerPlatform', { environment: 'prod' });
    const problems = dataLossRisks(prod(), Template.fromStack(stack).toJSON(), replacing);
    const gone = problems.filter(p => / is gone from the new template/.test(p)).map(p => p.split(' ')[0]).sort();
    expect(gone).toEqual(expect.arrayContaining(['PlatformDataBucket482B67D1', 'PlatformFeaturesTable3772D452', 'PlatformEncryptionKeyCF8AB6B1', 'PlatformBackupVault586524B0']));
    expect(gone.length).toBeGreaterThanOrEqual(10);
  });
});
