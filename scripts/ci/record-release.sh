#!/usr/bin/env bash
# `npx projen release:record`, after `npx projen release` built a release into dist/ (docs/releasing.md): prepends
# the release's section (dist/changelog.md, from commit-and-tag-version) to CHANGELOG.md and keeps its npm tarball as
# releases/npm/, the previous release the next upgrade-safety check compares with. Commit both right away, in a
# commit of their own on top of the release commit: scripts/ci/restore-release-tag.sh relies on that order.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(cat dist/version.txt 2>/dev/null) || { echo "record-release: dist/version.txt missing: run 'npx projen release' first" >&2; exit 1; }
tarball=dist/js/batch-platform@$version.jsii.tgz
[ -f "$tarball" ] || { echo "record-release: $tarball missing" >&2; exit 1; }
[ -f CHANGELOG.md ] || printf '# Changelog\n' > CHANGELOG.md
grep -qE "^###? \[?${version//./\\.}[] ]" CHANGELOG.md && { echo "record-release: CHANGELOG.md already has $version" >&2; exit 1; }
{
  head -n 1 CHANGELOG.md   # the "# Changelog" title
  echo
  sed '/./,$!d' dist/changelog.md   # without the blank lines it starts with
  tail -n +2 CHANGELOG.md
} > CHANGELOG.md.new
mv CHANGELOG.md.new CHANGELOG.md
git rm -q --ignore-unmatch 'releases/npm/*.tgz'
mkdir -p releases/npm
cp "$tarball" "releases/npm/sanders-batch-platform-$version.tgz"
git add CHANGELOG.md releases/npm
echo "record-release: CHANGELOG.md and releases/npm/sanders-batch-platform-$version.tgz staged; commit them now:"
echo "  git commit -m 'chore: record release v$version'"
