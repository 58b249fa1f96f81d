"""Loading the same bytes again changes nothing; the run is recorded as skipped_duplicate."""
from __future__ import annotations

import shutil

import pytest

from etl_helpers import DATA, FILES, load, query, snapshot


def _comparable(snap: dict) -> dict:
    """Everything but the run log and the generation number, which a load always moves."""
    out = {t: rows for t, rows in snap.items() if t != "etl_runs"}
    out["meta"] = [r for r in snap["meta"] if r[0] != "generation"]
    return out


@pytest.mark.parametrize("source", sorted(FILES))
def test_reload_changes_nothing(source, db_path):
    first = load(source, FILES[source], db_path)
    assert all(r.status == "loaded" for r in first)
    before = snapshot(db_path)

    again = load(source, FILES[source], db_path)
    assert [r.status for r in again] == ["skipped_duplicate"] * len(FILES[source])
    assert all("未重复导入" in r.message for r in again)

    after = snapshot(db_path)
    assert _comparable(after) == _comparable(before)
    skipped = query(db_path, "SELECT file_name, rows_read, rows_loaded, rows_rejected FROM etl_runs "
                             "WHERE status = 'skipped_duplicate' ORDER BY run_id")
    assert skipped == [(name, 0, 0, 0) for name in FILES[source]]
    assert query(db_path, "SELECT count(*) FROM etl_runs WHERE status = 'loaded'") == [(len(FILES[source]),)]


def test_same_bytes_under_another_name_and_twice_in_one_batch(db_path, tmp_path):
    copy = tmp_path / "12345工单_副本.csv"
    shutil.copyfile(DATA / "hotline_utf8.csv", copy)
    results = load("hotline", ["hotline_utf8.csv", copy, "hotline_utf8.csv"], db_path)
    assert [r.status for r in results] == ["loaded", "skipped_duplicate", "skipped_duplicate"]
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(5,)]
    assert query(db_path, "SELECT count(*) FROM etl_rejects") == [(8,)]  # not doubled
