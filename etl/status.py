"""`python -m etl status`: per source, last load, rows, rejects, warnings."""
from __future__ import annotations

from pathlib import Path

import duckdb

from . import store
from .sources import SOURCES


def status_lines(db_path: Path) -> list[str]:
    live = store.current_file(db_path)
    if live is None or not live.exists():
        return [f"没有数据库：{db_path}。先运行 python -m etl demo 或 python -m etl ingest <文件夹>"]
    con = duckdb.connect(str(live), read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        lines = [f"数据库 {db_path} -> {live.name}（第 {meta.get('generation')} 代，结构版本 "
                 f"{meta.get('schema_version')}，{live.stat().st_size / 1e6:.1f} MB）"]
        for source in SOURCES.values():
            rows = con.execute(f"SELECT count(*) FROM {source.table}").fetchall()[0][0]
            last = con.execute("""SELECT max(finished_at), count(*) FILTER (status = 'refused'),
                                         coalesce(sum(rows_rejected), 0), coalesce(sum(rows_warned), 0)
                                  FROM etl_runs WHERE source = ?""", [source.name]).fetchall()[0]
            when = last[0].strftime("%Y-%m-%d %H:%M") if last[0] else "从未导入"
            lines.append(f"{source.label:<8} 最近导入 {when}  现有 {rows} 行  拒收 {last[2]} 行  "
                         f"警告 {last[3]} 行  拒收文件 {last[1]} 个")
        return lines
    finally:
        con.close()
