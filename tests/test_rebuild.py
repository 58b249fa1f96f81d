"""Every loaded raw file is archived, and `rebuild` recreates the database from the
archive in load order: the rebuilt database equals the live one table by table, row by
row (except the columns the rebuild module lists: load times, generation numbers, and
the random tokens of anonymised records)."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from etl_helpers import DATA, cli
from ops_helpers import ALARMS_DEVICES, ALARMS_LATER, ROSTER_DEVICES, ROSTER_LATER, tables, write

from etl import archive, store
from ops import backup, purge, rebuild
from etl.load import LoadOptions, load_files
from ops.rebuild import RebuildError

# One generation per call, as the operator's commands make them: upserts across days,
# a duplicate file (skipped), a refused file, every encoding, devices linked to flats.
BATCHES = [
    ("hotline", ["hotline_utf8.csv", "hotline.xls"]),
    (None, ["enterprises_utf8.csv", "roster_utf8.csv", "alarms_utf8.csv"]),
    ("hotline", ["hotline_day1.csv"]),
    ("alarms", ["alarms_day1.csv", "alarms_day2.csv"]),
    ("hotline", ["hotline_day2.csv", "hotline_day3_stale.csv", "hotline_utf8.csv"]),
    ("hotline", ["hotline_missing_received.csv"]),
    ("roster", ["roster_bom.csv", "roster_gbk.csv", "roster.xlsx"]),
    ("alarms", ["alarms_day3_stale.csv", "alarms_gbk.csv", "alarms_utf16.txt"]),
    ("enterprises", ["enterprises.xls", "enterprises_bom.csv"]),
]


def _load(db_path, source, paths):
    # classify=False keeps the test fast; the rebuild is told the same.
    return load_files(source, [p if hasattr(p, "read_bytes") else DATA / p for p in paths], db_path,
                      LoadOptions(classify=False))


def _load_devices(db_path, folder):
    _load(db_path, "roster", [write(folder, "来沪人员_门磁.csv", ROSTER_DEVICES)])
    _load(db_path, "alarms", [write(folder, "门磁报警_0206.csv", ALARMS_DEVICES)])


def _assert_same(live, rebuilt, tokens=False):
    """Row by row, every table, ORDER BY ALL; only the documented columns are left out."""
    a, b = tables(live), tables(rebuilt)
    assert set(a) == set(b)
    for table in a:
        left, right = _comparable(live, table, tokens), _comparable(rebuilt, table, tokens)
        assert left == right, f"{table} differs"
    assert rebuild.compare(live, rebuilt) == {}


def _comparable(db_path, table, tokens):
    import duckdb
    con = duckdb.connect(str(db_path.resolve()), read_only=True)
    try:
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]).fetchall()]
        select, where, params = rebuild.comparable(table, columns, tokens)
        return con.execute(f"SELECT {select} FROM {table}{where} ORDER BY ALL", params).fetchall()
    finally:
        con.close()


def test_loaded_files_are_archived_by_content(db_path):
    [result] = _load(db_path, "hotline", ["hotline_utf8.csv"])
    assert result.status == "loaded"
    folder = archive.raw_dir(db_path)
    assert folder == db_path.parent / "archive" / "raw"
    import hashlib
    sha = hashlib.sha256((DATA / "hotline_utf8.csv").read_bytes()).hexdigest()
    kept = folder / sha[:2] / f"{sha}__hotline_utf8.csv"
    assert kept.read_bytes() == (DATA / "hotline_utf8.csv").read_bytes()
    assert [(e["run_id"], e["source"], e["name"]) for e in archive.journal(folder)] == [(1, "hotline", "hotline_utf8.csv")]
    # A refused file is not archived; the same bytes loaded again are not copied twice.
    _load(db_path, "hotline", ["hotline_missing_received.csv", "hotline_utf8.csv"])
    assert len(archive.files(folder)) == 1


def test_rebuild_into_a_new_path_equals_the_live_database(db_path, tmp_path):
    for source, names in BATCHES:
        _load(db_path, source, names)
    _load_devices(db_path, tmp_path / "in")
    runs = tables(db_path)["etl_runs"]
    assert {r[10] for r in runs} == {"loaded", "skipped_duplicate", "refused"}

    into = tmp_path / "rebuilt" / "board.duckdb"
    result = rebuild.rebuild(db_path, into, classify=False)
    loaded = sum(r[10] == "loaded" for r in runs)
    assert (result.loaded, result.copied, result.notes) == (loaded, len(runs) - loaded, [])
    _assert_same(db_path, into)
    # The rebuilt database has its own archive and can itself be rebuilt.
    assert len(archive.files(archive.raw_dir(into))) == len(archive.files(archive.raw_dir(db_path)))


def test_rebuild_replays_purges_in_order(db_path, tmp_path):
    _load(db_path, None, ["roster_utf8.csv", "alarms_utf8.csv"])
    _load_devices(db_path, tmp_path / "in")
    done = purge.purge(db_path, days=30, today=dt.date(2020, 3, 20), grace_seconds=0)
    assert done.persons == 4 and done.alarms >= 3  # 韩寒冰 is rejected (no neighbourhood)
    # After the purge: a later report of a retained person, a new alarm.
    _load(db_path, "roster", [write(tmp_path / "in", "来沪人员_0306.csv", ROSTER_LATER)])
    _load(db_path, "alarms", [write(tmp_path / "in", "门磁报警_0301.csv", ALARMS_LATER)])

    into = tmp_path / "rebuilt" / "board.duckdb"
    result = rebuild.rebuild(db_path, into, classify=False)
    assert result.purges == 1
    _assert_same(db_path, into, tokens=True)
    anonymised = [r for r in tables(into)["roster_reports"] if str(r[1]).startswith("anon:")]
    assert len(anonymised) == 4 and all(r[2] is None and r[4] is None and r[6] is None for r in anonymised)


def test_rebuild_in_place_publishes_a_new_generation(db_path):
    for source, names in BATCHES[:4]:
        _load(db_path, source, names)
    before = store.current_file(db_path)
    keep = db_path.parent / "before.duckdb"
    shutil.copyfile(before, keep)
    rebuild.rebuild(db_path, classify=False)
    after = store.current_file(db_path)
    assert store.generation_number(after) == store.generation_number(before) + 1
    assert rebuild.compare(keep, db_path) == {}
    assert not (db_path.parent / "rebuild").exists()


def test_missing_archive_refuses_and_a_backup_is_the_way_back(db_path, tmp_path):
    for source, names in BATCHES[:3]:
        _load(db_path, source, names)
    saved = backup.backup(tmp_path / "backups", db_path)
    for source, names in BATCHES[3:5]:
        _load(db_path, source, names)
    # The archive retention has removed the first files.
    first = sorted(archive.files(archive.raw_dir(db_path)), key=lambda p: p.stat().st_mtime)[0]
    first.unlink()
    with pytest.raises(RebuildError, match="--base"):
        rebuild.rebuild(db_path, tmp_path / "r1" / "board.duckdb", classify=False)
    base = next((saved.folder / "database").glob("*.duckdb"))
    into = tmp_path / "r2" / "board.duckdb"
    result = rebuild.rebuild(db_path, into, base=base, classify=False)
    assert (result.loaded, result.copied) == (4, 1)  # only the runs after the backup
    _assert_same(db_path, into)


def test_rebuild_command_compares_and_reports(db_path, tmp_path):
    for source, names in BATCHES[:2]:
        _load(db_path, source, names)
    proc = cli("rebuild", "--db", db_path, "--into", tmp_path / "cli" / "board.duckdb", "--no-classify")
    assert proc.returncode == 0, proc.stderr
    assert "内容相同" in proc.stdout
    again = cli("rebuild", "--db", db_path, "--into", tmp_path / "cli" / "board.duckdb", "--no-classify")
    assert again.returncode == 2 and "已有数据库" in again.stderr
