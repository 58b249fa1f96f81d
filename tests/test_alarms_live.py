"""`python -m etl watch`: files dropped into the inbox reach the database within
seconds, are archived or refused with a reason, are never loaded twice, and a file
still being written (under a temporary name, or in place) is left alone."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from live.spool import local_now
from live.watch import InboxBusy, Watcher, WatchConfig, inbox_lock
from live_helpers import alarm_csv, drop, inbox_files, scalar, wait_for

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = ["W1,MC101,门磁,开门,2020-02-03 22:10:00,八一居民区,浦三路1弄5号302室,未处置,,",
        "W2,MC102,门磁,开门报警,2020-02-03 22:12:00,港机居民区,,已处置,陈敏,2020-02-03 22:20:00"]


@pytest.fixture
def watched(tmp_path):
    config = WatchConfig(inbox=tmp_path / "inbox", db=tmp_path / "db" / "board.duckdb",
                         archive=tmp_path / "archive", refused=tmp_path / "refused",
                         poll_seconds=0.1, stable_seconds=0.6)
    watcher = Watcher(config)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    yield config
    watcher.stop_event.set()
    thread.join(timeout=20)
    assert not thread.is_alive()


def alarms(db) -> int:
    return scalar(db, "SELECT count(*) FROM alarms") or 0


def archived(config) -> list[str]:
    day = config.archive / local_now().date().isoformat()
    return sorted(p.name for p in day.iterdir()) if day.exists() else []


def test_alarm_file_reaches_database_and_is_archived(watched):
    t0 = time.monotonic()
    drop(watched.inbox, "门磁报警_0203.csv", alarm_csv(ROWS))
    wait_for(lambda: alarms(watched.db) == 2)
    assert time.monotonic() - t0 < 8  # generous on a busy machine; bench/alarm_latency.py measures
    wait_for(lambda: archived(watched) == ["门磁报警_0203.csv"])
    assert inbox_files(watched.inbox) == []
    assert scalar(watched.db, "SELECT status FROM alarms WHERE alarm_id = 'W2'") == "handled"
    assert scalar(watched.db, "SELECT room FROM alarms WHERE alarm_id = 'W1'") == "302室"

    # The same bytes again, under another name: recorded as a duplicate, not loaded twice.
    drop(watched.inbox, "门磁报警_0203_重发.csv", alarm_csv(ROWS))
    wait_for(lambda: "门磁报警_0203_重发.csv" in archived(watched))
    assert scalar(watched.db, "SELECT list(status ORDER BY run_id) FROM etl_runs") == ["loaded", "skipped_duplicate"]
    assert alarms(watched.db) == 2


def test_refused_file_goes_to_refused_with_reason_and_watcher_carries_on(watched):
    drop(watched.inbox, "报警_缺列.csv", "报警编号,设备编号,报警类型\nX1,MC1,开门\n")
    reason, moved = watched.refused / "报警_缺列.csv.reason.txt", watched.refused / "报警_缺列.csv"
    wait_for(lambda: reason.exists() and moved.exists())
    text = reason.read_text(encoding="utf-8")
    assert text.startswith("拒收  报警_缺列.csv：") and "表头" in text  # the loader's own message
    assert inbox_files(watched.inbox) == []
    # Not a spreadsheet at all: refused as well, and the next good file still loads.
    drop(watched.inbox, "说明.pdf", "%PDF-1.4 not a table")
    drop(watched.inbox, "门磁报警_好.csv", alarm_csv(ROWS[:1]))
    wait_for(lambda: alarms(watched.db) == 1)
    wait_for((watched.refused / "说明.pdf.reason.txt").exists)


def test_file_under_temporary_name_is_not_loaded_before_rename(watched):
    part = watched.inbox / "门磁报警_慢.csv.part"
    with open(part, "w", encoding="utf-8") as handle:
        handle.write(alarm_csv(ROWS[:1]))
        handle.flush()
        time.sleep(1.5)   # longer than the size-stable window, and many scans
        assert alarms(watched.db) == 0 and part.exists()
        handle.write(ROWS[1] + "\n")
    time.sleep(0.5)
    assert alarms(watched.db) == 0
    renamed = time.monotonic()
    os.replace(part, watched.inbox / "门磁报警_慢.csv")
    wait_for(lambda: alarms(watched.db) == 2)
    assert time.monotonic() - renamed < 8


def test_file_written_in_place_waits_for_the_stable_window(watched):
    target = watched.inbox / "门磁报警_原地.csv"
    with open(target, "w", encoding="utf-8") as handle:
        for row in [alarm_csv([])] + [r + "\n" for r in ROWS]:
            handle.write(row)
            handle.flush()
            time.sleep(0.3)   # pauses shorter than the window: still being written
            assert alarms(watched.db) == 0
    wait_for(lambda: alarms(watched.db) == 2)


def test_one_watcher_per_inbox(tmp_path):
    with inbox_lock(tmp_path):
        with pytest.raises(InboxBusy):
            with inbox_lock(tmp_path):
                pass


def test_watch_command_survives_restart(tmp_path):
    """The CLI as operators run it: loads, then stops cleanly on SIGTERM; a file that
    arrived while it was down is loaded when it starts again."""
    inbox, db = tmp_path / "inbox", tmp_path / "db" / "board.duckdb"

    def start():
        return subprocess.Popen([sys.executable, "-m", "etl", "watch", str(inbox), "--db", str(db),
                                 "--poll", "0.1", "--no-notify"], cwd=REPO_ROOT, env=dict(os.environ),
                                stderr=subprocess.PIPE, text=True)

    proc = start()
    try:
        drop(inbox, "门磁报警_1.csv", alarm_csv(ROWS[:1]))
        wait_for(lambda: alarms(db) == 1, timeout=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "导入  门磁报警_1.csv" in err and "浦三路" not in err  # names and counts only
    drop(inbox, "门磁报警_2.csv", alarm_csv(ROWS[1:]))
    proc = start()
    try:
        wait_for(lambda: alarms(db) == 2, timeout=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert sorted(p.name for p in (tmp_path / "archive").rglob("*.csv")) == ["门磁报警_1.csv", "门磁报警_2.csv"]
