/**
 * Every claim of the Security table ("What is on by default" in docs/security.md) is checked against the templates: the
 * example dev and prod stacks (their committed integ snapshots, which the integ runner keeps equal to what the
 * code synthesizes) and, for claims about options, a platform synthesized here. A row of the table without a
 * check fails, so a new claim cannot go in unchecked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { OWN_DATA_MODEL, platformStack } from './util';
import { identityPolicyStatements, resourcePolicyStatements, stateMachines } from '../scripts/lib/templates';
import { SandersBatchPlatform } from '../src';

const ROOT = path.join(__dirname, '..');
const SECURITY_DOC = fs.readFileSync(path.join(ROOT, 'docs/security.md'), 'utf8');
const snapshot = (name: string) => JSON.parse(fs.readFileSync(
  path.join(ROOT, 'test/integ/integ.default.ts.snapshot', `SandersCustomerPlatformStack-${name}.template.json`), 'utf8')).Resources;
const dev: Resources = snapshot('dev');
const prod: Resources = snapshot('prod');

type Resources = { [id: string]: { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string } };

const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, v]) => v.Type === type);
const one = (r: Resources, type: string, idPattern: RegExp) => {
  const found = ofType(r, type).filter(([id]) => idPattern.test(id));
  if (found.length !== 1) throw new Error(`expected one ${type} ${idPattern}, found ${found.length}`);
  return found[0][1].Properties;
};
const keyId = (r: Resources) => { const keys = ofType(r, 'AWS::KMS::Key'); expect(keys).toHaveLength(1); return keys[0][0]; };
const keyArn = (r: Resources) => ({ 'Fn::GetAtt': [keyId(r), 'Arn'] });
const list = (v: any): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Statements of every policy of a template, each with its policy's logical ID: identity (IAM policies) and resource (key, topic, buckets). */
const statements = (r: Resources, kind: 'identity' | 'resource') => (kind === 'identity' ? identityPolicyStatements : resourcePolicyStatements)({ Resources: r });

/** A condition that ties a service principal to this platform, and not to every resource of the account. */
function tied(st: any): boolean {
  return Object.entries(st.Condition ?? {}).some(([op, block]: [string, any]) => Object.entries(block).some(([key, value]) =>
    /^(aws:SourceArn|aws:SourceAccount|kms:EncryptionContext:|kms:ViaService)/.test(key)
    && !(op.includes('Like') && list(value).every(v => JSON.stringify(v).match(/:\*"\]?\]?\}?$/)))));
}

const dataBucket = (r: Resources) => one(r, 'AWS::S3::Bucket', /^PlatformDataBucket/);
const logBucket = (r: Resources) => one(r, 'AWS::S3::Bucket', /^PlatformAccessLogBucket/);

/** One check per row of the table, keyed by the start of the row's first cell. */
const CHECKS: { [rowStart: string]: () => void } = {
  'One customer-managed KMS key': () => {
    for (const r of [dev, prod]) {
      const key = r[keyId(r)].Properties;
      expect(key.EnableKeyRotation).toBe(true);
      expect(key.PendingWindowInDays).toBe(7);
      expect(dataBucket(r).BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual(keyArn(r));
      expect(one(r, 'AWS::DynamoDB::Table', /^PlatformFeaturesTable/).SSESpecification.KMSMasterKeyId).toEqual(keyArn(r));
      expect(one(r, 'AWS::ECR::Repository', /./).EncryptionConfiguration.KmsKey).toEqual(keyArn(r));
      for (const [, lg] of ofType(r, 'AWS::Logs::LogGroup')) expect(lg.Properties.KmsKeyId).toEqual(keyArn(r));
      expect(one(r, 'AWS::SNS::Topic', /AlarmTopic/).KmsMasterKeyId).toEqual(keyArn(r));
    }
    expect(one(prod, 'AWS::Backup::BackupVault', /./).EncryptionKeyArn).toEqual(keyArn(prod));
  },
  'The key policy denies `kms:CreateGrant`': () => {
    for (const r of [dev, prod]) {
      expect(r[keyId(r)].Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Principal: { AWS: '*' },
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }));
    }
  },
  'Job roles use the key only through S3 and DynamoDB': () => {
    for (const r of [dev, prod]) {
      const jobPolicies = statements(r, 'identity').filter(({ id }) => /^PlatformJobRole/.test(id));
      const keyUse = jobPolicies.filter(({ statement }) => list(statement.Action).some((a: string) => a.startsWith('kms:')));
      expect(keyUse.length).toBeGreaterThan(0);
      for (const { statement } of keyUse) {
        expect(list(statement.Condition.StringEquals['kms:ViaService']).map(v => JSON.stringify(v)).sort()).toEqual(
          [expect.stringMatching(/dynamodb\./), expect.stringMatching(/s3\./)]);
      }
    }
  },
  'Data bucket: block all public access': () => {
    for (const r of [dev, prod]) {
      const b = dataBucket(r);
      const blockAll = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };
      expect(b.PublicAccessBlockConfiguration).toEqual(blockAll);
      expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } });
      const policy = statements(r, 'resource').filter(({ id }) => /^PlatformDataBucketPolicy/.test(id)).map(s => s.statement);
      expect(policy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      expect(policy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }));
    }
  },
  'Server access logs of the data bucket': () => {
    for (const r of [dev, prod]) {
      const logs = logBucket(r);
      expect(dataBucket(r).LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^PlatformAccessLogBucket/) });
      expect(logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
      expect(logs.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      expect(logs.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
      expect(logs.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 365 }));
      // (In dev, CDK's auto-delete provider may also empty the bucket: that statement names its own role.)
      const writes = statements(r, 'resource').filter(({ id, statement: st }) => /^PlatformAccessLogBucketPolicy/.test(id) && st.Effect === 'Allow' && st.Principal.Service).map(s => s.statement);
      expect(writes).toEqual([expect.objectContaining({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]);
      expect(Object.keys(writes[0].Condition.ArnLike)).toEqual(['aws:SourceArn']);
      expect(Object.keys(writes[0].Condition.StringEquals)).toEqual(['aws:SourceAccount']);
    }
  },
  'Both buckets publish object events to EventBridge': () => {
    for (const r of [dev, prod]) {
      for (const b of [dataBucket(r), logBucket(r)]) {
        expect(b.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
      }
      expect(ofType(r, 'Custom::S3BucketNotifications')).toEqual([]);
    }
  },
  'Data bucket lifecycle rule': () => {
    for (const r of [dev, prod]) {
      const rules = dataBucket(r).LifecycleConfiguration.Rules;
      expect(rules).toEqual([{ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Id: 'AbortIncompleteUploads', Status: 'Enabled' }]);
    }
  },
  'Outside `dev`: versioning on both buckets': () => {
    for (const b of [dataBucket(prod), logBucket(prod)]) expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(dataBucket(dev).VersioningConfiguration).toBeUndefined();
  },
  'Outside `dev`: point-in-time recovery': () => {
    const table = one(prod, 'AWS::DynamoDB::Table', /^PlatformFeaturesTable/);
    expect(table.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
    expect(table.DeletionProtectionEnabled).toBe(true);
  },
  'Outside `dev`: a daily AWS Backup plan': () => {
    const plan = one(prod, 'AWS::Backup::BackupPlan', /./).BackupPlan.BackupPlanRule;
    expect(plan).toEqual([expect.objectContaining({ ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } })]);
    const role = one(prod, 'AWS::IAM::Role', /^PlatformBackupRole/);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const backupStatements = statements(prod, 'identity').filter(({ id }) => /^PlatformBackupRolePolicy/.test(id)).map(s => s.statement);
    expect(backupStatements.flatMap(s => list(s.Resource)).every(res => JSON.stringify(res) !== '"*"')).toBe(true);
    expect(ofType(dev, 'AWS::Backup::BackupPlan')).toEqual([]);
  },
  'Outside `dev`: `DeletionPolicy` and `UpdateReplacePolicy` `Retain`': () => {
    const kept = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::ECR::Repository', 'AWS::KMS::Key', 'AWS::Backup::BackupVault', 'AWS::Logs::LogGroup'];
    const data = Object.values(prod).filter(v => kept.includes(v.Type));
    expect(new Set(data.map(v => v.Type))).toEqual(new Set(kept));
    for (const v of data) expect([v.Type, v.DeletionPolicy, v.UpdateReplacePolicy]).toEqual([v.Type, 'Retain', 'Retain']);
  },
  'ECR: scan on push': () => {
    for (const r of [dev, prod]) {
      const repo = one(r, 'AWS::ECR::Repository', /./);
      expect(repo.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
      expect(repo.EncryptionConfiguration.EncryptionType).toBe('KMS');
      const rules = JSON.parse(repo.LifecyclePolicy.LifecyclePolicyText).rules;
      expect(rules).toEqual([expect.objectContaining({ selection: expect.objectContaining({ countNumber: 30 }) })]);
      expect(repo.RepositoryPolicyText).toBeUndefined();
    }
  },
  'VPC flow logs (all traffic)': () => {
    for (const r of [dev, prod]) {
      expect(one(r, 'AWS::EC2::FlowLog', /./)).toMatchObject({ TrafficType: 'ALL', ResourceType: 'VPC', LogDestinationType: 'cloud-watch-logs' });
      expect(one(r, 'AWS::EC2::SecurityGroup', /JobSecurityGroup/).SecurityGroupIngress).toBeUndefined();
      for (const [, jd] of ofType(r, 'AWS::Batch::JobDefinition')) {
        expect(jd.Properties.ContainerProperties.NetworkConfiguration).toEqual({ AssignPublicIp: 'DISABLED' });
      }
      const subnets = ofType(r, 'AWS::EC2::Subnet');
      for (const [, s] of subnets) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
      const privateSubnets = subnets.filter(([id]) => /Private/.test(id)).map(([id]) => ({ Ref: id }));
      for (const [, ce] of ofType(r, 'AWS::Batch::ComputeEnvironment')) {
        for (const s of ce.Properties.ComputeResources.Subnets) expect(privateSubnets).toContainEqual(s);
      }
    }
  },
  'S3 and DynamoDB gateway endpoints': () => {
    for (const r of [dev, prod]) {
      const services = ofType(r, 'AWS::EC2::VPCEndpoint').map(([, e]) => [e.Properties.VpcEndpointType, JSON.stringify(e.Properties.ServiceName).replace(/.*\.(\w+)"\]\]\}$/, '$1')]);
      expect(services.sort()).toEqual([['Gateway', 'dynamodb'], ['Gateway', 's3']]);
    }
  },
  'Workflows log at level `ALL`': () => {
    for (const r of [dev, prod]) {
      for (const [, sm] of stateMachines({ Resources: r })) {
        expect(sm.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
        expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
      }
    }
  },
  'Log groups kept 365 days': () => {
    for (const r of [dev, prod]) {
      const groups = ofType(r, 'AWS::Logs::LogGroup');
      expect(groups.length).toBeGreaterThan(2);
      for (const [, lg] of groups) expect([lg.Properties.RetentionInDays, lg.Properties.KmsKeyId]).toEqual([365, keyArn(r)]);
    }
  },
  'Every role the platform creates carries a customer-managed policy': () => {
    for (const r of [dev, prod]) {
      expect(ofType(r, 'AWS::IAM::Policy')).toEqual([]);
      for (const [id, role] of ofType(r, 'AWS::IAM::Role')) {
        const awsManaged = list(role.Properties.ManagedPolicyArns).filter(a => JSON.stringify(a).includes(':iam::aws:policy/'));
        // The one exception the row names: CDK's auto-delete provider, in dev only.
        if (r === dev && /^CustomS3AutoDeleteObjectsCustomResourceProviderRole/.test(id)) {
          expect(awsManaged.map(a => JSON.stringify(a))).toEqual([expect.stringContaining('AWSLambdaBasicExecutionRole')]);
          continue;
        }
        expect([id, awsManaged, role.Properties.Policies]).toEqual([id, [], undefined]);
      }
    }
    expect(ofType(prod, 'AWS::IAM::Role').some(([id]) => id.startsWith('CustomS3AutoDelete'))).toBe(false);
  },
  'No resource policy lets a service principal in without a condition': () => {
    for (const r of [dev, prod]) {
      const open = statements(r, 'resource').filter(({ statement: st }) => st.Effect === 'Allow' && st.Principal?.Service && !tied(st));
      expect(open.map(({ id, statement }) => `${id}: ${JSON.stringify(statement.Principal)}`)).toEqual([]);
      const logsStatement = r[keyId(r)].Properties.KeyPolicy.Statement.find((st: any) => JSON.stringify(st.Principal).includes('logs.'));
      const contexts = list(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']);
      // Exactly the platform's log groups, by name.
      expect(contexts).toHaveLength(ofType(r, 'AWS::Logs::LogGroup').length);
      const identity = statements(r, 'identity');
      for (const { id, statement: st } of identity.filter(s => list(s.statement.Action).some((a: string) => /^kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(a)))) {
        if (/^PlatformAlertPublishRole/.test(id)) continue; // the row's stated exception: CDK's grant for an encrypted topic
        expect([id, st.Condition?.StringEquals?.['kms:ViaService']]).toEqual([id, expect.anything()]);
      }
      const putMetric = identity.filter(({ statement }) => list(statement.Action).includes('cloudwatch:PutMetricData'));
      expect(putMetric.map(({ statement }) => statement.Condition)).toEqual([{ StringEquals: { 'cloudwatch:namespace': 'Sanders/BatchPlatform' } }]);
    }
    // A job with secrets gets an execution role of its own.
    const { stack } = platformStack({
      memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: 1 }],
      workflow: [{ name: 'a', tier: '2gb' }, { name: 'b', tier: '2gb' }],
    });
    const withSecrets = platformStack({
      memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: 1 }],
      workflow: [{ name: 'a', tier: '2gb', secrets: { S: secret('a') } }, { name: 'b', tier: '2gb', secrets: { S: secret('b') } }],
    });
    const roles = (s: Stack) => new Set(jobExecutionRoles(s));
    expect(roles(stack).size).toBe(1);
    expect(roles(withSecrets.stack).size).toBe(3); // one for the tier, one for each job with secrets
    // Jobs with the same secrets share one (a large workflow with a common secret stays within 500 resources).
    const shared = secret('same');
    const sameSecrets = platformStack({
      memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: 1 }],
      workflow: [{ name: 'a', tier: '2gb', secrets: { S: shared } }, { name: 'b', tier: '2gb', secrets: { S: shared } }],
    });
    expect(roles(sameSecrets.stack).size).toBe(2);
  },
  'Job roles: explicit actions': () => {
    for (const r of [dev, prod]) {
      const jobActions = statements(r, 'identity').filter(({ id }) => /^PlatformJobRole/.test(id)).flatMap(({ statement }) => list(statement.Action));
      expect(jobActions.length).toBeGreaterThan(5);
      expect(jobActions.filter((a: string) => a.includes('*'))).toEqual([]);
    }
  },
  'Synth-time validation of every prop': () => {
    const { stack } = platformStack();
    expect(() => new SandersBatchPlatform(stack, 'Second', { environment: 'Prod', namePrefix: 'x_', ...OWN_DATA_MODEL })).toThrow(/3 problems[\s\S]*stack outputs S3BucketName[\s\S]*environment 'Prod'[\s\S]*namePrefix 'x_'/);
    expect(stack.node.tryFindChild('Second')?.node.children ?? []).toEqual([]);
  },
};

function secret(name: string): batch.Secret {
  const { stack } = platformStack();
  return batch.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(stack, `S${name}`, `team/${name}`));
}

function jobExecutionRoles(stack: Stack): string[] {
  const jds = Template.fromStack(stack).findResources('AWS::Batch::JobDefinition');
  return Object.values(jds).map((jd: any) => JSON.stringify(jd.Properties.ContainerProperties.ExecutionRoleArn));
}

function securityRows(): string[] {
  const table = SECURITY_DOC.slice(SECURITY_DOC.indexOf('## What is on by default'), SECURITY_DOC.indexOf('## Running the rule packs'));
  return table.split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| Default |') && !l.startsWith('|---'))
    .map(l => l.slice(2, l.indexOf(' | ')));
}

describe('the Security table of docs/security.md, claim by claim', () => {
  test('every row has a check, and every check a row', () => {
    const rows = securityRows();
    expect(rows.length).toBeGreaterThan(15);
    const keys = Object.keys(CHECKS);
    expect(rows.filter(row => !keys.some(k => row.startsWith(k)))).toEqual([]);
    expect(keys.filter(k => !rows.some(row => row.startsWith(k)))).toEqual([]);
  });

  test.each(Object.keys(CHECKS))('holds: %s', (row) => {
    CHECKS[row]();
  });
});
