#!/usr/bin/env bash
# The long reliability drills (marked `drill`, not run in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -m drill -q "$@"
