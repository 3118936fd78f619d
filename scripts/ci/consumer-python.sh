#!/usr/bin/env bash
# The Python team's app on the package from the team's PyPI, as that team would use it: a fresh virtual environment
# outside the repository, `pip install sanders-batch-platform==<version>` by name from the loopback pypiserver of
# scripts/ci/registries.sh (where scripts/ci/publish-local.sh uploaded it with twine) and aws-cdk-lib from PyPI,
# `cdk synth -c environment=dev|prod` of test-consumers/python/app.py (its stack SandersCustomerPlatformStack and
# OwnResourcesPlatformStack, checked by scripts/ci/check-consumer.ts), then its `pytest tests/`.
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
  "$repo/node_modules/.bin/ts-node" --transpile-only -P "$repo/tsconfig.dev.json" "$repo/scripts/ci/check-consumer.ts" consumer-python "cdk.out.$env" "$env"
done

echo "--- pytest tests/"
SANDERS_README="$repo/README.md" python -m pytest tests/ -q -p no:cacheprovider ${JUNIT_XML:+--junitxml "$JUNIT_XML"}
