#!/usr/bin/env bash
# The packages in dist/ before they are published (`npx projen release:check`): one version in the npm, Python,
# Java and Go packages; `npm publish --dry-run`; `twine check`; the npm tarball holds lib/, .jsii, API.md,
# README.md, CHANGELOG.md and LICENSE (and engines.node) and nothing from test/, scripts/ or the sources; the metadata Construct Hub reads
# (keywords awscdk and cdk, stability, repository, license, the jsii language targets). Fails on the first problem
# group with every problem of that group listed. Needs the bumped build: bump, build, package:python|java|go.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/ci/release-version.sh
fail() { echo "package-checks: $*" >&2; exit 1; }
problems=()

echo "--- one version ($version) in every package"
tarball=dist/js/batch-platform@$version.jsii.tgz
wheel=dist/python/sanders_batch_platform-$version-py3-none-any.whl
sdist=dist/python/sanders_batch_platform-$version.tar.gz
jar=dist/java/com/sanders/batch-platform/$version/batch-platform-$version.jar
pom=dist/java/com/sanders/batch-platform/$version/batch-platform-$version.pom
gomod=dist/go/sandersbatchplatform
for f in "$tarball" "$wheel" "$sdist" "$jar" "$pom" "$gomod/go.mod"; do [ -f "$f" ] || problems+=("$f is missing"); done
[ ${#problems[@]} -eq 0 ] || fail "$(printf '\n  - %s' "${problems[@]}")"
[ "$(tar -xzOf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0)).version')" = "$version" ] || problems+=("$tarball: package.json has another version")
[ "$(tar -xzOf "$tarball" package/.jsii | node -p 'JSON.parse(require("fs").readFileSync(0)).version')" = "$version" ] || problems+=("$tarball: .jsii has another version")
grep -qx "Version: $version" <(unzip -p "$wheel" "sanders_batch_platform-$version.dist-info/METADATA") || problems+=("$wheel: METADATA has another version")
grep -q "<version>$version</version>" "$pom" || problems+=("$pom: another version")
[ "$(cat "$gomod/version" 2>/dev/null)" = "$version" ] || problems+=("$gomod/version is '$(cat "$gomod/version" 2>/dev/null)', not $version")
[ ${#problems[@]} -eq 0 ] || fail "$(printf '\n  - %s' "${problems[@]}")"
echo "npm $tarball, PyPI $(basename "$wheel") and $(basename "$sdist"), Maven com.sanders:batch-platform:$version, Go $gomod: all $version"

echo "--- the npm tarball's files"
listing=$(tar -tzf "$tarball")
for need in package/lib/index.js package/lib/index.d.ts package/.jsii package/API.md package/README.md package/CHANGELOG.md package/LICENSE package/package.json; do
  grep -qx "$need" <<<"$listing" || problems+=("$need is missing")
done
# Nothing else: no sources, tests, scripts, synthesized output (cdk.out), releases, development files or contributor docs.
extra=$(grep -vE '^package/(lib/.*\.(js|d\.ts)|docs/[^/]+\.md|\.jsii|API\.md|README\.md|CHANGELOG\.md|LICENSE|package\.json)$' <<<"$listing" || true)
contributor=$(grep -E '^package/docs/(contributing|releasing)\.md$' <<<"$listing" || true)
[ -z "$contributor" ] || problems+=("contributor docs a user does not need: $(tr '\n' ' ' <<<"$contributor")")
engines=$(tar -xzOf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0)).engines?.node ?? ""')
[ -n "$engines" ] || problems+=("package.json has no engines.node: say which Node versions the library supports (minNodeVersion in .projenrc.ts)")
[ -z "$extra" ] || problems+=("files a user does not need: $(tr '\n' ' ' <<<"$extra")")
[ ${#problems[@]} -eq 0 ] || fail "$(printf '\n  - %s' "${problems[@]}")"
echo "$(wc -l <<<"$listing") files: lib/ ($(grep -c '^package/lib/' <<<"$listing")), .jsii, API.md, README.md, CHANGELOG.md, LICENSE, package.json, docs/ (engines.node $engines)"

echo "--- Construct Hub metadata (package.json and .jsii in the tarball)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-package-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
node - "$work/package" <<'JS' || exit 1
const dir = process.argv[2];
const pkg = require(`${dir}/package.json`);
const jsii = JSON.parse(require("fs").readFileSync(`${dir}/.jsii`, "utf8"));
const problems = [];
for (const k of ['awscdk', 'cdk']) if (!(pkg.keywords ?? []).includes(k)) problems.push(`package.json keywords lack "${k}" (Construct Hub lists packages by "awscdk")`);
if (!['stable', 'experimental', 'deprecated'].includes(pkg.stability)) problems.push(`package.json stability is ${pkg.stability}`);
if (!/^https:\/\/github\.com\/.+\.git$/.test(pkg.repository?.url ?? '')) problems.push(`package.json repository.url is ${pkg.repository?.url}`);
if (pkg.license !== 'Apache-2.0') problems.push(`package.json license is ${pkg.license}`);
if (!pkg.description) problems.push('package.json has no description');
if (!pkg.author?.name) problems.push('package.json has no author');
if (!pkg.peerDependencies?.['aws-cdk-lib'] || !pkg.peerDependencies?.constructs) problems.push('aws-cdk-lib and constructs must be peer dependencies');
for (const t of ['python', 'java', 'go']) if (!jsii.targets?.[t]) problems.push(`.jsii has no ${t} target (Construct Hub shows the languages from it)`);
if (jsii.name !== pkg.name || jsii.version !== pkg.version) problems.push(`.jsii is ${jsii.name}@${jsii.version}, package.json ${pkg.name}@${pkg.version}`);
if (problems.length) { console.error(`package-checks:\n  - ${problems.join('\n  - ')}`); process.exit(1); }
console.log(`${pkg.name}@${pkg.version}: keywords ${pkg.keywords.join(', ')}; stability ${pkg.stability}; ${pkg.license}; ${pkg.repository.url}; jsii targets ${Object.keys(jsii.targets).join(', ')}`);
JS

echo "--- npm publish --dry-run"
echo '{ "private": true }' > "$work/package.json"
abs_tarball=$(realpath "$tarball")
out=$(cd "$work" && npm publish --dry-run "$abs_tarball" 2>&1) || { echo "$out" >&2; fail "npm publish --dry-run $tarball failed"; }
grep -E 'npm notice (name|version|filename|package size|unpacked size|total files)' <<<"$out" || true

echo "--- twine check"
.venv/bin/twine check --strict "$wheel" "$sdist"
echo "package-checks: OK"
