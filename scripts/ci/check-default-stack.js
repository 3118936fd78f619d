// Checks a consumer app's default-props stack `SandersCustomerPlatformStack-<env>` in <cdk.out dir>: the original
// Python app's six outputs, the 2/8/16 GiB job definitions, the default workflow's jobs, the original Python app's
// bucket and table names, and dev/prod deletion policies.
// Usage: node scripts/ci/check-default-stack.js <consumer name> <cdk.out dir> <environment>
const [who, outDir, env] = process.argv.slice(2);
const path = require('path');
const fail = (msg) => { console.error(`${who}: ${msg}`); process.exit(1); };
const template = require(path.resolve(outDir, `SandersCustomerPlatformStack-${env}.template.json`));
const ofType = (type) => Object.values(template.Resources).filter(r => r.Type === type);
const named = (type, key, value) => ofType(type).find(r => r.Properties[key] === value) ?? fail(`${env}: no ${type} named ${value}`);

const outputs = ['S3BucketName', 'DynamoDBTableName', 'ECRRepositoryURI', 'VPCId', 'BatchJobQueueName', 'StepFunctionsStateMachineARN'];
const missing = outputs.filter(k => !(k in (template.Outputs ?? {})));
if (missing.length) fail(`${env}: default stack misses outputs ${missing}`);
const memory = [...new Set(ofType('AWS::Batch::JobDefinition')
  .map(r => Number(r.Properties.ContainerProperties.ResourceRequirements.find(x => x.Type === 'MEMORY').Value)))].sort((a, b) => a - b);
if (JSON.stringify(memory) !== '[2048,8192,16384]') fail(`${env}: default tiers are ${memory}`);
// Every state machine's definition: with some network profiles a run workflow wraps the jobs' workflow.
const definitions = JSON.stringify(ofType('AWS::StepFunctions::StateMachine').map(r => r.Properties.DefinitionString));
for (const job of ['feature-extraction', 'data-processing', 'model-training']) {
  if (!definitions.includes(`\\"JobName\\":\\"${job}\\"`)) fail(`${env}: default workflow has no job ${job}`);
}
const policy = env === 'dev' ? 'Delete' : 'Retain';
for (const [type, key, name] of [
  ['AWS::S3::Bucket', 'BucketName', `sanders-customer-platform-${env}`],
  ['AWS::DynamoDB::Table', 'TableName', `sanders_daily_customer_features_${env}`],
]) {
  const r = named(type, key, name);
  if (r.DeletionPolicy !== policy) fail(`${env}: ${name} has deletion policy ${r.DeletionPolicy}, expected ${policy}`);
}
console.log(`${who}: ${env}: default stack ${Object.keys(template.Resources).length} resources, the original Python app's outputs, tiers ${memory} MiB`);
