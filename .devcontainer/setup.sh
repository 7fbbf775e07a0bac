#!/usr/bin/env bash
# The devcontainer's one-time setup: the Python packages Binder pins (read from binder/environment.yml,
# so the two cannot drift apart), the npm packages (all of them: the tests run here too), then the
# course's own setup, which registers the TypeScript kernel "tslab" for this Node.
set -euo pipefail
cd "$(dirname "$0")/.."
pin() { sed -n "s/^ *- $1=\\([0-9][0-9.]*\\) *\$/\\1/p" binder/environment.yml; }
python3 -m pip install --user "jupyterlab==$(pin jupyterlab)" nbclient nbformat \
  "psycopg[binary]==$(pin psycopg)" "fasteners==$(pin fasteners)"
npm ci --no-audit --no-fund
npm run setup
