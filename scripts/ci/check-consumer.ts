/**
 * Checks the templates a consumer app (TypeScript, Python, Java, Go) synthesized from the installed package, with the
 * template readers the tests use (scripts/lib/templates.ts):
 *   - `SandersCustomerPlatformStack-<env>`, the platform with default props: the Python app's six outputs, bucket,
 *     table and job queue names, the 2/8/16 GiB job definitions, the default workflow's jobs, and dev/prod deletion
 *     policies;
 *   - the app's own custom stack, where it has one (tiers, jobs, names, the team's table keys, no `sanders` anywhere:
 *     `CUSTOM` below);
 *   - `OwnResourcesPlatformStack-<env>`, the stack every consumer app builds on the same newer props and methods, each
 *     in its own language (`ownResourcesProblems`).
 * Usage (from any directory): ts-node -P <repo>/tsconfig.dev.json <repo>/scripts/ci/check-consumer.ts <consumer> <cdk.out dir> <environment>
 * with <consumer> one of consumer-typescript, consumer-python, consumer-java, consumer-go. Exits 1 listing what failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { jobDefinitionMemory, policyStatements, resourcesOfType, stateMachines, submittedJobNames, TemplateJson } from '../lib/templates';

interface CustomStack {
  readonly stack: string;
  readonly environments: string[];
  readonly bucket: string;
  readonly tiersMiB: number[];
  readonly jobs: string[];
  /** The table's key schema the app gives (`tablePartitionKey`, `tableSortKey`): name and attribute type, hash first. */
  readonly keys: Array<[string, 'S' | 'N' | 'B']>;
  /** Only the TypeScript app's: job definitions in all, ARM64 tiers, an array job, the six outputs. */
  readonly jobDefinitions?: number;
  readonly arm64MiB?: number[];
  readonly arrayJob?: boolean;
}

interface Consumer {
  readonly custom?: CustomStack;
  /** The name prefix and the table class of its `OwnResourcesPlatformStack`. */
  readonly ownPrefix: string;
  readonly ownTable: 'Table' | 'TableV2';
}

const CONSUMERS: { [name: string]: Consumer } = {
  'consumer-typescript': {
    custom: {
      stack: 'AnalyticsPlatformStack',
      environments: ['dev'],
      bucket: 'analytics-customer-platform',
      tiersMiB: [2048, 30720],
      jobs: ['ingest', 'report', 'score'],
      keys: [['account_id', 'S'], ['event_time', 'N']],
      jobDefinitions: 3,
      arm64MiB: [30720],
      arrayJob: true,
    },
    ownPrefix: 'ts-own',
    ownTable: 'Table',
  },
  'consumer-python': { ownPrefix: 'py-own', ownTable: 'TableV2' },
  'consumer-java': {
    custom: { stack: 'ReportingPlatformStack', environments: ['dev', 'prod'], bucket: 'reporting-customer-platform', tiersMiB: [2048, 30720], jobs: ['aggregate', 'extract'], keys: [['report_id', 'S']] },
    ownPrefix: 'java-own',
    ownTable: 'TableV2',
  },
  'consumer-go': {
    custom: { stack: 'GoTeamPlatformStack', environments: ['dev', 'prod'], bucket: 'go-team-customer-platform', tiersMiB: [2048, 16384], jobs: ['a', 'b', 'c', 'd'], keys: [['item', 'S'], ['day', 'S']] },
    ownPrefix: 'go-own',
    ownTable: 'Table',
  },
};

const ORIGINAL_OUTPUTS = ['S3BucketName', 'DynamoDBTableName', 'ECRRepositoryURI', 'VPCId', 'BatchJobQueueName', 'StepFunctionsStateMachineARN'];
const text = (x: unknown) => JSON.stringify(x);
const list = (x: unknown): any[] => (Array.isArray(x) ? x : [x]);

/** Collects what failed, so one run reports every problem of a template. */
class Problems {
  public readonly all: string[] = [];
  constructor(private readonly where: string) {}
  public check(ok: boolean, problem: string): boolean {
    if (!ok) this.all.push(`${this.where}: ${problem}`);
    return ok;
  }
}

function load(outDir: string, stack: string): TemplateJson & { Outputs?: { [key: string]: any } } {
  return JSON.parse(fs.readFileSync(path.resolve(outDir, `${stack}.template.json`), 'utf8'));
}

const tiersOf = (t: TemplateJson) => [...new Set(resourcesOfType(t, 'AWS::Batch::JobDefinition').map(([, r]) => jobDefinitionMemory(r)))].sort((a, b) => a - b);
const named = (t: TemplateJson, type: string, key: string, value: string) =>
  resourcesOfType(t, type).filter(([, r]) => r.Properties?.[key] === value);

function defaultStackProblems(outDir: string, env: string, p: Problems): string {
  const t = load(outDir, `SandersCustomerPlatformStack-${env}`);
  const missing = ORIGINAL_OUTPUTS.filter(k => !(k in (t.Outputs ?? {})));
  p.check(missing.length === 0, `misses the outputs ${missing}`);
  p.check(isDeepStrictEqual(tiersOf(t), [2048, 8192, 16384]), `tiers are ${tiersOf(t)} MiB, expected 2048, 8192, 16384`);
  p.check(isDeepStrictEqual(submittedJobNames(t), ['data-processing', 'feature-extraction', 'model-training']), `the workflow submits ${submittedJobNames(t)}`);
  const policy = env === 'dev' ? 'Delete' : 'Retain';
  for (const [type, key, name] of [
    ['AWS::S3::Bucket', 'BucketName', `sanders-customer-platform-${env}`],
    ['AWS::DynamoDB::Table', 'TableName', `sanders_daily_customer_features_${env}`],
  ]) {
    const found = named(t, type, key, name);
    if (p.check(found.length === 1, `${found.length} ${type} named ${name}, expected one`)) {
      p.check(found[0][1].DeletionPolicy === policy, `${name} has deletion policy ${found[0][1].DeletionPolicy}, expected ${policy}`);
    }
  }
  p.check(named(t, 'AWS::Batch::JobQueue', 'JobQueueName', `sanders-batch-queue-${env}`).length === 1, `no job queue sanders-batch-queue-${env}`);
  return `default stack ${Object.keys(t.Resources ?? {}).length} resources, tiers ${tiersOf(t)} MiB`;
}

function customStackProblems(outDir: string, env: string, c: CustomStack, p: Problems): string {
  const t = load(outDir, `${c.stack}-${env}`);
  const definitions = resourcesOfType(t, 'AWS::Batch::JobDefinition');
  p.check(isDeepStrictEqual(tiersOf(t), c.tiersMiB), `${c.stack}: tiers are ${tiersOf(t)} MiB, expected ${c.tiersMiB}`);
  p.check(isDeepStrictEqual(submittedJobNames(t), c.jobs), `${c.stack}: the workflow submits ${submittedJobNames(t)}, expected ${c.jobs}`);
  p.check(named(t, 'AWS::S3::Bucket', 'BucketName', `${c.bucket}-${env}`).length === 1, `${c.stack}: no bucket ${c.bucket}-${env}`);
  // A team of its own: its table keys, and no Sanders name, tag key or namespace anywhere (issue 24).
  const tables = resourcesOfType(t, 'AWS::DynamoDB::Table').filter(([, r]) => String(r.Properties?.TableName).endsWith(`_daily_customer_features_${env}`));
  const keyType = (r: any, name: string) => list(r.Properties.AttributeDefinitions ?? []).find((d: any) => d.AttributeName === name)?.AttributeType;
  const keys = tables.map(([, r]) => list(r.Properties.KeySchema).map((k: any) => [k.AttributeName, keyType(r, k.AttributeName)]));
  p.check(isDeepStrictEqual(keys, [c.keys]), `${c.stack}: the table's keys are ${text(keys)}, expected ${text(c.keys)}`);
  const sanders = JSON.stringify(t).match(/sanders/gi) ?? [];
  p.check(sanders.length === 0, `${c.stack}: names sanders ${sanders.length} time(s), a team of its own must find none`);
  if (c.jobDefinitions !== undefined) p.check(definitions.length === c.jobDefinitions, `${c.stack}: ${definitions.length} job definitions, expected ${c.jobDefinitions}`);
  if (c.arm64MiB !== undefined) {
    const arm = definitions.filter(([, r]) => r.Properties.ContainerProperties.RuntimePlatform?.CpuArchitecture === 'ARM64').map(([, r]) => jobDefinitionMemory(r));
    p.check(isDeepStrictEqual(arm, c.arm64MiB), `${c.stack}: ARM64 job definitions have ${arm} MiB, expected ${c.arm64MiB}`);
  }
  if (c.arrayJob) p.check(text(stateMachines(t)).includes('ArrayProperties'), `${c.stack}: the workflow lost its array job`);
  const missing = ORIGINAL_OUTPUTS.filter(k => !(k in (t.Outputs ?? {})));
  p.check(missing.length === 0, `${c.stack}: misses the outputs ${missing}`);
  return `${c.stack} tiers ${tiersOf(t)} MiB, jobs ${submittedJobNames(t)}`;
}

/**
 * `OwnResourcesPlatformStack-<env>`:
 *   - existingBucket, existingTable, existingEncryptionKey: the team's bucket `<prefix>-own-data-<env>`, table
 *     `<prefix>_own_features_<env>` and one KMS key are used as they are: no bucket, data table, key or backup plan of
 *     the platform's, its outputs name the team's bucket and table, and what it creates is encrypted with the key;
 *   - dataSafety RETAINED in dev and DISPOSABLE (acknowledgeDisposableProd) in prod, the opposite of the defaults;
 *   - schedule: a ScheduleExpression at 02:30 Europe/Berlin, starting `stateMachine`; `jobWorkflow` inside it in dev;
 *   - an alarm on each metric method, the run duration one over 1 hour's maximum;
 *   - grantReadData: the team's AnalystRole reads the bucket, the table and the key and writes nothing;
 *   - images: tier `small` from `ContainerImage.fromAsset('job-image')` (an entry of the asset manifest), job
 *     `train` from a registry with a job definition of its own, tier `large` from the platform's repository.
 */
function ownResourcesProblems(outDir: string, env: string, who: Consumer, p: Problems): string {
  const stack = `OwnResourcesPlatformStack-${env}`;
  const { ownPrefix: prefix, ownTable: tableClass } = who;
  const t = load(outDir, stack);
  const outputs = t.Outputs ?? {};
  const output = (key: string) => outputs[key]?.Value;
  const one = (type: string, what: string, test: (r: any, id: string) => boolean = () => true): [string, any] => {
    const found = resourcesOfType(t, type).filter(([id, r]) => test(r, id));
    p.check(found.length === 1, `${found.length} ${type} (${what}), expected one: ${found.map(([id]) => id)}`);
    return found[0] ?? ['', { Properties: {} }];
  };

  const [keyId, key] = one('AWS::KMS::Key', 'the team\'s key, none of the platform\'s');
  const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
  const services = list(key.Properties.KeyPolicy?.Statement ?? []).map((s: any) => text(s.Principal?.Service ?? ''));
  p.check(services.some(s => /logs\./.test(s)), 'the key policy has no statement for CloudWatch Logs (the platform adds it to a key of the same app)');
  p.check(services.some(s => s.includes('cloudwatch.amazonaws.com')), 'the key policy has no statement for CloudWatch alarms');
  const [bucketId] = one('AWS::S3::Bucket', `only the team's, ${prefix}-own-data-${env}`, r => r.Properties.BucketName === `${prefix}-own-data-${env}`);
  p.check(resourcesOfType(t, 'AWS::S3::Bucket').length === 1, 'the platform created a bucket next to existingBucket');
  const tableType = tableClass === 'Table' ? 'AWS::DynamoDB::Table' : 'AWS::DynamoDB::GlobalTable';
  const [tableId] = one(tableType, `the team's ${tableClass}`, r => r.Properties.TableName === `${prefix}_own_features_${env}`);
  const platformTables = [...resourcesOfType(t, 'AWS::DynamoDB::Table'), ...resourcesOfType(t, 'AWS::DynamoDB::GlobalTable')]
    .filter(([, r]) => r.Properties.TableName === `${prefix}_daily_customer_features_${env}`);
  p.check(platformTables.length === 0, 'the platform created its own data table next to existingTable');
  p.check(resourcesOfType(t, 'AWS::Backup::BackupPlan').length === 0, 'a backup plan for a table the platform did not create');
  p.check(isDeepStrictEqual(output('S3BucketName'), { Ref: bucketId }), `S3BucketName is ${text(output('S3BucketName'))}, not the team's bucket`);
  p.check(isDeepStrictEqual(output('DynamoDBTableName'), { Ref: tableId }), `DynamoDBTableName is ${text(output('DynamoDBTableName'))}, not the team's table`);
  const [repositoryId, repository] = one('AWS::ECR::Repository', 'the platform\'s');
  p.check(isDeepStrictEqual(repository.Properties.EncryptionConfiguration?.KmsKey, keyArn), 'the repository is not encrypted with the team\'s key');
  const logGroups = resourcesOfType(t, 'AWS::Logs::LogGroup');
  for (const [id, r] of logGroups) p.check(isDeepStrictEqual(r.Properties.KmsKeyId, keyArn), `log group ${id} is not encrypted with the team's key`);
  const [topicId, topic] = one('AWS::SNS::Topic', 'the alert topic');
  p.check(isDeepStrictEqual(topic.Properties.KmsMasterKeyId, keyArn), 'the alert topic is not encrypted with the team\'s key');

  // dataSafety, the opposite of the environment's default.
  const policy = env === 'dev' ? 'Retain' : 'Delete';
  for (const [id, r] of [[repositoryId, repository], ...logGroups]) {
    p.check(r.DeletionPolicy === policy, `${id} has deletion policy ${r.DeletionPolicy}, expected ${policy} (dataSafety ${env === 'dev' ? 'RETAINED' : 'DISPOSABLE'})`);
  }
  p.check(Boolean(repository.Properties.EmptyOnDelete) === (env !== 'dev'), `the repository's EmptyOnDelete is ${repository.Properties.EmptyOnDelete}`);

  // stateMachine, jobWorkflow and the schedule.
  const startRuns = output('StartRunsWith');
  p.check(isDeepStrictEqual(output('StepFunctionsStateMachineARN'), startRuns), 'stateMachine is not the StepFunctionsStateMachineARN output');
  p.check(isDeepStrictEqual(output('JobWorkflow'), startRuns) === (env !== 'dev'),
    `jobWorkflow ${text(output('JobWorkflow'))} vs stateMachine ${text(startRuns)}: expected ${env === 'dev' ? 'two state machines (run workflow and job workflow)' : 'the same one'}`);
  const [, schedule] = one('AWS::Scheduler::Schedule', 'the platform\'s');
  const s = schedule.Properties;
  p.check(s.ScheduleExpression === 'cron(30 2 * * ? *)' && s.ScheduleExpressionTimezone === 'Europe/Berlin',
    `schedule ${s.ScheduleExpression} ${s.ScheduleExpressionTimezone}, expected cron(30 2 * * ? *) Europe/Berlin`);
  p.check(isDeepStrictEqual(s.Target?.Arn, startRuns), `the schedule starts ${text(s.Target?.Arn)}, not stateMachine`);

  // An alarm on each metric method.
  const dimension = (props: any, name: string) => list(props.Dimensions ?? []).find((d: any) => d.Name === name)?.Value;
  const alarm = (name: string, namespace: string, metric: string) => {
    const [, a] = one('AWS::CloudWatch::Alarm', name, r => r.Properties.AlarmName === `${prefix}-${name}-${env}`);
    const props = a.Properties;
    p.check(props.Namespace === namespace && props.MetricName === metric, `alarm ${name} is on ${props.Namespace} ${props.MetricName}, expected ${namespace} ${metric}`);
    p.check(isDeepStrictEqual(props.AlarmActions, [{ Ref: topicId }]), `alarm ${name} does not tell the platform's alert topic`);
    return props;
  };
  for (const [name, metric] of [['failed-runs', 'ExecutionsFailed'], ['slow-runs', 'ExecutionTime']]) {
    p.check(isDeepStrictEqual(dimension(alarm(name, 'AWS/States', metric), 'StateMachineArn'), startRuns), `alarm ${name} is not on stateMachine`);
  }
  const slow = alarm('slow-runs', 'AWS/States', 'ExecutionTime');
  p.check(slow.Period === 3600 && slow.Statistic === 'Maximum', `alarm slow-runs: ${slow.Statistic} over ${slow.Period} s, expected Maximum over 3600 s (the metric's options)`);
  const rule = dimension(alarm('failed-jobs', 'AWS/Events', 'TriggeredRules'), 'RuleName');
  p.check(t.Resources?.[rule?.Ref]?.Type === 'AWS::Events::Rule', `alarm failed-jobs is on ${text(rule)}, not a rule of the platform`);
  // The default namespace follows the prefix: `ts-own` -> `TsOwn/BatchPlatform`.
  const namespace = `${prefix.split('-').map(w => w[0].toUpperCase() + w.slice(1)).join('')}/BatchPlatform`;
  const stuck = alarm('stuck-jobs', namespace, 'JobsStuckRunnable');
  p.check(dimension(stuck, 'JobQueue') === `${prefix}-batch-queue-${env}`, `alarm stuck-jobs is on queue ${text(dimension(stuck, 'JobQueue'))}`);

  // grantReadData on the team's role: read the bucket, the table and the key; write nothing.
  const [roleId] = one('AWS::IAM::Role', 'AnalystRole', (_r, id) => id.startsWith('AnalystRole'));
  const statements = policyStatements(t, roleId);
  const on = (action: string, id: string) => statements.some(st => list(st.Action).includes(action) && text(st.Resource).includes(`"${id}"`));
  for (const [action, id] of [['s3:GetObject*', bucketId], ['dynamodb:GetItem', tableId], ['dynamodb:Query', tableId], ['kms:Decrypt', keyId]]) {
    p.check(on(action, id), `grantReadData gave AnalystRole no ${action} on ${id}`);
  }
  const writes = statements.flatMap(st => list(st.Action)).filter((a: string) => /Put|Delete|Update|Write|Encrypt|GenerateDataKey/.test(a));
  p.check(writes.length === 0, `grantReadData gave AnalystRole write actions ${writes}`);

  // Images: one built from the app's job-image/ (an asset), one from a registry, one from the platform's repository.
  const assets = JSON.parse(fs.readFileSync(path.resolve(outDir, `${stack}.assets.json`), 'utf8'));
  const images = Object.entries<any>(assets.dockerImages ?? {});
  p.check(images.length === 1, `the asset manifest has ${images.length} dockerImages, expected one (ContainerImage.fromAsset('job-image'))`);
  const [imageHash, image] = images[0] ?? ['', { source: {} }];
  p.check(fs.existsSync(path.resolve(outDir, image.source.directory ?? '', 'Dockerfile')), `the staged image asset ${image.source.directory} has no Dockerfile`);
  const imageOf = (r: any) => r.Properties.ContainerProperties.Image;
  const definitions = resourcesOfType(t, 'AWS::Batch::JobDefinition');
  p.check(definitions.length === 3, `${definitions.length} job definitions, expected 3 (tiers small and large, job train's own)`);
  const [, fromAsset] = one('AWS::Batch::JobDefinition', 'the image asset', r => text(imageOf(r)).includes('container-assets') && text(imageOf(r)).includes(imageHash));
  const [trainId, fromRegistry] = one('AWS::Batch::JobDefinition', 'the registry image', r => imageOf(r) === 'public.ecr.aws/docker/library/python:3.12-slim');
  one('AWS::Batch::JobDefinition', 'the platform\'s repository', r => text(imageOf(r)).includes(`"Ref":"${repositoryId}"`));
  if (fromAsset.Properties.ContainerProperties && fromRegistry.Properties.ContainerProperties) {
    p.check(jobDefinitionMemory(fromAsset) === 2048 && jobDefinitionMemory(fromRegistry) === 8192,
      `the asset image runs with ${jobDefinitionMemory(fromAsset)} MiB, the registry image with ${jobDefinitionMemory(fromRegistry)} MiB`);
  }
  p.check(text(stateMachines(t)).includes(`"Ref":"${trainId}"`), 'no workflow submits job train with its own job definition');
  p.check(isDeepStrictEqual(submittedJobNames(t), ['prepare', 'train']), `the workflow submits ${submittedJobNames(t)}, expected prepare and train`);
  const pull = policyStatements(t).some(st => list(st.Action).includes('ecr:BatchGetImage') && text(st.Resource).includes('container-assets'));
  p.check(pull, 'no role may pull the image asset from the bootstrap repository');

  return `${stack}: ${Object.keys(t.Resources ?? {}).length} resources; the team's bucket, ${tableClass} and key; `
    + `dataSafety ${env === 'dev' ? 'RETAINED' : 'DISPOSABLE'}; schedule ${s.ScheduleExpression} ${s.ScheduleExpressionTimezone}; `
    + `4 alarms on the platform's metrics; grantReadData; images: asset ${imageHash.slice(0, 12)}, registry, repository`;
}

function main(): void {
  const [name, outDir, env] = process.argv.slice(2);
  const consumer = CONSUMERS[name];
  if (consumer === undefined || !outDir || !['dev', 'prod'].includes(env)) {
    console.error(`usage: check-consumer.ts <${Object.keys(CONSUMERS).join('|')}> <cdk.out dir> <dev|prod>`);
    process.exit(2);
  }
  const p = new Problems(`${name}: ${env}`);
  const told = [defaultStackProblems(outDir, env, p)];
  if (consumer.custom?.environments.includes(env)) told.push(customStackProblems(outDir, env, consumer.custom, p));
  told.push(ownResourcesProblems(outDir, env, consumer, p));
  if (p.all.length > 0) {
    console.error(p.all.join('\n'));
    process.exit(1);
  }
  for (const line of told) console.log(`${name}: ${env}: ${line}`);
}

main();
