"""Tables derived from the base tables, brought up to date once per generation, so a page
run reads ready answers instead of re-deriving them from millions of rows:

- `persons`: one row per person, merging community and enterprise reports. A table, not a
  view: as a view every query on it would pay two window sorts of all reports.
- `person_timeline`: each person's roster versions as periods, for the roster figures of a
  past day (refreshed with `persons`, for the same persons).
- `ref_subdistricts`: sub-district outlines (neighbourhood polygons dissolved, simplified)
  for the whole-city map, rebuilt when the reference pack changes.
- `open_tickets`, `open_alarms`: the tickets never closed and the alarms still open or in
  progress (a few percent of the rows), rebuilt when their table changed; the board reads
  "open at a moment" from them and the rows closed after it (boardkit/data/open_records.py).
- `run_neighbourhoods`: which runs loaded records of which neighbourhood, for the data page
  of a viewer restricted to some neighbourhoods (rebuilt after every write that loaded records).

Writers note what they change (`note_upsert`, `mark`) in a temporary table of the
writing connection, so a refused file's rollback takes its notes with it; `refresh`
applies the notes (only the persons touched, not all three million) and
`store.new_generation` calls it before publishing. A writer that reads a derived table
half-way through its generation (the purge) calls `refresh` first.
"""
from __future__ import annotations

import json

from .sources import SOURCES, Source

# Bump when a derived table's definition changes: the next write rebuilds them all.
DERIVED_VERSION = "6"

# One row per person (data-contract.md): the latest report (load order) decides measure,
# dates and status; a community report, when there is one, decides where the person lives.
# {reports} is roster_reports, or the reports of the persons to refresh.
PERSONS_SQL = """
WITH reports AS ({reports}),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY person_key ORDER BY run_id DESC, row_number DESC) AS latest,
           row_number() OVER (PARTITION BY person_key
                              ORDER BY (reported_by = 'community') DESC, run_id DESC, row_number DESC) AS home
    FROM reports)
SELECT l.person_key, l.name_masked, l.id_masked, l.phone_masked,
       h.neighbourhood, h.neighbourhood_code, h.address, h.room,
       l.measure, l.quarantine_start, l.quarantine_end, l.status, l.device_id,
       a.arrived_on, a.sources, a.has_community_report, a.has_enterprise_report, a.id_valid,
       a.origin_province, a.employer_usccs, k.enterprise_known_on, k.community_known_on
FROM ranked l
JOIN ranked h ON h.person_key = l.person_key AND h.home = 1
JOIN (SELECT person_key, min(arrived_on) AS arrived_on,
             string_agg(DISTINCT CASE reported_by WHEN 'community' THEN '居委:' ELSE '企业:' END || reporter, '；'
                        ORDER BY CASE reported_by WHEN 'community' THEN '居委:' ELSE '企业:' END || reporter) AS sources,
             bool_or(reported_by = 'community') AS has_community_report,
             bool_or(reported_by = 'enterprise') AS has_enterprise_report,
             bool_and(id_valid) AS id_valid,
             -- the latest report that names a province (metrics.md: arrivals by origin)
             arg_max(origin_province, CAST(run_id AS BIGINT) * 1000000 + row_number)
                 FILTER (origin_province IS NOT NULL) AS origin_province,
             list_sort(list(DISTINCT enterprise_uscc)
                       FILTER (reported_by = 'enterprise' AND enterprise_uscc IS NOT NULL)) AS employer_usccs
      FROM reports GROUP BY person_key) a ON a.person_key = l.person_key
-- when the first enterprise and the first community report became known, by their files'
-- dates (a version without a date counts as known from the start, as in person_timeline)
LEFT JOIN (SELECT r.person_key,
                  min(coalesce(v.file_date, DATE '1900-01-01')) FILTER (r.reported_by = 'enterprise')
                      AS enterprise_known_on,
                  min(coalesce(v.file_date, DATE '1900-01-01')) FILTER (r.reported_by = 'community')
                      AS community_known_on
           FROM roster_versions v JOIN reports r USING (report_key)  -- a report key has one person key
           GROUP BY r.person_key) k ON k.person_key = l.person_key
WHERE l.latest = 1"""

# The order persons are stored in, by month of arrival, then neighbourhood: a list reads its
# rows whole from the vectors they sit in, so the rows it shows should sit together: ordered
# by neighbourhood only, the city's newest arrivals would be scattered; by arrival only, one
# sub-district's list; this order keeps both lists close together. Each person's integer id
# (`person_id`: the queries join persons and their versions on it rather than on the long
# person_key) numbers them in this order; a person refreshed keeps theirs, a new one takes
# the next.
PERSONS_ORDER = "date_trunc('month', arrived_on), neighbourhood_code, person_key"

# Each person's roster versions (etl/roster_versions.py) as a timeline: the version in force
# from its file's date until the next version's (the later load of one date wins), the
# person's home neighbourhood from `persons` (for the scope), and since when the person has
# had the version's status: the first file of the run of versions carrying it (a release
# counts up to and including that day, metrics.md). {persons} selects the persons refreshed.
TIMELINE_SQL = """
WITH v AS (
    SELECT *, coalesce(file_date, DATE '1900-01-01') AS valid_from,
           status IS DISTINCT FROM lag(status) OVER w AS changed
    FROM roster_versions WHERE person_key IN ({persons})
    WINDOW w AS (PARTITION BY person_key ORDER BY file_date NULLS FIRST, run_id, row_number)),
runs AS (
    SELECT *, lead(valid_from) OVER w AS valid_to, sum(CAST(changed AS INTEGER)) OVER w AS status_run
    FROM v WINDOW w AS (PARTITION BY person_key ORDER BY file_date NULLS FIRST, run_id, row_number))
SELECT r.person_key, p.neighbourhood, p.neighbourhood_code, r.valid_from, r.valid_to, r.measure,
       r.quarantine_start, r.quarantine_end, r.status,
       min(r.valid_from) OVER (PARTITION BY r.person_key, r.status_run) AS status_since, p.person_id
FROM runs r LEFT JOIN persons p USING (person_key)
WHERE r.valid_to IS NULL OR r.valid_to > r.valid_from  -- a version replaced on its own day never holds
ORDER BY p.neighbourhood_code, r.valid_from"""

# The open records as the board's open_records.py expects them: whatever could be open at
# some moment, whichever the moment (it adds the rows closed after the moment).
# Rows found by rowid first, then read whole: a few percent of millions of rows.
OPEN_RECORDS = {name: sql for s in SOURCES.values() for name, sql in s.open_records.items()}

# The runs whose records are in a neighbourhood now. Rebuilt whole (0.24 s over the
# 23 million records at city scale) after every write that loaded records.
RUN_NEIGHBOURHOODS_SQL = """
SELECT DISTINCT run_id, neighbourhood_code FROM (
    SELECT run_id, neighbourhood_code FROM hotline_tickets
    UNION ALL SELECT run_id, neighbourhood_code FROM roster_reports
    UNION ALL SELECT run_id, neighbourhood_code FROM alarms
    UNION ALL SELECT run_id, neighbourhood_code FROM enterprises)
WHERE run_id IS NOT NULL AND neighbourhood_code IS NOT NULL"""

# The derived tables rebuilt whole from their definition when marked (persons, the big one,
# is refreshed for the persons touched).
REBUILT_WHOLE = {**OPEN_RECORDS, "run_neighbourhoods": RUN_NEIGHBOURHOODS_SQL}

NOTES = "_derived_notes"
IDS = "_person_ids"
WHOLE_AFTER_KEYS = 200_000
# Polygons of the city map are drawn at ~10 m per pixel: finer detail is only bytes.
SIMPLIFY_DEGREES = 0.0002


def _ensure_notes(con) -> None:
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {NOTES} (kind VARCHAR, key VARCHAR)")


def mark(con, kind: str, keys_sql: str | None = None) -> None:
    """Notes that `kind` ('persons') needs refreshing: for the keys `keys_sql` selects
    (one column), or all of it when keys_sql is None."""
    if kind != "persons" and kind not in REBUILT_WHOLE:
        raise ValueError(f"not a derived table: {kind}")
    _ensure_notes(con)
    if keys_sql is None:
        con.execute(f"INSERT INTO {NOTES} VALUES (?, NULL)", [kind])
    else:
        con.execute(f"INSERT INTO {NOTES} SELECT DISTINCT ?, CAST(k AS VARCHAR) FROM ({keys_sql}) s(k) "
                    "WHERE k IS NOT NULL", [kind])


def note_upsert(con, source: Source) -> None:
    """Called by the loader with the rows about to be upserted in the temp view `_ok`."""
    for kind in source.open_records:  # rebuilt whole from the source's table
        mark(con, kind)
    for kind, keys_sql in source.marks:
        mark(con, kind, keys_sql)
    mark(con, "run_neighbourhoods")


def refresh(con) -> list[str]:
    """Brings every derived table up to date with the base tables; returns what it did."""
    done = []
    built = _meta(con, "derived_version")
    _ensure_notes(con)
    if built != DERIVED_VERSION:
        for kind in ("persons", *REBUILT_WHOLE):
            mark(con, kind)
    notes = con.execute(f"SELECT kind, count(*) FILTER (key IS NULL) > 0 AS whole, count(key) AS keys "
                        f"FROM {NOTES} GROUP BY kind").fetchall()
    for kind, whole, keys in notes:
        if kind == "persons":
            # Past some hundred thousand persons, one pass over all reports is cheaper.
            done.append(_refresh_persons(con, whole or keys > WHOLE_AFTER_KEYS))
        elif kind in REBUILT_WHOLE:  # `kind` is one of its keys: an identifier of ours
            con.execute(f"DELETE FROM {kind}")
            con.execute(f"INSERT INTO {kind} BY NAME {REBUILT_WHOLE[kind]}")
            done.append(f"{kind}: rebuilt")
    con.execute(f"DELETE FROM {NOTES}")
    if (_meta(con, "subdistricts_from") or "") != (_meta(con, "reference_fingerprint") or "") \
            or built != DERIVED_VERSION:
        done.append(refresh_subdistricts(con))
    _set_meta(con, "derived_version", DERIVED_VERSION)
    return done


def _refresh_persons(con, whole: bool) -> str:
    """`persons`, then `person_timeline` (which takes each person's home and id from it)."""
    if whole:
        con.execute("DELETE FROM persons")
        con.execute(f"INSERT INTO persons BY NAME SELECT *, row_number() OVER (ORDER BY {PERSONS_ORDER}) AS person_id "
                    f"FROM ({PERSONS_SQL.format(reports='SELECT * FROM roster_reports')}) ORDER BY person_id")
        con.execute("DELETE FROM person_timeline")
        con.execute("INSERT INTO person_timeline " + TIMELINE_SQL.format(
            persons="SELECT person_key FROM roster_versions"))
        return "persons: rebuilt"
    keys = f"SELECT key FROM {NOTES} WHERE kind = 'persons' AND key IS NOT NULL"
    # A person refreshed keeps their id; a new one takes the next free one.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT person_key, person_id FROM persons "
                f"WHERE person_key IN ({keys})")
    last_id = con.execute("SELECT coalesce(max(person_id), 0) FROM persons").fetchone()[0]
    con.execute(f"DELETE FROM persons WHERE person_key IN ({keys})")
    reports = f"SELECT * FROM roster_reports WHERE person_key IN ({keys})"
    con.execute(f"""INSERT INTO persons BY NAME
        SELECT d.*, coalesce(i.person_id, ? + row_number() OVER (PARTITION BY i.person_id IS NULL
                                                                 ORDER BY d.person_key)) AS person_id
        FROM ({PERSONS_SQL.format(reports=reports)}) d LEFT JOIN {IDS} i USING (person_key)
        ORDER BY {PERSONS_ORDER}""", [last_id])
    con.execute(f"DROP TABLE {IDS}")
    con.execute(f"DELETE FROM person_timeline WHERE person_key IN ({keys})")
    con.execute("INSERT INTO person_timeline " + TIMELINE_SQL.format(persons=keys))
    return "persons: refreshed"


def refresh_subdistricts(con) -> str:
    """One outline per sub-district: its neighbourhoods' polygons dissolved and simplified."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    rows = con.execute("SELECT subdistrict_code, any_value(subdistrict_name), list(polygon_json) "
                       "FROM ref_neighbourhoods WHERE subdistrict_code IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    out = []
    for code, name, polygons in rows:
        parts = [shape({"type": "Polygon", "coordinates": json.loads(p)}) for p in polygons if p]
        parts = [p if p.is_valid else p.buffer(0) for p in parts if not p.is_empty]
        if not parts:
            continue
        # A hair of buffer closes the slivers that simplified shared borders leave.
        merged = unary_union([p.buffer(1e-6) for p in parts]).buffer(-1e-6)
        outline = max(getattr(merged, "geoms", [merged]), key=lambda g: g.area)
        outline = outline.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        ring = [[round(x, 6), round(y, 6)] for x, y in outline.exterior.coords]
        centre = outline.representative_point()
        out.append((code, name, len(polygons), centre.x, centre.y, json.dumps([ring])))
    con.execute("DELETE FROM ref_subdistricts")
    if out:
        con.executemany("INSERT INTO ref_subdistricts VALUES (?, ?, ?, ?, ?, ?)", out)
    _set_meta(con, "subdistricts_from", _meta(con, "reference_fingerprint") or "")
    return f"ref_subdistricts: {len(out)} outlines"


def _meta(con, key: str):
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def _set_meta(con, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
