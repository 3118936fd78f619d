/** The CI summary counts what the reports say (scripts/ci/junit-summary.ts), not a fixed "0 failed". */
import { countsOf, line } from '../scripts/ci/junit-summary';

// Shapes as jest-junit 16 and pytest 8 (`--junitxml`) write them.
const JEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="7" failures="1" errors="0" time="3.2">
  <testsuite name="a" errors="0" failures="1" skipped="1" timestamp="2026-12-07T05:00:00" time="1.1" tests="4">
  </testsuite>
  <testsuite name="b" errors="0" failures="0" skipped="0" timestamp="2026-12-07T05:00:01" time="2.1" tests="3">
  </testsuite>
</testsuites>`;
const PYTEST = '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="2" failures="0" skipped="0" tests="12" time="0.5" timestamp="2026-12-07T05:00:00" hostname="ci"><testcase classname="t" name="x" time="0.1" /></testsuite></testsuites>';

describe('the CI summary', () => {
  test('sums the suites of a jest-junit report (not the testsuites total, which would count twice)', () => {
    expect(countsOf(JEST)).toEqual({ tests: 7, failures: 1, errors: 0, skipped: 1 });
    expect(line('jest', countsOf(JEST))).toBe('jest: 5 passed, 1 failed, 1 skipped');
  });

  test('counts a pytest report\'s errors as failed', () => {
    expect(line('conformance', countsOf(PYTEST))).toBe('conformance: 10 passed, 2 failed');
  });

  test('an empty report counts nothing', () => {
    expect(countsOf('<testsuites></testsuites>')).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0 });
  });
});
