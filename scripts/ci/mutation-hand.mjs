// @ts-check
/**
 * Hand-made mutants (issue 26): small deliberate bugs of the kind an outside review makes, each applied to the
 * working tree one at a time, the tests named for it run (`npx jest <files> --bail`), and the file restored from
 * memory. `node scripts/ci/mutation-hand.mjs test/mutation/hand/<area>.json` (ONLY=id,id re-runs some); results go
 * to reports/mutation/hand-<area>.jsonl. A mutant is `{ id, file, find, replace, stages }`: `find` must occur once in
 * `file`; `stages` are lists of test files tried in turn (cheap ones first), the mutant is killed at the first that
 * fails. Complements StrykerJS (which mutates every operator and literal but, with tests that synthesize at load,
 * runs a group's whole test files per mutant): these are the mutants a reviewer would try first. Not run by CI (an
 * area takes 10-40 minutes); every mutant listed is killed by the committed tests (docs/contributing.md).
 */
import { spawnSync } from 'child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';

const list = process.argv[2];
if (!list) throw new Error('usage: node scripts/ci/mutation-hand.mjs test/mutation/hand/<area>.json');
const root = process.cwd();
const out = path.join('reports', 'mutation', `hand-${path.basename(list, '.json')}.jsonl`);
mkdirSync(path.dirname(out), { recursive: true });
/** @type {Array<{ id: string, file: string, find: string, replace: string, stages: string[][], note?: string }>} */
const mutants = JSON.parse(readFileSync(list, 'utf8'));
const only = process.env.ONLY ? process.env.ONLY.split(',') : undefined;
let survived = 0;
for (const m of mutants) {
  if (only && !only.includes(m.id)) continue;
  const file = path.join(root, m.file);
  const original = readFileSync(file, 'utf8');
  const n = original.split(m.find).length - 1;
  if (n !== 1) throw new Error(`mutant ${m.id}: its text occurs ${n} times in ${m.file}, not once: update it to the code`);
  writeFileSync(file, original.replace(m.find, () => m.replace));
  const t0 = Date.now();
  let status = 0;
  let text = '';
  try {
    for (const tests of m.stages) {
      const res = spawnSync('npx', ['jest', ...tests, '--bail', '--silent', '--ci', '--forceExit'], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      status = res.status ?? 1;
      text = ((res.stdout ?? '') + (res.stderr ?? '')).replace(/\x1b\[[0-9;]*m/g, '');
      if (status !== 0) break;
    }
  } finally {
    writeFileSync(file, original);
  }
  const failedTests = /Tests:\s+\d+ failed/.test(text);
  const result = status === 0 ? 'survived' : /error TS\d+/.test(text) ? 'did not compile' : failedTests ? 'killed' : 'error';
  if (result !== 'killed') survived++;
  const line = { id: m.id, result, seconds: Math.round((Date.now() - t0) / 1000), by: [...text.matchAll(/● (.+)/g)].map(x => x[1]).slice(0, 2) };
  console.log(JSON.stringify(line));
  appendFileSync(out, JSON.stringify(line) + '\n');
}
if (survived > 0) {
  console.error(`${survived} mutant(s) not killed`);
  process.exit(1);
}
