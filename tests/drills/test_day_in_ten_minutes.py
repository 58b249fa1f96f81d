"""Drill 6, a day in ten minutes: the wall screen (/screen) open in Chromium, refreshing
every few seconds, and the watch loader (`python -m etl watch`) running, while alarm
files arrive in the inbox every few seconds. The server's and the watcher's memory
(VmRSS) and open file handles (/proc/<pid>/fd) must stay flat: the last third's maximum
at most the first third's times 1.15, plus a little slack. Every file is loaded, the
screen shows the newest alarm, and nothing shows an exception."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from live_helpers import free_port
from screen_server import ScreenServer

from .common import (CHROMIUM, DRILL_START, REPO, alarm_file, copy_database, flat, neighbourhood_names, open_files,
                     report, rows, rss_kib, wait_until)

SIZES = [pytest.param({"seconds": 60}, id="ci"),
         pytest.param({"seconds": 600}, id="full", marks=pytest.mark.drill)]
EVERY = 3.0        # seconds between alarm files
PER_FILE = 5
SAMPLE = 2.0       # seconds between memory samples
REFRESH = 5        # the screen's panels and ticker refresh (seconds)
RSS_SLACK_KIB = 16 * 1024
FD_SLACK = 4

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def _reference(target: Path) -> Path:
    """data/reference with its settings plus fast screen refreshes."""
    shutil.copytree(REPO / "data" / "reference", target)
    path = target / "settings.toml"
    values = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    values.update({"screen_refresh_seconds": REFRESH, "screen_alarm_refresh_seconds": REFRESH})
    path.write_text("".join(f"{json.dumps(k)} = {json.dumps(v)}\n" for k, v in values.items()), encoding="utf-8")
    return target


def _drop(inbox: Path, staging: Path, batch: int, names: list[str]) -> None:
    """Written beside the inbox, then renamed in: how a well-behaved sender delivers."""
    path = alarm_file(staging / f"drill-day-{batch:05d}.csv", batch, PER_FILE, names)
    os.replace(path, inbox / path.name)


def _sample(pids: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (rss_kib(pid), open_files(pid)) for name, pid in pids.items()}


@pytest.mark.parametrize("size", SIZES)
def test_day_in_ten_minutes(size, demo_db, tmp_path):
    from playwright.sync_api import sync_playwright
    sys.path.insert(0, str(REPO / "scripts"))
    from screenshot import CHROMIUM_ARGS

    db = copy_database(demo_db, tmp_path / "db")
    names = neighbourhood_names(db)
    reference = _reference(tmp_path / "reference")
    inbox, staging = tmp_path / "inbox", tmp_path / "staging"
    inbox.mkdir()
    staging.mkdir()
    server = ScreenServer(free_port(), db, reference, tmp_path / "server.log")
    watch_log = open(tmp_path / "watch.log", "wb")
    watcher = subprocess.Popen([sys.executable, "-m", "etl", "watch", str(inbox), "--db", str(db), "--no-notify"],
                               cwd=REPO, env=server.env, stdout=watch_log, stderr=subprocess.STDOUT)
    samples: list[dict] = []
    page_errors: list[str] = []
    dropped = 0
    try:
        server.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(f"{server.base}/screen?key={os.environ['BOARD_SCREEN_KEY']}")
            page.wait_for_selector('[data-panel="ticker"]', timeout=120_000)
            pids = {"server": server.pid, "watcher": watcher.pid}
            start = time.monotonic()
            next_file, next_sample = start, start
            while time.monotonic() - start < size["seconds"]:
                now = time.monotonic()
                if now >= next_file:
                    _drop(inbox, staging, dropped, names)
                    dropped += 1
                    next_file += EVERY
                if now >= next_sample:
                    samples.append(_sample(pids))
                    next_sample += SAMPLE
                assert watcher.poll() is None, "the watcher stopped"
                page.wait_for_timeout(200)  # lets the page's events through while we wait
            wait_until(lambda: not [p for p in inbox.iterdir() if not p.name.startswith(".")], 60,
                       what="the inbox to empty")
            last = DRILL_START + dt.timedelta(minutes=dropped - 1, seconds=PER_FILE - 1)  # see alarm_file
            page.wait_for_selector(f'.scr-latest[data-alarm-time="{last:%Y-%m-%d %H:%M:%S}"]', state="attached",
                                   timeout=(REFRESH + 30) * 1000)
            exceptions = page.locator('[data-testid="stException"]').count()
            browser.close()
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            watcher.kill()
        watch_log.close()
        server.stop()

    loaded = rows(db, "SELECT count(*) FROM alarms WHERE starts_with(alarm_id, 'DRL-')")[0][0]
    archived = sum(1 for _ in (tmp_path / "archive").rglob("drill-day-*.csv"))
    refused = sorted(p.name for p in (tmp_path / "refused").glob("*")) if (tmp_path / "refused").exists() else []
    generations = len(list((db.parent / "generations").glob("*.duckdb")))
    logs = (tmp_path / "server.log").read_text(errors="replace") + (tmp_path / "watch.log").read_text(errors="replace")
    tracebacks = [line for line in logs.splitlines() if "Traceback" in line]
    figures, verdicts = [], []
    measures = (("memory", RSS_SLACK_KIB, " MiB", 1024), ("open files", FD_SLACK, "", 1))
    for who in ("server", "watcher"):
        for i, (what, slack, unit, scale) in enumerate(measures):
            series = [s[who][i] for s in samples]
            ok, first, last_max = flat(series, 1.15, slack)
            verdicts.append((f"{who} {what}", ok))
            figures.append(f"{who} {what}: first third max {first / scale:.0f}{unit}, last third max "
                           f"{last_max / scale:.0f}{unit}, end {series[-1] / scale:.0f}{unit} "
                           f"({'flat' if ok else 'GROWING'})")
    report(f"A day in ten minutes ({'full' if size['seconds'] >= 600 else 'ci'})", [
        f"{size['seconds']} s: /screen in Chromium (refresh {REFRESH} s) and `python -m etl watch`; "
        f"{dropped} alarm files, one every {EVERY:g} s; {len(samples)} samples every {SAMPLE:g} s",
        f"loaded {loaded // PER_FILE} of {dropped} files ({loaded} alarms), archived {archived}, "
        f"refused {len(refused)}, generation files left {generations}",
        *figures,
        f"screen: exceptions {exceptions}, page errors {len(page_errors)}; tracebacks in the logs {len(tracebacks)}",
    ])
    assert (loaded, archived, refused) == (dropped * PER_FILE, dropped, [])
    assert exceptions == 0 and page_errors == [] and tracebacks == [], (page_errors[:5], tracebacks[:5])
    assert [name for name, ok in verdicts if not ok] == []
