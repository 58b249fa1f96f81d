"""Derivations on the normalised table `n`, and the reference tables they use.

- neighbourhood: the pack's name or code as given, else from the address index
- coordinates: GCJ-02 / BD-09 converted to WGS-84 (prcoords)
- hotline: topic, epidemic flag, FAQ question, confidence (etl.classify_tickets: the topic
  model beside the 25问 catalogue, clerks' corrections on top); due dates in working days
- alarms: neighbourhood and flat from the roster record of the device
"""
from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pandas as pd
from shapely.geometry import shape

from core import settings
from .reference import Pack, load_pack

REQUEST_TYPES = ("inquiry", "suggestion", "complaint", "help", "report", "praise", "other")


def load_reference(con: duckdb.DuckDBPyConnection, pack: Pack | None = None) -> list[str]:
    """Copies the reference pack and the working-day calendar into the database.
    Returns warnings to show the operator (e.g. years the holiday calendar lacks)."""
    folder = pack.folder if pack is not None else _pack_folder(con)
    fingerprint = _pack_fingerprint(folder)
    stored = con.execute("SELECT value FROM meta WHERE key = 'reference_fingerprint'").fetchall()
    if stored and stored[0][0] == fingerprint:
        # The copied generation already holds this pack and calendar (a live feed loads
        # every few seconds; rebuilding them cost most of a small load).
        due_days_table(con)
        return _calendar_warnings(con)
    pack = pack or load_pack(folder)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('reference_dir', ?)", [str(pack.folder.resolve())])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('reference_fingerprint', ?)", [fingerprint])
    rows = []
    for n in pack.neighbourhoods:
        geometry = {"type": "Polygon", "coordinates": n.polygon}
        centre = shape(geometry).representative_point()
        rows.append((n.code, n.name, n.subdistrict_code, n.subdistrict_name,
                     centre.x, centre.y, json.dumps(n.polygon)))
    con.execute("DELETE FROM ref_neighbourhoods")
    con.executemany("INSERT INTO ref_neighbourhoods VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("DELETE FROM ref_neighbourhood_names")
    con.executemany("INSERT INTO ref_neighbourhood_names VALUES (?, ?)", pack.alias_rows())
    index = pd.DataFrame(pack.address_index, columns=["road", "lane_from", "lane_to", "number_from",
                                                      "number_to", "neighbourhood_code"])
    for col in ("lane_from", "lane_to", "number_from", "number_to"):
        index[col] = pd.to_numeric(index[col], errors="coerce").astype("Int32")
    con.register("_address_index", index)
    con.execute("DELETE FROM ref_address_index")
    con.execute("INSERT INTO ref_address_index SELECT road, lane_from, lane_to, number_from, number_to, "
                "neighbourhood_code FROM _address_index")
    con.unregister("_address_index")
    return load_calendar(con)


def _pack_fingerprint(folder) -> str:
    """Changes when any pack file, the settings or the year changes (the calendar spans
    this year and the next)."""
    import hashlib
    from pathlib import Path
    from core.localtime import local_today
    parts = [str(Path(folder).resolve()), str(local_today().year)]
    for path in sorted(Path(folder).glob("*")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _pack_folder(con):
    """BOARD_REFERENCE when set; else the pack this database was built with; else the default.
    (A city-scale demo database keeps its synthetic pack across later loads.)"""
    import os
    from pathlib import Path
    if os.environ.get("BOARD_REFERENCE"):
        return settings.reference_dir()
    row = con.execute("SELECT value FROM meta WHERE key = 'reference_dir'").fetchall()
    if row and Path(row[0][0]).exists():
        return Path(row[0][0])
    return settings.reference_dir()


def load_calendar(con) -> list[str]:
    from core.localtime import local_today
    from .workdays import calendar_frame
    today = local_today()
    start, end = dt.date(2019, 1, 1), dt.date(today.year + 1, 12, 31)
    frame = calendar_frame(start, end)
    con.register("_calendar", frame)
    con.execute("DELETE FROM ref_calendar")
    con.execute("INSERT INTO ref_calendar SELECT day, is_workday, workday_seq, source FROM _calendar")
    con.unregister("_calendar")
    due_days_table(con)
    return _calendar_warnings(con)


def _calendar_warnings(con) -> list[str]:
    """Years the holiday calendar does not know (weekends only until the centre enters them)."""
    missing = [r[0] for r in con.execute("SELECT DISTINCT year(day) FROM ref_calendar "
                                         "WHERE source = 'weekend_fallback' ORDER BY 1").fetchall()]
    if missing:
        return [f"节假日日历未覆盖 {'、'.join(map(str, missing))} 年：这些年份暂按周末计算工作日，"
                f"请在参考数据包的 holidays_override.csv 中录入国务院公布的安排"]
    return []


def resolve_neighbourhoods(con, target: str = "TABLE n", drop: tuple[str, ...] = (),
                           addresses: str = "n_typed", given: tuple[str, ...] = ()) -> None:
    """`n_typed` (view or table) -> `target` ("TABLE n", or "VIEW n_resolved" when a later
    step materialises it), with neighbourhood_code and neighbourhood (the pack's name):
    the named neighbourhood when it is one, else the address index's road and lane/number.

    Addresses are matched once each, in the small table `_addresses` (many rows share a
    building): the staged rows are wide, and every pass over them costs. `drop`: staged
    columns nothing after this step reads (the loader's own column names). `addresses`: a
    view or table with the rows' `address` (NULL for none), which may be cheaper to read
    than n_typed. `given`: columns to mark `given_<c>` (the file had a value: raw_<c>)."""
    assert target in ("TABLE n", "VIEW n_resolved"), target
    assert addresses in ("n_typed", "_staged_addresses"), addresses
    roads = [r[0] for r in con.execute("SELECT DISTINCT road FROM ref_address_index").fetchall()]
    pattern = "(" + "|".join(re.escape(r) for r in sorted(roads, key=len, reverse=True)) + ")" if roads else "(?!)"
    # Regular expressions once per distinct address, range joins once per distinct road and lane.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _addresses AS
        WITH parsed AS (  -- the first known road followed by a lane (弄) or a number (号)
            SELECT address, regexp_extract(address, $roads || '(\\d+)([弄号])', ['road', 'digits', 'mark']) AS m
            FROM (SELECT DISTINCT address FROM {addresses})),  -- NULL finds no code: dropped below
        keys AS (
            SELECT address,
                   CASE WHEN m.mark = '弄' THEN m.road END AS road_l,
                   CASE WHEN m.mark = '弄' THEN TRY_CAST(m.digits AS INTEGER) END AS lane,
                   CASE WHEN m.mark = '号' THEN m.road END AS road_n,
                   CASE WHEN m.mark = '号' THEN TRY_CAST(m.digits AS INTEGER) END AS number
            FROM parsed),
        by_lane AS (
            SELECT k.road_l, k.lane, min(a.code) AS code
            FROM (SELECT DISTINCT road_l, lane FROM keys WHERE lane IS NOT NULL) k
            JOIN ref_address_index a ON a.road = k.road_l AND k.lane BETWEEN a.lane_from AND a.lane_to
            GROUP BY ALL),
        by_number AS (
            SELECT k.road_n, k.number, min(a.code) AS code
            FROM (SELECT DISTINCT road_n, number FROM keys WHERE number IS NOT NULL AND lane IS NULL) k
            JOIN ref_address_index a ON a.road = k.road_n AND a.lane_from IS NULL
                 AND k.number BETWEEN a.number_from AND a.number_to
            GROUP BY ALL)
        SELECT k.address, coalesce(bl.code, bn.code) AS code
        FROM keys k
        LEFT JOIN by_lane bl ON bl.road_l = k.road_l AND bl.lane = k.lane
        LEFT JOIN by_number bn ON bn.road_n = k.road_n AND bn.number = k.number AND k.lane IS NULL
        WHERE coalesce(bl.code, bn.code) IS NOT NULL""", {"roads": pattern})
    con.execute(f"""
        CREATE OR REPLACE TEMP {target} AS
        SELECT {kept_columns(drop, given)}
               coalesce(names.code, ad.code) AS neighbourhood_code, rn.name AS neighbourhood
        FROM n_typed t
        LEFT JOIN ref_neighbourhood_names names ON names.name_key = name_key(t.neighbourhood_given)
        LEFT JOIN _addresses ad ON ad.address = t.address
        LEFT JOIN ref_neighbourhoods rn ON rn.code = coalesce(names.code, ad.code)""")


def kept_columns(drop: tuple[str, ...], given: tuple[str, ...]) -> str:
    """The start of the SELECT list that makes `n` from `n_typed t`: its columns but the
    staged ones `drop`, and `given_<c>` for each of `given`; ends with a comma. Both are
    the loader's own column names (etl/load.py), never data."""
    excluded = " EXCLUDE (" + ", ".join(f'"{c}"' for c in drop) + ")" if drop else ""
    return f"t.*{excluded}, " + "".join(f"t.raw_{c} IS NOT NULL AS given_{c}, " for c in given)


def convert_coordinates(con) -> None:
    """GCJ-02 and BD-09 to WGS-84, for the few rows that declare them."""
    rows = con.execute("SELECT _rid, lon, lat, crs FROM n WHERE crs IN ('gcj02', 'bd09') "
                       "AND lon IS NOT NULL AND lat IS NOT NULL").fetchall()
    if not rows:
        return
    import prcoords
    converted = []
    for row, lon, lat, crs in rows:
        fn = prcoords.gcj_wgs_bored if crs == "gcj02" else prcoords.bd_wgs
        lat2, lon2 = fn((lat, lon))
        converted.append((row, lon2, lat2))
    frame = pd.DataFrame(converted, columns=["_rid", "lon", "lat"])
    con.register("_coords", frame)
    con.execute("UPDATE n SET lon = c.lon, lat = c.lat FROM _coords c WHERE n._rid = c._rid")
    con.unregister("_coords")


# The (table, row key) pairs the steps below run on: the staged rows of a load, or the
# stored rows of a rederive. Identifiers from here only, never from data.
ROW_TABLES = {("n_typed", "_rid"), ("n", "_rid"), ("hotline_tickets", "ticket_id"), ("alarms", "alarm_id")}


def _rows_of(table: str, key: str = "_rid") -> None:
    if (table, key) not in ROW_TABLES:
        raise ValueError(f"not a table of the loader's: {table}.{key}")


def load_corrections(con, db_path) -> None:
    """TEMP table `_topic_corrections` (ticket_id, topic): the clerks' corrections kept
    beside the database (etl/corrections.py), applied by every topics_table after."""
    from .corrections import read_corrections
    frame = read_corrections(db_path)[["ticket_id", "topic"]]
    con.register("_topic_corrections_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _topic_corrections AS "
                "SELECT CAST(ticket_id AS VARCHAR) AS ticket_id, CAST(topic AS VARCHAR) AS topic "
                "FROM _topic_corrections_frame")
    con.unregister("_topic_corrections_frame")


def topics_table(con, table: str, key: str, classify: bool = True) -> int:
    """TEMP table `_topics` (k, epidemic_related, topic, faq_question, topic_words,
    topic_confidence) for the tickets in `table` (identifiers are the loader's own names,
    never data); a ticket in `_topic_corrections` (when loaded) takes the clerk's topic."""
    _rows_of(table, key)
    from .classify_tickets import classify_tickets
    corrections = con.execute("SELECT count(*) FROM duckdb_tables() "
                              "WHERE table_name = '_topic_corrections' AND temporary").fetchone()[0]
    corrected = ("(SELECT c.topic FROM _topic_corrections c WHERE c.ticket_id = t.ticket_id)" if corrections
                 else "CAST(NULL AS VARCHAR)")
    texts = (con.execute(f"SELECT t.{key} AS k, t.content, {corrected} AS corrected FROM {table} t").df()
             if classify else pd.DataFrame())
    if texts.empty:  # k typed as the key, so the join needs no cast of every row's key
        con.execute(f"CREATE OR REPLACE TEMP TABLE _topics (k {_key_type(con, table, key)}, epidemic_related BOOLEAN, "
                    "topic VARCHAR, faq_question INTEGER, topic_words VARCHAR, topic_confidence DOUBLE)")
        return 0
    result = classify_tickets(texts["content"].fillna(""), corrected=texts["corrected"])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('classifier_version', ?)", [classifier_version()])
    result.insert(0, "k", texts["k"].values)
    result["faq_question"] = result["faq_question"].astype("Int32")
    con.register("_topics_frame", result)
    con.execute("CREATE OR REPLACE TEMP TABLE _topics AS SELECT * FROM _topics_frame")
    con.unregister("_topics_frame")
    return len(result)


def _key_type(con, table: str, key: str) -> str:
    """The key column's type from the catalogue: reading it from the view itself would plan
    the view (its masking macros compile dozens of regular expressions) for no row."""
    found = con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                        [table, key]).fetchall()
    key_type = found[0][0] if found else None
    if key_type not in ("BIGINT", "INTEGER", "VARCHAR", "UBIGINT", "HUGEINT"):
        raise ValueError(f"unexpected key type of {table}.{key}: {key_type}")
    return key_type


def classifier_version() -> str:
    """Which classifier labelled the tickets (the brief names it): its own VERSION when it
    declares one, with a fingerprint of its code, the FAQ catalogue and the topic model file."""
    import hashlib
    from pathlib import Path
    from . import classify, classify_tickets, topic_model
    digest = hashlib.sha256()
    for module in (classify, classify_tickets, topic_model):
        digest.update(Path(module.__file__).read_bytes())
    for data in (settings.reference_dir() / "faq.toml", topic_model.default_model_path()):
        if data.exists():
            digest.update(data.read_bytes())
    declared = getattr(classify, "VERSION", None)
    return f"{declared}·{digest.hexdigest()[:8]}" if declared else digest.hexdigest()[:12]


def due_days_table(con) -> None:
    days = [(t, int(settings.get(f"due_days.{t}"))) for t in REQUEST_TYPES + ("epidemic",)]
    con.execute("CREATE OR REPLACE TEMP TABLE _due_days (request_type VARCHAR, days INTEGER)")
    con.executemany("INSERT INTO _due_days VALUES (?, ?)", days)


# Due date where the file gave none: received_at + N working days (N by request type;
# epidemic-related tickets 1 day), same time of day. A ticket received on a non-working
# day is due N working days after it, so the next working day counts as the first.
DUE_AT_SQL = """CAST(target.day AS TIMESTAMP) + (t.received_at - date_trunc('day', t.received_at))"""
DUE_JOINS = """
    LEFT JOIN ref_calendar received ON received.day = CAST(t.received_at AS DATE)
    LEFT JOIN _due_days d ON d.request_type = CASE WHEN t.epidemic_related THEN 'epidemic'
                                                   ELSE coalesce(t.request_type, 'other') END
    LEFT JOIN ref_calendar target ON target.is_workday AND target.workday_seq = received.workday_seq + d.days"""


def derive_tickets(con, classify: bool = True) -> None:
    """VIEW `n_resolved` -> TABLE `n` with topics and due dates: the staged tickets'
    one copy after staging."""
    topics_table(con, "n_typed", "_rid", classify)  # the content only: no need to resolve
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE n AS
        WITH t AS (SELECT n.* EXCLUDE (epidemic_related, topic, faq_question, topic_words, topic_confidence),
                          tp.epidemic_related, tp.topic, tp.faq_question, tp.topic_words, tp.topic_confidence
                   FROM n_resolved n LEFT JOIN _topics tp ON tp.k = n._rid)
        SELECT t.* REPLACE (CASE WHEN t.due_at_given THEN t.due_at ELSE {DUE_AT_SQL} END AS due_at)
        FROM t {DUE_JOINS}""")


def rederive_tickets(con) -> int:
    """Topics and computed due dates again, for every stored ticket."""
    count = topics_table(con, "hotline_tickets", "ticket_id")
    con.execute("""UPDATE hotline_tickets SET epidemic_related = tp.epidemic_related, topic = tp.topic,
                   faq_question = tp.faq_question, topic_words = tp.topic_words,
                   topic_confidence = tp.topic_confidence
                   FROM _topics tp WHERE hotline_tickets.ticket_id = tp.k""")
    con.execute(f"""UPDATE hotline_tickets SET due_at = x.due_at FROM (
                        SELECT t.ticket_id, {DUE_AT_SQL} AS due_at FROM hotline_tickets t {DUE_JOINS}
                        WHERE NOT coalesce(t.due_at_given, false)) x
                    WHERE hotline_tickets.ticket_id = x.ticket_id""")
    return count


def link_alarm_devices(con, table: str = "n", key: str = "_rid") -> None:
    """An alarm without a neighbourhood takes it (and the flat) from the latest roster
    report that registered the device for a quarantine period covering the alarm."""
    _rows_of(table, key)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _device_home AS
        SELECT a.{key} AS k,
               arg_max(r.neighbourhood_code, CAST(r.run_id AS BIGINT) * 10000000 + r.row_number) AS neighbourhood_code,
               arg_max(r.neighbourhood, CAST(r.run_id AS BIGINT) * 10000000 + r.row_number) AS neighbourhood,
               arg_max(r.address, CAST(r.run_id AS BIGINT) * 10000000 + r.row_number) AS address,
               arg_max(r.room, CAST(r.run_id AS BIGINT) * 10000000 + r.row_number) AS room
        FROM {table} a JOIN roster_reports r ON r.device_id = a.device_id
        WHERE (a.neighbourhood_code IS NULL OR a.address IS NULL)
          AND CAST(a.raised_at AS DATE) BETWEEN coalesce(r.quarantine_start, r.arrived_on, DATE '1900-01-01')
                                            AND coalesce(r.quarantine_end, DATE '2999-12-31') + 1
        GROUP BY a.{key}""")
    con.execute(f"""
        UPDATE {table} SET neighbourhood_code = coalesce({table}.neighbourhood_code, h.neighbourhood_code),
                           neighbourhood = coalesce({table}.neighbourhood, h.neighbourhood),
                           address = coalesce({table}.address, h.address),
                           room = coalesce({table}.room, h.room)
        FROM _device_home h WHERE {table}.{key} = h.k""")


def flag_id_regions(con, table: str = "n") -> None:
    """Adds `id_region_ok` to the roster rows: false where a resident ID that passes its check
    digit carries a region code that did not exist in its birth year (python-stdnum's table of
    administrative codes: 310115 only from 1993). A warning for the fix-list, never a reject:
    real people hold old codes (data-contract.md, "Rejects and warnings")."""
    _rows_of(table)
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError
    con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS id_region_ok BOOLEAN")
    pairs = con.execute(f"""SELECT DISTINCT substr(id_number, 1, 6), substr(id_number, 7, 4) FROM {table}
                            WHERE id_type = 'resident_id' AND id_valid AND length(id_number) = 18""").fetchall()
    checked = []
    for region, year in pairs:
        try:
            ric.get_birth_place(f"{region}{year}0101" + "0000")
            checked.append((region, year, True))
        except ValidationError:
            checked.append((region, year, False))
    if not checked:
        return
    frame = pd.DataFrame(checked, columns=["region", "year", "ok"])
    con.register("_id_regions", frame)
    con.execute(f"""UPDATE {table} SET id_region_ok = r.ok FROM _id_regions r
                    WHERE {table}.id_type = 'resident_id' AND {table}.id_valid AND length({table}.id_number) = 18
                      AND substr({table}.id_number, 1, 6) = r.region AND substr({table}.id_number, 7, 4) = r.year""")
    con.unregister("_id_regions")
