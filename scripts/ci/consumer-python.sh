#!/usr/bin/env bash
# The Python team's app on the built wheel, as that team would use it: a fresh virtual environment outside the
# repository, `pip install` of dist/python/*.whl and aws-cdk-lib from PyPI, `cdk synth -c environment=dev|prod`
# of test-consumers/python/app.py, then its `pytest tests/`. Needs `npx projen package:python` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export PYTHONDONTWRITEBYTECODE=1

shopt -s nullglob
wheels=(dist/python/*.whl)
[ "${#wheels[@]}" -eq 1 ] || { echo "consumer-python: expected one wheel in dist/python/, found ${#wheels[@]}: run 'npx projen package:python'" >&2; exit 1; }
wheel=$repo/${wheels[0]}

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r test-consumers/python "$work/app"
rm -rf "$work/app/cdk.out" "$work/app/.venv"

echo "--- fresh venv in $work/venv, installing $(basename "$wheel") + requirements.txt from PyPI"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" \
  -r "$work/app/requirements.txt" -r "$work/app/requirements-dev.txt"
"$work/venv/bin/pip" show sanders-batch-platform aws-cdk-lib | grep -E '^(Name|Version|Location):'
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
done

echo "--- pytest tests/"
SANDERS_README="$repo/README.md" python -m pytest tests/ -q -p no:cacheprovider
