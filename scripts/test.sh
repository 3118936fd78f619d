#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite: `bash scripts/test.sh`.
# Needs only Node 20+ with npm and Python 3.9+ (Java 17 + Maven and Go for those packages).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
start=$SECONDS
step() { echo; echo "=== $* ($((SECONDS - start)) s)"; }

step "install npm packages"
npm ci --no-audit --no-fund

step "install Python tools into .venv"
bash scripts/ci/python-venv.sh

step "build: compile, unit tests, integ snapshots, lint, API.md, JS package"
npx projen build

echo
echo "=== all tests passed in $((SECONDS - start)) s"
