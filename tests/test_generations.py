"""Generations belong to their own database: two databases in one folder (`board.duckdb`
and another beside it) number, clean up and prune only their own generation files, so
loads and prunes of one never touch the other."""
from __future__ import annotations

import os

import pytest

from ops import disk
from etl import store
from etl_helpers import load, query, snapshot


def _own_numbers(db) -> list[int]:
    return [store.generation_number(p) for p in store.own_generation_files(db)]


@pytest.mark.parametrize("other_name", ["scratch.duckdb", "board-2.duckdb"])
def test_two_databases_in_one_folder_never_touch_each_other(tmp_path, other_name):
    board, other = tmp_path / "board.duckdb", tmp_path / other_name
    load("hotline", ["hotline_utf8.csv"], board)
    board_first = snapshot(board)

    # A load of the other database neither deletes nor renumbers the board's files.
    load("roster", ["roster_utf8.csv"], other)
    assert os.readlink(other).endswith(other_name.replace(".duckdb", "-000001.duckdb"))
    assert snapshot(board) == board_first
    other_first = snapshot(other)

    # Loads and prunes alternated, more generations than are kept.
    for _ in range(3):
        load("hotline", ["hotline_gbk.csv"], board)
        store.prune(board, min_age_seconds=0)
        load("alarms", ["alarms_utf8.csv"], other)
        store.prune(other, min_age_seconds=0)
    load("hotline", ["hotline_utf8.csv"], board)
    store.prune(board, min_age_seconds=0)
    store.prune(other, min_age_seconds=0)

    # Both whole: each link points at an existing file of its own, with its own rows.
    for db in (board, other):
        assert db.resolve().exists()
        assert db.resolve().name.startswith(db.stem + "-")
    assert _own_numbers(board) == [3, 4, 5]
    assert _own_numbers(other) == [2, 3, 4]
    assert query(board, "SELECT count(*) FROM hotline_tickets") == [(7,)]
    assert query(board, "SELECT count(*) FROM roster_reports") == [(0,)]
    assert query(other, "SELECT count(*) FROM hotline_tickets") == [(0,)]
    assert snapshot(other)["roster_reports"] == other_first["roster_reports"]
    assert query(other, "SELECT count(*) FROM alarms") > [(0,)]
    # Disk use counts a database's own files only.
    assert disk.disk_use(board).generation_files == 3


def test_a_killed_load_of_one_database_leaves_the_others_files(tmp_path):
    """Leftovers (a generation newer than the live one, its WAL) are removed for the
    database being loaded only."""
    board, other = tmp_path / "board.duckdb", tmp_path / "scratch.duckdb"
    load("hotline", ["hotline_utf8.csv"], board)
    load("roster", ["roster_utf8.csv"], other)
    gen_dir = store.generations_dir(board)
    left_by_board = gen_dir / "board-000002.duckdb"
    left_by_board.write_bytes(b"half a copy")
    (gen_dir / "board-000002.duckdb.wal").write_bytes(b"")
    load("roster", ["roster_bom.csv"], other)
    assert left_by_board.exists() and (gen_dir / "board-000002.duckdb.wal").exists()
    load("hotline", ["hotline_gbk.csv"], board)  # the board's own leftover goes, its number is skipped
    assert not left_by_board.exists() and not (gen_dir / "board-000002.duckdb.wal").exists()
    assert os.readlink(board).endswith("board-000003.duckdb")
    assert _own_numbers(other) == [1, 2]


def test_the_shared_archive_journal_tells_each_databases_runs_apart(tmp_path):
    """Databases in one folder share the raw-file archive; the journal a rebuild falls back
    on (when the database cannot be opened) gives each database its own runs only."""
    from etl import archive
    board, other = tmp_path / "board.duckdb", tmp_path / "scratch.duckdb"
    load("hotline", ["hotline_utf8.csv"], board)
    load("roster", ["roster_utf8.csv"], other)
    load("hotline", ["hotline_gbk.csv"], board)
    folder = archive.raw_dir(board)
    assert folder == archive.raw_dir(other)
    assert [(e["run_id"], e["name"]) for e in archive.journal(folder, "board")] == [
        (1, "hotline_utf8.csv"), (2, "hotline_gbk.csv")]
    assert [(e["run_id"], e["name"]) for e in archive.journal(folder, "scratch")] == [(1, "roster_utf8.csv")]
