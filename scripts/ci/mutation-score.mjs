// @ts-check
/**
 * The score of a StrykerJS JSON report (issue 26), one implementation for scripts/ci/mutation.sh, mutation-diff.sh
 * and mutation-sample.mjs. Stryker's own definition: detected (Killed, Timeout) of valid (detected, Survived,
 * NoCoverage); CompileError, RuntimeError and Ignored mutants are not valid and are counted apart.
 *
 *   node scripts/ci/mutation-score.mjs <report.json> <label> [floor]
 *
 * prints the score and every mutant left alive (file:line, status, mutator, replacement), and exits 1 under floor.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ id: string, file: string, status: string, mutatorName: string, replacement?: string,
 *   location: { start: { line: number, column: number }, end: { line: number, column: number } } }} ReportMutant
 */

/** Every mutant of a Stryker JSON report, each with its file. @returns {ReportMutant[]} */
export function mutantsOf(/** @type {string} */ reportFile) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  return Object.entries(report.files).flatMap(([file, f]) => f.mutants.map((/** @type {any} */ m) => ({ ...m, file })));
}

/** Stryker's mutation score of these mutants, with the ones left alive. */
export function scoreOf(/** @type {ReportMutant[]} */ mutants) {
  const by = (/** @type {string} */ s) => mutants.filter(m => m.status === s);
  const detected = by('Killed').length + by('Timeout').length;
  const alive = [...by('Survived'), ...by('NoCoverage')];
  const valid = detected + alive.length;
  return {
    detected, valid, alive,
    score: valid ? (100 * detected) / valid : 100,
    compileErrors: by('CompileError').length,
    runtimeErrors: by('RuntimeError').length,
    ignored: by('Ignored').length,
  };
}

/** One line naming a mutant: where it is, what it changes. */
export function describeMutant(/** @type {ReportMutant} */ m) {
  const replacement = m.replacement !== undefined ? ` -> ${JSON.stringify(m.replacement).slice(0, 80)}` : '';
  return `${m.status} ${m.file}:${m.location.start.line} ${m.mutatorName}${replacement}`;
}

/** The score's summary line and a line per mutant left alive. */
export function summary(/** @type {string} */ label, /** @type {ReturnType<typeof scoreOf>} */ s) {
  return [
    `mutation ${label}: ${s.score.toFixed(1)} % (${s.detected} of ${s.valid} detected, ${s.compileErrors} did not compile, `
      + `${s.runtimeErrors} refused at run, ${s.ignored} ignored)`,
    ...s.alive.map(m => `  ${describeMutant(m)}`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [reportFile, label, floor] = process.argv.slice(2);
  if (!reportFile || !label) {
    console.error('usage: node scripts/ci/mutation-score.mjs <report.json> <label> [floor]');
    process.exit(2);
  }
  const s = scoreOf(mutantsOf(reportFile));
  console.log(summary(label, s));
  if (floor !== undefined && floor !== '' && s.score < Number(floor)) {
    console.error(`mutation ${label}: below ${floor} %`);
    process.exit(1);
  }
}
