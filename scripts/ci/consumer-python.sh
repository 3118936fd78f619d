#!/usr/bin/env bash
# The Python team's app on the package from the team's PyPI, as that team would use it: a fresh virtual environment
# outside the repository, `pip install sanders-batch-platform==<version>` by name from the loopback pypiserver of
# scripts/ci/registries.sh (where scripts/ci/publish-local.sh uploaded it with twine) and aws-cdk-lib from PyPI,
# `cdk synth -c environment=dev|prod` of test-consumers/python/app.py (its stack SandersCustomerPlatformStack and
# OwnResourcesPlatformStack, checked by test-consumers/check-own-resources-stack.js), then its `pytest tests/`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export PYTHONDONTWRITEBYTECODE=1
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r test-consumers/python "$work/app"
rm -rf "$work/app/cdk.out" "$work/app/.venv"

echo "--- fresh venv in $work/venv: pip install sanders-batch-platform==$version (from $SANDERS_PYPI_INDEX) + requirements.txt from PyPI"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir --extra-index-url "$SANDERS_PYPI_INDEX" \
  --report "$work/pip-report.json" "sanders-batch-platform==$version" \
  -r "$work/app/requirements.txt" -r "$work/app/requirements-dev.txt"
"$work/venv/bin/pip" show sanders-batch-platform aws-cdk-lib | grep -E '^(Name|Version|Location):'
# Downloaded from the team's index, by name.
python3 - "$work/pip-report.json" "$SANDERS_PYPI_URL" <<'PY'
import json, sys
report, index = json.load(open(sys.argv[1])), sys.argv[2]
[item] = [i for i in report["install"] if i["metadata"]["name"] == "sanders-batch-platform"]
url = item["download_info"]["url"]
assert url.startswith(index), f"sanders-batch-platform came from {url}, not {index}"
print("sanders-batch-platform", item["metadata"]["version"], "from", url)
PY
export PATH="$work/venv/bin:$PATH" VIRTUAL_ENV="$work/venv"
# The wheel must be the one imported, not a copy from the repository.
python -c "import sanders.batch_platform as m, sys; assert m.__file__.startswith(sys.prefix), m.__file__; print('imported from', m.__file__)"

cd "$work/app"
for env in dev prod; do
  echo "--- cdk synth -c environment=$env (app: $(python -c 'import json; print(json.load(open("cdk.json"))["app"])'))"
  "$repo/node_modules/.bin/cdk" synth -c environment="$env" -o "cdk.out.$env" --quiet > /dev/null
  python - "$env" <<'PY'
import json, sys
env = sys.argv[1]
stack = f"SandersCustomerPlatformStack-{env}"
with open(f"cdk.out.{env}/{stack}.template.json") as f:
    template = json.load(f)
want = ["S3BucketName", "DynamoDBTableName", "ECRRepositoryURI", "VPCId", "BatchJobQueueName", "StepFunctionsStateMachineARN"]
missing = [k for k in want if k not in template.get("Outputs", {})]
assert not missing, f"{stack}: missing outputs {missing}"
resources = template["Resources"].values()
def named(resource_type, key, value):
    found = [r for r in resources if r["Type"] == resource_type and r["Properties"].get(key) == value]
    assert len(found) == 1, f"{stack}: {len(found)} {resource_type} with {key} {value!r}"
    return found[0]
named("AWS::S3::Bucket", "BucketName", f"sanders-customer-platform-{env}")
table = named("AWS::DynamoDB::Table", "TableName", f"sanders_daily_customer_features_{env}")
assert table["DeletionPolicy"] == ("Delete" if env == "dev" else "Retain"), table["DeletionPolicy"]
named("AWS::Batch::JobQueue", "JobQueueName", f"sanders-batch-queue-{env}")
memory = sorted({int(q["Value"]) for r in resources if r["Type"] == "AWS::Batch::JobDefinition"
                 for q in r["Properties"]["ContainerProperties"]["ResourceRequirements"] if q["Type"] == "MEMORY"})
assert memory == [2048, 8192, 16384], f"{stack}: job definition memory {memory}"
print(f"{stack}: {len(template['Resources'])} resources, outputs {sorted(template['Outputs'])}")
PY
  node "$repo/test-consumers/check-own-resources-stack.js" consumer-python "cdk.out.$env" "$env" py-own TableV2
done

echo "--- pytest tests/"
SANDERS_README="$repo/README.md" python -m pytest tests/ -q -p no:cacheprovider
