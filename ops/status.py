"""`python -m etl status`: per source, last load, rows, rejects, warnings; then the
generation in use, disk use, the raw archive, the last purge and the services."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb

from core import settings
from etl import store
from etl.sources import BOARD_ORDER, SOURCES

# What to do when there is no database yet (status, the brief, sending the brief).
FIRST_LOAD = "先运行 python -m etl demo 或 python -m etl ingest <文件夹>"


def status_lines(db_path: Path) -> list[str]:
    live = store.current_file(db_path)
    if live is None or not live.exists():
        return [f"没有数据库：{db_path}。{FIRST_LOAD}"] + \
            operations_lines(db_path, {})
    try:
        con = duckdb.connect(str(live), read_only=True)
    except duckdb.Error as exc:  # locked, damaged, empty: say so and what to do, no traceback
        return [f"错误：{store.describe_open_error(exc, live)}"] + operations_lines(db_path, {})
    try:
        meta = _meta(con)
        version = int(meta.get("schema_version") or 0)
        if version != store.SCHEMA_VERSION:  # a page or a count below would fail on its tables
            return [f"数据库 {db_path} -> {live.name} 的结构版本为 {version}，本程序为 {store.SCHEMA_VERSION}："
                    f"{store.version_advice(version)}"] + operations_lines(db_path, meta)
        lines = [f"数据库 {db_path} -> {live.name}（第 {meta.get('generation')} 代，结构版本 "
                 f"{meta.get('schema_version')}，{live.stat().st_size / 1e6:.1f} MB）"]
        for source in (SOURCES[name] for name in BOARD_ORDER):
            rows = con.execute(f"SELECT count(*) FROM {source.table}").fetchall()[0][0]
            last = con.execute("""SELECT max(finished_at), count(*) FILTER (status = 'refused'),
                                         coalesce(sum(rows_rejected), 0), coalesce(sum(rows_warned), 0)
                                  FROM etl_runs WHERE source = ?""", [source.name]).fetchall()[0]
            when = last[0].strftime("%Y-%m-%d %H:%M") if last[0] else "从未导入"
            lines.append(f"{source.label:<8} 最近导入 {when}  现有 {rows} 行  拒收 {last[2]} 行  "
                         f"警告 {last[3]} 行  拒收文件 {last[1]} 个")
    finally:
        con.close()
    return lines + operations_lines(db_path, meta)


def _meta(con) -> dict:
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.CatalogException:  # older than the schema version itself
        return {}


def operations_lines(db_path: Path, meta: dict) -> list[str]:
    """Disk, archive, retention and services: what keeps the board running for months."""
    from ops.disk import disk_status, disk_use
    use, disk = disk_use(db_path), disk_status(db_path)
    lines = [f"数据代文件 {use.generation_files} 个，共 {use.generations / 1e6:.1f} MB"
             f"（保留最近 {settings.get('generations_kept')} 代）；原始文件归档 {use.archive_files} 个，"
             f"{use.archive / 1e6:.1f} MB（保留 {settings.get('archive.retention_days')} 天）",
             ("警告：" if disk.warning else "") + disk.message]
    purges = json.loads(meta.get("purge_log") or "[]")
    if purges:
        last = purges[-1]
        lines.append(f"个人信息到期清除：最近一次 {last.get('at', '')[:16].replace('T', ' ')}，"
                     f"隔离结束早于 {last['cutoff']} 的人员已匿名化（保留 {settings.get('retention_days')} 天）")
    else:
        lines.append(f"个人信息到期清除：尚未运行（python -m etl purge，保留 {settings.get('retention_days')} 天）")
    lines.append("服务：" + "  ".join(f"{unit} {state}" for unit, state in service_states().items()))
    return lines


STATE_LABELS = {"active": "运行中", "inactive": "已停止", "failed": "失败", "activating": "启动中",
                "deactivating": "停止中", "reloading": "重新加载中"}


def service_states(units: list[str] | None = None) -> dict[str, str]:
    """systemctl is-active for each unit, in Chinese; "未知" where systemd is not running
    (a container, a development machine)."""
    units = units or [u.strip() for u in str(settings.get("services.units")).split(",") if u.strip()]
    systemctl = shutil.which("systemctl")
    if not systemctl or not Path("/run/systemd/system").exists():
        return {unit: "未知" for unit in units}
    states = {}
    for unit in units:
        try:
            out = subprocess.run([systemctl, "is-active", unit], capture_output=True, text=True, timeout=5)
            word = out.stdout.strip() or "unknown"
        except (OSError, subprocess.TimeoutExpired):
            word = "unknown"
        states[unit] = STATE_LABELS.get(word, "未知" if word == "unknown" else word)
    return states
