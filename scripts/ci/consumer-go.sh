#!/usr/bin/env bash
# A Go team's CDK app on the Go module, as that team would use it: test-consumers/go copied outside the repository,
# `go get github.com/sanders/batch-platform-go/sandersbatchplatform@v<version>` resolved through GOPROXY from the
# team's module proxy (the GOPROXY folder scripts/ci/publish-local.sh filled) and aws-cdk-go from the Go module
# proxy, then `cdk synth` and checks of the templates (OwnResourcesPlatformStack, the newer props and methods, by
# scripts/ci/check-consumer.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh
module=$(sed -n 's/^module //p' dist/go/sandersbatchplatform/go.mod)
[ -f "$SANDERS_GOPROXY_DIR/$module/@v/v$version.zip" ] || { echo "consumer-go: $module v$version is not in $SANDERS_GOPROXY_DIR: run scripts/ci/publish-local.sh" >&2; exit 1; }

# The team's proxy first, then the usual one; no checksum database for a module it does not know.
export GOPROXY="file://$SANDERS_GOPROXY_DIR,$(go env GOPROXY)" GONOSUMDB=github.com/sanders GOFLAGS=-mod=mod
# The module cache keeps a version once downloaded: drop an earlier build of this one.
cache=$(go env GOMODCACHE)
chmod -R u+w "$cache/github.com/sanders" "$cache/cache/download/github.com/sanders" 2>/dev/null || true
rm -rf "$cache/github.com/sanders" "$cache/cache/download/github.com/sanders"

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-go.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r test-consumers/go "$work/app"

cd "$work/app"
echo "--- go get $module@v$version && go mod tidy && go build"
go get "$module@v$version"
go mod tidy
go list -m "$module"
go build -o consumer .

for env in dev prod; do
  echo "--- cdk synth -c environment=$env"
  "$repo/node_modules/.bin/cdk" synth -c environment="$env" -o "cdk.out.$env" --quiet --app ./consumer > /dev/null
  "$repo/node_modules/.bin/ts-node" --transpile-only -P "$repo/tsconfig.dev.json" "$repo/scripts/ci/check-consumer.ts" consumer-go "cdk.out.$env" "$env"
done
echo "consumer-go: OK"
