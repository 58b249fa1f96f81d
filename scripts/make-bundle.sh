#!/usr/bin/env bash
# Builds the offline installation bundle, on a machine that reaches the package index.
#   scripts/make-bundle.sh [--out DIR] [--python-version 3.11] [--platform manylinux_2_36_x86_64]
#                          [--reference PACK_DIR] [--debs] [--no-tar]
# Writes DIR/yipingguan-bundle/ and DIR/yipingguan-bundle.tar.gz (DIR defaults to ./bundle):
#   wheels/               every package of requirements.lock (dependencies included), checked
#                         against the lock's hashes, as wheels for the target (CPython 3.11,
#                         Debian 12 x86_64 by default); a package that is published only as
#                         source (prcoords) is built here into a pure wheel
#   requirements.lock     what install-offline.sh installs with --require-hashes: the project's
#                         lock, with the built wheel's hash for such a source-only package
#   project/              this repository without .venv, .git, generated data and caches,
#                         with the reference pack (data/reference, or --reference)
#   debian-packages.txt   the Debian packages the closed machine needs
#   debs/                 with --debs: those .deb files (apt-get download; no dependencies)
#   install-offline.sh    the one command to run there: sudo ./install-offline.sh
#   SHA256SUMS            to check the copy that crossed to the closed network
# The wheel set is checked against the lock with --no-index before packing. Two bundles
# built from the same lock carry the same packages; refresh the lock with scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/bundle
PYVER=3.11
PLATFORM=manylinux_2_36_x86_64   # Debian 12 has glibc 2.36; pip also accepts older manylinux tags
REFERENCE=
DEBS=0
TAR=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    --python-version) PYVER=$2; shift 2 ;;
    --platform) PLATFORM=$2; shift 2 ;;
    --reference) REFERENCE=$(realpath "$2"); shift 2 ;;
    --debs) DEBS=1; shift ;;
    --no-tar) TAR=0; shift ;;
    *) echo "未知参数：$1" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
ABI=cp${PYVER/./}
TARGET=(--python-version "$PYVER" --implementation cp --abi "$ABI")
# pip takes platform tags literally: list every manylinux tag the target's glibc accepts.
if [[ "$PLATFORM" =~ ^manylinux_2_([0-9]+)_(.+)$ ]]; then
  for ((v = BASH_REMATCH[1]; v >= 5; v--)); do TARGET+=(--platform "manylinux_2_${v}_${BASH_REMATCH[2]}"); done
  TARGET+=(--platform "manylinux2014_${BASH_REMATCH[2]}" --platform "manylinux2010_${BASH_REMATCH[2]}"
           --platform "manylinux1_${BASH_REMATCH[2]}")
else
  TARGET+=(--platform "$PLATFORM")
fi
B=$OUT/yipingguan-bundle
rm -rf "$B" "$OUT/yipingguan-bundle.tar.gz"
mkdir -p "$B/wheels" "$B/project"
t0=$(date +%s)

echo "== 下载依赖（requirements.lock，按哈希校验；目标 CPython $PYVER，$PLATFORM）"
# --no-deps: the lock already lists every dependency, each pinned with its hashes.
"$PY" -m pip download --quiet --no-deps --require-hashes --prefer-binary "${TARGET[@]}" \
  -r requirements.lock -d "$B/wheels"
# The bundle's own lock: the project's, except that a package published only as source
# (prcoords) is built here into a pure-Python wheel (from the source archive checked
# against the lock), whose hash then stands in for the archive's.
cp requirements.lock "$B/requirements.lock"
shopt -s nullglob
for sdist in "$B"/wheels/*.tar.gz "$B"/wheels/*.zip; do
  echo "   仅有源码包，在本机构建为通用 wheel：$(basename "$sdist")"
  before=$(ls "$B/wheels")
  SOURCE_DATE_EPOCH=315532800 "$PY" -m pip wheel --quiet --no-deps -w "$B/wheels" "$sdist"
  wheel=$(comm -13 <(echo "$before") <(ls "$B/wheels") | head -1)
  if [[ "$wheel" != *-none-any.whl ]]; then
    echo "错误：$(basename "$sdist") 不是纯 Python 包，无法在本机为目标平台构建：请在与目标相同的机器上运行本脚本" >&2
    exit 1
  fi
  name=$(echo "${wheel%%-*}" | tr 'A-Z_' 'a-z-')
  "$PY" - "$B/requirements.lock" "$name" "$(sha256sum "$B/wheels/$wheel" | cut -d' ' -f1)" <<'PYEOF'
import re, sys
path, name, digest = sys.argv[1:]
text = open(path, encoding="utf-8").read()
entry = re.compile(rf"^({re.escape(name)}==\S+)((?: \\\n\s+--hash=sha256:[0-9a-f]+)+)", re.M | re.I)
text, n = entry.subn(lambda m: f"{m.group(1)} \\\n    --hash=sha256:{digest}", text)
assert n == 1, f"{name} not found once in {path}"
open(path, "w", encoding="utf-8").write(text)
PYEOF
  rm -f "$sdist"
done
shopt -u nullglob
echo "== 检查：不联网（--no-index）按哈希能否从 wheels/ 取得全部依赖"
"$PY" -m pip download --quiet --no-index --no-deps --require-hashes --only-binary=:all: "${TARGET[@]}" \
  --find-links "$B/wheels" -r "$B/requirements.lock" -d "$B/.verify"
rm -rf "$B/.verify"

echo "== 复制项目文件"
tar -C "$ROOT" -cf - \
  --exclude=./.venv --exclude=./.git --exclude=./bundle --exclude=./artifacts --exclude=./bench/work \
  --exclude=./data/board.duckdb --exclude=./data/generations --exclude=./data/demo --exclude=./data/inbox \
  --exclude=./data/archive --exclude=./data/refused --exclude=./data/rebuild --exclude='./data/*.lock' \
  --exclude=./data/serve \
  --exclude='./data/*.sqlite*' --exclude=./data/users.toml \
  --exclude=__pycache__ --exclude=.pytest_cache --exclude=.hypothesis --exclude='*.pyc' . \
  | tar -C "$B/project" -xf -
if [ -n "$REFERENCE" ]; then
  rm -rf "$B/project/data/reference"
  cp -r "$REFERENCE" "$B/project/data/reference"
fi
cp scripts/install-offline.sh "$B/install-offline.sh"
chmod +x "$B/install-offline.sh"

cat > "$B/debian-packages.txt" <<'EOF'
# Debian 12 (bookworm) packages for 一屏观, from the distribution's installation media or
# the internal mirror: apt-get install <package>. One package per line.
# Runtime: Python 3.11 with venv, and the CJK font (without it Chinese shows as boxes).
python3
python3-venv
fonts-wqy-microhei
# Replicas behind a reverse proxy (scripts/serve.sh, README "多副本与反向代理"): HAProxy ends TLS;
# openssl makes a self-signed certificate until the office's is in place.
haproxy
openssl
# Tests only (browser tests drive Debian's Chromium):
chromium
EOF
if [ "$DEBS" -eq 1 ]; then
  mkdir -p "$B/debs"
  (cd "$B/debs" && apt-get download fonts-wqy-microhei python3-venv python3.11-venv python3-pip-whl \
    python3-setuptools-whl haproxy liblua5.3-0 libopentracing-c-wrapper0 libopentracing1)
fi
cat > "$B/BUNDLE.txt" <<'EOF'
一屏观离线安装包。在封闭网络的机器上：先按 debian-packages.txt 安装系统包，再运行
  sudo ./install-offline.sh --prefix /opt/yipingguan --services
详见 project/docs/operations.md
EOF
(cd "$B" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
if [ "$TAR" -eq 1 ]; then
  echo "== 打包"
  tar -C "$OUT" -czf "$OUT/yipingguan-bundle.tar.gz" yipingguan-bundle
  ls -l "$OUT/yipingguan-bundle.tar.gz"
fi
echo "完成：$(ls "$B/wheels" | wc -l) 个 wheel，$(du -sh "$B" | cut -f1)，用时 $(( $(date +%s) - t0 )) 秒"
