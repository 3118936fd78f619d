#!/usr/bin/env bash
# Publishes to the loopback registries of scripts/ci/registries.sh what a maintainer publishes to the team's
# (docs/releasing.md), with the same commands: the previous release (releases/npm/) and the new build to Verdaccio
# with `npm publish`, the wheel and sdist to pypiserver with `twine upload`, the Maven artifact with
# `mvn deploy:deploy-file` to a file repository, the Go module into a GOPROXY folder. Needs the bumped build and
# `registries.sh start`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
[ -f .ci-work/registries/env ] || { echo "$(basename "$0"): no loopback registries: run 'bash scripts/ci/registries.sh start' first" >&2; exit 1; }
# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh
s=$SECONDS

echo "--- npm publish @sanders/batch-platform $previous (the previous release) and $version to $SANDERS_NPM_REGISTRY"
pub=$(mktemp -d "${TMPDIR:-/tmp}/sanders-publish.XXXXXX")
trap 'rm -rf "$pub"' EXIT
cp "$SANDERS_NPMRC" "$pub/.npmrc"   # @sanders:registry and the publishing user's token
echo '{ "private": true }' > "$pub/package.json"
for t in "$repo/$previous_tarball" "$repo/dist/js/batch-platform@$version.jsii.tgz"; do
  (cd "$pub" && npm publish --loglevel=warn "$t")
done
(cd "$pub" && npm view @sanders/batch-platform versions dist-tags --json)

echo "--- twine upload to $SANDERS_PYPI_URL"
.venv/bin/twine upload --non-interactive --disable-progress-bar --repository-url "$SANDERS_PYPI_URL" -u sanders-ci -p loopback-only \
  "dist/python/sanders_batch_platform-$version-py3-none-any.whl" "dist/python/sanders_batch_platform-$version.tar.gz"

echo "--- mvn deploy:deploy-file to file://$SANDERS_MAVEN_REPO"
a=dist/java/com/sanders/batch-platform/$version/batch-platform-$version
mvn -B -q org.apache.maven.plugins:maven-deploy-plugin:3.1.2:deploy-file -Durl="file://$SANDERS_MAVEN_REPO" \
  -DrepositoryId=sanders -DpomFile="$a.pom" -Dfile="$a.jar" -Dsources="$a-sources.jar" -Djavadoc="$a-javadoc.jar"
ls "$SANDERS_MAVEN_REPO/com/sanders/batch-platform/$version"

echo "--- Go module into the GOPROXY folder $SANDERS_GOPROXY_DIR"
module=$(sed -n 's/^module //p' dist/go/sandersbatchplatform/go.mod)
python3 - "$SANDERS_GOPROXY_DIR" "$module" "v$version" dist/go/sandersbatchplatform "$(git log -1 --format=%cI)" <<'PY'
# The module proxy protocol (go help goproxy): <module>/@v/list, <version>.info, .mod and .zip, whose files sit
# under <module>@<version>/ (golang.org/x/mod/zip's layout).
import json, os, sys, zipfile
root, module, version, src, time = sys.argv[1:]
at = os.path.join(root, module, "@v")
os.makedirs(at, exist_ok=True)
with open(os.path.join(at, "list"), "a") as f: f.write(version + "\n")
with open(os.path.join(at, version + ".info"), "w") as f: json.dump({"Version": version, "Time": time}, f)
with open(os.path.join(src, "go.mod")) as i, open(os.path.join(at, version + ".mod"), "w") as o: o.write(i.read())
with zipfile.ZipFile(os.path.join(at, version + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk(src):
        for name in sorted(files):
            path = os.path.join(d, name)
            z.write(path, f"{module}@{version}/{os.path.relpath(path, src)}")
print(f"{module} {version}: {os.path.join(at, version + '.zip')}")
PY
echo "publish-local: published $version in $((SECONDS - s)) s"
