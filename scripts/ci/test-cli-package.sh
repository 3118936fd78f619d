#!/usr/bin/env bash
# The batch-platform CLI as a user gets it: cli/ built and packed (npm pack), the tarball installed in a fresh folder
# (npm install <tgz>, its dependencies from the registry), and the day of operations and the simulations run against
# that installed bin (test/cli/*.test.ts with BATCH_PLATFORM_CLI_BIN), with loopback AWS endpoints.
# The package gets the library's version: dist/version.txt after `projen bump` (a release), else package.json's.
# Needs the root npm install (typescript, jest, aws-cdk-lib for the synthesized templates) and cli/'s own (npm ci --prefix cli).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
version=$(cat dist/version.txt 2>/dev/null || node -p "require('./package.json').version")
work=$(mktemp -d)
cleanup() {
  # The version in cli/package.json goes back to what is committed, however the script ends.
  git -C "$root" checkout -- cli/package.json cli/package-lock.json 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- build and pack @sanders/batch-platform-cli $version"
(cd cli && npm version "$version" --no-git-tag-version --allow-same-version > /dev/null && rm -rf lib && npm run --silent build && npm pack --pack-destination "$work" --silent)
tarball=$(ls "$work"/sanders-batch-platform-cli-*.tgz)
# The listing goes to a file first: `tar | grep -q` fails under pipefail when grep stops reading early (SIGPIPE).
tar -tzf "$tarball" > "$work/files.txt"
grep -qx 'package/lib/cli/src/main.js' "$work/files.txt" || { echo "the tarball has no lib/cli/src/main.js" >&2; exit 1; }
if grep -E '\.ts$|node_modules/' "$work/files.txt"; then echo "the tarball holds sources or node_modules (above)" >&2; exit 1; fi

echo "--- install the tarball in a fresh folder"
mkdir "$work/app"
(cd "$work/app" && npm init -y > /dev/null && npm install --no-audit --no-fund "$tarball" > /dev/null)
bin="$work/app/node_modules/.bin/batch-platform"
[ -x "$bin" ] || { echo "npm install did not link the batch-platform bin" >&2; exit 1; }
installed=$(node -p "require('$work/app/node_modules/@sanders/batch-platform-cli/package.json').version")
[ "$installed" = "$version" ] || { echo "installed CLI is $installed, expected $version" >&2; exit 1; }
"$bin" --help > "$work/help.txt"
grep -q simulate "$work/help.txt" || { echo "batch-platform --help does not list simulate" >&2; exit 1; }

echo "--- the installed CLI against loopback endpoints: a day of operations, and simulate"
BATCH_PLATFORM_CLI_BIN="$work/app/node_modules/@sanders/batch-platform-cli/lib/cli/src/main.js" \
  npx jest --ci test/cli/cli-day.test.ts test/cli/cli-dev.test.ts test/cli/cli-simulate.test.ts --testPathIgnorePatterns=/node_modules/
# (The paths come before --testPathIgnorePatterns: it takes a list, and would swallow them, running every other test.)
suites=$(grep -c '<testsuite ' test-reports/junit.xml || true)
[ "$suites" = 3 ] || { echo "expected the 3 CLI test files to run, jest ran $suites" >&2; exit 1; }
# The summary at the end of scripts/test.sh counts this run too.
if [ -n "${JUNIT_XML:-}" ]; then cp test-reports/junit.xml "$JUNIT_XML"; fi
echo "CLI package $version: packed, installed from the tarball in a fresh folder, and tested"
