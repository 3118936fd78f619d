// Checks a consumer app's `OwnResourcesPlatformStack-<env>` in <cdk.out dir>: the stack every consumer app (TypeScript,
// Python, Java, Go) builds on the same newer props and methods of SandersBatchPlatform, each in its own language:
//   - existingBucket, existingTable, existingEncryptionKey: the team's bucket `<prefix>-own-data-<env>`, table
//     `<prefix>_own_features_<env>` (a `Table` or a `TableV2`, as <table class> says) and one KMS key, used as they
//     are: the platform creates no bucket, no data table, no key and no backup plan, its outputs name the team's
//     bucket and table, and what it creates (repository, log groups, alert topic) is encrypted with the team's key;
//   - dataSafety: RETAINED in dev and DISPOSABLE (with acknowledgeDisposableProd) in prod, the opposite of each
//     environment's default, so the repository and log groups are retained in dev and deleted (and emptied) in prod;
//   - schedule: { expression: ScheduleExpression... } at 02:30 Europe/Berlin, starting `stateMachine`;
//   - stateMachine and jobWorkflow: two state machines in dev (the run workflow wraps the job workflow), one in prod;
//   - metricFailedRuns, metricFailedJobs, metricJobsStuckRunnable, metricRunDuration: one alarm each, named
//     `<prefix>-failed-runs|failed-jobs|stuck-jobs|slow-runs-<env>`, the last one over 1 hour's maximum;
//   - grantReadData: the team's role `AnalystRole` may read the bucket, the table and the key, and write nothing;
//   - image: the tier `small` runs an image built from the app's `job-image/` (`ContainerImage.fromAsset`: a
//     dockerImages entry in the asset manifest), the job `train` one from a registry with a job definition of its
//     own, the tier `large` the platform's repository.
// Usage: node test-consumers/check-own-resources-stack.js <consumer name> <cdk.out dir> <environment> <name prefix> <Table|TableV2>
const [who, outDir, env, prefix, tableClass] = process.argv.slice(2);
const fs = require('fs');
const path = require('path');
const assert = require('assert');
const stack = `OwnResourcesPlatformStack-${env}`;
const fail = (msg) => { console.error(`${who}: ${env}: ${stack}: ${msg}`); process.exit(1); };
if (!['Table', 'TableV2'].includes(tableClass)) fail(`table class is ${tableClass}, expected Table or TableV2`);
const template = JSON.parse(fs.readFileSync(path.resolve(outDir, `${stack}.template.json`), 'utf8'));
const resources = Object.entries(template.Resources);
const ofType = (type) => resources.filter(([, r]) => r.Type === type);
const one = (type, what, test = () => true) => {
  const found = ofType(type).filter(([id, r]) => test(r, id));
  if (found.length !== 1) fail(`${found.length} ${type} (${what}), expected one: ${found.map(([id]) => id)}`);
  return found[0];
};
const same = (a, b) => { try { assert.deepStrictEqual(a, b); return true; } catch { return false; } };
const text = (x) => JSON.stringify(x);
const outputs = template.Outputs ?? {};
const output = (key) => outputs[key]?.Value ?? fail(`no output ${key}`);

// The team's key, bucket and table, and none of the platform's own.
const [keyId, key] = one('AWS::KMS::Key', 'the team\'s key, none of the platform\'s');
const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
const services = key.Properties.KeyPolicy.Statement.map(s => text(s.Principal?.Service ?? ''));
if (!services.some(s => /logs\./.test(s))) fail('the key policy has no statement for CloudWatch Logs (the platform adds it to a key of the same app)');
if (!services.some(s => s.includes('cloudwatch.amazonaws.com'))) fail('the key policy has no statement for CloudWatch alarms');
const [bucketId] = one('AWS::S3::Bucket', 'only the team\'s');
if (ofType('AWS::S3::Bucket')[0][1].Properties.BucketName !== `${prefix}-own-data-${env}`) fail(`the bucket is not ${prefix}-own-data-${env}`);
const tableType = tableClass === 'Table' ? 'AWS::DynamoDB::Table' : 'AWS::DynamoDB::GlobalTable';
const [tableId] = one(tableType, `the team's ${tableClass}`, r => r.Properties.TableName === `${prefix}_own_features_${env}`);
const platformTable = [...ofType('AWS::DynamoDB::Table'), ...ofType('AWS::DynamoDB::GlobalTable')]
  .filter(([, r]) => r.Properties.TableName === `${prefix}_daily_customer_features_${env}`);
if (platformTable.length) fail('the platform created its own data table next to existingTable');
if (ofType('AWS::Backup::BackupPlan').length) fail('a backup plan for a table the platform did not create');
if (!same(output('S3BucketName'), { Ref: bucketId })) fail(`S3BucketName is ${text(output('S3BucketName'))}, not the team's bucket`);
if (!same(output('DynamoDBTableName'), { Ref: tableId })) fail(`DynamoDBTableName is ${text(output('DynamoDBTableName'))}, not the team's table`);
const [repositoryId, repository] = one('AWS::ECR::Repository', 'the platform\'s');
if (!same(repository.Properties.EncryptionConfiguration?.KmsKey, keyArn)) fail('the repository is not encrypted with the team\'s key');
const logGroups = ofType('AWS::Logs::LogGroup');
for (const [id, r] of logGroups) if (!same(r.Properties.KmsKeyId, keyArn)) fail(`log group ${id} is not encrypted with the team's key`);
const [topicId, topic] = one('AWS::SNS::Topic', 'the alert topic');
if (!same(topic.Properties.KmsMasterKeyId, keyArn)) fail('the alert topic is not encrypted with the team\'s key');

// dataSafety, the opposite of the environment's default.
const policy = env === 'dev' ? 'Retain' : 'Delete';
for (const [id, r] of [[repositoryId, repository], ...logGroups]) {
  if (r.DeletionPolicy !== policy) fail(`${id} has deletion policy ${r.DeletionPolicy}, expected ${policy} (dataSafety ${env === 'dev' ? 'RETAINED' : 'DISPOSABLE'})`);
}
if (Boolean(repository.Properties.EmptyOnDelete) !== (env !== 'dev')) fail(`the repository's EmptyOnDelete is ${repository.Properties.EmptyOnDelete}`);

// stateMachine, jobWorkflow and the schedule.
const startRuns = output('StartRunsWith');
if (!same(output('StepFunctionsStateMachineARN'), startRuns)) fail('stateMachine is not the StepFunctionsStateMachineARN output');
if (same(output('JobWorkflow'), startRuns) !== (env !== 'dev')) fail(`jobWorkflow ${text(output('JobWorkflow'))} vs stateMachine ${text(startRuns)}: expected ${env === 'dev' ? 'two state machines (run workflow and job workflow)' : 'the same one'}`);
const [, schedule] = one('AWS::Scheduler::Schedule', 'the platform\'s');
const s = schedule.Properties;
if (s.ScheduleExpression !== 'cron(30 2 * * ? *)' || s.ScheduleExpressionTimezone !== 'Europe/Berlin') fail(`schedule ${s.ScheduleExpression} ${s.ScheduleExpressionTimezone}, expected cron(30 2 * * ? *) Europe/Berlin`);
if (!same(s.Target.Arn, startRuns)) fail(`the schedule starts ${text(s.Target.Arn)}, not stateMachine`);

// Alarms on the platform's metrics.
const alarm = (name, namespace, metric) => {
  const [, a] = one('AWS::CloudWatch::Alarm', name, r => r.Properties.AlarmName === `${prefix}-${name}-${env}`);
  const p = a.Properties;
  if (p.Namespace !== namespace || p.MetricName !== metric) fail(`alarm ${name} is on ${p.Namespace} ${p.MetricName}, expected ${namespace} ${metric}`);
  if (!same(p.AlarmActions, [{ Ref: topicId }])) fail(`alarm ${name} does not tell the platform's alert topic`);
  return p;
};
const dimension = (p, name) => (p.Dimensions ?? []).find(d => d.Name === name)?.Value;
for (const name of ['failed-runs', 'slow-runs']) {
  const p = alarm(name, 'AWS/States', name === 'failed-runs' ? 'ExecutionsFailed' : 'ExecutionTime');
  if (!same(dimension(p, 'StateMachineArn'), startRuns)) fail(`alarm ${name} is not on stateMachine`);
}
const slow = alarm('slow-runs', 'AWS/States', 'ExecutionTime');
if (slow.Period !== 3600 || slow.Statistic !== 'Maximum') fail(`alarm slow-runs: ${slow.Statistic} over ${slow.Period} s, expected Maximum over 3600 s (the metric's options)`);
const failedJobs = alarm('failed-jobs', 'AWS/Events', 'TriggeredRules');
const rule = dimension(failedJobs, 'RuleName');
if (!rule?.Ref || template.Resources[rule.Ref]?.Type !== 'AWS::Events::Rule') fail(`alarm failed-jobs is on ${text(rule)}, not a rule of the platform`);
const stuck = alarm('stuck-jobs', 'Sanders/BatchPlatform', 'JobsStuckRunnable');
if (dimension(stuck, 'JobQueue') !== `${prefix}-batch-queue-${env}`) fail(`alarm stuck-jobs is on queue ${text(dimension(stuck, 'JobQueue'))}`);

// grantReadData on the team's role: read the bucket, the table and the key; write nothing.
const [roleId] = one('AWS::IAM::Role', 'AnalystRole', (r, id) => id.startsWith('AnalystRole'));
const statements = ofType('AWS::IAM::Policy').filter(([, r]) => text(r.Properties.Roles).includes(`"Ref":"${roleId}"`))
  .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
const actions = statements.flatMap(st => [].concat(st.Action));
const on = (action, id) => statements.some(st => [].concat(st.Action).includes(action) && text(st.Resource).includes(`"${id}"`));
for (const [action, id] of [['s3:GetObject*', bucketId], ['dynamodb:GetItem', tableId], ['dynamodb:Query', tableId], ['kms:Decrypt', keyId]]) {
  if (!on(action, id)) fail(`grantReadData gave AnalystRole no ${action} on ${id}`);
}
const writes = actions.filter(a => /Put|Delete|Update|Write|Encrypt|GenerateDataKey/.test(a));
if (writes.length) fail(`grantReadData gave AnalystRole write actions ${writes}`);

// Images: one built from the app's job-image/ (an asset), one from a registry, one from the platform's repository.
const assets = JSON.parse(fs.readFileSync(path.resolve(outDir, `${stack}.assets.json`), 'utf8'));
const images = Object.entries(assets.dockerImages ?? {});
if (images.length !== 1) fail(`the asset manifest has ${images.length} dockerImages, expected one (ContainerImage.fromAsset('job-image'))`);
const [imageHash, image] = images[0];
if (!fs.existsSync(path.resolve(outDir, image.source.directory, 'Dockerfile'))) fail(`the staged image asset ${image.source.directory} has no Dockerfile`);
const definitions = ofType('AWS::Batch::JobDefinition');
const memoryOf = (r) => Number(r.Properties.ContainerProperties.ResourceRequirements.find(x => x.Type === 'MEMORY').Value);
const imageOf = (r) => r.Properties.ContainerProperties.Image;
if (definitions.length !== 3) fail(`${definitions.length} job definitions, expected 3 (tiers small and large, job train's own)`);
const [, fromAsset] = one('AWS::Batch::JobDefinition', 'the image asset', r => text(imageOf(r)).includes(`container-assets`) && text(imageOf(r)).includes(imageHash));
const [trainId, fromRegistry] = one('AWS::Batch::JobDefinition', 'the registry image', r => imageOf(r) === 'public.ecr.aws/docker/library/python:3.12-slim');
one('AWS::Batch::JobDefinition', 'the platform\'s repository', r => text(imageOf(r)).includes(`"Ref":"${repositoryId}"`));
if (memoryOf(fromAsset) !== 2048 || memoryOf(fromRegistry) !== 8192) fail(`the asset image runs with ${memoryOf(fromAsset)} MiB, the registry image with ${memoryOf(fromRegistry)} MiB`);
const workflows = text(ofType('AWS::StepFunctions::StateMachine').map(([, r]) => r.Properties.DefinitionString));
if (!workflows.includes(`"Ref":"${trainId}"`)) fail('no workflow submits job train with its own job definition');
for (const job of ['prepare', 'train']) if (!workflows.includes(`\\"JobName\\":\\"${job}\\"`)) fail(`the workflow has no job ${job}`);
const pull = ofType('AWS::IAM::ManagedPolicy').concat(ofType('AWS::IAM::Policy')).flatMap(([, r]) => r.Properties.PolicyDocument.Statement)
  .some(st => [].concat(st.Action).includes('ecr:BatchGetImage') && text(st.Resource).includes('container-assets'));
if (!pull) fail('no role may pull the image asset from the bootstrap repository');

console.log(`${who}: ${env}: ${stack}: ${resources.length} resources; the team's bucket, ${tableClass} and key; `
  + `dataSafety ${env === 'dev' ? 'RETAINED' : 'DISPOSABLE'}; schedule ${s.ScheduleExpression} ${s.ScheduleExpressionTimezone}; `
  + `4 alarms on the platform's metrics; grantReadData; images: asset ${imageHash.slice(0, 12)}, registry, repository`);
