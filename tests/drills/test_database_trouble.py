"""Drill 4, database trouble: the database missing, an empty (0-byte) file, a file of an
older schema version (migrated by the next load), of a newer one (refused), damaged, or
held open read-write by another program.

For each: the board (AppTest, several pages) shows a friendly page or the data, never a
traceback; `etl load` and `etl status` say in one Chinese line what is wrong and what to
do, never a traceback; and once the trouble is gone (or a load fixed it) the board shows
the data again. (tests/test_page_no_database.py covers an install with no data yet.)"""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from etl.store import SCHEMA_VERSION

from .common import (alarm_file, copy_database, etl_cli, leftovers, neighbourhood_names, page_problems, report, rows,
                     view)

SIZES = [pytest.param(["pages/overview.py", "pages/enterprises.py"], id="ci"),
         pytest.param(["pages/overview.py", "pages/hotline.py", "pages/roster.py", "pages/alarms.py",
                       "pages/enterprises.py", "pages/neighbourhood.py", "pages/explore.py", "pages/brief.py",
                       "pages/data.py"], id="full", marks=pytest.mark.drill)]
DEMO_FIX = "python -m etl demo"
_results: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if _results:
        report("Database trouble", _results + [f"cases that passed: {len(_results)} (failures: see the outcomes)"])


def _board(db, monkeypatch, pages: list[str]) -> list[dict]:
    """Each page opened as a new session: what it showed."""
    monkeypatch.setenv("BOARD_DB", str(db))
    seen = []
    for page in pages:
        at, _ = view(page, timeout=120)
        seen.append({"page": page, "exceptions": [e.value for e in at.exception],
                     "warnings": [w.value for w in at.warning], "code": [c.value for c in at.code],
                     "metrics": len(at.metric) + len(at.dataframe), "errors": [e.value for e in at.error]})
    return seen


def _friendly(seen: list[dict], reason: str, demo_help: bool) -> None:
    for shown in seen:
        assert shown["exceptions"] == [], shown
        assert any(reason in w for w in shown["warnings"]), shown
        assert (DEMO_FIX in shown["code"]) == demo_help, shown
        assert shown["metrics"] == 0, shown  # nothing half-drawn


def _shows_data(db, monkeypatch, pages: list[str]) -> None:
    for page in pages:
        monkeypatch.setenv("BOARD_DB", str(db))
        at, _ = view(page, timeout=120)
        assert page_problems(at, page) == [], page


def _one_line_error(proc: subprocess.CompletedProcess, reason: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert reason in proc.stderr, proc.stderr


def _status(db, reason: str) -> None:
    proc = etl_cli("status", "--db", db)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    assert reason in proc.stdout + proc.stderr, proc.stdout


def _set_version(db, version: int | None, drop: tuple[str, ...] = ()) -> None:
    con = duckdb.connect(str(db.resolve()))
    try:
        for table in drop:
            con.execute(f"DROP TABLE {table}")
        if version is not None:
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
    finally:
        con.close()


def _load(db, tmp_path, name="drill-fix.csv"):
    path = alarm_file(tmp_path / name, 1, 5, ["八一"])
    return etl_cli("load", "alarms", path, "--db", db)


@pytest.mark.parametrize("pages", SIZES)
def test_missing_and_empty(pages, tmp_path, monkeypatch):
    missing = tmp_path / "none" / "board.duckdb"
    _friendly(_board(missing, monkeypatch, pages), "还没有数据库", demo_help=True)
    _status(missing, "没有数据库")
    assert not missing.parent.exists()  # looking created nothing

    for kind in ("plain", "generation"):  # a 0-byte file at the live path, or behind the link
        db = tmp_path / kind / "board.duckdb"
        db.parent.mkdir()
        if kind == "plain":
            db.write_bytes(b"")
        else:
            (db.parent / "generations").mkdir()
            (db.parent / "generations" / "board-000003.duckdb").write_bytes(b"")
            db.symlink_to("generations/board-000003.duckdb")
        _friendly(_board(db, monkeypatch, pages), "空文件（0 字节）", demo_help=True)
        _status(db, "空文件（0 字节）")
        proc = _load(db, tmp_path)  # the next load starts the database afresh
        assert proc.returncode == 0 and "导入  drill-fix.csv" in proc.stdout, proc.stderr[-2000:]
        assert rows(db, "SELECT count(*) FROM alarms") == [(5,)]
        _shows_data(db, monkeypatch, pages)
    _results.append("missing, 0-byte file, 0-byte generation: friendly page with the fix; a load starts afresh")


@pytest.mark.parametrize("pages", SIZES)
def test_older_schema_is_migrated_by_the_next_load(pages, demo_db, tmp_path, monkeypatch):
    for name, version, drop in (("v0", 0, ("alarms",)), ("no-meta", None, ("meta", "alarms"))):
        db = copy_database(demo_db, tmp_path / name)
        _set_version(db, version, drop)
        _friendly(_board(db, monkeypatch, pages), f"低于本程序的 {SCHEMA_VERSION}", demo_help=False)
        _status(db, "下一次导入会自动升级")
        proc = _load(db, tmp_path)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
        assert rows(db, "SELECT count(*) FROM alarms") == [(5,)]  # the dropped table is back, with the load
        _shows_data(db, monkeypatch, pages)
    _results.append("older schema (version 0; no meta table): board explains, the next load migrates, board shows data")


@pytest.mark.parametrize("pages", SIZES)
def test_newer_schema_is_refused(pages, demo_db, tmp_path, monkeypatch):
    db = copy_database(demo_db, tmp_path / "v99")
    _set_version(db, 99)
    link, before = os.readlink(db), rows(db, "SELECT count(*) FROM etl_runs")
    _one_line_error(_load(db, tmp_path), "高于本程序支持的")
    assert os.readlink(db) == link and rows(db, "SELECT count(*) FROM etl_runs") == before
    assert leftovers(db) == []
    _status(db, "请升级本程序")
    _friendly(_board(db, monkeypatch, pages), "高于本程序的", demo_help=False)
    _results.append("newer schema (99): load refused in one line, nothing changed; board asks for an upgrade")


@pytest.mark.parametrize("pages", SIZES)
def test_damaged_file(pages, tmp_path, monkeypatch):
    db = tmp_path / "damaged" / "board.duckdb"
    db.parent.mkdir()
    db.write_bytes(b"not a database " * 1000)
    _friendly(_board(db, monkeypatch, pages), "已损坏", demo_help=False)
    _one_line_error(_load(db, tmp_path), "已损坏")
    _status(db, "已损坏")
    assert db.read_bytes() == b"not a database " * 1000  # left for whoever restores it
    _results.append("damaged file: board and loader say restore from backup; the file is left as it was")


@pytest.mark.parametrize("pages", SIZES)
def test_locked_by_another_program(pages, demo_db, tmp_path, monkeypatch):
    """Someone opened the live generation read-write (a DuckDB shell without -readonly)."""
    db = copy_database(demo_db, tmp_path / "locked")
    names = neighbourhood_names(db)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", str(db.resolve())],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        _friendly(_board(db, monkeypatch, pages), "正被另一个程序", demo_help=False)
        link = os.readlink(db)
        proc = etl_cli("load", "alarms", alarm_file(tmp_path / "drill-a.csv", 1, 5, names), "--db", db)
        _one_line_error(proc, "正被另一个程序")
        assert f"进程 {holder.pid}" in proc.stderr and "-readonly" in proc.stderr
        assert os.readlink(db) == link and leftovers(db) == []
        _status(db, "正被另一个程序")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    _shows_data(db, monkeypatch, pages)  # the program closed: the board is back by itself
    proc = etl_cli("load", "alarms", tmp_path / "drill-a.csv", "--db", db)
    assert proc.returncode == 0 and "导入  drill-a.csv" in proc.stdout, proc.stderr[-2000:]
    _results.append("held read-write by another process: board explains (no traceback), the loader names the "
                    "process and refuses; both work again once it closes")
