"""The systemd units (deploy/systemd/) are well formed, run commands that exist, restart
on failure, log to the journal and come back after a reboot."""
from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from etl.__main__ import build_parser as _parser

REPO_ROOT = Path(__file__).resolve().parent.parent
UNITS = REPO_ROOT / "deploy" / "systemd"
LONG_RUNNING = ("yipingguan-board.service", "yipingguan-watch.service", "yipingguan-intake.service")
TIMERS = {"yipingguan-purge.timer": "02:30", "yipingguan-brief.timer": "07:30", "yipingguan-backup.timer": "03:00"}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def _exec_lines(name: str) -> list[str]:
    return [line.split("=", 1)[1] for line in (UNITS / name).read_text(encoding="utf-8").splitlines()
            if line.startswith("ExecStart=")]


def test_services_run_as_a_dedicated_user_restart_and_log_to_the_journal():
    env_keys = set(_environment())
    for path in UNITS.glob("*.service"):
        service = _unit(path.name)["Service"]
        assert service["User"] == "yipingguan" and service["WorkingDirectory"] == "/opt/yipingguan"
        assert service["EnvironmentFile"] == "/etc/yipingguan/yipingguan.env"
        assert service["StandardOutput"] == "journal" and service["StandardError"] == "journal"
        assert service["UMask"] == "0077", path.name  # what it writes is its account's alone
        for line in _exec_lines(path.name):
            used = set(re.findall(r"\$\{(\w+)\}", line))
            assert used <= env_keys, f"{path.name}: {used - env_keys} not in the environment file"
    for name in LONG_RUNNING:
        unit = _unit(name)
        assert unit["Service"]["Restart"] == "on-failure"
        assert unit["Install"]["WantedBy"] == "multi-user.target"  # comes back after a reboot
    for name, time in TIMERS.items():
        timer = _unit(name)["Timer"]
        assert time in timer["OnCalendar"] and timer["Persistent"] == "true"
        assert (UNITS / name.replace(".timer", ".service")).exists()


def _environment() -> dict[str, str]:
    lines = (UNITS / "yipingguan.env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z_]+=", line))


def test_every_etl_command_in_the_units_exists():
    parser, env = _parser(), _environment()
    for path in UNITS.glob("*.service"):
        for line in _exec_lines(path.name):
            words = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], line))
            if words[1:3] == ["-m", "etl"]:
                parser.parse_args(words[3:])  # SystemExit on an unknown command or option
            else:
                assert words[0].endswith("/streamlit") and "board_server.py" in words


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    # Point the units at this checkout (the binaries must exist) and at root (the user may not).
    for path in list(UNITS.glob("*.service")) + list(UNITS.glob("*.timer")):
        text = path.read_text(encoding="utf-8").replace("/opt/yipingguan", str(REPO_ROOT))
        text = re.sub(r"^(User|Group)=yipingguan$", r"\1=root", text, flags=re.M)
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    names = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run(["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
