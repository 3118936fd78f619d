#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite: `bash scripts/test.sh`.
# Needs Node 20+ with npm, Python 3.10+, Java 17 with Maven and Go 1.25+ (it builds and uses every package).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 \
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
start=$SECONDS
step() { echo; echo "=== $* ($((SECONDS - start)) s)"; }

step "install npm packages (the library, and the CLI in cli/)"
npm ci --no-audit --no-fund
npm ci --prefix cli --no-audit --no-fund

step "install Python tools into .venv"
bash scripts/ci/python-venv.sh

# Release checks (docs/releasing.md): the loopback registries are stopped, and the version put back to 0.0.0,
# however the script ends.
cleanup() {
  bash scripts/ci/registries.sh stop || true
  if [ "$(node -p "require('./package.json').version")" != 0.0.0 ]; then npx projen unbump > /dev/null || true; fi
}
trap cleanup EXIT

step "release version and build: projen's release task: bump (from the previous release's tag, restored from CHANGELOG.md when the clone has none, and the conventional commits since), build (compile, unit tests, integ snapshots, lint, API.md, JS package), unbump"
# The build's jest runs on another day's clock (scripts/ci/jest.sh, scripts/ci/jest-other-clock.sh): the next leap day,
# just before midnight UTC, at UTC+14. Once: a test that passes only on the day it was written fails there.
JEST_OTHER_CLOCK=1 npx projen release
release_version=$(cat dist/version.txt)
echo "release version: $release_version"

step "generated files are committed: API.md, projen files, lint fixes, integ snapshots"
if [ -n "$(git status --porcelain)" ]; then
  git status --short
  echo "the build changed or added files (above): run 'npx projen build' and commit what it generates" >&2
  exit 1
fi
# Each run's JUnit report is kept for the summary at the end (which counts them, scripts/ci/junit-summary.ts).
junit=.ci-work/junit
rm -rf "$junit" && mkdir -p "$junit"
cp test-reports/junit.xml "$junit/jest.xml"

step "public API against the previous release (jsii-diff on releases/npm/): a breaking change needs a major (0.x: minor) version and BREAKING in its changelog"
bash scripts/ci/api-compat.sh

step "type check of everything TypeScript outside the library: tests, scripts (scripts/ci, scripts/lib), .projenrc.ts; and the JavaScript modules (tsconfig.mjs.json)"
npx tsc --noEmit -p tsconfig.dev.json
npx tsc -p tsconfig.mjs.json

step "mutation testing of the change: StrykerJS on the lines of the mutation-tested modules changed since HEAD~1 (scripts/ci/mutation-diff.sh, at most ${MUTATION_BUDGET_SECONDS:-240} s)"
bash scripts/ci/mutation-diff.sh HEAD~1


step "cfn-lint (AWS, from PyPI) over every synthesized template: no errors, no warnings"
bash scripts/ci/cfn-lint.sh

step "AWS conformance audit (botocore, policy_sentry, parliament; pytest on crafted bad templates) and cfn-lint's informational checks"
JUNIT_XML="$PWD/$junit/conformance.xml" bash scripts/ci/conformance.sh

# With CI set, projen's `package` builds only JavaScript: the other languages have tasks of their own.
step "Python package (dist/python)"
npx projen package:python
step "Java package (dist/java)"
npx projen package:java
step "Go module (dist/go)"
npx projen package:go

step "package checks before publishing: one version everywhere, npm publish --dry-run, twine check, the npm package's files, Construct Hub metadata"
bash scripts/ci/package-checks.sh

step "registries on loopback: Verdaccio (npm), pypiserver (PyPI), a file Maven repository, a GOPROXY folder"
bash scripts/ci/registries.sh start
step "publish $release_version: npm publish (and the previous release from releases/npm/), twine upload, mvn deploy:deploy-file, Go module"
bash scripts/ci/publish-local.sh

step "the batch-platform CLI: packed, installed from its tarball in a fresh folder, run against loopback AWS endpoints driven by the simulation"
JUNIT_XML="$PWD/$junit/cli.xml" bash scripts/ci/test-cli-package.sh

step "upgrade safety: the example prod stack with the previous release and with $release_version, both installed from the registry"
bash scripts/ci/upgrade-safety.sh

step "consumer apps on the published packages, installed by name and version $release_version: TypeScript and cdk-nag (npm), Python (PyPI), Java (Maven coordinates), Go (GOPROXY)"
bash scripts/ci/consumer-typescript.sh
bash scripts/ci/consumer-nag.sh
JUNIT_XML="$PWD/$junit/consumer-python.xml" bash scripts/ci/consumer-python.sh
bash scripts/ci/consumer-java.sh
bash scripts/ci/consumer-go.sh

step "a new team's TypeScript app written from docs/consumer-app.md's text, on the packed library, for two accounts and two regions"
bash scripts/ci/consumer-from-docs.sh

echo
echo "=== all tests passed in $((SECONDS - start)) s: jest (unit, workflow simulation, compliance; on another day's clock), integ snapshots,"
echo "    cfn-lint, the AWS conformance audit (pytest), release $release_version: package checks, publish to loopback registries, upgrade safety, and the TypeScript,"
echo "    cdk-nag, Python (pytest), Java and Go consumer apps on the packages installed by name"
npx ts-node --transpile-only -P tsconfig.dev.json scripts/ci/junit-summary.ts "$junit"/jest.xml \
  "$junit"/conformance.xml "$junit"/consumer-python.xml "$junit"/cli.xml
