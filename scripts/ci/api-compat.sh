#!/usr/bin/env bash
# `npx projen release:api-check` (scripts/test.sh runs it after `npx projen release`): compares the jsii assembly of
# the build (.jsii, at dist/version.txt's version) with the previous release's (the npm tarball in releases/npm/) with
# jsii-diff, errors on every API, experimental included (`--error-on all`: the package is marked experimental until
# 1.0, and jsii-diff's default would let every change of an experimental API through). A breaking change passes only
# when the release says so: a major version (while 0.x, a minor one) and "BREAKING" in its changelog section
# (dist/changelog.md, which `npx projen bump` writes from `feat!:` commits and `BREAKING CHANGE:` footers).
#   bash scripts/ci/api-compat.sh [previous-package-dir-or-tarball] [new-version] [changelog]   (arguments for tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"

if [ $# -ge 3 ]; then
  previous_input=$1 version=$2 changelog=$3
else
  # shellcheck source=/dev/null
  source scripts/ci/release-version.sh
  previous_input=$previous_tarball changelog=dist/changelog.md
fi
[ -f .jsii ] || { echo "api-compat: no .jsii: compile first ('npx projen compile' or the release task)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-api-compat.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -d "$previous_input" ]; then
  old=$previous_input
else
  tar -xzf "$previous_input" -C "$work"
  old=$work/package
  # jsii-diff loads the old assembly's dependencies (aws-cdk-lib, constructs) from beside it.
  ln -s "$repo/node_modules" "$old/node_modules"
fi
previous_version=$(node -p "JSON.parse(require('fs').readFileSync('$old/.jsii', 'utf8')).version")

set +e
report=$("$repo/node_modules/.bin/jsii-diff" --error-on all --keys "$old" "$repo" 2>&1)
status=$?
set -e
breaking=$(grep -E '^err ' <<<"$report" || true)
if [ $status -ne 0 ] && [ -z "$breaking" ]; then
  echo "$report" >&2
  echo "api-compat: jsii-diff failed without a list of changes (exit $status)" >&2
  exit 1
fi
count=$(grep -c . <<<"$breaking" || true)
echo "api-compat: $previous_version -> $version: $count breaking change(s) of the public API (jsii-diff --error-on all)"
[ "$count" -eq 0 ] && { echo "api-compat: OK"; exit 0; }
echo "$breaking"

IFS=. read -r old_major old_minor _ <<<"$previous_version"
IFS=. read -r new_major new_minor _ <<<"$version"
# Semantic versioning: a breaking change needs a new major version; while the major is 0, a new minor one
# (commit-and-tag-version bumps 0.x that way).
if [ "$new_major" -gt "$old_major" ] || { [ "$old_major" -eq 0 ] && [ "$new_major" -eq 0 ] && [ "$new_minor" -gt "$old_minor" ]; }; then
  bump_ok=1
else
  bump_ok=0
fi
if [ -f "$changelog" ] && grep -q 'BREAKING' "$changelog"; then says=1; else says=0; fi

problems=()
[ $bump_ok -eq 1 ] || problems+=("version $version after $previous_version is not a breaking release: a breaking change needs a new major version (while 0.x, a new minor one); mark the commit 'feat!:' or add a 'BREAKING CHANGE:' footer, or keep the old API")
[ $says -eq 1 ] || problems+=("the changelog of $version ($changelog) does not say BREAKING: mark the commit 'feat!:' or add a 'BREAKING CHANGE:' footer that says what changed")
if [ ${#problems[@]} -gt 0 ]; then
  printf 'api-compat: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "api-compat: OK, the breaking changes above come with version $version and a changelog that says BREAKING"
