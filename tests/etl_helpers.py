"""Helpers for the ETL tests (tests/test_etl_*.py): fixture files, loading, querying, CLI."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from etl.load import FileResult, LoadOptions, load_files  # noqa: E402

DATA = REPO_ROOT / "tests" / "data" / "etl"
# "Now" for loads in tests: after every fixture date, before the deliberate future ones.
NOW = dt.datetime(2020, 3, 1, 12, 0)

FILES = {
    source: [f"{source}_utf8.csv", f"{source}_bom.csv", f"{source}_gbk.csv", f"{source}_utf16.txt",
             f"{source}.xlsx", f"{source}.xls"]
    for source in ("hotline", "roster", "alarms", "enterprises")
}
TABLES = {"hotline": "hotline_tickets", "roster": "roster_reports", "alarms": "alarms",
          "enterprises": "enterprises"}

D = dt.datetime
DAY = dt.date


def personal_values() -> dict:
    return json.loads((DATA / "personal_values.json").read_text(encoding="utf-8"))


def load(source: str | None, names: list[str | Path], db_path: Path, now: dt.datetime = NOW,
         classify: bool = False) -> list[FileResult]:
    paths = [n if isinstance(n, Path) else DATA / n for n in names]
    return load_files(source, paths, db_path, LoadOptions(classify=classify, now=now))


def override_settings(monkeypatch, values: dict) -> None:
    """The named settings take `values` for this test (settings.get in this process); the
    others stay as configured."""
    from core import settings
    real_get = settings.get
    monkeypatch.setattr(settings, "get", lambda name: values[name] if name in values else real_get(name))


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Read-only, through the generation file the live link points at."""
    return duckdb.connect(str(Path(db_path).resolve()), read_only=True)


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(db_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: to compare a database before and after."""
    con = connect(db_path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def issues(db_path: Path, table: str = "etl_rejects") -> list[tuple]:
    """(file, row, column, value, code, reason) of every reject or warning, in file/row order."""
    return query(db_path, f"""SELECT file_name, row_number, column_name, value_masked, reason_code, reason
                              FROM {table} ORDER BY run_id, row_number, column_name""")


def runs(results: list[FileResult]) -> list[tuple]:
    return [(r.path.name, r.status, r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_warned)
            for r in results]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m etl …` in a subprocess, from the repository root, with the test environment."""
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
