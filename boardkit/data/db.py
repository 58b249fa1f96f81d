"""The one module that opens the database for the board.

Every query runs on a short-lived read-only connection to one *generation file* (the
target of the live symlink, resolved once per page run), so a page run sees one
consistent load, never blocks the loader, and sees a new load on its next run.
Queries are named, take bound parameters only, and are time-limited and capped.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core import settings
from etl.sources import SOURCES


class NoDatabase(Exception):
    """The database is missing, empty or unreadable; the message says what to run."""


class DatabaseTrouble(NoDatabase):
    """A database is there but cannot be used as it is (held open read-write by another
    program, damaged, another schema version): the message says what to do, and the
    "load the demo" help of an empty install would be the wrong advice."""


@dataclass(frozen=True)
class Generation:
    """Which data a figure was computed from; hashable, so it keys caches."""
    path: str
    number: int
    mtime: float
    live: str = ""   # the live alarm store's generation file read with it (etl/live_alarms.py)


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: all neighbourhoods, or a set of neighbourhood codes."""
    codes: tuple[str, ...] | None = None
    show_room: bool = False

    @property
    def params(self) -> dict:
        return {"scope_all": self.codes is None, "scope_codes": list(self.codes or ())}

    def free_text(self, column: str) -> str:
        """SQL for a free-text column (`content`, `note`) as this viewer may read it: the
        stored column has no room number; its `<column>_with_rooms` twin (NULL where the text
        named none) only for a scope that may see rooms. `column`: a query's own name."""
        assert column in ("content", "note"), column
        return f"coalesce({column}_with_rooms, {column})" if self.show_room else column


ALL = Scope()
# Paste into a WHERE clause; rows with no neighbourhood are visible to whole-area scope only.
SCOPE_SQL = "($scope_all OR list_contains($scope_codes, neighbourhood_code))"

# Record tables a query may narrow with `rows_where` (identifiers from this list only).
RECORD_TABLES = tuple(table for source in SOURCES.values() for table in source.record_tables)


def rows_where(table: str, where: str) -> str:
    """`table` narrowed to the rows `where` holds, as a subquery to select from. The rows
    are found by rowid first and only then read: DuckDB checks a filter with an OR in it
    after reading every selected column of every row, so listing 500 open alarms out of
    ten million would read the text of all ten million."""
    if table not in RECORD_TABLES:
        raise ValueError(f"not a record table: {table}")
    return f"(SELECT * FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {where}))"


def current_generation(db_path: Path | None = None) -> Generation:
    db_path = Path(db_path or settings.db_path())
    from etl import live_alarms
    live = live_alarms.current_file(db_path)  # before the main file: see live_alarms.py
    if not os.path.lexists(db_path):
        raise NoDatabase(f"还没有数据库（{db_path}）。")
    target = db_path.resolve()
    if not target.exists():
        raise NoDatabase(f"数据库链接 {db_path} 指向的文件不存在（{target.name}）。")
    from etl.store import generation_number
    return Generation(str(target), generation_number(target), target.stat().st_mtime, str(live or ""))


def connect(gen: Generation) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(gen.path, read_only=True)
    except duckdb.Error as exc:
        from etl.store import describe_open_error
        path = Path(gen.path)
        reason = describe_open_error(exc, path)
        if path.exists() and path.stat().st_size == 0:
            raise NoDatabase(reason) from None
        raise DatabaseTrouble(reason) from None


# One read-only connection kept per thread and generation file while a page runs: it keeps
# DuckDB's database instance open, so the dozen queries of a run each open their own
# connection cheaply (opening a city-sized generation cold is slow, every query). Safe
# because a published generation file never changes (a load writes the next file), so the
# keeper can neither see half a load nor hold up the loader. It goes when its thread ends
# (Streamlit runs every script run in a thread of its own) or when the thread reads
# another generation, or the same path changed on disk (a damaged or replaced file).
_keeper = threading.local()


def _keep_open(gen: Generation) -> None:
    held = getattr(_keeper, "held", None)
    if held is not None and held[0] == gen:
        return
    _keeper.held = None
    if held is not None:
        held[1].close()
    _keeper.held = (gen, connect(gen))


def query(gen: Generation, sql: str, params: dict | None = None, *,
          timeout: float | None = None, cap: int | None = None) -> pd.DataFrame:
    """Runs one named query on a fresh read-only connection, interrupted after `timeout`
    seconds and cut to `cap` rows (frame.attrs['truncated'] says so)."""
    timeout = timeout or float(settings.get("query_timeout_seconds"))
    cap = cap or int(settings.get("query_row_cap"))
    params = _used_params(sql, params or {})
    _keep_open(gen)
    con = connect(gen)
    from etl import live_alarms
    live = live_alarms.attach(con, gen.live, live_alarms.relations_in(sql))
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        frame = con.execute(f"SELECT * FROM ({sql}) LIMIT {int(cap) + 1}", params).df()
    except duckdb.InterruptException:
        raise TimeoutError(f"查询超过 {timeout:.0f} 秒未完成，已中止") from None
    finally:
        timer.cancel()
        live_alarms.detach(con, live)
        con.close()
    frame.attrs["truncated"] = len(frame) > cap
    return frame.iloc[:cap] if len(frame) > cap else frame


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _used_params(sql: str, params: dict) -> dict:
    """DuckDB refuses named parameters a statement does not use; shared parameter sets
    (scope, clock) are passed whole, so keep the ones this SQL names."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


def scalar(gen: Generation, sql: str, params: dict | None = None):
    frame = query(gen, sql, params, cap=1)
    return None if frame.empty else frame.iat[0, 0]


def check_ready(gen: Generation) -> None:
    """Raises NoDatabase when the file holds no schema or no data yet, DatabaseTrouble
    when its schema version is not this program's (a page would fail on a missing or
    changed table): the loader migrates an older file, a newer one needs a newer board."""
    from etl.store import SCHEMA_VERSION, version_advice
    try:
        row = query(gen, "SELECT (SELECT max(value) FROM meta WHERE key = 'schema_version') AS version, "
                         "(SELECT count(*) FROM etl_runs WHERE status = 'loaded') AS loaded", cap=1).iloc[0]
        version = int(row["version"]) if pd.notna(row["version"]) else 0
    except duckdb.CatalogException:
        if not scalar(gen, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'etl_runs'"):
            raise NoDatabase("数据库中没有一屏观的数据表（可能不是本系统的数据库）。") from None
        version, row = 0, None
    if version != SCHEMA_VERSION:
        relation = "高于" if version > SCHEMA_VERSION else "低于"
        raise DatabaseTrouble(f"数据库的结构版本为 {version}，{relation}本程序的 {SCHEMA_VERSION}："
                              f"{version_advice(version)}。")
    if not row["loaded"]:
        raise NoDatabase("数据库是空的：还没有导入任何文件。")
