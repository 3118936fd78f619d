#!/usr/bin/env bash
# Runs the jest suite again with the clock on another day: the next 29 February after today, 90 s before
# midnight UTC (so the run crosses into 1 March), in a time zone 14 hours ahead of UTC (where it is already
# 1 March). A test that reads the wall clock, the machine's time zone or the day it runs fails here.
# `bash scripts/ci/jest-other-clock.sh [jest args]`; installs Debian's faketime if it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v faketime >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q faketime >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q faketime >/dev/null; }
fi
year=$(date -u +%Y)
leap_day() { date -u -d "$1-02-29" +%Y-%m-%d 2>/dev/null | grep -q -- '-02-29$'; }
while ! leap_day "$year" || [ "$(date -u -d "$year-02-29 23:58:30" +%s)" -le "$(date -u +%s)" ]; do year=$((year + 1)); done
at="$year-02-29 23:58:30"
echo "jest with the clock at $at UTC, TZ=Pacific/Kiritimati (UTC+14)"
# An offset from now, not "@time": libfaketime would read a start time in the tests' own time zone.
offset=$(( $(date -u -d "$at" +%s) - $(date -u +%s) ))
export TZ=Pacific/Kiritimati FAKETIME_DONT_FAKE_MONOTONIC=1
faketime -f "+${offset}s" node -e '
  const d = new Date();
  if (!d.toISOString().startsWith(process.argv[1])) { console.error(`faketime did not take: ${d.toISOString()}`); process.exit(1); }
  console.log(`clock: ${d.toISOString()} UTC, local ${d.toString()}`);' "$year-02-29T23:58"
faketime -f "+${offset}s" npx jest --ci --coverage=false "$@"
