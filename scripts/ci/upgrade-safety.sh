#!/usr/bin/env bash
# Upgrades that cannot lose data: installs the previous release (releases/npm/, published to the loopback npm
# registry by scripts/ci/publish-local.sh) and the new build by name and version from that registry, with the same
# aws-cdk-lib, synthesizes the example prod stack with both (scripts/ci/synth-prod-with.js)
# and fails when a resource holding data would be replaced or deleted (scripts/ci/upgrade-safety.ts).
# Needs `bash scripts/ci/registries.sh start` and the publish step; `bash scripts/ci/upgrade-safety.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
[ -f .ci-work/registries/env ] || { echo "$(basename "$0"): no loopback registries: run 'bash scripts/ci/registries.sh start' first" >&2; exit 1; }
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh   # $previous, $version
[ "$previous" != "$version" ] || { echo "upgrade-safety: the new build has the previous release's version $version" >&2; exit 1; }
cdk_lib=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
constructs=$(node -p "require('./package.json').devDependencies['constructs']")

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-upgrade.XXXXXX")
trap 'rm -rf "$work"' EXIT
# One app, both releases by name and version under an alias each (npm's alias syntax), one aws-cdk-lib for both.
cd "$work"
echo '{ "private": true }' > package.json
echo "@sanders:registry=$SANDERS_NPM_REGISTRY" > .npmrc
echo "--- npm install @sanders/batch-platform@$previous and @$version (from $SANDERS_NPM_REGISTRY), aws-cdk-lib@$cdk_lib"
npm install --no-audit --no-fund --loglevel=error "previous@npm:@sanders/batch-platform@$previous" \
  "new@npm:@sanders/batch-platform@$version" "aws-cdk-lib@$cdk_lib" "constructs@$constructs"
cd "$repo"
templates=()
for alias in previous new; do
  templates+=("$(node scripts/ci/synth-prod-with.js "$work" "$alias" "$work/cdk.out.$alias")")
done
echo "--- upgrade $previous -> $version of SandersCustomerPlatformStack-prod"
npx ts-node --transpile-only -P tsconfig.dev.json scripts/ci/upgrade-safety.ts "${templates[@]}"
