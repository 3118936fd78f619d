#!/usr/bin/env bash
# A TypeScript team's CDK app on the npm package, as that team would use it: test-consumers/typescript copied to a
# directory outside the repository, `npm install @sanders/batch-platform@<version>` by name from the team's npm
# registry (the loopback Verdaccio of scripts/ci/registries.sh, where scripts/ci/publish-local.sh published it; an
# .npmrc maps the @sanders scope to it) with aws-cdk-lib and constructs from the public registry, `tsc`, then
# `cdk synth` with default props, with custom tiers and workflow, and with the team's own bucket, table, key, images,
# schedule and alarms (OwnResourcesPlatformStack, checked by scripts/ci/check-consumer.ts).
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
"$repo/node_modules/.bin/ts-node" --transpile-only -P "$repo/tsconfig.dev.json" "$repo/scripts/ci/check-consumer.ts" consumer-typescript cdk.out dev

"$repo/node_modules/.bin/cdk" synth -c environment=prod -o cdk.out.prod --quiet > /dev/null
"$repo/node_modules/.bin/ts-node" --transpile-only -P "$repo/tsconfig.dev.json" "$repo/scripts/ci/check-consumer.ts" consumer-typescript cdk.out.prod prod
echo "consumer-typescript: OK"
