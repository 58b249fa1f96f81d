"""The audit log: who signed in, viewed what with which filters, downloaded how many rows.

Its own small SQLite store in WAL mode (data-contract.md): the board appends while it
runs, from many sessions at once, without touching the analytical database.

Filter text people type may hold phone and ID numbers: it is stored masked (the loader's
own masking of free text), and beside it a keyed hash (HMAC with the host's secret key)
of every number in it, so an auditor can still ask who looked up a number without the
log holding it. Entries older than `audit.retention_days` are deleted when a process
first opens the log.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import sqlite3
import threading
from pathlib import Path

import pandas as pd

from core import settings
from core.localtime import local_now
from etl.privacy import mask_free_text, secret_key

_LOCK = threading.Lock()
_SCHEMA = """CREATE TABLE IF NOT EXISTS audit (
    at TEXT NOT NULL, user TEXT, role TEXT, event TEXT NOT NULL, page TEXT, detail TEXT, rows INTEGER, numbers TEXT)"""
# A number as people type it: digits with spaces or dashes between, a leading +, an X last.
_NUMBER = re.compile(r"\+?\d[\d\s\-]{5,}\d[Xx]?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PURGED: set[Path] = set()


def retention_days() -> int:
    return int(settings.get("audit.retention_days"))


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = Path(path or settings.audit_db())
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(_SCHEMA)
    if path not in _PURGED:  # once a process: a log written before numbers were hashed, and retention
        if "numbers" not in {row[1] for row in con.execute("PRAGMA table_info(audit)")}:
            con.execute("ALTER TABLE audit ADD COLUMN numbers TEXT")
        cutoff = local_now() - dt.timedelta(days=retention_days())
        with con:
            con.execute("DELETE FROM audit WHERE at < ?", (cutoff.isoformat(timespec="seconds"),))
        _PURGED.add(path)
    return con


def number_tokens(text: str) -> list[str]:
    """Each number of 7 or more digits in `text`, separators dropped, a +86/0086 prefix of a
    mobile number dropped: the same number typed two ways gives the same token."""
    tokens = []
    for match in _NUMBER.finditer(text or ""):
        if _DATE.fullmatch(match.group()):  # the filters' own dates are no one's number
            continue
        token = re.sub(r"[^0-9X]", "", match.group().upper())
        if len(token) == 13 and token.startswith("86") or len(token) == 15 and token.startswith("0086"):
            token = token[-11:]
        if len(token) >= 7:
            tokens.append(token)
    return tokens


def number_hash(token: str) -> str:
    key = hmac.new(secret_key(), b"yipingguan audit numbers", hashlib.sha256).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]


def masked(text: str) -> str:
    """Free text with its phone, ID and room numbers masked, by the loader's masking pass."""
    return mask_free_text(text)


def record(event: str, user: str | None, role: str | None = None, page: str | None = None,
           detail: dict | str | None = None, rows: int | None = None, path: Path | None = None) -> None:
    """Appends one entry. `detail` (filters, file names) is stored masked, its numbers hashed."""
    text = json.dumps(detail, ensure_ascii=False, default=str) if isinstance(detail, dict) else detail
    numbers = " ".join(number_hash(t) for t in number_tokens(text or "")) or None
    with _LOCK:
        if text:
            text = masked(text)
        con = _connect(path)
        try:
            with con:
                con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (local_now().isoformat(timespec="seconds"), user, role, event, page, text, rows, numbers))
        finally:
            con.close()


def recent(limit: int = 500, event: str | None = None, path: Path | None = None,
           number: str | None = None) -> pd.DataFrame:
    """The latest entries, of one event, or mentioning `number` in their filters."""
    where, params = [], []
    if event:
        where.append("event = ?")
        params.append(event)
    if number is not None:
        tokens = number_tokens(number) or [re.sub(r"[^0-9X]", "", number.upper())]
        where.append("(" + " OR ".join("instr(coalesce(numbers, ''), ?) > 0" for _ in tokens) + ")")
        params.extend(number_hash(t) for t in tokens)
    con = _connect(path)
    try:
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY rowid DESC LIMIT ?"
        return pd.read_sql_query(sql, con, params=(*params, limit))
    finally:
        con.close()
