"""Derived tables (etl/derived.py) always equal what they are derived from: `persons`
equals its definition over roster_reports after loads in separate generations (refreshed
for the persons touched only), after a purge, and after migrating a version-1 database;
`ref_subdistricts` holds one outline per sub-district around its neighbourhoods;
`run_neighbourhoods` names the runs whose records are in each neighbourhood."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from etl_helpers import DATA, connect, load, query
from shapely.geometry import Point, shape

from etl import derived, store
from ops import purge

DEFINITION = derived.PERSONS_SQL.format(reports="SELECT * FROM roster_reports")


def _difference(db_path) -> tuple[int, int, int]:
    """(rows of the table, rows of the definition, rows in one and not the other)."""
    con = connect(db_path)
    try:
        return con.execute(f"""SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM ({DEFINITION})),
            (SELECT count(*) FROM (SELECT * EXCLUDE (person_id) FROM persons EXCEPT ALL SELECT * FROM ({DEFINITION})))
            + (SELECT count(*) FROM (SELECT * FROM ({DEFINITION}) EXCEPT ALL SELECT * EXCLUDE (person_id) FROM persons))
            """).fetchone()
    finally:
        con.close()


def test_persons_follow_loads_in_separate_generations(db_path):
    load("roster", ["roster.xlsx"], db_path)
    table, definition, differ = _difference(db_path)
    assert table == definition > 0 and differ == 0
    # The same person again from an enterprise, in a later generation: only the persons of
    # that file are refreshed, and the merge (latest report, community address) holds.
    load("roster", ["roster_gbk.csv"], db_path)
    table, definition, differ = _difference(db_path)
    assert (table, differ) == (definition, 0)
    assert query(db_path, "SELECT count(*) FROM persons WHERE has_community_report AND has_enterprise_report") \
        == [(1,)]


def test_persons_name_their_employers(db_path):
    load("roster", ["roster.xlsx", "roster_gbk.csv"], db_path)
    employed = query(db_path, "SELECT employer_usccs FROM persons WHERE has_enterprise_report")
    assert employed and all(usccs for (usccs,) in employed)
    assert query(db_path, "SELECT count(*) FROM persons WHERE NOT has_enterprise_report "
                          "AND employer_usccs IS NOT NULL AND len(employer_usccs) > 0") == [(0,)]


def test_persons_know_when_enterprises_and_committees_first_reported_them_and_keep_their_id(db_path, tmp_path):
    # roster.xlsx (committees) dated 02-05, roster_gbk.csv (an enterprise's 张三丰 and 吴世勋,
    # and 冯远征 from a committee) 02-07, then roster.xlsx again dated 02-09: each person
    # keeps the first date of each kind of reporter.
    dated = {}
    for name, day in (("roster.xlsx", "20200205"), ("roster_gbk.csv", "20200207"), ("roster.xlsx", "20200209")):
        path = tmp_path / day / f"排摸_{day}{Path(name).suffix}"
        path.parent.mkdir()
        shutil.copyfile(DATA / name, path)
        dated[day] = path
        load("roster", [path], db_path)
        ids = dict(query(db_path, "SELECT person_key, person_id FROM persons"))
        if day == "20200205":
            first_ids = ids
    assert query(db_path, "SELECT name_masked, enterprise_known_on, community_known_on FROM persons "
                          "ORDER BY name_masked") == [
        ("冯**", None, dt.date(2020, 2, 7)), ("吴**", dt.date(2020, 2, 7), None),
        ("周**", None, dt.date(2020, 2, 5)), ("张**", dt.date(2020, 2, 7), dt.date(2020, 2, 5)),
        ("李**", None, dt.date(2020, 2, 5)), ("欧阳**", None, dt.date(2020, 2, 5))]
    assert _difference(db_path)[2] == 0
    # Each person has one id, kept when refreshed by a later file, and their versions carry it.
    assert sorted(ids.values()) == list(range(1, 7))
    assert {key: ids[key] for key in first_ids} == first_ids
    assert query(db_path, "SELECT count(*) FROM person_timeline t LEFT JOIN persons p USING (person_key) "
                          "WHERE t.person_id IS DISTINCT FROM p.person_id") == [(0,)]


def test_run_neighbourhoods_follow_every_source(db_path):
    definition = f"SELECT * FROM ({derived.RUN_NEIGHBOURHOODS_SQL})"
    differ = (f"SELECT (SELECT count(*) FROM (SELECT * FROM run_neighbourhoods EXCEPT ALL {definition})) "
              f"+ (SELECT count(*) FROM ({definition} EXCEPT ALL SELECT * FROM run_neighbourhoods))")
    for source, files in (("hotline", ["hotline_utf8.csv"]), ("roster", ["roster.xlsx"]),
                          ("alarms", ["alarms_utf8.csv"]), ("enterprises", ["enterprises_utf8.csv"]),
                          ("hotline", ["hotline_day2.csv"])):
        load(source, files, db_path)
        assert query(db_path, differ) == [(0,)], source
    assert query(db_path, "SELECT list(DISTINCT e.source ORDER BY e.source) FROM run_neighbourhoods "
                          "JOIN etl_runs e USING (run_id)") == [(["alarms", "enterprises", "hotline", "roster"],)]


def test_a_file_refused_after_its_upsert_leaves_persons_as_they_were(db_path, monkeypatch):
    load("roster", ["roster.xlsx"], db_path)
    before = query(db_path, "SELECT * FROM persons ORDER BY ALL")
    from etl import load as loader
    from etl.readers import FileRefused

    def refuse(*args):  # the last step inside the file's transaction
        raise FileRefused("测试：入库后拒收")
    monkeypatch.setattr(loader.archive, "keep_all", refuse)
    assert load("roster", ["roster_gbk.csv"], db_path)[0].status == "refused"
    assert query(db_path, "SELECT * FROM persons ORDER BY ALL") == before
    assert _difference(db_path)[2] == 0


def test_purge_refreshes_persons(db_path):
    load("roster", ["roster.xlsx", "roster_gbk.csv"], db_path)
    before = query(db_path, "SELECT count(*) FROM persons")[0][0]
    result = purge.purge(db_path, days=0, today=dt.date(2030, 1, 1), grace_seconds=0)
    assert result.persons == before > 0
    table, definition, differ = _difference(db_path)
    assert (table, definition, differ) == (before, before, 0)
    assert query(db_path, "SELECT count(*) FROM persons WHERE NOT starts_with(person_key, ?)",
                 [purge.TOKEN_PREFIX]) == [(0,)]


def _make_version_1(db_path) -> None:
    """Turns the live generation back into what a version-1 program wrote: `persons` a
    view, no outlines, no derived bookkeeping."""
    con = duckdb.connect(str(db_path.resolve()))
    try:
        con.execute("DROP TABLE persons; DROP TABLE ref_subdistricts")
        con.execute((store._SQL_DIR / "schema_v1.sql").read_text(encoding="utf-8"))
        con.execute("DELETE FROM meta WHERE key IN ('derived_version', 'subdistricts_from')")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def test_a_version_1_database_is_migrated_and_derived(db_path):
    load("roster", ["roster.xlsx", "roster_gbk.csv"], db_path)
    _make_version_1(db_path)
    assert query(db_path, "SELECT table_type FROM information_schema.tables WHERE table_name = 'persons'") \
        == [("VIEW",)]
    with store.writer_lock(db_path), store.new_generation(db_path):
        pass  # what any next write does: migrate, then derive
    assert query(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(store.SCHEMA_VERSION),)]
    assert query(db_path, "SELECT table_type FROM information_schema.tables WHERE table_name = 'persons'") \
        == [("BASE TABLE",)]
    table, definition, differ = _difference(db_path)
    assert table == definition > 0 and differ == 0
    assert query(db_path, "SELECT count(*) FROM ref_subdistricts")[0][0] >= 1


def _outlines_cover_their_neighbourhoods(db_path) -> int:
    con = connect(db_path)
    try:
        rows = con.execute("SELECT code, neighbourhoods, polygon_json FROM ref_subdistricts").fetchall()
        outlines = {code: (n, shape({"type": "Polygon", "coordinates": json.loads(p)})) for code, n, p in rows}
        members = con.execute("SELECT subdistrict_code, count(*), list(centroid_lon), list(centroid_lat) "
                              "FROM ref_neighbourhoods GROUP BY 1").fetchall()
    finally:
        con.close()
    assert set(outlines) == {m[0] for m in members}
    for code, count, lons, lats in members:
        n, outline = outlines[code]
        assert n == count
        # Simplified, so allow ~30 m at the edges.
        assert all(outline.buffer(3e-4).contains(Point(x, y)) for x, y in zip(lons, lats)), code
    return len(outlines)


def test_subdistrict_outline_of_the_default_pack(db_path):
    load("roster", ["roster.xlsx"], db_path)
    assert _outlines_cover_their_neighbourhoods(db_path) == 1


def test_subdistrict_outlines_of_a_city_pack(db_path, tmp_path, monkeypatch):
    from etl.refpack import synthetic_subdistricts, write_pack
    pack = tmp_path / "pack"
    write_pack(pack, synthetic_subdistricts(4, 6, seed=3), seed=3)
    for name in ("faq.toml", "holidays_override.csv"):  # the catalogue is the centre's, not the map's
        source = store.settings.reference_dir() / name
        if source.exists():
            (pack / name).write_bytes(source.read_bytes())
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))
    with store.writer_lock(db_path), store.new_generation(db_path) as con:
        from etl.derive import load_reference
        load_reference(con)
    assert _outlines_cover_their_neighbourhoods(db_path) == 4


@pytest.mark.parametrize("kind", ["persons"])
def test_refresh_without_notes_changes_nothing(db_path, kind):
    load("roster", ["roster.xlsx"], db_path)
    before = query(db_path, f"SELECT * FROM {kind} ORDER BY ALL")
    with store.writer_lock(db_path), store.new_generation(db_path):
        pass
    assert query(db_path, f"SELECT * FROM {kind} ORDER BY ALL") == before


def _open_records_match(db_path) -> int:
    """The open records equal their definition, and "open at a moment" read through them
    (boardkit/data/open_records.py) equals the rule applied to every row, at every moment the
    data holds (each time a ticket or alarm arrives, closes or is handled, and a second
    either side). Returns how many moments were tried."""
    from boardkit.data.open_records import alarms_unhandled_after, tickets_open_after
    from boardkit.queries.alarms import UNHANDLED_SQL
    from boardkit.queries.hotline import OPEN_SQL
    con = connect(db_path)
    try:
        for kind, definition in derived.OPEN_RECORDS.items():
            assert con.execute(f"""SELECT (SELECT count(*) FROM (FROM {kind} EXCEPT ALL {definition}))
                                        + (SELECT count(*) FROM ({definition} EXCEPT ALL FROM {kind}))""").fetchone() \
                == (0,), kind
        moments = [m for (m,) in con.execute("""
            SELECT DISTINCT m + INTERVAL (s) SECOND FROM (
                SELECT unnest([received_at, closed_at]) AS m FROM hotline_tickets
                UNION ALL SELECT unnest([raised_at, handled_at]) FROM alarms), range(-1, 2) r(s)
            WHERE m IS NOT NULL ORDER BY 1""").fetchall()]
        for moment in moments:
            tickets = con.execute(f"""SELECT (SELECT count(*) FROM {tickets_open_after("$now")} WHERE {OPEN_SQL}),
                                             (SELECT count(*) FROM hotline_tickets WHERE {OPEN_SQL})""",
                                  {"now": moment}).fetchone()
            alarms = con.execute(f"""SELECT (SELECT count(*) FROM {alarms_unhandled_after("$now")} WHERE {UNHANDLED_SQL}),
                                            (SELECT count(*) FROM alarms WHERE {UNHANDLED_SQL})""",
                                 {"now": moment}).fetchone()
            assert tickets[0] == tickets[1] and alarms[0] == alarms[1], (moment, tickets, alarms)
        return len(moments)
    finally:
        con.close()


def test_open_records_follow_later_exports_and_answer_any_moment(db_path):
    load("hotline", ["hotline_day1.csv"], db_path)
    load("alarms", ["alarms_day1.csv"], db_path)
    assert _open_records_match(db_path) > 10
    open_counts = "SELECT (SELECT count(*) FROM open_tickets), (SELECT count(*) FROM open_alarms)"
    assert query(db_path, open_counts) == [(1, 1)]
    # The next day's exports close the ticket and handle the alarm: they leave the open records.
    load("hotline", ["hotline_day2.csv"], db_path)
    load("alarms", ["alarms_day2.csv"], db_path)
    assert query(db_path, open_counts) == [(0, 0)]
    assert _open_records_match(db_path) > 10
