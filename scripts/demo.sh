#!/usr/bin/env bash
# Sets up, generates the demo season (120 days ending today) through the real readers,
# and starts the board on http://localhost:8501 (each step says how long it took).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
scripts/setup.sh
echo "安装：$((SECONDS - started)) 秒"
.venv/bin/python -m etl demo "$@"
echo "启动看板（自开始 $((SECONDS - started)) 秒）：http://localhost:8501"
exec .venv/bin/streamlit run board_server.py --server.headless true --browser.gatherUsageStats false
