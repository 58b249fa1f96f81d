"""The audit log: who signed in, viewed what with which filters, downloaded how many rows.

Its own small SQLite store in WAL mode (data-contract.md): the board appends while it
runs, from many sessions at once, without touching the analytical database.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import pandas as pd

from etl import settings
from etl.localtime import local_now

_LOCK = threading.Lock()
_SCHEMA = """CREATE TABLE IF NOT EXISTS audit (
    at TEXT NOT NULL, user TEXT, role TEXT, event TEXT NOT NULL, page TEXT, detail TEXT, rows INTEGER)"""


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = Path(path or settings.audit_db())
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(_SCHEMA)
    return con


def record(event: str, user: str | None, role: str | None = None, page: str | None = None,
           detail: dict | str | None = None, rows: int | None = None, path: Path | None = None) -> None:
    """Appends one entry. `detail` holds filters or file names, never personal data."""
    text = json.dumps(detail, ensure_ascii=False, default=str) if isinstance(detail, dict) else detail
    with _LOCK:
        con = _connect(path)
        try:
            with con:
                con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (local_now().isoformat(timespec="seconds"), user, role, event, page, text, rows))
        finally:
            con.close()


def recent(limit: int = 500, event: str | None = None, path: Path | None = None) -> pd.DataFrame:
    con = _connect(path)
    try:
        sql = "SELECT * FROM audit" + (" WHERE event = ?" if event else "") + " ORDER BY rowid DESC LIMIT ?"
        return pd.read_sql_query(sql, con, params=((event, limit) if event else (limit,)))
    finally:
        con.close()
