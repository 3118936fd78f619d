#!/usr/bin/env bash
# The test task's jest (`npx projen test`): plain jest, or, with JEST_OTHER_CLOCK=1 (scripts/test.sh sets it for CI),
# jest with the clock on another day (scripts/ci/jest-other-clock.sh). CI runs the suite once, on the other clock: a
# test that passes only on the day it was written, or only in the machine's time zone, fails there as it would have
# in a second run, and the suite's 6 minutes on 2 cores (a worker per core) are not paid twice.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${JEST_OTHER_CLOCK:-}" ]; then exec bash scripts/ci/jest-other-clock.sh "$@"; fi
exec npx jest "$@"
