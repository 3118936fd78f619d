/**
 * `dataSafety`: a typed option of its own, defaulting from the environment name, with a warning for a name that
 * is neither `dev` nor `prod`. The data defaults follow it; the cost defaults follow the name.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DataSafety, NetworkProfile, SandersBatchPlatform, SandersBatchPlatformProps } from '../src';
import { dataTables, platformStack } from './util';

const WARNING = '@sanders/batch-platform:dataSafety';

function synth(props: SandersBatchPlatformProps): { template: Template; annotations: Annotations; dataSafety: DataSafety } {
  const { stack, platform } = platformStack(props);
  return { template: Template.fromStack(stack), annotations: Annotations.fromStack(stack), dataSafety: platform.dataSafety };
}

describe('dataSafety', () => {
  test('defaults from the environment name: dev is disposable, prod and any other name retained', () => {
    expect(platformStack({ environment: 'dev' }).platform.dataSafety).toBe(DataSafety.DISPOSABLE);
    expect(platformStack({ environment: 'prod' }).platform.dataSafety).toBe(DataSafety.RETAINED);
    expect(platformStack({ environment: 'development' }).platform.dataSafety).toBe(DataSafety.RETAINED);
  });

  test('warns when the name is neither dev nor prod, saying which it got and how to choose', () => {
    const { annotations } = synth({ environment: 'development' });
    annotations.hasWarning('/TestStack/Platform', Match.stringLikeRegexp(
      "environment 'development' is neither 'dev' nor 'prod', so its data safety is DataSafety\\.RETAINED.*Set dataSafety to DataSafety\\.RETAINED.*or to DataSafety\\.DISPOSABLE"));
    annotations.hasWarning('/TestStack/Platform', Match.stringLikeRegexp(`\\[ack: ${WARNING}\\]`));
  });

  test.each(['dev', 'prod'])('does not warn for %s', (environment) => {
    synth({ environment }).annotations.hasNoWarning('*', Match.stringLikeRegexp('data safety'));
  });

  test('does not warn when dataSafety is given', () => {
    synth({ environment: 'staging', dataSafety: DataSafety.RETAINED }).annotations.hasNoWarning('*', Match.stringLikeRegexp('data safety'));
  });

  test('a disposable staging destroys its data but keeps the production network, Spot and dashboard defaults', () => {
    const { template } = synth({ environment: 'staging', dataSafety: DataSafety.DISPOSABLE });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }),
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ BucketName: 'sanders-customer-platform-staging', VersioningConfiguration: Match.absent() }) });
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    // Cost, not safety: a name other than dev gets production's network (a NAT gateway per AZ) and a dashboard.
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(platformStack({ environment: 'staging', dataSafety: DataSafety.DISPOSABLE }).platform.networkProfile).toBe(NetworkProfile.NAT_GATEWAY_PER_AZ);
  });

  test('a retained dev keeps its data with dev\'s cheap network', () => {
    const { template } = synth({ environment: 'dev', dataSafety: DataSafety.RETAINED });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    });
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('a single prop still wins over the data-safety default', () => {
    const { template } = synth({ environment: 'prod', pointInTimeRecovery: false });
    template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } });
  });

  test('a disposable prod synthesizes with the acknowledgement', () => {
    const { template } = synth({ environment: 'prod', dataSafety: DataSafety.DISPOSABLE, acknowledgeDisposableProd: true });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('fails when prod is disposable without the acknowledgement, naming both props and the fix', () => {
    expect(() => platformStack({ environment: 'prod', dataSafety: DataSafety.DISPOSABLE }))
      .toThrow(/dataSafety is DataSafety\.DISPOSABLE in environment 'prod'.*remove dataSafety.*set acknowledgeDisposableProd to true/);
  });

});

describe('removal settings that can all hold', () => {
  test('a staging that destroys its data, with deletion protection and the backup off, gives a table CloudFormation can delete', () => {
    const { template } = synth({ environment: 'staging', removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false, backupPlan: false });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ BucketName: 'sanders-customer-platform-staging' }) });
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
    // autoDeleteObjects follows RETAINED (off): synth warns that a bucket or repository with data stops the removal.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('warns when the bucket and the repository are destroyed without being emptied, and not when they are emptied or kept', () => {
    const warning = Match.stringLikeRegexp('removalPolicy is RemovalPolicy\\.DESTROY but autoDeleteObjects is false: CloudFormation cannot delete the bucket sanders-customer-platform-staging and the image repository sanders-customer-platform-staging while they hold objects or images.*set autoDeleteObjects to true');
    synth({ environment: 'staging', removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false, backupPlan: false }).annotations.hasWarning('/TestStack/Platform', warning);
    synth({ environment: 'dev', autoDeleteObjects: false }).annotations.hasWarning('/TestStack/Platform', Match.stringLikeRegexp('autoDeleteObjects is false: CloudFormation cannot delete'));
    synth({ environment: 'dev' }).annotations.hasNoWarning('*', Match.stringLikeRegexp('autoDeleteObjects is false'));
    synth({ environment: 'prod' }).annotations.hasNoWarning('*', Match.stringLikeRegexp('autoDeleteObjects is false'));
  });

  test('a dev that keeps its data empties nothing and protects nothing it does not need to', () => {
    const { template } = synth({ environment: 'dev', removalPolicy: RemovalPolicy.RETAIN });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('a staging with its own table may destroy what the platform creates: no table of its own to protect or back up', () => {
    const stack = new Stack(new App(), 'Consumer');
    const own = new dynamodb.Table(stack, 'Own', {
      tableName: 'team_features', partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
    });
    new SandersBatchPlatform(stack, 'Staging', { environment: 'staging', removalPolicy: RemovalPolicy.DESTROY, existingTable: own });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ BucketName: 'sanders-customer-platform-staging' }) });
    expect(dataTables(template)).toEqual([expect.stringMatching(/^Own/)]);
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
  });

  test('fails on the review\'s case, a prod told to destroy with auto-delete and default deletion protection, naming what it would delete', () => {
    expect(() => platformStack({ environment: 'prod', removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true })).toThrow(new RegExp(
      "\\(1 problem\\):\\n  - removalPolicy is RemovalPolicy\\.DESTROY in environment 'prod', which keeps its data by default: removing the stack would delete "
      + 'the bucket sanders-customer-platform-prod with every object in it \\(autoDeleteObjects empties it first\\), '
      + 'the table sanders_daily_customer_features_prod \\(only a 35-day system backup is left\\), '
      + 'the image repository sanders-customer-platform-prod with its images, '
      + 'the KMS key \\(after 7 days; whatever it encrypted is unreadable then\\), the log groups;'));
  });
});

