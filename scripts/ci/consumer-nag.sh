#!/usr/bin/env bash
# A security team's view: a fresh app outside the repository installs the npm tarball with the newest aws-cdk-lib
# and cdk-nag 3 from the registry, adds the four packs with Validations.of(app).addPlugins, and synthesizes the
# platform with default props for dev and prod (test-consumers/nag/check.js). Needs `npx projen compile`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
[ -f lib/index.js ] && [ -f .jsii ] || { echo "consumer-nag: lib/ or .jsii missing: run 'npx projen compile'" >&2; exit 1; }
nag=$(node -p "require('./package.json').devDependencies['cdk-nag']")

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-nag.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$work/$(npm pack --silent --pack-destination "$work" | tail -1)
cp test-consumers/nag/check.js "$work/"
cd "$work"
npm init -y > /dev/null
# The plugin route needs an aws-cdk-lib that hands plugins the construct tree (2.257 does not; the newest does).
npm install --no-audit --no-fund --loglevel=error "$tarball" aws-cdk-lib@latest constructs@10 "cdk-nag@$nag"
npm ls aws-cdk-lib cdk-nag
node check.js
