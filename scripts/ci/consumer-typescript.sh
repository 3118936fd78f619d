#!/usr/bin/env bash
# A TypeScript team's CDK app on the npm package, as that team would use it: test-consumers/typescript copied to a
# directory outside the repository, `npm install @sanders/batch-platform@<version>` by name from the team's npm
# registry (the loopback Verdaccio of scripts/ci/registries.sh, where scripts/ci/publish-local.sh published it; an
# .npmrc maps the @sanders scope to it) with aws-cdk-lib and constructs from the public registry, `tsc`, then
# `cdk synth` with default props, with custom tiers and workflow, and with the team's own bucket, table, key, images,
# schedule and alarms (OwnResourcesPlatformStack, checked by test-consumers/check-own-resources-stack.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh

cdk_lib=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
constructs=$(node -p "require('./package.json').devDependencies['constructs']")

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-typescript.XXXXXX")
trap 'rm -rf "$work"' EXIT

cp -r test-consumers/typescript "$work/app"
rm -rf "$work/app/node_modules" "$work/app/build" "$work/app/cdk.out"
cd "$work/app"
echo "@sanders:registry=$SANDERS_NPM_REGISTRY" > .npmrc
echo "--- npm install @sanders/batch-platform@$version (from $SANDERS_NPM_REGISTRY) aws-cdk-lib@$cdk_lib constructs@$constructs"
npm install --no-audit --no-fund --loglevel=error "@sanders/batch-platform@$version" "aws-cdk-lib@$cdk_lib" "constructs@$constructs"
# The package installed is the build just published, not the previous release or a cached copy.
tar -xzOf "$repo/dist/js/batch-platform@$version.jsii.tgz" package/.jsii | cmp - node_modules/@sanders/batch-platform/.jsii
npm ls @sanders/batch-platform aws-cdk-lib constructs
npm run --silent build

"$repo/node_modules/.bin/cdk" synth -c environment=dev -o cdk.out --quiet > /dev/null
node "$repo/scripts/ci/check-default-stack.js" consumer-typescript cdk.out dev
node - <<'JS'
const fs = require('fs');
const load = (stack) => JSON.parse(fs.readFileSync(`cdk.out/${stack}.template.json`, 'utf8'));
const fail = (msg) => { console.error(`consumer-typescript: ${msg}`); process.exit(1); };
const ofType = (t, type) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const memoryOf = (r) => Number(r.Properties.ContainerProperties.ResourceRequirements.find(x => x.Type === 'MEMORY').Value);
const originalOutputs = ['S3BucketName', 'DynamoDBTableName', 'ECRRepositoryURI', 'VPCId', 'BatchJobQueueName', 'StepFunctionsStateMachineARN'];
// Every state machine's definition: with some network profiles a run workflow wraps the jobs' workflow.
const definitionOf = (t) => JSON.stringify(ofType(t, 'AWS::StepFunctions::StateMachine').map(([, r]) => r.Properties.DefinitionString));
const hasBucket = (t, name) => ofType(t, 'AWS::S3::Bucket').some(([, r]) => r.Properties.BucketName === name);

const custom = load('AnalyticsPlatformStack-dev');
// One definition per tier, plus one of its own for 'ingest' (it declares dataAccess, so it gets its own role).
const customDefinitions = ofType(custom, 'AWS::Batch::JobDefinition');
const customMemory = [...new Set(customDefinitions.map(([, r]) => memoryOf(r)))].sort((a, b) => a - b);
if (JSON.stringify(customMemory) !== '[2048,30720]') fail(`custom tiers are ${customMemory}`);
if (customDefinitions.length !== 3) fail(`custom stack has ${customDefinitions.length} job definitions, expected 3 (2 tiers + ingest's own)`);
const arm = customDefinitions.filter(([, r]) => r.Properties.ContainerProperties.RuntimePlatform?.CpuArchitecture === 'ARM64').map(([, r]) => memoryOf(r));
if (JSON.stringify(arm) !== '[30720]') fail(`ARM64 job definitions have memory ${arm}, expected only the 30gb tier`);
if (!hasBucket(custom, 'analytics-customer-platform-dev')) fail('custom stack has no bucket analytics-customer-platform-dev');
for (const job of ['ingest', 'score', 'report']) {
  if (!definitionOf(custom).includes(`\\"JobName\\":\\"${job}\\"`)) fail(`custom workflow has no job ${job}`);
}
if (!definitionOf(custom).includes('ArrayProperties')) fail('custom workflow lost the array job');
const missingCustom = originalOutputs.filter(k => !(k in (custom.Outputs ?? {})));
if (missingCustom.length) fail(`custom stack misses outputs ${missingCustom}`);
console.log(`custom stack: ${Object.keys(custom.Resources).length} resources, tiers ${customMemory} MiB`);
JS
node "$repo/test-consumers/check-own-resources-stack.js" consumer-typescript cdk.out dev ts-own Table

"$repo/node_modules/.bin/cdk" synth -c environment=prod -o cdk.out.prod --quiet > /dev/null
node "$repo/scripts/ci/check-default-stack.js" consumer-typescript cdk.out.prod prod
node "$repo/test-consumers/check-own-resources-stack.js" consumer-typescript cdk.out.prod prod ts-own Table
echo "consumer-typescript: OK"
