#!/usr/bin/env bash
# Refreshes the lock files from requirements.txt / requirements-dev.txt: every package
# the board needs, dependencies included, pinned with the SHA-256 of each of its files
# (wheels for every platform and the source archive), resolved for the target:
# CPython 3.11 on Debian 12 x86_64 (glibc 2.36).
#   bash scripts/lock.sh            needs uv (python3 -m pip install uv) and the package index
# The offline bundle (make-bundle.sh) and setup.sh install from these files only, with
# pip's --require-hashes. Run this after changing a pin in requirements*.txt, then run
# the tests and commit the .lock files with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-$(command -v uv || true)}
[ -n "$UV" ] || { echo "需要 uv：python3 -m pip install uv（或设 UV=uv 的路径）" >&2; exit 2; }
for name in requirements requirements-dev; do
  "$UV" pip compile "$name.txt" --quiet --generate-hashes --python-version 3.11 \
    --python-platform x86_64-manylinux_2_36 --custom-compile-command "bash scripts/lock.sh" -o "$name.lock"
done
echo "已更新 requirements.lock（$(grep -c '^[a-z0-9]' requirements.lock) 个包）与 requirements-dev.lock（$(grep -c '^[a-z0-9]' requirements-dev.lock) 个包）"
