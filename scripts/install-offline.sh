#!/usr/bin/env bash
# Installs 一屏观 from the offline bundle (scripts/make-bundle.sh), with no network at all:
# pip is given the bundle's wheels only (--no-index, no configuration files), and installs
# exactly the bundle's lock: every package pinned, every file checked (--require-hashes).
#   sudo ./install-offline.sh [--prefix /opt/yipingguan] [--services]
# Run from the unpacked bundle (the folder holding wheels/ and project/). On an existing
# installation it upgrades the program and keeps data/ (database, archive, users) and a
# reference pack edited on site. --services then installs and starts the systemd units.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=/opt/yipingguan
SERVICES=0
PYTHON=${PYTHON:-python3}
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$(realpath -m "$2"); shift 2 ;;
    --services) SERVICES=1; shift ;;
    *) echo "未知参数：$1" >&2; exit 2 ;;
  esac
done
[ -d "$HERE/wheels" ] && [ -d "$HERE/project" ] && [ -f "$HERE/requirements.lock" ] || { echo "请在解压后的安装包目录中运行（需有 wheels/、project/ 与 requirements.lock）" >&2; exit 2; }
t0=$(date +%s)

# The wheels are built for one Python version: check it before anything else.
want=$(ls "$HERE/wheels" | sed -n 's/.*-cp\([0-9]\)\([0-9]*\)-cp[0-9]*-.*/\1.\2/p' | sort -u | head -1)
have=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  echo "错误：安装包为 Python $want 构建，本机 $PYTHON 为 $have（可设 PYTHON=python$want）" >&2; exit 2
fi
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || {
  echo "错误：缺少 Python 的 venv 模块：先安装 debian-packages.txt 中的 python3-venv" >&2; exit 2; }
command -v fc-list >/dev/null 2>&1 && ! fc-list | grep -qi "WenQuanYi Micro Hei" && \
  echo "提示：未安装中文字体 fonts-wqy-microhei（见 debian-packages.txt），浏览器截图中的中文会显示为方框"

echo "== 复制程序到 $PREFIX"
mkdir -p "$PREFIX"
keep=()
[ -d "$PREFIX/data" ] && keep+=(--exclude=./data)
tar -C "$HERE/project" -cf - "${keep[@]}" . | tar -C "$PREFIX" -xf -
if [ ! -d "$PREFIX/data/reference" ]; then
  mkdir -p "$PREFIX/data"
  cp -r "$HERE/project/data/reference" "$PREFIX/data/reference"
elif ! diff -rq "$HERE/project/data/reference" "$PREFIX/data/reference" >/dev/null 2>&1; then
  echo "提示：保留了本机的参考数据包 $PREFIX/data/reference；新版本的在 $HERE/project/data/reference"
fi

echo "== 创建虚拟环境并安装依赖（不联网）"
[ -x "$PREFIX/.venv/bin/python" ] || "$PYTHON" -m venv "$PREFIX/.venv"
# No index, no pip configuration, no environment overrides: only the bundle's wheels.
env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS -u PIP_CONSTRAINT \
  PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PREFIX/.venv/bin/python" -m pip install --quiet --no-index --require-hashes --find-links "$HERE/wheels" \
  -r "$HERE/requirements.lock"

echo "== 检查"
(cd "$PREFIX" && .venv/bin/python -c "import streamlit, duckdb, pandas, pyarrow, plotly, pydeck, shapely, python_calamine, prcoords, stdnum, chinese_calendar, faker; print('依赖齐全：streamlit', streamlit.__version__, '· duckdb', duckdb.__version__)")
(cd "$PREFIX" && .venv/bin/python -m etl settings >/dev/null)
echo "已安装到 $PREFIX（$(( $(date +%s) - t0 )) 秒）"
if [ "$SERVICES" -eq 1 ]; then
  bash "$PREFIX/scripts/install-services.sh" --prefix "$PREFIX"
else
  echo "下一步：sudo bash $PREFIX/scripts/install-services.sh --prefix $PREFIX   （安装并启动 systemd 服务）"
  echo "或试运行：cd $PREFIX && .venv/bin/python -m etl demo && .venv/bin/streamlit run board_server.py"
fi
