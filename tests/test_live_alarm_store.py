"""The live alarm store (etl/live_alarms.py): alarms from the live channels are on the board
without a full load of the main database; a full load folds them in, once; readers see one
consistent relation, and a broken store only costs the live alarms, never the board."""
from __future__ import annotations

import datetime as dt
import os

import duckdb
import pytest

from boardkit.data import db as board_db
from boardkit.queries.alarms import unhandled_alarms_oldest_first
from etl import live_alarms, store
from etl.load import LoadOptions, load_files
from live import notify
from live.intake import spool_events
from live.watch import Watcher, WatchConfig
from live_helpers import alarm_csv

NOW = dt.datetime(2020, 2, 4, 9, 0)
BASE = ["A1,MC101,门磁,开门,2020-02-03 22:10:00,八一居民区,浦三路1弄5号302室,未处置,,",
        "A2,MC102,门磁,开门,2020-02-03 22:12:00,港机居民区,浦三路2弄1号,已处置,陈敏,2020-02-03 22:20:00"]
HOTLINE = ("工单编号,受理时间,诉求类型,诉求内容,发生地址,所属居委,承办部门,工单状态\n"
           "H1,2020-02-03 10:00:00,咨询,咨询隔离政策,浦三路1弄,八一居民区,街道办,处理中\n")


def event(alarm_id: str, raised: str, **extra) -> dict:
    return {"alarm_id": alarm_id, "device_id": "MC201", "alarm_type": "开门", "raised_at": raised, **extra}


@pytest.fixture
def live(tmp_path):
    """A main database holding BASE, and a watcher (stepped by hand) on its inbox."""
    db = tmp_path / "db" / "board.duckdb"
    (tmp_path / "base.csv").write_text(alarm_csv(BASE), encoding="utf-8")
    load_files(None, [tmp_path / "base.csv"], db, LoadOptions(now=NOW))
    config = WatchConfig(inbox=tmp_path / "inbox", db=db, archive=tmp_path / "archive",
                         refused=tmp_path / "refused", poll_seconds=0.1, stable_seconds=0.2)
    return db, Watcher(config)


def arrive(watcher: Watcher, events: list[dict]) -> None:
    """What the intake does with a POST, then the watcher's next scans until it loads."""
    spool_events(watcher.config.inbox, events)
    for _ in range(50):
        if watcher.step():
            return
    raise AssertionError("the watcher loaded nothing")


def unhandled(db) -> list[str]:
    frame = unhandled_alarms_oldest_first(board_db.current_generation(db), board_db.ALL, NOW)
    return sorted(frame["alarm_id"])


def main_generation(db) -> int:
    return store.generation_number(store.current_file(db))


def test_posted_alarm_is_on_the_board_and_with_the_notifier_before_any_full_load(live):
    db, watcher = live
    before = main_generation(db)
    arrive(watcher, [event("L1", "2020-02-04 08:50:00", neighbourhood="八一居民区")])
    assert main_generation(db) == before  # the main database was not copied
    assert live_alarms.current_file(db) is not None
    assert unhandled(db) == ["A1", "L1"]
    assert sorted(a.alarm_id for a in notify.open_alarms(db, dt.datetime(2020, 2, 3))) == ["A1", "L1"]
    # The data page's runs list the live file after the main database's.
    runs = board_db.query(board_db.current_generation(db), "SELECT source, status FROM etl_runs ORDER BY run_id")
    assert runs.values.tolist() == [["alarms", "loaded"], ["alarms", "loaded"]]


def test_alarm_of_the_main_database_handled_live_shows_handled_and_keeps_its_address(live):
    db, watcher = live
    arrive(watcher, [event("A1", "2020-02-03 22:10:00", status="已处置", handled_at="2020-02-04 08:00:00",
                           handled_by="王强")])
    assert unhandled(db) == []
    row = board_db.query(board_db.current_generation(db),
                         "SELECT alarm_id, status, address, neighbourhood, handled_by_masked FROM alarms ORDER BY 1")
    assert row.values.tolist() == [["A1", "handled", "浦三路1弄5号", "八一居民区", "王*"],
                                   ["A2", "handled", "浦三路2弄1号", "港机居民区", "陈*"]]


def test_full_load_folds_the_store_once(live, tmp_path):
    db, watcher = live
    arrive(watcher, [event("L1", "2020-02-04 08:50:00", neighbourhood="八一居民区")])
    arrive(watcher, [event("L1", "2020-02-04 08:50:00", status="已处置", handled_at="2020-02-04 08:55:00"),
                     event("L2", "2020-02-04 08:56:00", neighbourhood="港机居民区")])
    seen_live = board_db.query(board_db.current_generation(db), "SELECT alarm_id, status FROM alarms ORDER BY 1")
    (tmp_path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    [result] = load_files(None, [tmp_path / "hotline.csv"], db, LoadOptions(now=NOW))
    assert result.status == "loaded"
    assert live_alarms.current_file(db) is None  # retired: its rows are in the main database
    con = duckdb.connect(str(store.current_file(db)), read_only=True)
    try:
        in_main = con.execute("SELECT alarm_id, status FROM alarms ORDER BY 1").fetchall()
        runs = con.execute("SELECT source, status FROM etl_runs ORDER BY run_id").fetchall()
    finally:
        con.close()
    assert in_main == [tuple(r) for r in seen_live.values.tolist()]
    assert in_main == [("A1", "open"), ("A2", "handled"), ("L1", "handled"), ("L2", "open")]
    # Three live files (the second POST's events differ in fields: two files), after the
    # hotline file of the same load (the loader's source order).
    assert runs == [("alarms", "loaded"), ("hotline", "loaded")] + [("alarms", "loaded")] * 3
    # The next live alarm starts a new store, numbered after the main database's runs.
    arrive(watcher, [event("L3", "2020-02-04 08:58:00")])
    assert unhandled(db) == ["A1", "L2", "L3"]
    runs = board_db.query(board_db.current_generation(db), "SELECT run_id FROM etl_runs ORDER BY run_id")
    assert runs["run_id"].tolist() == [1, 2, 3, 4, 5, 6]


def test_a_reader_keeps_its_view_while_the_store_is_swapped_and_folded(live, tmp_path):
    db, watcher = live
    arrive(watcher, [event("L1", "2020-02-04 08:50:00")])
    held = board_db.current_generation(db)
    count = "SELECT count(*) AS n FROM alarms"
    arrive(watcher, [event("L2", "2020-02-04 08:51:00")])
    (tmp_path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    load_files(None, [tmp_path / "hotline.csv"], db, LoadOptions(now=NOW))
    assert board_db.scalar(held, count) == 3  # the generations it began with, whole
    assert board_db.scalar(board_db.current_generation(db), count) == 4


def test_a_missing_or_damaged_store_leaves_the_main_database_alarms(live, caplog):
    db, watcher = live
    arrive(watcher, [event("L1", "2020-02-04 08:50:00")])
    target = live_alarms.current_file(db)
    target.write_bytes(b"not a database" * 1000)
    assert unhandled(db) == ["A1"]
    assert "实时报警库" in caplog.text
    # The next live alarm still reaches the board, through the main database.
    arrive(watcher, [event("L2", "2020-02-04 08:51:00")])
    assert unhandled(db) == ["A1", "L2"]
    os.unlink(target)
    assert live_alarms.current_file(db) is None
    assert unhandled(db) == ["A1", "L2"]
    assert sorted(a.alarm_id for a in notify.open_alarms(db, dt.datetime(2020, 2, 3))) == ["A1", "L2"]


def test_a_store_older_than_its_limit_is_folded_by_the_next_live_batch(live, monkeypatch):
    db, watcher = live
    arrive(watcher, [event("L1", "2020-02-04 08:50:00")])
    before = main_generation(db)
    monkeypatch.setattr(live_alarms, "FOLD_AFTER_SECONDS", 0)
    arrive(watcher, [event("L2", "2020-02-04 08:51:00")])
    assert live_alarms.current_file(db) is None
    assert main_generation(db) == before + 1
    assert unhandled(db) == ["A1", "L1", "L2"]


def test_a_backup_holds_the_live_alarms_and_a_restore_brings_them_back(live, tmp_path):
    """The store is folded before the database is copied: a backup taken between two full
    loads, restored elsewhere, still has the alarm that arrived live."""
    from ops.backup import backup, restore
    db, watcher = live
    arrive(watcher, [event("L1", "2020-02-04 08:50:00", neighbourhood="八一居民区")])
    result = backup(tmp_path / "backups", db)
    assert live_alarms.current_file(db) is None
    assert "已先把实时报警库并入主数据库" in result.notes
    elsewhere = tmp_path / "elsewhere" / "board.duckdb"
    restore(result.folder, elsewhere)
    frame = board_db.query(board_db.current_generation(elsewhere), "SELECT alarm_id FROM alarms ORDER BY 1")
    assert frame["alarm_id"].tolist() == ["A1", "A2", "L1"]
