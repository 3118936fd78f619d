#!/usr/bin/env bash
# A local virtual environment with the Python tools the tests use (pinned in requirements-dev.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
