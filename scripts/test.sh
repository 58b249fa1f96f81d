#!/usr/bin/env bash
# The test command (README; .ci/run runs exactly this): set up, then every test except
# the long drills. Browser tests drive Debian's chromium through Playwright.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -m "not drill" -q "$@"
