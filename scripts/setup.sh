#!/usr/bin/env bash
# Sets up a fresh machine: Python virtualenv with the locked requirements (every package
# pinned and checked by hash: requirements.lock, refreshed by scripts/lock.sh), and (for tests)
# Debian's Chromium, HAProxy (the replica stack's test) and a CJK font. Safe to run again;
# does only what is missing.
#   scripts/setup.sh          runtime only (the board and the ETL)
#   scripts/setup.sh --dev    plus test tools, Chromium, HAProxy and the CJK font
# Packages go in with uv (from its cache in seconds; pip takes about a minute for the
# same set), installed into the virtualenv from PyPI; where uv cannot be had, with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.10
if [ ! -x .venv/bin/python ]; then
  if "$PYTHON" -m pip --version >/dev/null 2>&1; then
    # Installing pip into a new virtualenv is most of its creation time (about 10 s):
    # the system's pip puts uv there instead, and uv brings pip along with the rest.
    "$PYTHON" -m venv --without-pip .venv
  else
    "$PYTHON" -m venv .venv
  fi
fi
if [ ! -x .venv/bin/uv ]; then
  if .venv/bin/python -m pip --version >/dev/null 2>&1; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  else
    "$PYTHON" -m pip --python .venv/bin/python install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi || echo "setup: uv could not be installed, using pip" >&2
fi
install() {
  # pip stays in the virtualenv for the offline bundle's `pip download` and a user's own use.
  if [ -x .venv/bin/uv ] && .venv/bin/uv pip install --quiet --python .venv/bin/python "$@" \
       && { .venv/bin/python -m pip --version >/dev/null 2>&1 \
            || .venv/bin/uv pip install --quiet --python .venv/bin/python pip; }; then
    return
  fi
  .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip --upgrade >/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"
}
if [ "${1:-}" = "--dev" ]; then
  install --require-hashes -r requirements-dev.lock
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
  install --require-hashes -r requirements.lock
fi
