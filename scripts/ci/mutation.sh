#!/usr/bin/env bash
# Mutation testing (StrykerJS, issue 26): `bash scripts/ci/mutation.sh [group...]` (default: every group of
# test/mutation/groups.mjs). A group whose inputs (its modules, its tests, the simulation, this configuration) are
# the same as when its incremental report was last written is skipped: its committed report still holds. A changed
# group runs in Stryker's incremental mode, which re-tests only the mutants of changed code or of changed tests, and
# rewrites test/mutation/incremental/<group>.json and .inputs (commit both). MUTATION_FULL=1 re-tests everything.
# Each group's score is checked against its `break` in groups.mjs. MUTATION_BUDGET_SECONDS (default 900) bounds CI's
# time: a group is not started past it, and the run fails naming the groups left (run them with `npx projen
# mutation <group>` and commit their reports).
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true
stryker="${STRYKER:-npx stryker}"
groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then
  read -r -a groups <<< "$(node --input-type=module -e "import { GROUPS } from './test/mutation/groups.mjs'; console.log(Object.keys(GROUPS).join(' '))")"
fi
start=$SECONDS
budget=${MUTATION_BUDGET_SECONDS:-900}
left=()
for group in "${groups[@]}"; do
  files=$(node --input-type=module -e "import { GROUPS } from './test/mutation/groups.mjs'; const g = GROUPS[process.argv[1]]; console.log([...g.mutate, ...g.tests].join(' '))" "$group")
  for f in $files; do [ -f "$f" ] || { echo "mutation $group: $f (test/mutation/groups.mjs) does not exist" >&2; exit 1; }; done
  # shellcheck disable=SC2086
  inputs=$(cat $files scripts/lib/sim/*.ts scripts/lib/templates.ts test/util.ts stryker.config.mjs test/mutation/groups.mjs | sha256sum | cut -d' ' -f1)
  record="test/mutation/incremental/$group.inputs"
  if [ -z "${MUTATION_FULL:-}" ] && [ -f "$record" ] && [ "$(cat "$record")" = "$inputs" ]; then
    echo "mutation $group: unchanged since its last run, skipped"
    continue
  fi
  if [ $((SECONDS - start)) -gt "$budget" ]; then left+=("$group"); continue; fi
  echo "mutation $group ($((SECONDS - start)) s)"
  extra=()
  [ -n "${MUTATION_FULL:-}" ] && extra=(--force)
  STRYKER_GROUP="$group" $stryker run stryker.config.mjs "${extra[@]}"
  echo "$inputs" > "$record"
  node --input-type=module -e "
    import { readFileSync } from 'fs';
    import { GROUPS } from './test/mutation/groups.mjs';
    const group = process.argv[1];
    const report = JSON.parse(readFileSync('reports/mutation/' + group + '.json', 'utf8'));
    const all = Object.values(report.files).flatMap(f => f.mutants);
    const by = s => all.filter(m => m.status === s).length;
    const detected = by('Killed') + by('Timeout');
    const valid = detected + by('Survived') + by('NoCoverage');
    const score = valid ? 100 * detected / valid : 100;
    console.log('mutation ' + group + ': ' + score.toFixed(1) + ' % (' + detected + ' of ' + valid + ' detected, ' + by('CompileError') + ' did not compile, ' + by('Ignored') + ' ignored)');
    const floor = GROUPS[group].break;
    if (floor != null && score < floor) { console.error('mutation ' + group + ': below ' + floor + ' %'); process.exit(1); }
  " "$group"
done
echo "mutation: done in $((SECONDS - start)) s"
if [ ${#left[@]} -gt 0 ]; then
  echo "mutation: not run, past the budget of $budget s: ${left[*]} (run 'npx projen mutation ${left[*]}' and commit test/mutation/incremental)" >&2
  exit 1
fi
