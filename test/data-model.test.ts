/**
 * Issue 24: a team with a prefix of its own gets no Sanders default by accident (workflow, table keys, metric
 * namespace, egress tag key), and one configuration deploys to several accounts and regions (GlobalNames).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { DefaultWorkflow, GlobalNames, SandersBatchPlatform, SandersBatchPlatformProps } from '../src';
import { platformStack, platformTemplate } from './util';

const STRING = AttributeType.STRING;
/** A second team, as the issue's check writes it: its own prefix, table keys and jobs. */
const TEAM: SandersBatchPlatformProps = {
  namePrefix: 'team-a',
  tablePartitionKey: { name: 'device_id', type: STRING },
  tableSortKey: { name: 'reading_time', type: AttributeType.NUMBER },
  workflow: [{ name: 'ingest', tier: '2gb' }, { name: 'report', tier: '8gb', dependsOn: ['ingest'] }],
};

describe('defaults only for the Sanders prefix', () => {
  test('fails when a team prefix gives neither workflow nor table keys, both in one report', () => {
    expect(() => platformStack({ namePrefix: 'team-a' })).toThrow(
      /\(2 problems\):\n {2}- workflow is not given: with namePrefix 'team-a' the platform runs only the jobs you list; give workflow: .*DefaultWorkflow\.jobs\(\).*\n {2}- tablePartitionKey is not given: with namePrefix 'team-a' the table's key schema is yours/);
  });

  test('a team bringing its table gives no keys, and DefaultWorkflow.jobs() is one call away', () => {
    const app = new App();
    const stack = new Stack(app, 'Team', { env: { account: '123456789012', region: 'eu-central-1' } });
    const existingTable = Table.fromTableName(stack, 'Features', 'team_features');
    const platform = new SandersBatchPlatform(stack, 'Platform', { namePrefix: 'team-a', environment: 'prod', workflow: DefaultWorkflow.jobs(), existingTable });
    expect(platform.table.tableName).toBe('team_features');
    // The only table the platform creates is its own table of date claims (one active run per date), with its key.
    const tables = Template.fromStack(stack).findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toEqual([expect.stringMatching(/^PlatformRunClaimTable[0-9A-F]{8}$/)]);
    expect(Object.values(tables)[0].Properties.KeySchema).toEqual([{ AttributeName: 'date', KeyType: 'HASH' }]);
  });

  test('the Sanders prefix keeps the Python app\'s keys, namespace and tag key', () => {
    const template = platformTemplate({ environment: 'dev' });
    // The Python app's table (issue 24: `customer_id`/`date`, both strings) and namespace `Sanders/BatchPlatform`.
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'customer_id', KeyType: 'HASH' }, { AttributeName: 'date', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'customer_id', AttributeType: 'S' }, { AttributeName: 'date', AttributeType: 'S' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Sanders/BatchPlatform', MetricName: 'JobsStuckRunnable' });
    expect(JSON.stringify(template.toJSON())).toContain('sanders:on-demand-egress-vpc');
  });
});

describe('a team\'s own data model', () => {
  test.each(['dev', 'prod'])('no sanders anywhere in the %s template', environment => {
    const text = JSON.stringify(platformTemplate({ ...TEAM, environment }).toJSON());
    expect(text.match(/sanders/gi) ?? []).toEqual([]);
  });

  test('the table has the team\'s keys and types', () => {
    platformTemplate(TEAM).hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'device_id', KeyType: 'HASH' }, { AttributeName: 'reading_time', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'device_id', AttributeType: 'S' }, { AttributeName: 'reading_time', AttributeType: 'N' }],
    });
  });

  test('a partition key alone makes a table without sort key', () => {
    const template = platformTemplate({ ...TEAM, tableSortKey: undefined });
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'device_id', KeyType: 'HASH' }] });
  });

  test('the metric namespace and the egress tag key follow the prefix', () => {
    const template = platformTemplate({ ...TEAM, environment: 'dev' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'TeamA/BatchPlatform', MetricName: 'JobsStuckRunnable' });
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('"cloudwatch:namespace":"TeamA/BatchPlatform"');
    expect(text).toContain('aws:RequestTag/team-a:on-demand-egress-vpc');
    expect(text).toContain('ec2:ResourceTag/team-a:on-demand-egress-vpc');
  });

  test('metricNamespace replaces the default namespace, also on the construct\'s metric', () => {
    const { stack, platform } = platformStack({ ...TEAM, metricNamespace: 'Analytics/Jobs' });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Analytics/Jobs' });
    expect(platform.metricJobsStuckRunnable().namespace).toBe('Analytics/Jobs');
  });

  test('fails when an existing table of the app has other keys than the given ones', () => {
    const app = new App();
    const stack = new Stack(app, 'Team', { env: { account: '123456789012', region: 'eu-central-1' } });
    const existingTable = new Table(stack, 'Features', { partitionKey: { name: 'device_id', type: STRING } });
    expect(() => new SandersBatchPlatform(stack, 'Platform', { ...TEAM, existingTable })).toThrow(
      /existingTable Team\/Features has partition key device_id \(S\), sort key none \(-\): the platform's jobs read and write items by partition key 'device_id' and sort key 'reading_time', of types S and N/);
    expect(() => new SandersBatchPlatform(new Stack(app, 'Other', { env: { account: '123456789012', region: 'eu-central-1' } }), 'Platform', { ...TEAM, tableSortKey: undefined, existingTable })).not.toThrow();
  });

  test.each<[string, SandersBatchPlatformProps, RegExp]>([
    ['a sort key comes without partition key', { tableSortKey: { name: 'date', type: STRING } }, /tableSortKey is given without tablePartitionKey/],
    ['a key type is not a scalar', { tablePartitionKey: { name: 'id', type: 'L' as AttributeType } }, /tablePartitionKey type "L" is not valid: use AttributeType.STRING, NUMBER or BINARY/],
    ['a key name is empty', { tablePartitionKey: { name: '', type: STRING } }, /tablePartitionKey name "" is not valid: DynamoDB key attribute names have 1-255 characters/],
    ['a key name is longer than 255 characters', { tablePartitionKey: { name: 'k'.repeat(256), type: STRING } }, /tablePartitionKey name "k{256}" is not valid/],
    ['a key is a string', { tablePartitionKey: 'customer_id' as any }, /tablePartitionKey "customer_id" is not an attribute/],
    ['both keys have one name', { tablePartitionKey: { name: 'id', type: STRING }, tableSortKey: { name: 'id', type: STRING } }, /tablePartitionKey and tableSortKey are both 'id'/],
    ['the namespace is AWS\'s', { metricNamespace: 'AWS/Batch' }, /metricNamespace "AWS\/Batch" is not valid/],
    ['the namespace starts with a colon', { metricNamespace: ':team' }, /metricNamespace ":team" is not valid/],
    ['the namespace is empty', { metricNamespace: '' }, /metricNamespace "" is not valid/],
    ['the namespace is longer than 255 characters', { metricNamespace: 'n'.repeat(256) }, /metricNamespace "n{256}" is not valid/],
    ['the namespace has a control character', { metricNamespace: 'Team\nA' }, /metricNamespace "Team\\nA" is not valid/],
  ])('fails when %s', (_, props, message) => {
    expect(() => platformStack(props)).toThrow(message);
  });

  test('accepts a namespace of 255 characters', () => {
    expect(() => platformStack({ metricNamespace: 'n'.repeat(255) })).not.toThrow();
  });
});

describe('one configuration in two accounts and two regions', () => {
  const accounts = ['111111111111', '222222222222'];
  const regions = ['eu-central-1', 'us-east-1'];

  /** The data bucket names of one configuration, synthesized in one app for every account and region. */
  function bucketNames(props: SandersBatchPlatformProps): string[] {
    const app = new App();
    const stacks = accounts.flatMap(account => regions.map(region =>
      new Stack(app, `Platform-${account}-${region}`, { env: { account, region } })));
    for (const stack of stacks) new SandersBatchPlatform(stack, 'Platform', { ...props, createOutputs: false });
    return stacks.flatMap(stack => Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))
      .map(bucket => bucket.Properties.BucketName).filter((name): name is string => typeof name === 'string'));
  }

  test('GlobalNames.PER_ACCOUNT_AND_REGION: no global name twice', () => {
    const names = bucketNames({ ...TEAM, environment: 'prod', globalNames: GlobalNames.PER_ACCOUNT_AND_REGION });
    expect(names).toEqual([
      'team-a-customer-platform-prod-111111111111-eu-central-1',
      'team-a-customer-platform-prod-111111111111-us-east-1',
      'team-a-customer-platform-prod-222222222222-eu-central-1',
      'team-a-customer-platform-prod-222222222222-us-east-1',
    ]);
  });

  test('fails by default: the fixed name is one global name for all four', () => {
    expect(() => bucketNames({ ...TEAM, environment: 'prod' })).toThrow(/bucket name 'team-a-customer-platform-prod' \(unique in every account\) is already used by platform 'Platform-111111111111-eu-central-1\/Platform'/);
  });

  test('the default keeps the name of an existing configuration', () => {
    platformTemplate({ environment: 'prod' }).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'sanders-customer-platform-prod' });
  });

  test('fails when the stack has no account or region', () => {
    const stack = new Stack(new App(), 'Anywhere');
    expect(() => new SandersBatchPlatform(stack, 'Platform', { globalNames: GlobalNames.PER_ACCOUNT_AND_REGION }))
      .toThrow(/globalNames PER_ACCOUNT_AND_REGION needs the account and region of stack 'Anywhere' at synth, and they are not known: give the stack env/);
  });

  test('fails when bucketName is given too', () => {
    expect(() => platformStack({ globalNames: GlobalNames.PER_ACCOUNT_AND_REGION, bucketName: 'my-data' }))
      .toThrow(/globalNames PER_ACCOUNT_AND_REGION and bucketName are both given/);
  });

  test('fails when the name with account and region is longer than S3 allows', () => {
    // 20 + 19 + 16 characters before `-123456789012-eu-central-1` (26): 81, over S3's 63.
    expect(() => platformStack({ ...TEAM, namePrefix: 'a'.repeat(20), environment: 'e'.repeat(16), globalNames: GlobalNames.PER_ACCOUNT_AND_REGION }))
      .toThrow(/bucket name 'a{20}-customer-platform-e{16}-123456789012-eu-central-1' is not valid/);
  });

  test('fails when globalNames is not one of its values', () => {
    expect(() => platformStack({ globalNames: 'UNIQUE' as GlobalNames })).toThrow(/globalNames "UNIQUE" is not valid: use GlobalNames.FIXED or GlobalNames.PER_ACCOUNT_AND_REGION/);
  });
});
