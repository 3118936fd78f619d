// @ts-check
/**
 * A measured mutation score of a group too big to run in full here (issue 26): StrykerJS on a random sample of the
 * group's own mutants.
 *
 *   node scripts/ci/mutation-sample.mjs <group> [size=30] [seed=1]
 *
 * 1. Lists every mutant of the group's modules (test/mutation/groups.mjs) with Stryker's own instrumenter, the one
 *    `stryker run` uses, leaving out those a `// Stryker disable` comment ignores.
 * 2. Draws `size` of them with a seeded generator (the same seed gives the same sample).
 * 3. Runs `stryker run` with `mutate` narrowed to each drawn mutant's exact source range (STRYKER_RUN=sample); the
 *    mutants nested inside a drawn one's range are ignored (test/mutation/sample-ignorer.mjs), so only the drawn ones
 *    run (and any other mutator's mutant of the very same node, which is not counted).
 * 4. Scores the drawn mutants only, with a 95 % Wilson interval for the group's whole score, and lists each drawn
 *    mutant left alive. The record, test/mutation/samples/<group>.json (commit it), holds the seed, the population
 *    and every drawn mutant with its status.
 * STRYKER_CONCURRENCY (default 1) sets Stryker's workers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Instrumenter } from '@stryker-mutator/instrumenter';
import { GROUPS } from '../../test/mutation/groups.mjs';
import { mutantsOf, scoreOf, summary, describeMutant } from './mutation-score.mjs';

const [group, sizeArg = '30', seedArg = '1'] = process.argv.slice(2);
if (!group || !GROUPS[group]) {
  console.error(`usage: node scripts/ci/mutation-sample.mjs <group> [size] [seed]; groups: ${Object.keys(GROUPS).join(', ')}`);
  process.exit(2);
}
const size = Number(sizeArg);
const seed = Number(seedArg);

const silent = () => {};
const logger = /** @type {any} */ ({ isTraceEnabled: () => false, isDebugEnabled: () => false, isInfoEnabled: () => false,
  trace: silent, debug: silent, info: silent, warn: silent, error: console.error, fatal: console.error });
const instrumenterOptions = /** @type {any} */ ({ plugins: null, excludedMutations: [], ignorers: [], noHeader: false });

/** @typedef {{ fileName: string, mutatorName: string, replacement: string, status?: string,
 *   location: { start: { line: number, column: number }, end: { line: number, column: number } } }} SourceMutant */

/** The group's mutants as Stryker makes them (0-based lines and columns). @returns {Promise<SourceMutant[]>} */
async function mutantsIn(/** @type {string[]} */ files, /** @type {any} */ mutate = true) {
  const input = files.map(name => ({ name, content: readFileSync(name, 'utf8'), mutate }));
  const result = await new Instrumenter(logger).instrument(input, instrumenterOptions);
  return /** @type {SourceMutant[]} */ (/** @type {unknown} */ (result.mutants));
}

/** Where and what a mutant is; Stryker's report counts lines and columns from 1, its instrumenter from 0. */
const keyOf = (/** @type {string} */ file, /** @type {SourceMutant['location']} */ l, /** @type {string} */ mutator,
  /** @type {string | undefined} */ replacement, base = 0) =>
  `${file}|${l.start.line - base}:${l.start.column - base}-${l.end.line - base}:${l.end.column - base}|${mutator}|${replacement}`;

/** mulberry32: a small seeded generator, so that a sample can be drawn again. */
function random(/** @type {number} */ s) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95 % Wilson score interval of k successes in n draws, in percent. */
function wilson(/** @type {number} */ k, /** @type {number} */ n) {
  if (n === 0) return [0, 100];
  const z = 1.959964, p = k / n, d = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [100 * Math.max(0, mid - half), 100 * Math.min(1, mid + half)];
}

const population = (await mutantsIn(GROUPS[group].mutate)).filter(m => m.status !== 'Ignored');
const next = random(seed);
const order = population.map((m, i) => ({ m, r: next(), i })).sort((a, b) => a.r - b.r || a.i - b.i);
const drawn = order.slice(0, Math.min(size, population.length)).map(o => o.m);
const range = (/** @type {SourceMutant} */ m) =>
  `${m.fileName}:${m.location.start.line + 1}:${m.location.start.column}-${m.location.end.line + 1}:${m.location.end.column}`;

// The narrowed `mutate` must hold every drawn mutant: checked with the same instrumenter before Stryker runs.
for (const file of new Set(drawn.map(m => m.fileName))) {
  const ranges = drawn.filter(m => m.fileName === file).map(m => ({ start: m.location.start, end: m.location.end }));
  const kept = new Set((await mutantsIn([file], ranges)).map(m => keyOf(m.fileName, m.location, m.mutatorName, m.replacement)));
  const lost = drawn.filter(m => m.fileName === file && !kept.has(keyOf(m.fileName, m.location, m.mutatorName, m.replacement)));
  if (lost.length) throw new Error(`the narrowed mutate range loses ${lost.map(range).join(', ')}`);
}

console.log(`mutation sample ${group}: ${drawn.length} of ${population.length} mutants (seed ${seed})`);
const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
  stdio: 'inherit',
  env: {
    ...process.env, STRYKER_GROUP: group, STRYKER_RUN: 'sample', STRYKER_MUTATE: drawn.map(range).join(','),
    // test/mutation/sample-ignorer.mjs: the mutants nested inside a drawn one's range are ignored, not run.
    STRYKER_SAMPLE: JSON.stringify(drawn.map(m => m.location)),
  },
});
if (run.status !== 0) {
  console.error(`mutation sample ${group}: Stryker failed (${run.status})`);
  process.exit(1);
}

const reported = new Map(mutantsOf(`reports/mutation/${group}-sample.json`)
  .map(m => [keyOf(m.file, m.location, m.mutatorName, m.replacement, 1), m]));
const counted = drawn.map(m => {
  const r = reported.get(keyOf(m.fileName, m.location, m.mutatorName, m.replacement));
  if (!r) throw new Error(`the report has no result for ${range(m)} ${m.mutatorName}`);
  return r;
});
const s = scoreOf(counted);
const [low, high] = wilson(s.detected, s.valid);
console.log(summary(`sample ${group}`, s));
console.log(`mutation sample ${group}: the group's score is within ${low.toFixed(1)}-${high.toFixed(1)} % (95 % Wilson interval)`);
mkdirSync('test/mutation/samples', { recursive: true });
writeFileSync(`test/mutation/samples/${group}.json`, `${JSON.stringify({
  group, seed, population: population.length, drawn: counted.length,
  score: Number(s.score.toFixed(1)), interval95: [Number(low.toFixed(1)), Number(high.toFixed(1))],
  mutants: counted.map(describeMutant),
}, null, 1)}\n`);
