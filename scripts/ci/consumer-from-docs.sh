#!/usr/bin/env bash
# The TypeScript app of docs/consumer-app.md, built from the page's text as a new team would: every block marked
# `<!-- file: typescript/<path> -->` written into an empty directory outside the repository, the block marked
# `<!-- run: typescript -->` run there (npm install from the public registry, the packed library from dist/js as a
# local file, tsc with the TypeScript the page names, cdk synth through the page's cdk.json), then the app synthesized
# for two accounts x two regions through the same cdk.json command. Checks: no `sanders` in any template, no bucket
# name twice. Needs `npx projen release` (or compile + package:js) first: dist/js/batch-platform@<version>.jsii.tgz.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=true
# The page's `cdk synth` takes the account and region from the AWS profile; CI has none, so they are given as the CLI
# would pass them (CDK_DEFAULT_*), and the metadata endpoint is not asked.
export CDK_DEFAULT_ACCOUNT="${CDK_DEFAULT_ACCOUNT:-123456789012}" AWS_REGION="${AWS_REGION:-eu-central-1}" AWS_EC2_METADATA_DISABLED=true
export CDK_DEFAULT_REGION="${CDK_DEFAULT_REGION:-$AWS_REGION}"
page=docs/consumer-app.md
shopt -s nullglob
tarballs=(dist/js/batch-platform@*.jsii.tgz)
shopt -u nullglob
[ "${#tarballs[@]}" -eq 1 ] || { echo "consumer-from-docs: expected one dist/js/batch-platform@*.jsii.tgz, found ${#tarballs[@]}: run 'npx projen release' first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-from-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
app=$work/acme-batch-platform
mkdir -p "$app"

echo "--- files of the TypeScript app from $page"
node - "$page" "$app" "$repo" <<'NODE'
const fs = require('fs');
const path = require('path');
const [page, dir, repo] = process.argv.slice(2);
const text = fs.readFileSync(page, 'utf8');
const blocks = [...text.matchAll(/<!-- (file|run): typescript(?:\/(\S+))? -->\n```[a-z]*\n([\s\S]*?)```/g)];
const files = blocks.filter(b => b[1] === 'file');
const runs = blocks.filter(b => b[1] === 'run');
if (files.length < 4 || runs.length !== 1) throw new Error(`${page}: expected at least 4 file blocks and 1 run block, found ${files.length} and ${runs.length}`);
for (const [, , name, body] of files) {
  fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), body);
  console.log(`  ${name} (${body.length} bytes)`);
}
// The page's placeholder for the checkout that was built is this repository.
fs.writeFileSync(path.join(dir, 'run.sh'), 'set -euxo pipefail\n' + runs[0][3].replace(/\/path\/to\/batch-platform/g, repo));
NODE

# With an explicit account and region, the VPC asks the account for the region's availability zones (a context
# lookup the CDK CLI makes with the AWS profile and keeps in cdk.context.json, which a team commits). CI has no
# profile: it gives the answer the lookup would store.
r=$CDK_DEFAULT_REGION
cat > "$app/cdk.context.json" <<JSON
{ "availability-zones:account=$CDK_DEFAULT_ACCOUNT:region=$r": ["${r}a", "${r}b", "${r}c"] }
JSON

echo "--- the page's commands"
(cd "$app" && bash run.sh) > "$work/run.log" 2>&1 || { cat "$work/run.log" >&2; echo "consumer-from-docs: the commands of $page failed (above)" >&2; exit 1; }
grep -E '^\+ ' "$work/run.log" || true
(cd "$app" && npm ls --depth=0 @sanders/batch-platform aws-cdk-lib constructs typescript tsx)

# The same app for two accounts and two regions, with the app command of the page's cdk.json (what `cdk synth` runs).
app_command=$(node -p "require('$app/cdk.json').app")
outs=()
for account in 111111111111 222222222222; do
  for region in eu-central-1 us-east-1; do
    out=$work/cdk.out-$account-$region
    (cd "$app" && CDK_OUTDIR=$out CDK_DEFAULT_ACCOUNT=$account CDK_DEFAULT_REGION=$region CDK_CONTEXT_JSON='{"environment":"prod"}' bash -c "$app_command") > /dev/null
    outs+=("$out")
  done
done

node - "$app/cdk.out" "${outs[@]}" <<'NODE'
const fs = require('fs');
const path = require('path');
const problems = [];
const buckets = new Map();
let templates = 0;
for (const dir of process.argv.slice(2)) {
  for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.template.json'))) {
    templates++;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const where = `${path.basename(dir)}/${file}`;
    const hits = text.match(/sanders/gi) ?? [];
    if (hits.length > 0) problems.push(`${where} names sanders ${hits.length} time(s): a team's own namePrefix must leave none`);
    for (const [id, r] of Object.entries(JSON.parse(text).Resources ?? {})) {
      if (r.Type !== 'AWS::S3::Bucket' || typeof r.Properties?.BucketName !== 'string') continue;
      const name = r.Properties.BucketName;
      if (buckets.has(name)) problems.push(`bucket name ${name} twice: ${buckets.get(name)} and ${where} ${id}`);
      buckets.set(name, `${where} ${id}`);
    }
  }
}
if (templates !== 5) problems.push(`expected 5 templates (dev by cdk synth, prod for 2 accounts x 2 regions), found ${templates}`);
if (buckets.size !== 5) problems.push(`expected 5 named buckets, found ${buckets.size}: ${[...buckets.keys()].join(', ')}`);
if (problems.length > 0) { console.error(`consumer-from-docs:\n  - ${problems.join('\n  - ')}`); process.exit(1); }
console.log(`${templates} templates, no sanders; bucket names: ${[...buckets.keys()].join(', ')}`);
NODE
echo "consumer-from-docs: OK"
