/**
 * Synth benchmark: `npx projen bench:synth [-- --reps 7]`.
 *
 * Side by side in one run, it times the synth of
 *   - an empty CDK app (an `App` with one empty `Stack`), and
 *   - the example prod stack (`SandersCustomerPlatformStack-prod`: one `SandersBatchPlatform` with default props,
 *     `environment: 'prod'`),
 * each in a fresh `node` process, the way `cdk synth` runs an app: the CLI starts the app as a child process
 * with `CDK_OUTDIR` and `CDK_CONTEXT_JSON` (the context below is what aws-cdk's CLI passes by default), and the
 * user waits until that process has loaded aws-cdk-lib, built the tree and written `cdk.out`. The library
 * runs as compiled JavaScript (its `src/` transpiled into a temporary folder, as `lib/` ships), so neither
 * figure includes ts-node. The two apps alternate, the order flipping every repetition, and the figure is the
 * median wall time of each; the ratio is prod / empty (goal: 1.5 or less).
 *
 * Also printed, for reading the figures rather than for the goal (each in a fresh process too):
 *   - each process's phases (require, build the tree, synth), from `performance.now()` inside it;
 *   - the modules alone: an empty stack in an app that first requires every module (aws-cdk-lib's and the
 *     packages it uses) that the prod synth loaded, in the same order, and nothing of the library: the part of the
 *     prod figure that no construct code can save while the library builds on aws-cdk-lib's L2s;
 *   - the prod template as plain L1 resources (core's `CfnResource`, no service module loaded): what the same
 *     resources cost to build and synthesize without any L2 or library code;
 *   - the prod stack built again in one process after a warm-up (modules loaded, code compiled): the work
 *     that is left when nothing has to be loaded.
 *
 * `--profile DIR` writes a V8 CPU profile of one prod run into DIR (open it in Chrome DevTools).
 * No test times this: the machine's load moves the figures; the benchmark prints them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

/** The context aws-cdk's CLI gives an app by default (`contextFromSettings` in the CLI), plus `-c environment=prod`. */
const CLI_CONTEXT = {
  'environment': 'prod',
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

/** Each app prints its phases as JSON on its last line of output. */
const PHASES = `
const __t0 = performance.now();
function __report(t1, t2, t3) {
  console.log(JSON.stringify({ require: t1 - __t0, build: t2 - t1, synth: t3 - t2 }));
}`;

const APPS: { [name: string]: string } = {
  'empty.js': `${PHASES}
const { App, Stack } = require('aws-cdk-lib');
const t1 = performance.now();
const app = new App();
new Stack(app, 'EmptyStack');
const t2 = performance.now();
app.synth();
__report(t1, t2, performance.now());
`,
  'prod.js': `${PHASES}
const { App, Stack } = require('aws-cdk-lib');
const { SandersBatchPlatform } = require('./lib');
const t1 = performance.now();
const app = new App();
const environment = app.node.tryGetContext('environment');
const stack = new Stack(app, 'SandersCustomerPlatformStack-' + environment);
new SandersBatchPlatform(stack, 'Platform', { environment });
const t2 = performance.now();
app.synth();
const t3 = performance.now();
if (process.env.BENCH_LIST_MODULES) {
  const lib = require('path').join(__dirname, 'lib');
  const loaded = Object.keys(require.cache).filter(f => !f.startsWith(lib) && f !== __filename);
  require('fs').writeFileSync(process.env.BENCH_LIST_MODULES, JSON.stringify(loaded));
}
__report(t1, t2, t3);
`,
  'modules.js': `${PHASES}
const { App, Stack } = require('aws-cdk-lib');
for (const file of JSON.parse(require('fs').readFileSync(process.env.BENCH_MODULES, 'utf8'))) require(file);
const t1 = performance.now();
const app = new App();
new Stack(app, 'EmptyStack');
const t2 = performance.now();
app.synth();
__report(t1, t2, performance.now());
`,
  'l1.js': `${PHASES}
const { App, Stack, CfnResource } = require('aws-cdk-lib');
const template = JSON.parse(require('fs').readFileSync(process.env.BENCH_TEMPLATE, 'utf8'));
const t1 = performance.now();
const app = new App();
const stack = new Stack(app, 'PlainL1Stack');
for (const [id, r] of Object.entries(template.Resources)) {
  const resource = new CfnResource(stack, id, { type: r.Type, properties: r.Properties });
  resource.overrideLogicalId(id);
  for (const [key, value] of Object.entries(r)) if (!['Type', 'Properties'].includes(key)) resource.addOverride(key, value);
}
const t2 = performance.now();
app.synth();
__report(t1, t2, performance.now());
`,
  'warm.js': `
const { App, Stack } = require('aws-cdk-lib');
const { SandersBatchPlatform } = require('./lib');
const fs = require('fs'), os = require('os'), path = require('path');
const times = [];
for (let i = 0; i < Number(process.env.BENCH_REPS) + 2; i++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-warm-'));
  const t0 = performance.now();
  const app = new App({ outdir });
  new SandersBatchPlatform(new Stack(app, 'SandersCustomerPlatformStack-prod'), 'Platform', { environment: 'prod' });
  app.synth();
  if (i >= 2) times.push(performance.now() - t0);
  fs.rmSync(outdir, { recursive: true, force: true });
}
console.log(JSON.stringify({ times }));
`,
};

interface Run {
  readonly wall: number;
  readonly require: number;
  readonly build: number;
  readonly synth: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** `src/` as CommonJS in `<work>/lib`, transpiled file by file as jsii's tsc would emit it (no type check). */
function transpileLibrary(work: string): void {
  const src = path.join(ROOT, 'src');
  for (const file of files(src).filter(f => f.endsWith('.ts'))) {
    const out = path.join(work, 'lib', path.relative(src, file)).replace(/\.ts$/, '.js');
    const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    }).outputText;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, js);
  }
}

function runApp(work: string, app: string, extraEnv: { [key: string]: string } = {}, nodeArgs: string[] = []): { run: Run; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-out-'));
  const env = {
    ...process.env,
    // aws-cdk-lib and constructs from this repository's node_modules, as an app's own node_modules would serve them.
    NODE_PATH: path.join(ROOT, 'node_modules'),
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify(CLI_CONTEXT),
    AWS_REGION: process.env.AWS_REGION ?? 'eu-central-1',
    ...extraEnv,
  };
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...nodeArgs, path.join(work, app)], { cwd: work, env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${app} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  const phases = JSON.parse(result.stdout.trim().split('\n').pop()!);
  return { run: { wall, ...phases }, outdir };
}

function row(name: string, runs: Run[]): string {
  const m = (k: keyof Run) => `${median(runs.map(r => r[k])).toFixed(0)} ms`.padStart(9);
  return `| ${name.padEnd(50)} | ${m('wall')} | ${m('require')} | ${m('build')} | ${m('synth')} |`;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const reps = Number(option('--reps') ?? 7);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a whole number of 1 or more, got '${option('--reps')}'`);
  const profileDir = option('--profile');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    transpileLibrary(work);
    for (const [name, code] of Object.entries(APPS)) fs.writeFileSync(path.join(work, name), code);

    // One prod run first: it checks the app works and gives the template for the L1 baseline (not counted).
    const modulesFile = path.join(work, 'modules.json');
    const first = runApp(work, 'prod.js', { BENCH_LIST_MODULES: modulesFile });
    const template = JSON.parse(fs.readFileSync(path.join(first.outdir, 'SandersCustomerPlatformStack-prod.template.json'), 'utf8'));
    // The parts CDK adds to every stack itself would be added twice.
    delete template.Parameters;
    delete template.Rules;
    delete template.Resources.CDKMetadata;
    delete template.Conditions?.CDKMetadataAvailable;
    const templateFile = path.join(work, 'prod.template.json');
    fs.writeFileSync(templateFile, JSON.stringify(template));
    const resources = Object.keys(template.Resources).length;
    const modules = JSON.parse(fs.readFileSync(modulesFile, 'utf8')).length;
    fs.rmSync(first.outdir, { recursive: true, force: true });

    const runs: { [app: string]: Run[] } = { 'empty.js': [], 'prod.js': [], 'modules.js': [], 'l1.js': [] };
    for (let i = 0; i < reps; i++) {
      const order = i % 2 === 0 ? ['empty.js', 'prod.js', 'modules.js', 'l1.js'] : ['l1.js', 'modules.js', 'prod.js', 'empty.js'];
      for (const app of order) {
        const { run, outdir } = runApp(work, app, { BENCH_TEMPLATE: templateFile, BENCH_MODULES: modulesFile });
        runs[app].push(run);
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
    const warm = spawnSync(process.execPath, [path.join(work, 'warm.js')], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), CDK_CONTEXT_JSON: JSON.stringify(CLI_CONTEXT), BENCH_REPS: String(reps) },
    });
    if (warm.status !== 0) throw new Error(`warm.js failed:\n${warm.stderr.slice(-2000)}`);
    const warmTimes: number[] = JSON.parse(warm.stdout.trim().split('\n').pop()!).times;

    const empty = median(runs['empty.js'].map(r => r.wall));
    const prod = median(runs['prod.js'].map(r => r.wall));
    const ratio = prod / empty;
    console.log(`Synth in a fresh node ${process.version} process each, as \`cdk synth\` runs an app; median of ${reps}, apps alternating.`);
    console.log(`Load average at the end: ${os.loadavg().map(l => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs (figures move with it; the ratio less).`);
    console.log();
    console.log(`| ${'app'.padEnd(50)} | wall      | require   | build     | synth     |`);
    console.log(`| ${'-'.repeat(50)} | --------- | --------- | --------- | --------- |`);
    console.log(row('empty CDK app (one empty stack)', runs['empty.js']));
    console.log(row(`example prod stack (${resources} resources)`, runs['prod.js']));
    console.log(row(`the modules prod loads (${modules} files), empty stack`, runs['modules.js']));
    console.log(row('same template as plain L1 (core CfnResource)', runs['l1.js']));
    console.log();
    const over = (app: string) => (median(runs[app].map(r => r.wall)) / empty).toFixed(2);
    console.log(`prod / empty: ${ratio.toFixed(2)}  (goal: 1.5 or less: ${ratio <= 1.5 ? 'met' : 'NOT met'})`);
    console.log(`modules alone / empty: ${over('modules.js')}`);
    console.log(`plain L1 / empty: ${over('l1.js')}`);
    console.log(`prod stack again in one warm process (build + synth, nothing left to load): ${median(warmTimes).toFixed(0)} ms`);

    if (profileDir) {
      fs.mkdirSync(profileDir, { recursive: true });
      const { outdir } = runApp(work, 'prod.js', {}, ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`]);
      fs.rmSync(outdir, { recursive: true, force: true });
      console.log(`CPU profile of one prod run written to ${profileDir}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
