#!/usr/bin/env bash
# AWS's CloudFormation linter (Python cfn-lint from PyPI, in .venv) over every template the project
# synthesizes: the committed integ snapshots and a default-props consumer app (dev and prod).
# Fails on any error or warning; informational findings are printed but allowed.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/cfn-lint ] || bash scripts/ci/python-venv.sh
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
TS_NODE_TRANSPILE_ONLY=1 npx ts-node scripts/ci/default-consumer.ts "$out"
# The integ tests' DeployAssert stacks are left out: integ-tests-alpha writes them with no Resources
# section (nothing to assert offline), which is not a template CloudFormation would accept or anyone deploys.
templates=()
for t in test/integ/*.snapshot/*.template.json "$out"/*.template.json; do
  case "$t" in *DeployAssert*) ;; *) templates+=("$t") ;; esac
done
echo "cfn-lint $(.venv/bin/cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates"
# Ignored on purpose (docs/security.md, "cfn-lint"): W3005, a DependsOn next to a GetAtt of the same resource.
# aws-cdk-lib writes it itself (StateMachine and the custom-resource provider depend on their role's whole
# construct, so the role's managed policy is attached first); it is redundant, not wrong.
.venv/bin/cfn-lint --non-zero-exit-code warning --format parseable --ignore-checks W3005 -- "${templates[@]}"
echo "cfn-lint: no errors, no warnings"
