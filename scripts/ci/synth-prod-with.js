// Synthesizes the example prod stack (test/integ/platform-stack.ts: SandersCustomerPlatformStack, environment prod)
// with an installed release of @sanders/batch-platform instead of src/: the file's `../../src` import resolves to
// <package> in <app dir>'s node_modules (the package's name, or the alias `npm install` gave a release), and its
// aws-cdk-lib and constructs resolve there too.
// Usage: node scripts/ci/synth-prod-with.js <app dir> <package> <out dir>; prints the template's path.
const Module = require('module');
const path = require('path');
const [appDir, pkg, outDir] = process.argv.slice(2).map((p, i) => (i === 1 ? p : path.resolve(p)));
const repo = path.resolve(__dirname, '../..');
const stackFile = path.join(repo, 'test/integ/platform-stack.ts');
const src = path.join(repo, 'src');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const from = parent?.filename;
  if (from === stackFile && path.resolve(path.dirname(from), request) === src) {
    return require.resolve(pkg, { paths: [appDir] });
  }
  if (from === stackFile && /^(aws-cdk-lib|constructs)(\/|$)/.test(request)) {
    return require.resolve(request, { paths: [appDir] });
  }
  return resolve.call(this, request, parent, ...rest);
};

require(path.join(repo, 'node_modules/ts-node')).register({ transpileOnly: true, project: path.join(repo, 'tsconfig.dev.json') });
const { App } = require(require.resolve('aws-cdk-lib', { paths: [appDir] }));
const { SandersCustomerPlatformStack } = require(stackFile);
const version = require(require.resolve(`${pkg}/package.json`, { paths: [appDir] })).version;
const app = new App({ outdir: outDir });
const stack = new SandersCustomerPlatformStack(app, 'prod');
app.synth();
console.error(`synthesized ${stack.stackName} with @sanders/batch-platform ${version} (${pkg} in ${appDir})`);
console.log(path.join(outDir, `${stack.stackName}.template.json`));
