# Sourced by the release scripts: $version, the version of the build in dist/ (`npx projen bump` wrote
# dist/version.txt), and $previous, the previous release's (the tarball in releases/npm/).
version=$(cat dist/version.txt 2>/dev/null) || { echo "no dist/version.txt: run 'npx projen bump' before the build (scripts/test.sh does)" >&2; exit 1; }
shopt -s nullglob
previous_tarballs=(releases/npm/sanders-batch-platform-*.tgz)
shopt -u nullglob
[ "${#previous_tarballs[@]}" -eq 1 ] || { echo "expected one previous release in releases/npm/, found ${#previous_tarballs[@]}" >&2; exit 1; }
previous_tarball=${previous_tarballs[0]}
previous=$(basename "$previous_tarball" .tgz); previous=${previous#sanders-batch-platform-}
