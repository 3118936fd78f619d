#!/usr/bin/env bash
# The first step of `npx projen bump`: projen bumps from the latest `v*` git tag, and a clone may not have the tags
# (CI's fresh clone, `git clone --no-tags`, a fork). The released version is also recorded in committed files:
# CHANGELOG.md's top section, written when the release was recorded (`npx projen release:record`). The release
# commit is the parent of the commit that added that section: the record commit comes right after the release
# (docs/releasing.md). When the tag of CHANGELOG.md's newest version is missing, this puts it back there as a
# local tag, so the bump counts the commits since that release. A tag that exists is never moved.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f CHANGELOG.md ] || { echo "restore-release-tag: no CHANGELOG.md: first release"; exit 0; }
# CHANGELOG.md's headings are commit-and-tag-version's: "## [0.2.0](compare link) (date)", "### [0.1.1](...)".
version=$(sed -nE 's/^#{2,3} \[?v?([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?)\]?.*$/\1/p' CHANGELOG.md | head -1)
[ -n "$version" ] || { echo "restore-release-tag: CHANGELOG.md names no release: first release"; exit 0; }
tag=v$version
if git rev-parse -q --verify "refs/tags/$tag" > /dev/null; then
  echo "restore-release-tag: $tag is tagged ($(git rev-parse --short "$tag^{commit}"))"
  exit 0
fi
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  echo "restore-release-tag: $tag is not tagged and this clone is shallow: run 'git fetch --unshallow --tags' first" >&2
  exit 1
fi
# The oldest commit that changed a line of CHANGELOG.md with this version's heading: the one that added it.
record=$(git log -E --format=%H -G"^###? \[?${version//./\\.}[] ]" -- CHANGELOG.md | tail -1)
[ -n "$record" ] || { echo "restore-release-tag: CHANGELOG.md's $version section is not committed: commit it, or tag the release commit $tag" >&2; exit 1; }
release=$(git rev-parse -q --verify "$record^" || echo "$record")
git tag "$tag" "$release"
echo "restore-release-tag: tagged $tag on $(git log -1 --format='%h %s' "$release") (the parent of $(git rev-parse --short "$record"), which recorded $version in CHANGELOG.md)"
