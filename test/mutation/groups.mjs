// @ts-check
/**
 * The mutation-tested modules (issue 26), in groups, each with the test files that cover it. A module that is
 * changed is re-tested with its group (scripts/ci/mutation.sh picks the groups whose inputs changed). `break`: the
 * score under which CI fails, set once a group has been measured at it (docs/contributing.md, "Mutation testing").
 * @type {{ [group: string]: { mutate: string[], tests: string[], break?: number } }}
 */
export const GROUPS = {
  watch: {
    mutate: ['src/private/monitoring/runnable-watch.ts'],
    tests: ['test/runnable-watch.test.ts'],
  },
  defaults: {
    mutate: ['src/private/settings/defaults.ts'],
    tests: ['test/defaults.test.ts', 'test/workflow-capacity.test.ts', 'test/sanders-batch-platform.test.ts', 'test/runnable-watch.test.ts',
      'test/data-safety.test.ts'],
  },
  cost: {
    mutate: ['scripts/idle-cost.ts'],
    tests: ['test/cost.test.ts'],
  },
  lock: {
    mutate: ['src/private/egress/egress-lock.ts'],
    tests: ['test/egress-lock.test.ts', 'test/egress-workflow.test.ts'],
  },
  egress: {
    mutate: ['src/private/egress/egress-teardown.ts', 'src/private/egress/egress-create.ts', 'src/private/egress/egress-jobs-ended.ts'],
    tests: ['test/egress-workflow.test.ts', 'test/egress-teardown.test.ts', 'test/egress-stop.test.ts'],
  },
  workflow: {
    mutate: ['src/private/workflow/workflow-definition.ts', 'src/private/workflow/workflow-watch.ts', 'src/private/workflow/workflow-failure.ts',
      'src/private/workflow/workflow-resume.ts', 'src/private/workflow/workflow-states.ts', 'src/private/workflow/workflow-blocked.ts',
      'src/private/workflow/workflow-cleanup.ts'],
    tests: ['test/workflow-run.test.ts', 'test/workflow-properties.test.ts', 'test/workflow-validation.test.ts',
      'test/workflow-failure.test.ts', 'test/workflow-cleanup.test.ts'],
  },
  backfill: {
    mutate: ['src/private/workflow/backfill.ts', 'src/private/workflow/backfill-definition.ts', 'src/private/workflow/workflow-resume-run.ts',
      'src/private/workflow/start-retry.ts'],
    tests: ['test/backfill.test.ts'],
  },
  settings: {
    mutate: ['src/private/settings/checks.ts', 'src/private/settings/data-checks.ts', 'src/private/settings/existing-checks.ts',
      'src/private/settings/compute-checks.ts', 'src/private/settings/fargate.ts', 'src/private/settings/workflow-checks.ts',
      'src/private/settings/submission-checks.ts', 'src/private/settings/name-checks.ts', 'src/private/settings/schedule-checks.ts',
      'src/private/settings/alarm-checks.ts'],
    tests: ['test/invalid-input.test.ts', 'test/limits.test.ts', 'test/data-safety-option.test.ts', 'test/existing-resources.test.ts',
      'test/compute.test.ts', 'test/workflow-validation.test.ts', 'test/schedule.test.ts'],
  },
  recovery: {
    mutate: ['src/private/workflow/submit-recovery.ts', 'src/private/workflow/workflow-duplicates.ts', 'src/private/workflow/state-names.ts'],
    // workflow-validation: the state-name clash checks of state-names.ts (found by the recovery sample).
    tests: ['test/submit-recovery.test.ts', 'test/retry-coverage.test.ts', 'test/workflow-validation.test.ts'],
  },
  monitoring: {
    mutate: ['src/private/monitoring/monitoring.ts', 'src/private/monitoring/metrics.ts'],
    tests: ['test/monitoring.test.ts', 'test/metrics.test.ts'],
  },
  claim: {
    mutate: ['src/private/workflow/run-claim.ts', 'src/private/egress/egress-date-check.ts'],
    tests: ['test/run-claim.test.ts'],
  },
};

// `node test/mutation/groups.mjs` prints the groups' names; `node test/mutation/groups.mjs <group> mutate|tests` a
// group's files, `<group> break` its floor (empty if none), for scripts/ci/mutation.sh and mutation-diff.sh.
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const [group, field] = process.argv.slice(2);
  if (!group) {
    console.log(Object.keys(GROUPS).join(' '));
  } else if (!GROUPS[group] || !['mutate', 'tests', 'break'].includes(field)) {
    console.error(`usage: node test/mutation/groups.mjs [<group> mutate|tests|break]; groups: ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  } else {
    const value = GROUPS[group][/** @type {'mutate' | 'tests' | 'break'} */ (field)];
    console.log(Array.isArray(value) ? value.join(' ') : (value ?? ''));
  }
}
