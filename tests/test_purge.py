"""Retention (PIPL): after `retention_days` past the end of a quarantine, no row of that
person keeps a name, ID key, phone, room or device link, anywhere in the database or
in an older generation file; and the board's daily counts for past days are unchanged."""
from __future__ import annotations

import datetime as dt
import sqlite3

import duckdb
from conftest import DEMO_END
from etl_helpers import cli
from ops_helpers import ALARMS_DEVICES, ROSTER_DEVICES, copy_database, write

from boardkit.data.db import ALL, current_generation
from boardkit.queries import roster as rq
from ops import purge
from etl import store
from etl.load import LoadOptions, load_files
from core.notify_log import SCHEMA as NOTIFY_SCHEMA

TODAY = dt.date.fromisoformat(DEMO_END)
DAYS = 14
CUTOFF = TODAY - dt.timedelta(days=DAYS)
START = dt.date(2020, 1, 1)


def _con(db_path):
    return duckdb.connect(str(db_path.resolve()), read_only=True)


def _daily_counts(db_path) -> dict:
    """What the trends draw, through the board's own queries where it has them."""
    gen = current_generation(db_path)
    counts = {
        "arrivals": rq.arrivals_by_day_and_source(gen, ALL, START, TODAY).values.tolist(),
        "quarantined": rq.quarantine_timeline(gen, ALL, START, TODAY).values.tolist(),
        "provinces": rq.arrivals_by_province(gen, ALL, START, TODAY, top=40).values.tolist(),
        "by_neighbourhood": rq.persons_by_neighbourhood(gen, ALL, START, TODAY, TODAY - dt.timedelta(days=1),
                                                        3).values.tolist(),
    }
    con = _con(db_path)
    try:
        counts["alarms"] = con.execute("""SELECT CAST(raised_at AS DATE), neighbourhood_code, alarm_type, status,
                                                 count(*), count(handled_at), round(sum(response_minutes), 6)
                                          FROM alarms GROUP BY ALL ORDER BY ALL""").fetchall()
    finally:
        con.close()
    return counts


def _expired_reports(db_path) -> list[tuple]:
    con = _con(db_path)
    try:
        return con.execute("""SELECT run_id, row_number, person_key, report_key, device_id, status,
                                     quarantine_start, arrived_on, quarantine_end
                              FROM roster_reports WHERE person_key IN (
                                  SELECT person_key FROM persons
                                  WHERE coalesce(quarantine_end, arrived_on, quarantine_start) < ?)""",
                           [CUTOFF]).fetchall()
    finally:
        con.close()


def _notify_log(db_path) -> sqlite3.Connection:
    con = sqlite3.connect(db_path.parent / "notify.sqlite")
    con.executescript(NOTIFY_SCHEMA)
    for notice_id, first in ((1, "2020-02-10T21:00:00"), (2, "2020-03-14T21:00:00")):
        con.execute("""INSERT INTO notices (notice_id, kind, device_id, neighbourhood, building, alarm_types,
                       first_raised, alarm_count, created_at, status) VALUES (?, 'arrival', 'MC901', '临沂七村',
                       '南码头路801弄3号', 'door_open', ?, 1, ?, 'sent')""", [notice_id, first, first])
        con.execute("INSERT INTO notice_alarms VALUES (?, 'arrival', ?)", [f"A{notice_id}", notice_id])
    con.commit()
    return con


def test_silences_that_ended_before_the_cutoff_are_deleted(tmp_path):
    db = tmp_path / "board.duckdb"
    con = _notify_log(db)
    for silence_id, ends, ended in ((1, "2020-02-20T08:00:00", None), (2, "2020-03-20T08:00:00", "2020-02-11T09:00:00"),
                                    (3, "2020-03-20T08:00:00", None)):
        con.execute("""INSERT INTO silences (silence_id, neighbourhood, device_id, alarm_types, reason, created_by,
                       created_at, ends_at, ended_at) VALUES (?, '临沂七村', 'MC901', 'offline', '维修中', 'lead',
                       '2020-02-10T08:00:00', ?, ?)""", [silence_id, ends, ended])
    con.commit()
    con.close()
    assert purge.trim_notify_log(db, dt.date(2020, 3, 1)) == 1
    con = sqlite3.connect(db.parent / "notify.sqlite")
    assert con.execute("SELECT silence_id FROM silences").fetchall() == [(3,)]
    con.close()


def test_purge_leaves_no_personal_link_and_keeps_the_daily_counts(demo_db, tmp_path):
    db = copy_database(demo_db, tmp_path / "db" / "board.duckdb")
    load_files("roster", [write(tmp_path / "in", "来沪人员_门磁.csv", ROSTER_DEVICES)], db, LoadOptions(classify=False))
    load_files("alarms", [write(tmp_path / "in", "门磁报警.csv", ALARMS_DEVICES)], db, LoadOptions(classify=False))
    _notify_log(db).close()
    expired = _expired_reports(db)
    released = [r for r in expired if r[5] in ("released", "left")]
    assert len(released) > 100 and any(r[4] for r in released), "the demo must have released persons with devices"
    old_keys = {r[2] for r in expired} | {r[3] for r in expired}
    windows = [(r[4], r[6] or r[7], r[8]) for r in expired if r[4]]
    con = _con(db)
    retained_before = con.execute("SELECT * FROM roster_reports WHERE person_key NOT IN (SELECT unnest(?)) "
                                  "ORDER BY ALL", [list(old_keys)]).fetchall()
    con.close()
    counts_before = _daily_counts(db)

    result = purge.purge(db, days=DAYS, today=TODAY, grace_seconds=0)
    assert result.persons == len({r[2] for r in expired}) and result.reports == len(expired)
    assert result.old_generations_removed >= 1 and result.notices_removed == 1

    con = _con(db)
    try:
        # Each expired report, found by its place in its file: nothing personal is left.
        by_place = {(r[0], r[1]): r[2:] for r in con.execute(
            """SELECT run_id, row_number, person_key, report_key, name_masked, id_masked, phone_masked, room,
                      device_id, origin FROM roster_reports""").fetchall()}
        rows = [by_place[(r[0], r[1])] for r in expired]
        assert all(r[0].startswith("anon:") and r[1].startswith("anon:") for r in rows)
        assert all(v is None for r in rows for v in r[2:])
        # Persons still within the retention are untouched, and still linked to their alarms.
        assert con.execute("SELECT * FROM roster_reports WHERE NOT starts_with(person_key, 'anon:') "
                           "ORDER BY ALL").fetchall() == retained_before
        # No alarm of a released person's device in their quarantine keeps the device or the room
        # (a day shared with the next resident's quarantine belongs to that resident).
        for device, start, end in windows:
            linked = con.execute("""SELECT count(*) FROM alarms a WHERE device_id = ?
                                    AND CAST(raised_at AS DATE) BETWEEN ? AND ? + 1
                                    AND NOT EXISTS (SELECT 1 FROM roster_reports r WHERE r.device_id = a.device_id
                                        AND CAST(a.raised_at AS DATE) BETWEEN coalesce(r.quarantine_start, r.arrived_on)
                                                                          AND r.quarantine_end + 1)""",
                                 [device, start, end]).fetchall()
            assert linked == [(0,)], device
        assert con.execute("""SELECT count(*) FROM alarms WHERE starts_with(device_id, 'anon:')""").fetchall()[0][0] > 100
        assert con.execute("""SELECT count(*) FROM alarms WHERE CAST(raised_at AS DATE) <= ?
                              AND (room IS NOT NULL OR note IS NOT NULL OR NOT starts_with(device_id, 'anon:'))
                              AND device_id NOT IN (SELECT device_id FROM roster_reports WHERE device_id IS NOT NULL)""",
                           [CUTOFF]).fetchall() == [(0,)]
    finally:
        con.close()
    # Neither the live file nor any generation file left holds an original key.
    files = list(store.generations_dir(db).glob("*.duckdb"))
    assert files == [store.current_file(db)]
    _assert_keys_absent(files[0], old_keys)
    # What the trends draw is the same, day by day.
    assert _daily_counts(db) == counts_before
    notify = sqlite3.connect(db.parent / "notify.sqlite")
    assert notify.execute("SELECT notice_id FROM notices").fetchall() == [(2,)]
    assert notify.execute("SELECT alarm_id FROM notice_alarms").fetchall() == [("A2",)]
    notify.close()
    # Idempotent: nothing more to do, no new generation.
    again = purge.purge(db, days=DAYS, today=TODAY, grace_seconds=0)
    assert again.generation is None and store.current_file(db) == files[0]


def _assert_keys_absent(file, keys: set[str]) -> None:
    con = duckdb.connect(str(file), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE old_keys AS SELECT unnest(?) AS k", [sorted(keys)])
        columns = con.execute("""SELECT table_name, column_name FROM duckdb_columns()
                                 WHERE data_type = 'VARCHAR' AND database_name = current_database()
                                   AND table_name IN (SELECT table_name FROM duckdb_tables())""").fetchall()
        assert columns
        for table, column in columns:
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" IN (SELECT k FROM old_keys)').fetchall()
            assert hits == [(0,)], f"{table}.{column} still holds an original key"
    finally:
        con.close()


def test_purge_command_with_nothing_to_do(db_path):
    # A fresh database: the daily timer's run must succeed quietly, without a new generation.
    load_files("hotline", [write(db_path.parent / "in", "h.csv", "工单编号,受理时间,诉求内容\nH1,2020-02-03 09:00,咨询\n")],
               db_path, LoadOptions(classify=False))
    proc = cli("purge", "--db", db_path, "--days", "30")
    assert proc.returncode == 0, proc.stderr
    assert "本次无需处理" in proc.stdout
