#!/usr/bin/env bash
# A Go team's CDK app on the Go module jsii-pacmak built, as that team would use it: test-consumers/go copied
# outside the repository beside the built module (go.mod replaces the module path with it), aws-cdk-go from the
# Go module proxy, then `cdk synth` and checks of the templates. Needs `npx projen package:go`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

module=dist/go/sandersbatchplatform
[ -f "$module/go.mod" ] || { echo "consumer-go: $module missing: run 'npx projen package:go'" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-go.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r test-consumers/go "$work/app"
cp -r "$module" "$work/sandersbatchplatform"

cd "$work/app"
echo "--- go mod tidy && go build"
go mod tidy
go build -o consumer .

for env in dev prod; do
  echo "--- cdk synth -c environment=$env"
  "$repo/node_modules/.bin/cdk" synth -c environment="$env" -o "cdk.out.$env" --quiet --app ./consumer > /dev/null
  node "$repo/scripts/ci/check-seed-stack.js" consumer-go "cdk.out.$env" "$env"
  node - "$env" <<'JS'
const env = process.argv[2];
const fail = (msg) => { console.error(`consumer-go: ${msg}`); process.exit(1); };
const load = (stack) => require(`${process.cwd()}/cdk.out.${env}/${stack}.template.json`);
const ofType = (t, type) => Object.values(t.Resources).filter(r => r.Type === type);
const memoryOf = (r) => Number(r.Properties.ContainerProperties.ResourceRequirements.find(x => x.Type === 'MEMORY').Value);
const custom = load(`GoTeamPlatformStack-${env}`);
const customMemory = [...new Set(ofType(custom, 'AWS::Batch::JobDefinition').map(memoryOf))].sort((a, b) => a - b);
if (JSON.stringify(customMemory) !== '[2048,16384]') fail(`${env}: custom tiers are ${customMemory}`);
const definition = JSON.stringify(ofType(custom, 'AWS::StepFunctions::StateMachine').map(r => r.Properties.DefinitionString));
for (const job of ['a', 'b', 'c', 'd']) if (!definition.includes(`\\"JobName\\":\\"${job}\\"`)) fail(`${env}: custom workflow has no job ${job}`);
console.log(`${env}: custom stack tiers ${customMemory} MiB`);
JS
done
echo "consumer-go: OK"
