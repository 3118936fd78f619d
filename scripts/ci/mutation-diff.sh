#!/usr/bin/env bash
# Mutation testing of a change (issue 26): `bash scripts/ci/mutation-diff.sh [base]` (default base: HEAD~1) runs
# StrykerJS on the lines of the mutation-tested modules (test/mutation/groups.mjs) that changed between base and
# HEAD, each group against its own test files, and fails when a changed line's mutant survives (below
# MUTATION_DIFF_BREAK, default 90 %): a changed line of these modules must be one the tests would notice breaking.
# A mutant that cannot be killed because it changes nothing a user can see gets a `// Stryker disable next-line
# <mutator>: <why>` comment (Stryker's own), which the review reads.
# CI runs it with MUTATION_BUDGET_SECONDS (default 240): a group is cut off at the budget and named, without failing
# the run (run it in full with `npx projen mutation <group>`); a change that touches none of the modules costs
# nothing. MUTATION_GROUPS (space-separated) limits it to some groups.
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true
base="${1:-HEAD~1}"
stryker="${STRYKER:-npx stryker}"
budget=${MUTATION_BUDGET_SECONDS:-240}
floor=${MUTATION_DIFF_BREAK:-90}
start=$SECONDS
if ! git rev-parse -q --verify "$base^{commit}" > /dev/null; then
  echo "mutation of the change: base $base is not a commit here, nothing to compare"
  exit 0
fi
groups=${MUTATION_GROUPS:-$(node test/mutation/groups.mjs)}
failed=()
cut=()
for group in $groups; do
  files=$(node test/mutation/groups.mjs "$group" mutate)
  # The changed lines of each module in HEAD, from the hunks of a diff without context: "@@ -a,b +c,d @@" is lines c
  # to c+d-1 (d = 0: a deletion, nothing to mutate; no d: one line).
  ranges=()
  for f in $files; do
    while read -r range; do ranges+=("$f:$range"); done < <(git diff -U0 --no-color "$base" HEAD -- "$f" \
      | sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' \
      | awk '{ n = ($2 == "") ? 1 : $2; if (n > 0) print $1 "-" ($1 + n - 1) }')
  done
  if [ ${#ranges[@]} -eq 0 ]; then
    echo "mutation $group: no changed line since $base"
    continue
  fi
  left=$((budget - (SECONDS - start)))
  if [ "$left" -le 0 ]; then cut+=("$group"); continue; fi
  mutate=$(IFS=,; echo "${ranges[*]}")
  echo "mutation $group: the lines changed since $base ($mutate), ${left} s of budget left"
  status=0
  STRYKER_RUN=diff STRYKER_GROUP="$group" STRYKER_MUTATE="$mutate" timeout --kill-after=10 "$left" $stryker run stryker.config.mjs || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then cut+=("$group"); continue; fi
  [ "$status" -eq 0 ] || { echo "mutation $group: Stryker failed ($status)" >&2; exit "$status"; }
  node scripts/ci/mutation-score.mjs "reports/mutation/$group-diff.json" "$group (changed lines)" "$floor" || failed+=("$group")
done
echo "mutation of the change since $base: done in $((SECONDS - start)) s"
if [ ${#cut[@]} -gt 0 ]; then
  echo "mutation: not finished within the budget of $budget s: ${cut[*]} (run 'npx projen mutation ${cut[*]}')"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "mutation: surviving mutants on changed lines of ${failed[*]}: kill them with a test, or mark an equivalent one" >&2
  exit 1
fi
