// A `--require` hook for scripts/ci/synth-prod-with.js: in the process of the example app, every import of the
// repository's `src` (from a file of the repository outside node_modules) resolves to the release RELEASE_PACKAGE
// installed in RELEASE_APP_DIR, and so do aws-cdk-lib and constructs, so the release runs on its own aws-cdk-lib.
const Module = require('module');
const path = require('path');

const repo = path.resolve(__dirname, '../..');
const src = path.join(repo, 'src');
const appDir = process.env.RELEASE_APP_DIR;
const pkg = process.env.RELEASE_PACKAGE;
if (!appDir || !pkg) throw new Error('release-resolver: set RELEASE_APP_DIR and RELEASE_PACKAGE');

const ownFile = (file) => typeof file === 'string' && file !== __filename && file.startsWith(repo + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const from = parent?.filename;
  if (ownFile(from) && request.startsWith('.') && path.resolve(path.dirname(from), request) === src) {
    return require.resolve(pkg, { paths: [appDir] });
  }
  if (ownFile(from) && /^(aws-cdk-lib|constructs)(\/|$)/.test(request)) {
    return require.resolve(request, { paths: [appDir] });
  }
  return resolve.call(this, request, parent, ...rest);
};
