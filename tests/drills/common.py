"""Shared pieces of the drills: private copies of the demo database, generated source
files with a marker, table checksums, process figures from /proc, a local server, and
the summary every drill adds its figures to."""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from boardkit.app.auth import AUTH_OFF_BANNER, DEMO_ACCOUNTS_BANNER

REPO = Path(__file__).resolve().parents[2]
BOARD = REPO / "board.py"
CHROMIUM = "/usr/bin/chromium"
SUMMARY = REPO / "artifacts" / "drills" / "summary.md"

# Marked rows: every drill file's alarm IDs start with the marker, so a reader can count
# exactly what the drills added, whatever the demo data holds.
ALARM_HEADER = "报警编号,设备编号,设备类型,报警类型,报警时间,居民区,地址,处置状态,处置人,处置时间\n"
HOTLINE_HEADER = "工单编号,受理时间,诉求类型,诉求内容,所属居委,工单状态\n"
# The demo season ends on 2020-03-15; drill alarms arrive just after it.
DRILL_START = dt.datetime(2020, 3, 15, 6, 0)

_sections: list[tuple[str, list[str]]] = []
_outcomes: list[str] = []


# ---------------------------------------------------------------- databases

def copy_database(source_db: Path, folder: Path) -> Path:
    """A private copy of a database: its live generation becomes generation 1 behind a
    new link, so a drill may load into it while other tests read the shared demo."""
    gen_dir = folder / "generations"
    gen_dir.mkdir(parents=True, exist_ok=True)
    target = gen_dir / "board-000001.duckdb"
    shutil.copyfile(Path(source_db).resolve(), target)
    link = folder / "board.duckdb"
    link.symlink_to(os.path.relpath(target, folder))
    return link


def open_live(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Path(db).resolve()), read_only=True)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """`sql` on the live generation as the board reads it: alarms, open alarms and runs with
    the live alarm store's (etl/live_alarms.py), where the watcher puts alarm-only batches."""
    from etl import live_alarms
    return live_alarms.read(db, sql, params)


def checksums(db: Path) -> dict[str, tuple]:
    """Per table (meta included): row count and an order-free checksum of every row."""
    con = open_live(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        return {t: tuple(con.execute(f'SELECT count(*), sum(hash(t)) FROM "{t}" t').fetchall()[0])
                for t in tables}
    finally:
        con.close()


def leftovers(db: Path) -> list[str]:
    """What a killed load may leave: generations newer than the live one, WAL files,
    temporary links. The next load must have cleared them."""
    from etl.store import generation_number
    live = generation_number(Path(db).resolve())
    gen_dir = Path(db).parent / "generations"
    found = [p.name for p in gen_dir.iterdir()
             if p.name.endswith(".wal") or generation_number(Path(str(p).removesuffix(".wal"))) > live]
    found += [p.name for p in Path(db).parent.iterdir() if p.name.endswith(".link")]
    return sorted(found)


# ---------------------------------------------------------------- files

def neighbourhood_names(db: Path) -> list[str]:
    return [r[0] for r in rows(db, "SELECT name FROM ref_neighbourhoods ORDER BY code")] or ["八一"]


def alarm_file(path: Path, batch: int, count: int, names: list[str], marker: str = "DRL",
               start: dt.datetime = DRILL_START) -> Path:
    """`count` new alarms with IDs `<marker>-<batch>-<n>`, one minute apart after `start`
    plus `batch` minutes; a third handled, the rest open."""
    lines = [ALARM_HEADER]
    for n in range(count):
        raised = start + dt.timedelta(minutes=batch, seconds=n)
        handled = n % 3 == 0
        cells = [f"{marker}-{batch:05d}-{n:04d}", f"MC{(batch * 7 + n) % 997:04d}", "门磁", "开门",
                 f"{raised:%Y-%m-%d %H:%M:%S}", names[(batch + n) % len(names)], "",
                 "已处置" if handled else "未处置", "值班员" if handled else "",
                 f"{raised + dt.timedelta(minutes=4):%Y-%m-%d %H:%M:%S}" if handled else ""]
        lines.append(",".join(cells) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


# ---------------------------------------------------------------- pages

def view(page: str, params: dict | None = None, timeout: float = 180):
    """One page view as a new session, filters in the link: (AppTest, seconds).

    Not one AppTest rerun after another: after a page switch AppTest runs the page file
    alone (its pages/ folder mode) with the context of the session's first run, so it
    would never see a new load. A fresh session goes through board.py (the deep-link
    forward in boardkit.app.page.context) as a browser's rerun does."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(BOARD), default_timeout=timeout)
    at.query_params.update(params or {})
    at.switch_page(page)
    started = time.perf_counter()
    at.run()
    return at, time.perf_counter() - started


def page_problems(at, page: str) -> list[str]:
    """Exceptions, error boxes and the no-data page: none may appear while the database is
    fine. (The neighbourhood page's red status badge is an error box by design, and so are
    the banners of the drill's own set-up: sign-in off, the demo accounts.)"""
    by_design = ("**状态：", AUTH_OFF_BANNER, DEMO_ACCOUNTS_BANNER)
    found = [f"{page}: exception {e.value[:300]}" for e in at.exception]
    found += [f"{page}: error {e.value[:300]}" for e in at.error if not e.value.startswith(by_design)]
    found += [f"{page}: warning {w.value[:300]}" for w in at.warning if "暂无可显示的数据" in w.value]
    return found


# ---------------------------------------------------------------- processes

def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def worker(*args: str, **popen) -> subprocess.Popen:
    """tests/drills/workers.py in a subprocess with the test environment."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("workers.py")), *map(str, args)],
                            cwd=REPO, env=env, **popen)


def etl_cli(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def flat(samples: list[float], ratio: float = 1.15, slack: float = 0.0) -> tuple[bool, float, float]:
    """Last third's maximum against the first third's: (flat?, first max, last max)."""
    third = max(1, len(samples) // 3)
    first, last = max(samples[:third]), max(samples[-third:])
    return last <= first * ratio + slack, first, last


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def wait_until(predicate, timeout: float, every: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# ---------------------------------------------------------------- summary

def report(title: str, lines: list[str]) -> None:
    """Adds a drill's figures to the summary (rewritten whole each time, so a drill that
    fails later still leaves what it measured)."""
    _sections.append((title, lines))
    _write()


def outcome(nodeid: str, when: str, result: str, seconds: float) -> None:
    """One drill test's result (from conftest's report hook)."""
    if "tests/drills/" in nodeid:
        where = "" if when == "call" else f" (in {when})"
        _outcomes.append(f"{nodeid.split('tests/drills/')[1]}: {result}{where}, {seconds:.0f} s")
        _write()


def _write() -> None:
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(summary_text(), encoding="utf-8")
    (SUMMARY.parent / "summary.json").write_text(
        json.dumps([{"drill": t, "lines": ls} for t, ls in _sections], ensure_ascii=False, indent=1),
        encoding="utf-8")


def summary_text() -> str:
    out = [f"# Drill summary ({dt.datetime.now():%Y-%m-%d %H:%M})", ""]
    for title, lines in _sections:
        out += [f"## {title}", ""] + [f"- {line}" for line in lines] + [""]
    if _outcomes:
        failed = [o for o in _outcomes if ": passed" not in o]
        out += [f"## Outcomes: {len(_outcomes) - len(failed)} passed, {len(failed)} failed", ""]
        out += [f"- {o}" for o in _outcomes] + [""]
    return "\n".join(out)


def has_sections() -> bool:
    return bool(_sections or _outcomes)
