"""`python -m etl demo --live`: the feed's files load cleanly, alarms are handled
minutes after they are raised (some stay open, to be escalated), and tickets appear."""
from __future__ import annotations

import datetime as dt
import threading

from demo.live import LiveFeed, run_live
from etl.load import LoadOptions, load_files
from live.spool import ALARM_HEADERS, HOTLINE_HEADERS, csv_bytes, local_now
from live_helpers import inbox_files, scalar


def test_feed_loads_cleanly_with_handling_following(tmp_path):
    feed = LiveFeed(seed=7)
    start = local_now() - dt.timedelta(minutes=30)
    chunks = {"alarms": [[], []], "hotline": [[], []]}
    for tick in range(360):  # 30 minutes at one file every 5 s, in two vendor exports
        now = start + dt.timedelta(seconds=5 * tick)
        chunks["alarms"][tick // 180] += feed.alarms(now, 5.0)
        chunks["hotline"][tick // 180] += feed.hotline(now)
    files = []
    for source, headers in (("alarms", ALARM_HEADERS), ("hotline", HOTLINE_HEADERS)):
        for i, rows in enumerate(chunks[source]):
            path = tmp_path / f"{source}_{i}.csv"
            path.write_bytes(csv_bytes(headers, rows))
            files.append(path)
    db = tmp_path / "db" / "board.duckdb"
    results = load_files(None, files, db, LoadOptions(classify=False, now=local_now()))
    assert [r.status for r in results] == ["loaded"] * 4
    # The same alarm twice in one export (raised, then handled): the later row wins.
    assert scalar(db, "SELECT list(DISTINCT reason_code) FROM etl_rejects") in (None, ["duplicate_in_file"])
    counts = dict(zip(["total", "closed", "open", "bad"], scalar(db, """SELECT [count(*),
        count(*) FILTER (WHERE status IN ('handled', 'false_alarm', 'pre_reported')),
        count(*) FILTER (WHERE status IN ('open', 'in_progress') AND raised_at < $1::TIMESTAMP - INTERVAL 20 MINUTE),
        count(*) FILTER (WHERE handled_at < raised_at)] FROM alarms""", [local_now()])))
    assert counts["total"] > 200 and counts["closed"] > 0.6 * counts["total"]
    assert counts["open"] > 0 and counts["bad"] == 0  # a few forgotten ones, to escalate
    assert scalar(db, "SELECT count(DISTINCT alarm_type) FROM alarms") >= 4
    assert scalar(db, "SELECT count(*) FROM hotline_tickets") > 0
    assert scalar(db, "SELECT count(*) FROM alarms WHERE neighbourhood IS NULL") == 0


def test_run_live_writes_into_the_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    run_live(inbox, tmp_path / "db" / "board.duckdb", interval=0.01, seed=3, stop=threading.Event(),
             max_ticks=20, watch=False)
    names = inbox_files(inbox)
    assert names and all(n.startswith(("门磁报警_实时_", "12345工单_实时_")) and n.endswith(".csv") for n in names)
