/**
 * The CI summary's counts, from the JUnit XML reports the test runs wrote (jest-junit, pytest --junitxml):
 * `ts-node scripts/ci/junit-summary.ts <report.xml>...`. Prints one line per report and a total; exits 1 when a
 * report is missing, holds no test, or counts a failure or an error, so the summary can never say "0 failed" of a
 * run it did not read.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The counts of one report: the sum over its `<testsuite>` elements (both formats write one per suite). */
export interface Counts {
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
}

export function countsOf(xml: string): Counts {
  const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const [element] of xml.matchAll(/<testsuite\s[^>]*>/g)) {
    for (const key of Object.keys(sum) as Array<keyof Counts>) {
      const value = new RegExp(`\\s${key}="(\\d+)"`).exec(element);
      sum[key] += value ? Number(value[1]) : 0;
    }
  }
  return sum;
}

/** One summary line: `jest: 812 passed, 0 failed, 3 skipped`. */
export function line(label: string, c: Counts): string {
  const passed = c.tests - c.failures - c.errors - c.skipped;
  return `${label}: ${passed} passed, ${c.failures + c.errors} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`;
}

function main(files: string[]): number {
  let bad = files.length === 0;
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const file of files) {
    const label = path.basename(file, '.xml');
    if (!fs.existsSync(file)) {
      console.log(`${label}: no report (${file})`);
      bad = true;
      continue;
    }
    const c = countsOf(fs.readFileSync(file, 'utf8'));
    console.log(line(label, c));
    if (c.tests === 0 || c.failures + c.errors > 0) bad = true;
    for (const key of Object.keys(total) as Array<keyof Counts>) total[key] += c[key];
  }
  console.log(line('total', total));
  return bad ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
