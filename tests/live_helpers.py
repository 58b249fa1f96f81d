"""Helpers for the near-real-time alarm tests: drop files, wait for rows, free ports."""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import duckdb

HEADER = "报警编号,设备编号,设备类型,报警类型,报警时间,居民区,地址,处置状态,处置人,处置时间\n"


def alarm_csv(rows: list[str]) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


def drop(inbox: Path, name: str, text: str) -> Path:
    """Writes under a temporary name, then renames: how a well-behaved sender delivers."""
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f"{name}.part"
    tmp.write_text(text, encoding="utf-8")
    final = inbox / name
    os.replace(tmp, final)
    return final


def scalar(db: Path, sql: str, params: list | None = None):
    """One value read through the live link, read-only; None when there is no database yet."""
    if not os.path.lexists(db):
        return None
    con = duckdb.connect(str(Path(db).resolve()), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()[0][0]
    finally:
        con.close()


def wait_for(predicate, timeout: float = 15.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {getattr(predicate, '__name__', predicate)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inbox_files(inbox: Path) -> list[str]:
    return sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
