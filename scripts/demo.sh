#!/usr/bin/env bash
# Sets up, generates the demo season (120 days ending today) through the real readers,
# and starts the board on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m etl demo "$@"
exec .venv/bin/streamlit run board_server.py --server.headless true --browser.gatherUsageStats false
