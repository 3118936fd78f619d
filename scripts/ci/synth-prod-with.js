// Synthesizes the example app in prod (`cdk synth -c environment=prod`: the app cdk.json names, run as the CDK CLI
// runs it, in a process of its own with CDK_OUTDIR and CDK_CONTEXT_JSON) with an installed release of
// @sanders/batch-platform instead of src/: every import of the repository's `src` resolves to <package> in
// <app dir>'s node_modules (the package's name, or the alias `npm install` gave a release), and the app's
// aws-cdk-lib and constructs resolve there too (scripts/ci/release-resolver.js).
// Usage: node scripts/ci/synth-prod-with.js <app dir> <package> <out dir>; prints the prod stack template's path.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [appDir, pkg, outDir] = process.argv.slice(2).map((p, i) => (i === 1 ? p : path.resolve(p)));
const repo = path.resolve(__dirname, '../..');
// cdk.json's app is `npx ts-node ... <entry>`: the entry is its last word.
const appCommand = JSON.parse(fs.readFileSync(path.join(repo, 'cdk.json'), 'utf8')).app;
const entry = path.join(repo, appCommand.trim().split(/\s+/).pop());

const result = spawnSync(process.execPath, [
  '--require', path.join(__dirname, 'release-resolver.js'),
  '--require', path.join(repo, 'node_modules/ts-node/register/transpile-only'),
  entry,
], {
  cwd: repo,
  encoding: 'utf8',
  env: {
    ...process.env,
    TS_NODE_PROJECT: path.join(repo, 'tsconfig.dev.json'),
    RELEASE_APP_DIR: appDir,
    RELEASE_PACKAGE: pkg,
    CDK_OUTDIR: outDir,
    CDK_CONTEXT_JSON: JSON.stringify({ environment: 'prod' }),
  },
});
if (result.status !== 0) {
  console.error(result.stdout, result.stderr);
  throw new Error(`the example app (${path.relative(repo, entry)}) failed with ${pkg}: exit ${result.status}`);
}
const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
if (stacks.length !== 1) throw new Error(`the example app wrote ${stacks.length} stacks, not 1: ${stacks.map(([name]) => name).join(', ')}`);
const [name, artifact] = stacks[0];
const version = require(require.resolve(`${pkg}/package.json`, { paths: [appDir] })).version;
console.error(`synthesized ${name} with @sanders/batch-platform ${version} (${pkg} in ${appDir})`);
console.log(path.join(outDir, artifact.properties.templateFile));
