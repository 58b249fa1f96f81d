"""`python -m etl health`: is the board's machine well? Exit 0 when every check passes.

One Chinese line per check, for the journal (a timer runs it), for a monitoring script
and for the wall screen: the database opens read-only, the live generation is recent
enough, the disk has room, and each given URL (the board's `/_stcore/health`, the alarm
intake's `/health`) answers. Nothing personal is printed.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core import settings
from etl import store
from ops.disk import disk_status


@dataclass(frozen=True)
class Check:
    ok: bool
    line: str


def check_database(db_path: Path, max_age_hours: float | None = None, now: float | None = None) -> list[Check]:
    live = store.current_file(db_path)
    if live is None or not live.exists():
        return [Check(False, f"数据库：没有 {db_path}（先导入数据）")]
    try:
        con = duckdb.connect(str(live), read_only=True)
        try:
            generation = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchall()[0][0]
            last = con.execute("SELECT max(finished_at) FROM etl_runs").fetchall()[0][0]
        finally:
            con.close()
    except (duckdb.Error, IndexError) as exc:
        return [Check(False, f"数据库：{live.name} 无法只读打开（{str(exc).splitlines()[0][:120]}）")]
    checks = [Check(True, f"数据库：可只读打开，第 {generation} 代（{live.name}）"
                          + (f"，最近导入 {last:%Y-%m-%d %H:%M}" if last else ""))]
    limit = float(settings.get("health.max_generation_age_hours") if max_age_hours is None else max_age_hours)
    age_hours = ((now or time.time()) - live.stat().st_mtime) / 3600
    if limit > 0:
        ok = age_hours <= limit
        checks.append(Check(ok, f"数据更新：当前数据代生成于 {age_hours:.1f} 小时前"
                                + ("" if ok else f"，超过 {limit:g} 小时：检查导入服务与收件箱")))
    return checks


def check_url(url: str, timeout: float = 5.0) -> Check:
    """A health URL; a bare board address gets Streamlit's `/_stcore/health` appended."""
    if url.rstrip("/").count("/") <= 2:
        url = url.rstrip("/") + "/_stcore/health"
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local services: no proxy
        with opener.open(url, timeout=timeout) as response:
            body = response.read(200).decode("utf-8", "replace").strip()
            return Check(response.status == 200, f"服务：{url} 应答正常（{body[:40]}）")
    except urllib.error.HTTPError as exc:
        return Check(False, f"服务：{url} 应答 HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Check(False, f"服务：{url} 无法访问（{reason}）")


def run_checks(db_path: Path | None = None, urls: tuple[str, ...] = (), max_age_hours: float | None = None) -> list[Check]:
    db_path = Path(db_path or settings.db_path())
    checks = check_database(db_path, max_age_hours)
    disk = disk_status(db_path)
    checks.append(Check(not disk.warning, f"磁盘：{disk.message}"))
    checks += [check_url(u) for u in urls]
    return checks
