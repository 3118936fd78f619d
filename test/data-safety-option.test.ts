/**
 * `dataSafety`: a typed option of its own, defaulting from the environment name, with a warning for a name that
 * is neither `dev` nor `prod`. The data defaults follow it; the cost defaults follow the name.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DataSafety, NetworkProfile, SandersBatchPlatformProps } from '../src';
import { platformStack } from './util';

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
