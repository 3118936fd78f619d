#!/usr/bin/env bash
# The main job: install, synthesize the example platform (dev and prod) and show what it creates.
#   bash scripts/run-example.sh            # both environments
#   bash scripts/run-example.sh prod       # one
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
[ -d node_modules/aws-cdk-lib ] || npm ci --no-audit --no-fund
envs=("$@"); [ ${#envs[@]} -gt 0 ] || envs=(dev prod)
for env in "${envs[@]}"; do
  out="cdk.out/$env"
  npx cdk synth --quiet -c environment="$env" --output "$out"
  npx ts-node --transpile-only scripts/describe-platform.ts "$out/SandersCustomerPlatformStack-$env.template.json"
done
