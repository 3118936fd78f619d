#!/usr/bin/env bash
# A security team's view: a fresh app outside the repository installs @sanders/batch-platform@<version> by name from
# the team's npm registry (the loopback Verdaccio, scripts/ci/registries.sh) with the newest aws-cdk-lib and cdk-nag 3
# from the public registry, adds the four packs with Validations.of(app).addPlugins, and synthesizes the platform
# with default props for dev and prod (test-consumers/nag/check.js). Needs scripts/ci/publish-local.sh first.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh
nag=$(node -p "require('./package.json').devDependencies['cdk-nag']")

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-nag.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp test-consumers/nag/check.js "$work/"
cd "$work"
npm init -y > /dev/null
echo "@sanders:registry=$SANDERS_NPM_REGISTRY" > .npmrc
# The plugin route needs an aws-cdk-lib that hands plugins the construct tree (2.257 does not; the newest does).
npm install --no-audit --no-fund --loglevel=error "@sanders/batch-platform@$version" aws-cdk-lib@latest constructs@10 "cdk-nag@$nag"
npm ls @sanders/batch-platform aws-cdk-lib cdk-nag
node check.js
