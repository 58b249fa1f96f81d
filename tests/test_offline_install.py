"""The offline bundle installs on a machine with no network, and the board runs from it.

Builds the bundle (scripts/make-bundle.sh: pip download of requirements.lock, checked by
hash, which may use pip's cache), unpacks it, installs it with scripts/install-offline.sh
(`pip install --no-index --require-hashes`, no pip configuration) into a fresh prefix,
then generates demo data and starts the README's board command from that installation. Install and run happen in a network namespace
with only the loopback interface (`unshare -n`), so nothing there can reach an index;
where namespaces are not allowed, `--no-index` alone keeps pip off the network.
Several minutes on the project's machine: a drill (scripts/drills.sh).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.drill


def _offline(cmd: list[str]) -> list[str]:
    """The command in a namespace without network (loopback only), when allowed here."""
    if shutil.which("unshare") and shutil.which("ip") and subprocess.run(
            ["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "offline", *cmd]
    return cmd


def _run(cmd, timeout, **kwargs) -> subprocess.CompletedProcess:
    t0 = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)
    print(f"{time.perf_counter() - t0:6.1f} s  {' '.join(map(str, cmd))[-120:]}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bundle_installs_offline_and_the_board_runs(tmp_path):
    out = tmp_path / "bundle"
    _run(["bash", REPO_ROOT / "scripts" / "make-bundle.sh", "--out", out], timeout=1200)
    archive = out / "yipingguan-bundle.tar.gz"
    print(f"bundle: {archive.stat().st_size / 1e6:.0f} MB")
    # What crosses to the closed network is the tar.gz alone.
    unpacked = tmp_path / "usb"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="tar")
    bundle = unpacked / "yipingguan-bundle"
    assert "fonts-wqy-microhei" in (bundle / "debian-packages.txt").read_text().split()
    assert not list(bundle.glob("wheels/*.tar.gz")), "every requirement must be a wheel"
    # Exactly the locked packages, each wheel named by its hash in the bundle's lock
    # (what install-offline.sh installs with --require-hashes).
    lock = (bundle / "requirements.lock").read_text(encoding="utf-8")
    wheels = sorted(bundle.glob("wheels/*.whl"))
    assert len(wheels) == len(re.findall(r"^[a-z0-9]", lock, re.M)) == len(re.findall(r"^[a-z0-9]", (
        REPO_ROOT / "requirements.lock").read_text(encoding="utf-8"), re.M))
    for wheel in wheels:
        assert f"--hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}" in lock, wheel.name

    prefix = tmp_path / "opt" / "yipingguan"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PYTHON=sys.executable)  # a CPython 3.11 like the target's
    _run(_offline(["bash", bundle / "install-offline.sh", "--prefix", prefix]), timeout=1200, env=env)
    python = prefix / ".venv" / "bin" / "python"
    assert not (prefix / ".git").exists() and (prefix / "data" / "reference" / "faq.toml").exists()

    # The installed program, with its own database (the test's secret key from conftest).
    env.update(BOARD_DB=str(prefix / "data" / "board.duckdb"), BOARD_AUTH="off")
    _run(_offline([python, "-m", "etl", "demo", "--volume", "0.05", "--days", "20"]), timeout=900,
         cwd=prefix, env=env)
    health = _run(_offline([python, "-m", "etl", "health"]), timeout=120, cwd=prefix, env=env)
    assert "异常" not in health.stdout

    # The README's board command, and the health check the units and the wall screen use.
    port = _free_port()
    script = (f'"{prefix}/.venv/bin/streamlit" run board.py --server.headless true --server.port {port} '
              f'--browser.gatherUsageStats false >"{tmp_path}/board.log" 2>&1 & pid=$!; '
              f'for i in $(seq 1 90); do sleep 1; "{python}" -m etl health --url http://127.0.0.1:{port} '
              f'--max-age-hours 0 && break; done; status=$?; kill $pid; exit $status')
    board = _run(_offline(["bash", "-c", script]), timeout=300, cwd=prefix, env=env)
    assert "/_stcore/health 应答正常（ok）" in board.stdout

    # One full page run of the board from the installed environment (AppTest).
    check = ("from streamlit.testing.v1 import AppTest\n"
             "at = AppTest.from_file('board.py', default_timeout=180); at.run()\n"
             "assert not at.exception, [e.value for e in at.exception]\n"
             "assert len(at.metric) > 5, len(at.metric)\n"
             "print('page ok', len(at.metric), 'metrics')\n")
    page = _run(_offline([python, "-c", check]), timeout=300, cwd=prefix, env=env)
    assert "page ok" in page.stdout
