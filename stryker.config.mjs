// @ts-check
/**
 * StrykerJS over the modules where a bug loses data, money or a night (issue 26). The modules are mutated in
 * groups, each against the few test files that cover it: most tests synthesize a stack when their file loads, so
 * Stryker counts that code as "static" and would run every test of the run for each of its mutants. A group is
 * chosen with STRYKER_GROUP (scripts/ci/mutation.sh runs them one after another); each has its own incremental
 * file, committed, so that a run re-tests only the mutants of changed code or changed tests.
 * Concurrency 1: the machine has 2 cores, and jest runs inside each Stryker worker.
 */
import { GROUPS } from './test/mutation/groups.mjs';

const name = process.env.STRYKER_GROUP ?? 'watch';
const group = GROUPS[name];
if (!group) throw new Error(`unknown STRYKER_GROUP '${name}': one of ${Object.keys(GROUPS).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.dev.json',
  // A mutant that does not compile is reported as such (CompileError) and not run; checked file by file.
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 60_000,
  // The workflow group's first run (its five test files, with coverage) takes over Stryker's default 5 minutes here.
  dryRunTimeoutMinutes: 30,
  // STRYKER_MUTATE (comma-separated, `file:line-line` ranges allowed) narrows a trial run to part of a group.
  mutate: process.env.STRYKER_MUTATE ? process.env.STRYKER_MUTATE.split(',') : group.mutate,
  jest: {
    projectType: 'custom',
    // The group's test files only; no junit reporter and no coverage inside Stryker. ts-jest only transpiles: the
    // TypeScript checker above type-checks each mutant once, and ts-jest's own check would repeat it in every run.
    config: {
      // STRYKER_TESTS (comma-separated) narrows a trial run to some of the group's test files.
      testMatch: (process.env.STRYKER_TESTS ? process.env.STRYKER_TESTS.split(',') : group.tests).map(t => `<rootDir>/${t}`),
      reporters: ['default'],
      collectCoverage: false,
      transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }] },
    },
    enableFindRelatedTests: false,
  },
  // STRYKER_RUN names a partial run, over a change's lines (`diff`, scripts/ci/mutation-diff.sh) or a random sample
  // of the group's mutants (`sample`, scripts/ci/mutation-sample.mjs): it neither reads nor writes the committed
  // incremental report, and has a report of its own (reports/mutation/<group>-<run>.json).
  incremental: !process.env.STRYKER_RUN,
  incrementalFile: `test/mutation/incremental/${name}.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}${process.env.STRYKER_RUN ? `-${process.env.STRYKER_RUN}` : ''}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 90, low: 80, break: null },
  // The sandbox copy holds only what the tests read: not the packages, the integ snapshots' assets, CI's work.
  ignorePatterns: ['/dist', '/lib', '/releases', '/test-consumers', '/.ci-work', '/.venv', '/cdk.out', '/reports', '/coverage',
    '/test-reports', '/test/integ/cdk-integ.out.*', '/test/integ/**/asset.*', '/.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  // A sample (scripts/ci/mutation-sample.mjs) runs its drawn mutants only, not the ones nested inside their ranges.
  ...(process.env.STRYKER_RUN === 'sample'
    ? { plugins: ['@stryker-mutator/*', './test/mutation/sample-ignorer.mjs'], ignorers: ['sample'] }
    : {}),
  cleanTempDir: 'always',
};
