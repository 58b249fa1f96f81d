#!/usr/bin/env bash
# Sets up a fresh machine: Python virtualenv with the locked requirements (every package
# pinned and checked by hash: requirements.lock, refreshed by scripts/lock.sh), and (for tests)
# Debian's Chromium, HAProxy (the replica stack's test) and a CJK font. Safe to run again;
# does only what is missing.
#   scripts/setup.sh          runtime only (the board and the ETL)
#   scripts/setup.sh --dev    plus test tools, Chromium, HAProxy and the CJK font
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements-dev.lock
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need+=(fonts-wqy-microhei)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
fi
