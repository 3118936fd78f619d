import { RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DefaultMemoryTiers, DefaultWorkflow, SandersBatchPlatform } from '../src';
import { logicalIdOf, OWN_DATA_MODEL, platformStack, platformTemplate, workflowDefinition } from './util';
import { policyStatements } from '../scripts/lib/templates';

describe('SandersBatchPlatform with default props (dev)', () => {
  // GIVEN a platform with no props
  const { stack, platform } = platformStack();
  // WHEN it is synthesized
  const template = Template.fromStack(stack);

  test('creates the S3 bucket with the Python app\'s name, encrypted, private and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'sanders-customer-platform-dev',
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
        }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      },
    });
    // The data bucket's own policy (the access-log bucket has one too) denies plain HTTP and old TLS.
    const bucketId = logicalIdOf(platform.bucket);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('creates the DynamoDB table: customer_id/date keys, on-demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'sanders_daily_customer_features_dev',
      KeySchema: [{ AttributeName: 'customer_id', KeyType: 'HASH' }, { AttributeName: 'date', KeyType: 'RANGE' }],
      AttributeDefinitions: [
        { AttributeName: 'customer_id', AttributeType: 'S' },
        { AttributeName: 'date', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  test('creates the ECR repository that scans on push', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'sanders-customer-platform-dev',
      ImageScanningConfiguration: { ScanOnPush: true },
    });
  });

  test('creates the VPC with public and private subnets in two AZs and S3/DynamoDB gateway endpoints', () => {
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'Name', Value: 'sanders-customer-platform-vpc-dev' }]),
    });
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as any[];
    const kinds = subnets.map(s => s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value);
    expect(kinds.filter(k => k === 'Public')).toHaveLength(2);
    expect(kinds.filter(k => k === 'Private')).toHaveLength(2);
    const azs = new Set(subnets.map(s => JSON.stringify(s.Properties.AvailabilityZone)));
    expect(azs.size).toBe(2);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as any[];
    const services = endpoints.map(e => JSON.stringify(e.Properties.ServiceName));
    expect(services.some(s => s.includes('.s3'))).toBe(true);
    expect(services.some(s => s.includes('.dynamodb'))).toBe(true);
  });

  test('runs Batch on Fargate in the private subnets only, Spot first in dev', () => {
    const privateIds = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, s]: any) => s.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private'))
      .map(([id]) => id);
    const environments = Object.values(template.findResources('AWS::Batch::ComputeEnvironment')) as any[];
    expect(environments.map(e => e.Properties.ComputeResources.Type).sort()).toEqual(['FARGATE', 'FARGATE_SPOT']);
    for (const resource of environments) {
      expect(resource.Properties.Type).toBe('managed');
      expect(resource.Properties.ComputeResources.Subnets.map((r: any) => r.Ref).sort()).toEqual(privateIds.sort());
    }
  });

  test('creates the job queue with the Python app\'s name', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: 'sanders-batch-queue-dev' });
  });

  test('creates one Fargate job definition per memory tier with the Python app\'s sizes', () => {
    const defs = Object.values(template.findResources('AWS::Batch::JobDefinition')) as any[];
    const sizes = defs.map(d => {
      const req = d.Properties.ContainerProperties.ResourceRequirements;
      return {
        name: d.Properties.JobDefinitionName,
        platform: d.Properties.PlatformCapabilities,
        memory: req.find((r: any) => r.Type === 'MEMORY').Value,
        vcpu: req.find((r: any) => r.Type === 'VCPU').Value,
      };
    });
    expect(sizes).toEqual([
      { name: 'sanders-batch-job-2gb-dev', platform: ['FARGATE'], memory: '2048', vcpu: '1' },
      { name: 'sanders-batch-job-8gb-dev', platform: ['FARGATE'], memory: '8192', vcpu: '2' },
      { name: 'sanders-batch-job-16gb-dev', platform: ['FARGATE'], memory: '16384', vcpu: '4' },
    ]);
    expect(platform.tierJobDefinitions).toHaveLength(3);
    expect(platform.jobDefinitionFor('8gb')).toBe(platform.tierJobDefinitions[1]);
  });

  test('gives the execution role ECR pull and log writing, and the job role only this bucket and table', () => {
    // The platform's roles carry customer-managed policies (NIST/HIPAA/PCI reject inline ones).
    const byRole = (roleId: string) => policyStatements(template.toJSON(), roleId);
    const roleId = (role: any) => logicalIdOf(role);

    const execution = JSON.stringify(byRole(roleId(platform.executionRole)));
    expect(execution).toContain('ecr:BatchGetImage');
    expect(execution).toContain('ecr:GetAuthorizationToken');
    expect(execution).toContain('logs:PutLogEvents');

    const job = byRole(roleId(platform.jobRole));
    const resources = JSON.stringify(job.map((s: any) => s.Resource));
    const bucketId = logicalIdOf(platform.bucket);
    const tableId = logicalIdOf(platform.table);
    const keyId = logicalIdOf(platform.encryptionKey);
    // Every resource the job role reaches is the platform's bucket, table or key.
    for (const s of job) {
      const rs = JSON.stringify(s.Resource);
      expect([bucketId, tableId, keyId].some(id => rs.includes(id))).toBe(true);
    }
    expect(resources).not.toMatch(/"\*"/);
    expect(JSON.stringify(job)).toContain('dynamodb:PutItem');
    expect(JSON.stringify(job)).toContain('s3:PutObject');
  });

  test('runs the Python app\'s workflow: feature-extraction and data-processing first, model-training after both, with .sync', () => {
    const asl = workflowDefinition(template);
    const states = asl.States;
    expect(states['Submit feature-extraction'].Resource).toBe('arn:aws:states:::batch:submitJob');
    expect(states['Submit data-processing'].Resource).toBe('arn:aws:states:::batch:submitJob');
    const finalJobs = states['Run and watch'].Branches[0].States['Wait for final jobs'].Branches[0];
    const branch = finalJobs.States[finalJobs.StartAt].Branches[0].States['Run model-training'];
    expect(branch.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(branch.Parameters.DependsOn).toEqual([
      { 'JobId.$': '$.jobs.feature_extraction.JobId' },
      { 'JobId.$': '$.jobs.data_processing.JobId' },
    ]);
    expect(states['Submit feature-extraction'].Parameters.DependsOn).toBeUndefined();
    // Each job runs on its tier's job definition.
    const defIds = (platform.tierJobDefinitions as any[]).map(d => logicalIdOf(d));
    expect(states['Submit feature-extraction'].Parameters.JobDefinition).toBe(`\${${defIds[1]}}`);
    expect(states['Submit data-processing'].Parameters.JobDefinition).toBe(`\${${defIds[0]}}`);
    expect(branch.Parameters.JobDefinition).toBe(`\${${defIds[2]}}`);
  });

  test('has the Python app\'s outputs with their exact keys, and the three an operator\'s tools read (issue 21)', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'BackfillStateMachineARN', 'BatchJobQueueName', 'DynamoDBTableName', 'ECRRepositoryURI', 'JobLogGroupName', 'JobWorkflowStateMachineARN',
      'S3BucketName', 'StepFunctionsStateMachineARN', 'VPCId',
    ]);
    // Each output points at its resource.
    const id = (c: any) => logicalIdOf(c);
    template.hasOutput('BackfillStateMachineARN', { Value: { Ref: id(platform.backfillStateMachine) } });
    template.hasOutput('JobWorkflowStateMachineARN', { Value: { Ref: id(platform.jobWorkflow) } });
    template.hasOutput('JobLogGroupName', { Value: { Ref: id(platform.jobLogGroup) } });
    template.hasOutput('S3BucketName', { Value: { Ref: id(platform.bucket) } });
    template.hasOutput('DynamoDBTableName', { Value: { Ref: id(platform.table) } });
    template.hasOutput('VPCId', { Value: { Ref: id(platform.vpc) } });
    template.hasOutput('StepFunctionsStateMachineARN', { Value: { Ref: id(platform.stateMachine) } });
    // The queue's name and the repository's URI are cut from their ARNs.
    expect(JSON.stringify(template.toJSON().Outputs.BatchJobQueueName.Value)).toContain(id(platform.jobQueue));
    expect(JSON.stringify(template.toJSON().Outputs.ECRRepositoryURI.Value)).toContain(id(platform.repository));
  });

  test('dev destroys data resources on removal and empties the bucket and repository first', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::ECR::Repository']) {
      template.hasResource(type, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
    // The data bucket and its access-log bucket.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    template.hasResourceProperties('AWS::ECR::Repository', { EmptyOnDelete: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      DeletionProtectionEnabled: false,
    });
  });
});

describe('SandersBatchPlatform in prod', () => {
  const template = platformTemplate({ environment: 'prod' });

  test('retains every data resource and turns on recovery, protection and versioning', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::ECR::Repository', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(template.findResources(type)) as any[];
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) expect([type, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([type, 'Retain', 'Retain']);
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'sanders_daily_customer_features_prod',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'sanders-customer-platform-prod',
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::ECR::Repository', { EmptyOnDelete: false });
  });

  test('keeps 30 images, access logs 365 days (older versions 30), abandoned uploads 7 days, and backs the table up daily at 03:00 UTC for 35 days', () => {
    // README, "What it creates": "keeps the 30 newest images", access logs "kept 365 days", the backup plan "daily, 35 days";
    // docs/security.md: "abandoned multipart uploads are removed after 7 days". The older versions' 30 days and the
    // backup time 03:00 UTC are in no doc: they are the committed prod snapshot's (test/integ/integ.default.ts.snapshot).
    const repository = Object.values(template.findResources('AWS::ECR::Repository'))[0] as any;
    expect(JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules).toEqual([{
      rulePriority: 1, description: 'Keep the 30 newest images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 }, action: { type: 'expire' },
    }]);
    const rules = (bucket: RegExp) => Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) => bucket.test(id))
      .map(([, r]: [string, any]) => r.Properties.LifecycleConfiguration.Rules);
    expect(rules(/^PlatformAccessLogBucket/)).toEqual([[{
      Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    }]]);
    expect(rules(/^PlatformDataBucket/)).toEqual([[{ Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }]]);
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({ BackupPlanRule: [Match.objectLike({ RuleName: 'Daily', ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } })] }),
    });
  });

  test('uses the prod names', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: 'sanders-batch-queue-prod' });
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'Name', Value: 'sanders-customer-platform-vpc-prod' }]),
    });
  });
});

describe('environment-driven behaviour can be set on its own', () => {
  test('an environment other than dev and prod keeps its data', () => {
    const template = platformTemplate({ environment: 'staging' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'sanders-customer-platform-staging' });
  });

  test('dev can keep its data and have point-in-time recovery', () => {
    const template = platformTemplate({ removalPolicy: RemovalPolicy.RETAIN, pointInTimeRecovery: true, deletionProtection: true, versioned: true });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  test('a second team sets its own prefix', () => {
    const template = platformTemplate({ namePrefix: 'team-a', environment: 'prod', ...OWN_DATA_MODEL });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'team-a-customer-platform-prod' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'team-a_daily_customer_features_prod' });
    template.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: 'team-a-batch-queue-prod' });
  });

  test('outputs can be left out, so two platforms fit in one stack', () => {
    const { stack } = platformStack({ createOutputs: false });
    new SandersBatchPlatform(stack, 'Second', { environment: 'prod', createOutputs: false });
    const template = Template.fromStack(stack);
    expect(template.toJSON().Outputs).toBeUndefined();
    for (const env of ['dev', 'prod']) {
      template.resourceCountIs('AWS::S3::Bucket', 4); // a data bucket and an access-log bucket each
      template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: `sanders_daily_customer_features_${env}` });
    }
  });

  test('fails when two platforms in one stack would share names or both add the Python app\'s outputs', () => {
    const { stack } = platformStack();
    expect(() => new SandersBatchPlatform(stack, 'Second'))
      .toThrow(/bucket name 'sanders-customer-platform-dev' \(unique in every account\) is already used by platform 'TestStack\/Platform': give each platform its own namePrefix or environment[\s\S]*the stack outputs S3BucketName, ... \(createOutputs\) of stack .* set createOutputs: false on all but one platform/);
    expect(stack.node.tryFindChild('Second')?.node.children).toHaveLength(0);
    // A platform of its own prefix and no outputs fits.
    new SandersBatchPlatform(stack, 'Third', { namePrefix: 'team-b', ...OWN_DATA_MODEL, createOutputs: false });
  });

  test('custom tiers and workflow build their own job definitions', () => {
    const template = platformTemplate({
      memoryTiers: [{ name: 'tiny', memory: Size.mebibytes(512), vcpu: 0.25 }, DefaultMemoryTiers.LARGE],
      workflow: [{ name: 'a', tier: 'tiny' }, { name: 'b', tier: '16gb', dependsOn: ['a'] }],
    });
    template.resourceCountIs('AWS::Batch::JobDefinition', 2);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'sanders-batch-job-tiny-dev',
      ContainerProperties: Match.objectLike({
        ResourceRequirements: Match.arrayWith([{ Type: 'MEMORY', Value: '512' }, { Type: 'VCPU', Value: '0.25' }]),
      }),
    });
  });
});

describe('validation', () => {
  const build = (props: any) => () => platformStack(props);

  test.each([
    [0.25, 4], [1, 16], [2, 2], [4, 64], [16, 16],
  ])('fails when a tier has %p vCPU with %p GiB, which Fargate rejects', (vcpu, gib) => {
    expect(build({ memoryTiers: [{ name: 'bad', memory: Size.gibibytes(gib), vcpu }], workflow: [{ name: 'j', tier: 'bad' }] }))
      .toThrow(new RegExp(`memory tier 'bad' has ${gib * 1024} MiB of memory with vcpu ${vcpu}, which Fargate rejects: with ${vcpu} vCPU use`));
  });

  test('fails when a tier has a vCPU count Fargate does not offer', () => {
    expect(build({ memoryTiers: [{ name: 'odd', memory: Size.gibibytes(4), vcpu: 3 }], workflow: [{ name: 'j', tier: 'odd' }] }))
      .toThrow(/memory tier 'odd' has vcpu 3, which Fargate does not offer: use one of 0.25, 0.5, 1, 2, 4, 8, 16/);
  });

  test('fails when a job names a tier that does not exist', () => {
    expect(build({ workflow: [{ name: 'train', tier: '32gb' }] }))
      .toThrow(/workflow job 'train' uses tier '32gb', which does not exist: use one of '2gb', '8gb', '16gb' or add it to memoryTiers/);
  });

  test.each(['Prod', 'prod-1', '1dev', '', 'a'.repeat(17), 'pr od'])('fails when the environment is %p', env => {
    expect(build({ environment: env })).toThrow(/environment '.*' is not valid: use 1-16 lowercase letters and digits starting with a letter/);
  });

  test.each(['Sanders', '-team', 'team-', 'te--am', 'team_a', 'a'.repeat(21)])('fails when the name prefix is %p', prefix => {
    expect(build({ namePrefix: prefix })).toThrow(/namePrefix '.*' is not valid: use 1-20 lowercase letters, digits and single hyphens/);
  });

  test('fails with every problem at once, and before creating any resource', () => {
    const { stack } = platformStack({ createOutputs: false });
    const before = stack.node.findAll().length;
    expect(() => new SandersBatchPlatform(stack, 'Bad', {
      environment: 'PROD', workflow: [{ name: 'x', tier: 'none', dependsOn: ['y'] }],
    })).toThrow(/3 problems[\s\S]*environment 'PROD'[\s\S]*tier 'none'[\s\S]*depends on 'y', which is not a job of the workflow/);
    // Only the empty construct itself was added to the tree.
    expect(stack.node.findAll().length).toBe(before + 1);
    expect(Stack.of(stack).node.tryFindChild('Bad')?.node.children).toHaveLength(0);
  });

  test('the default workflow only uses default tiers', () => {
    const tierNames = DefaultMemoryTiers.all().map(t => t.name);
    for (const job of DefaultWorkflow.jobs()) expect(tierNames).toContain(job.tier);
  });
});
