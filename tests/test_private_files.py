"""Files the project writes have no group or world access, even when started by hand under a
shell's usual umask 022: the database and its generations, the raw archive,
demo files, spool files of the inbox, the audit log, the brief (0600 unless
brief_output_mode gives its group read access)."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from page_helpers import BOARD, lure_database, rerun
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent


def _loose(folder: Path) -> list[str]:
    """Every file and folder under `folder` (itself included) that gives group or world any access."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            found.append(f"{stat.S_IMODE(path.stat().st_mode):o} {path.relative_to(folder.parent)}")
    return found


def _under_umask_022() -> None:
    os.umask(0o022)
    # Ctrl+C as at a terminal, even when the test run itself was started in the background
    # (a shell's background job inherits SIGINT ignored, and Python then keeps ignoring it).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _etl(*args: str, env: dict, log: Path, **kwargs) -> subprocess.Popen:
    """A command under umask 022, its output appended to `log` (a pipe nobody reads while it
    runs would stop a chatty process once the pipe is full)."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=REPO, env=env,
                                preexec_fn=_under_umask_022, stdout=out, stderr=subprocess.STDOUT, **kwargs)


def test_commands_under_umask_022_write_only_private_files(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "BOARD_SECRET_KEY_FILE": str(home / "key" / "person-key.secret"),
           "BOARD_USERS": str(home / "users.toml"), "BOARD_AUDIT": str(home / "audit.sqlite"),
           "BOARD_DB": str(home / "data" / "board.duckdb")}
    home.mkdir(mode=0o700)
    log = tmp_path / "commands.log"
    demo = _etl("demo", "--days", "1", "--volume", "0.01", "--end", "2020-03-15", "--out", str(home / "demo"),
                env=env, log=log)
    assert demo.wait(timeout=600) == 0, log.read_text(errors="replace")[-3000:]
    # The live demo: spool files into an inbox, picked up, archived and loaded as they come.
    live = _etl("demo", "--live", "--interval", "0.3", "--inbox", str(home / "inbox"), env=env, log=log)
    deadline = time.monotonic() + 120
    while not list(home.rglob("archive/raw/*/*实时*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    live.send_signal(signal.SIGINT)
    try:
        live.wait(timeout=60)
    except subprocess.TimeoutExpired:
        live.kill()
        raise AssertionError("the live demo did not stop on Ctrl+C: " + log.read_text(errors="replace")[-3000:])
    brief = _etl("brief", "--out", str(home / "briefs"), env=env, log=log)
    assert brief.wait(timeout=300) == 0, log.read_text(errors="replace")[-3000:]

    assert list((home / "demo").glob("*.csv")) and list((home / "data" / "generations").glob("*.duckdb"))
    # Spool files: in the inbox (when stopped), in the inbox's archive and in the raw archive.
    spooled = [p for p in home.rglob("*实时*") if p.is_file()]
    assert {p.relative_to(home).parts[0] for p in spooled} >= {"archive", "data"}, spooled
    assert len(list((home / "briefs").iterdir())) == 2
    assert _loose(home) == []


def test_the_brief_may_be_shared_with_a_group_never_with_the_world(tmp_path, monkeypatch):
    import shutil

    from boardkit.brief.build import write_brief
    from boardkit.data.db import current_generation
    from core import private, settings
    gen = current_generation(lure_database(tmp_path / "db"))
    reference = shutil.copytree(settings.reference_dir(), tmp_path / "reference")
    monkeypatch.setenv("BOARD_REFERENCE", str(reference))
    (reference / "settings.toml").write_text('brief_output_mode = "0640"\n', encoding="utf-8")
    files = write_brief(gen, tmp_path / "shared" / "日报")
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o640}
    assert stat.S_IMODE((tmp_path / "shared" / "日报").stat().st_mode) == 0o750
    (reference / "other").mkdir()
    (reference / "other" / "settings.toml").write_text('brief_output_mode = "0644"\n', encoding="utf-8")
    monkeypatch.setenv("BOARD_REFERENCE", str(reference / "other"))
    with pytest.raises(ValueError, match="其他用户"):
        private.brief_output_mode()


def test_the_board_under_umask_022_writes_a_private_audit_log(tmp_path, monkeypatch):
    monkeypatch.setenv("BOARD_DB", str(lure_database(tmp_path / "db")))
    monkeypatch.setenv("BOARD_AUDIT", str(tmp_path / "logs" / "audit.sqlite"))
    previous = os.umask(0o022)
    try:
        rerun(AppTest.from_file(str(BOARD), default_timeout=90))
    finally:
        os.umask(previous)
    assert (tmp_path / "logs" / "audit.sqlite").exists()
    assert _loose(tmp_path / "logs") == []
