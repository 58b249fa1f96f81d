"""What every hostile file must come to: loaded whole (each row in its table or in
etl_rejects) or refused whole with one clear Chinese line; never a traceback, never part
of a file. Shared by the hand-made and the property-based hostile-file drills."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from etl.load import FileResult, LoadOptions, load_files
from etl.sources import SOURCES

# "Now" of the loads: after every valid date the drills write, before 2100.
NOW = dt.datetime(2020, 3, 1, 12, 0)
TABLES = {name: source.table for name, source in SOURCES.items()}


def load(db: Path, source: str | None, *paths: Path, classify: bool = False) -> list[FileResult]:
    return load_files(source, list(paths), db, LoadOptions(classify=classify, now=NOW))


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def all_or_nothing(con, result: FileResult) -> list[str]:
    """What is wrong with how one file came out (empty list: nothing). `con` reads the
    generation the file was loaded into; the file is its run's only file of that name."""
    problems = []
    name, status = result.path.name, result.status
    runs = con.execute("SELECT run_id, status, message FROM etl_runs WHERE file_name = ? ORDER BY run_id DESC",
                       [name]).fetchall()
    if not runs or runs[0][1] != status:
        return [f"{name}: etl_runs has {runs[:1]}, the loader said {status}"]
    run_id = runs[0][0]
    issues = con.execute("SELECT count(*) FILTER (NOT w), count(DISTINCT row_number) FILTER (NOT w), "
                         "count(*) FILTER (w) FROM (SELECT row_number, false AS w FROM etl_rejects WHERE run_id = $r "
                         "UNION ALL SELECT row_number, true FROM etl_warnings WHERE run_id = $r)",
                         {"r": run_id}).fetchall()[0]
    stored = {source: con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]).fetchall()[0][0]
              for source, table in TABLES.items()}
    if status in ("refused", "skipped_duplicate"):
        if any(stored.values()) or any(issues):
            problems.append(f"{name}: {status} but rows {stored}, issues {issues} were written")
        if status == "refused":
            message = result.message
            if not message or "\n" in message or "Traceback" in message or not has_chinese(message):
                problems.append(f"{name}: refused without one clear Chinese line: {message!r}")
        return problems
    if result.rows_read != result.rows_loaded + result.rows_rejected:
        problems.append(f"{name}: read {result.rows_read} != loaded {result.rows_loaded} + "
                        f"rejected {result.rows_rejected}")
    if stored[result.source] != result.rows_loaded or sum(stored.values()) != result.rows_loaded:
        problems.append(f"{name}: {result.rows_loaded} rows loaded but {stored} stored")
    if issues[1] != result.rows_rejected:
        problems.append(f"{name}: {result.rows_rejected} rows rejected but {issues[1]} in etl_rejects")
    return problems
