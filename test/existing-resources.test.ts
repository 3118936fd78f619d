/**
 * Bring your own bucket, table and KMS key (`existingBucket`, `existingTable`, `existingEncryptionKey`): the platform
 * creates none of its own, grants, job roles and outputs use the given ones, and each is exclusive with the props
 * that only shape a created resource.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { dataTables, logicalIdOf } from './util';
import { policyStatements } from '../scripts/lib/templates';
import { SandersBatchPlatform, SandersBatchPlatformProps } from '../src';

function stackWith(props: (stack: Stack) => SandersBatchPlatformProps): { stack: Stack; platform: SandersBatchPlatform; template: Template } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-central-1' } });
  const platform = new SandersBatchPlatform(stack, 'Platform', { environment: 'prod', ...props(stack) });
  return { stack, platform, template: Template.fromStack(stack) };
}

/** Every statement of the job role's policies. */
function jobRoleStatements(template: Template, platform: SandersBatchPlatform): any[] {
  return policyStatements(template.toJSON(), logicalIdOf(platform.jobRole));
}

describe('existingBucket', () => {
  const { stack, platform, template } = stackWith(s => ({
    existingBucket: s3.Bucket.fromBucketAttributes(s, 'Data', { bucketName: 'team-data', encryptionKey: kms.Key.fromKeyArn(s, 'DataKey', 'arn:aws:kms:eu-central-1:123456789012:key/team') }),
  }));

  test('creates no data bucket and no access-log bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(platform.bucket.bucketName).toBe('team-data');
  });

  test('jobs, outputs and grants use the given bucket and its key', () => {
    const statements = JSON.stringify(jobRoleStatements(template, platform));
    expect(statements).toContain(':s3:::team-data/*');
    expect(jobRoleStatements(template, platform)).toEqual(expect.arrayContaining([expect.objectContaining({
      Resource: 'arn:aws:kms:eu-central-1:123456789012:key/team',
      Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-central-1.amazonaws.com'] } },
    })]));
    expect(template.toJSON().Outputs.S3BucketName.Value).toBe('team-data');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(JSON.stringify(stack.resolve(platform.grantReadData(role).principalStatements.map(st => st.toStatementJson())))).toContain('team-data');
  });

  test('still creates the table, key and repository', () => {
    expect(dataTables(template)).toEqual([expect.stringMatching(/^PlatformFeaturesTable/)]);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::ECR::Repository', 1);
  });
});

describe('existingTable', () => {
  test('creates no table and no backup plan; jobs and outputs use the given table', () => {
    const { platform, template } = stackWith(s => ({ existingTable: dynamodb.Table.fromTableName(s, 'Features', 'team_features') }));
    expect(dataTables(template)).toEqual([]);
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
    template.resourceCountIs('AWS::Backup::BackupVault', 0);
    expect(template.toJSON().Outputs.DynamoDBTableName.Value).toBe('team_features');
    expect(JSON.stringify(jobRoleStatements(template, platform))).toContain(':table/team_features');
  });

  test('takes a table of the same app with the expected key schema', () => {
    const { template } = stackWith(s => ({
      existingTable: new dynamodb.TableV2(s, 'Features', {
        partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
      }),
    }));
    expect(dataTables(template)).toEqual([]);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  });

  test('fails when a table of the same app has another key schema', () => {
    expect(() => stackWith(s => ({ existingTable: new dynamodb.Table(s, 'Features', { partitionKey: { name: 'id', type: dynamodb.AttributeType.NUMBER } }) })))
      .toThrow(/existingTable TestStack\/Features has partition key id \(N\), sort key none \(-\): the platform's jobs read and write items by partition key 'customer_id' and sort key 'date', both strings/);
  });

  test('fails when a TableV2 of the same app has another key schema (its attributes are a token until synth)', () => {
    expect(() => stackWith(s => ({
      existingTable: new dynamodb.TableV2(s, 'Features', {
        partitionKey: { name: 'customer_id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'day', type: dynamodb.AttributeType.NUMBER },
      }),
    }))).toThrow(/existingTable TestStack\/Features has partition key customer_id \(S\), sort key day \(N\)/);
  });
});

describe('what a refused destroy names when the team brings resources', () => {
  test('names neither the team\'s key nor its bucket or table, only what the platform would delete', () => {
    let message = '';
    try {
      stackWith(s => ({
        environment: 'prod',
        removalPolicy: RemovalPolicy.DESTROY,
        existingEncryptionKey: kms.Key.fromKeyArn(s, 'TeamKey', 'arn:aws:kms:eu-central-1:123456789012:key/team'),
        existingBucket: s3.Bucket.fromBucketName(s, 'Data', 'team-data'),
      }));
    } catch (e) {
      message = (e as Error).message;
    }
    // The default prod names (README, "What it creates").
    expect(message).toMatch(/removing the stack would delete the table sanders_daily_customer_features_prod \(only a 35-day system backup is left\), the image repository sanders-customer-platform-prod, the log groups;/);
    expect(message).not.toMatch(/KMS key|the bucket/);
  });
});

describe('an encryption key made symmetric by its spec but not for encryption', () => {
  test('is refused (a usage set through the L1 escape hatch)', () => {
    expect(() => stackWith(s => {
      const key = new kms.Key(s, 'TeamKey');
      (key.node.defaultChild as kms.CfnKey).keyUsage = 'SIGN_VERIFY';
      return { existingEncryptionKey: key };
    })).toThrow(/existingEncryptionKey TestStack\/TeamKey is a SYMMETRIC_DEFAULT key for SIGN_VERIFY: /);
  });
});

describe('existingTable of the same app: each key that differs from the jobs\' is refused', () => {
  const { STRING: S, NUMBER: N } = dynamodb.AttributeType;
  const key = (name: string, type: dynamodb.AttributeType) => ({ name, type });
  // The default data model (README, "Data model"): partition key customer_id and sort key date, both strings.
  test.each<[string, dynamodb.TableProps['partitionKey'], dynamodb.TableProps['sortKey'], string]>([
    ['the partition key is a number', key('customer_id', N), key('date', S), 'partition key customer_id \\(N\\), sort key date \\(S\\)'],
    ['the sort key is a number', key('customer_id', S), key('date', N), 'partition key customer_id \\(S\\), sort key date \\(N\\)'],
    ['the sort key has another name', key('customer_id', S), key('day', S), 'partition key customer_id \\(S\\), sort key day \\(S\\)'],
    ['the sort key is missing', key('customer_id', S), undefined, 'partition key customer_id \\(S\\), sort key none \\(-\\)'],
    ['the partition key has another name', key('customer', S), key('date', S), 'partition key customer \\(S\\), sort key date \\(S\\)'],
  ])('%s', (_what, partitionKey, sortKey, has) => {
    expect(() => stackWith(s => ({ existingTable: new dynamodb.Table(s, 'Features', { partitionKey: partitionKey!, sortKey }) })))
      .toThrow(new RegExp(`existingTable TestStack/Features has ${has}: the platform's jobs read and write items by partition key 'customer_id' and sort key 'date', both strings`));
  });

  test('a table with a sort key is refused where the team\'s data model has none', () => {
    const props = { namePrefix: 'team-a', workflow: [{ name: 'daily', tier: '2gb' }], tablePartitionKey: key('device_id', S) };
    expect(() => stackWith(s => ({ ...props, existingTable: new dynamodb.Table(s, 'Features', { partitionKey: key('device_id', S), sortKey: key('at', N) }) })))
      .toThrow(/existingTable TestStack\/Features has partition key device_id \(S\), sort key at \(N\): the platform's jobs read and write items by partition key 'device_id' \(S\) and no sort key/);
    expect(() => stackWith(s => ({ ...props, existingTable: new dynamodb.Table(s, 'Features', { partitionKey: key('device_id', S) }) }))).not.toThrow();
  });
});

describe('existingEncryptionKey', () => {
  test('creates no key and encrypts what the platform creates with the given one', () => {
    const { template } = stackWith(s => ({ existingEncryptionKey: new kms.Key(s, 'TeamKey', { enableKeyRotation: true }) }));
    template.resourceCountIs('AWS::KMS::Key', 1);
    const [keyId, key] = Object.entries(template.findResources('AWS::KMS::Key'))[0];
    expect(keyId).toMatch(/^TeamKey/);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'sanders-customer-platform-prod',
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } })] },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: Match.objectLike({ KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } }) });
    // CloudWatch Logs may use a key of the same app for the platform's log groups; the deny of grants is not imposed on it.
    const statements = JSON.stringify(key.Properties.KeyPolicy.Statement);
    expect(statements).toContain('logs.eu-central-1.amazonaws.com');
    expect(statements).not.toContain('DenyGrantsExceptToAwsServices');
  });

  test('takes an imported key, whose policy it cannot change', () => {
    const { template } = stackWith(s => ({ existingEncryptionKey: kms.Key.fromKeyArn(s, 'TeamKey', 'arn:aws:kms:eu-central-1:123456789012:key/team') }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: Match.objectLike({ KMSMasterKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/team' }) });
  });
});

describe('bring your own, exclusive props', () => {
  const bucket = (s: Stack) => s3.Bucket.fromBucketName(s, 'Data', 'team-data');
  const table = (s: Stack) => dynamodb.Table.fromTableName(s, 'Features', 'team_features');
  test.each<[string, (s: Stack) => SandersBatchPlatformProps, RegExp]>([
    ['existingBucket comes with bucketName', s => ({ existingBucket: bucket(s), bucketName: 'other' }), /existingBucket and bucketName are both given: .*leave out bucketName \(the bucket keeps its own name\)/],
    ['existingBucket comes with versioned', s => ({ existingBucket: bucket(s), versioned: true }), /existingBucket and versioned are both given: versioned only shapes a resource the platform creates/],
    ['existingTable comes with tableName', s => ({ existingTable: table(s), tableName: 'other' }), /existingTable and tableName are both given/],
    ['existingTable comes with pointInTimeRecovery', s => ({ existingTable: table(s), pointInTimeRecovery: true }), /existingTable and pointInTimeRecovery are both given/],
    ['existingTable comes with deletionProtection', s => ({ existingTable: table(s), deletionProtection: false }), /existingTable and deletionProtection are both given/],
    ['existingTable comes with backupPlan true', s => ({ existingTable: table(s), backupPlan: true }), /existingTable and backupPlan are both given: .*back your table up with a plan of your own/],
    ['existingBucket is a bucket name', () => ({ existingBucket: 'team-data' as any }), /existingBucket must be a construct, got the string 'team-data': give an s3\.IBucket/],
    ['existingEncryptionKey is an asymmetric signing key', s => ({ existingEncryptionKey: new kms.Key(s, 'SignKey', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY }) }),
      /existingEncryptionKey TestStack\/SignKey is a RSA_2048 key for SIGN_VERIFY: .*bring a key with keySpec KeySpec\.SYMMETRIC_DEFAULT and keyUsage KeyUsage\.ENCRYPT_DECRYPT/],
    ['existingEncryptionKey is an HMAC key', s => ({ existingEncryptionKey: new kms.Key(s, 'MacKey', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC }) }),
      /existingEncryptionKey TestStack\/MacKey is a HMAC_256 key for GENERATE_VERIFY_MAC/],
    ['existingBucket is a table', s => ({ existingBucket: table(s) as any }), /existingBucket TestStack\/Features has no bucketArn: give an s3\.IBucket such as s3\.Bucket\.fromBucketName/],
    ['existingTable is a bucket', s => ({ existingTable: bucket(s) as any }), /existingTable TestStack\/Data has no tableArn: give a dynamodb\.ITable/],
    ['existingEncryptionKey is a key ARN', () => ({ existingEncryptionKey: 'arn:aws:kms:eu-central-1:1:key/x' as any }), /existingEncryptionKey must be a construct, got the string .*: give a kms\.IKey/],
  ])('fails when %s', (_what, props, message) => {
    expect(() => stackWith(props)).toThrow(message);
  });

  test('accepts backupPlan false with a table of one\'s own', () => {
    expect(() => stackWith(s => ({ existingTable: table(s), backupPlan: false }))).not.toThrow();
  });

  test('keeps a backup plan in a destroyed environment when the team brings the key: the backups stay restorable', () => {
    // Refused with the platform's own key (invalid-input.test.ts: the key is deleted with the stack); a team's key
    // outlives the stack, so its backups can still be decrypted.
    const { template } = stackWith(s => ({
      environment: 'dev',
      backupPlan: true,
      existingEncryptionKey: kms.Key.fromKeyArn(s, 'TeamKey', 'arn:aws:kms:eu-central-1:123456789012:key/team'),
    }));
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});
