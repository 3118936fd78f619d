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
  read -r -a groups <<< "$(node test/mutation/groups.mjs)"
fi
start=$SECONDS
budget=${MUTATION_BUDGET_SECONDS:-900}
left=()
for group in "${groups[@]}"; do
  files="$(node test/mutation/groups.mjs "$group" mutate) $(node test/mutation/groups.mjs "$group" tests)"
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
  floor=$(node test/mutation/groups.mjs "$group" break)
  node scripts/ci/mutation-score.mjs "reports/mutation/$group.json" "$group" "$floor"
done
echo "mutation: done in $((SECONDS - start)) s"
if [ ${#left[@]} -gt 0 ]; then
  echo "mutation: not run, past the budget of $budget s: ${left[*]} (run 'npx projen mutation ${left[*]}' and commit test/mutation/incremental)" >&2
  exit 1
fi
