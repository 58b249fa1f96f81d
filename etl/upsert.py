"""Accepted rows into their table by natural key (data-contract.md, "Upserts"): a later
row wins, except for the sticky columns and the terminal statuses below; a column the file
does not have keeps its stored value."""
from __future__ import annotations

from . import derived
from .sources import Source

# Table columns written from `n`, and for each the file columns it comes from: when the
# file has none of them, an update keeps the stored value (data-contract.md, Upserts).
TABLE_INPUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "hotline": {
        "ticket_id": ("ticket_id",), "received_at": ("received_at",), "request_type": ("request_type",),
        "content": ("content",), "content_with_rooms": ("content",), "address": ("address",), "room": ("address",),
        "neighbourhood": ("neighbourhood", "address"), "neighbourhood_code": ("neighbourhood", "address"),
        "handling_unit": ("handling_unit",), "due_at": ("due_at", "received_at"),
        "due_at_given": ("due_at",), "closed_at": ("closed_at",), "status": ("status", "closed_at"),
        "satisfaction": ("satisfaction",), "first_contact": ("first_contact",), "channel": ("channel",),
        "repeat_of": ("repeat_of",), "caller_phone_masked": ("caller_phone",),
        "lon": ("lon",), "lat": ("lat",), "epidemic_related": ("content",), "topic": ("content",),
        "faq_question": ("content",), "topic_words": ("content",), "topic_confidence": ("content",),
        "run_id": ()},
    "roster": {
        "report_key": (), "person_key": (), "name_masked": ("name",), "id_type": ("id_type",),
        "id_masked": ("id_number",), "id_valid": ("id_number",), "phone_masked": ("phone",),
        "neighbourhood": ("neighbourhood", "address"), "neighbourhood_code": ("neighbourhood", "address"),
        "address": ("address",), "room": ("address",), "origin": ("origin",), "origin_province": ("origin",),
        "arrived_on": (), "reported_by": (), "reporter": (), "enterprise_uscc": ("enterprise_uscc",),
        "measure": ("measure",), "quarantine_start": ("quarantine_start",),
        "quarantine_end": ("quarantine_end", "quarantine_start"), "status": ("status",),
        "device_id": ("device_id",), "run_id": (), "row_number": ()},
    "alarms": {
        "alarm_id": (), "device_id": (), "device_type": ("device_type",), "alarm_type": ("alarm_type",),
        "raised_at": ("raised_at",), "neighbourhood": ("neighbourhood", "address"),
        "neighbourhood_code": ("neighbourhood", "address"), "address": ("address",), "room": ("address",),
        "status": ("status",), "handled_by_masked": ("handled_by",), "handled_at": ("handled_at",),
        "note": ("note",), "note_with_rooms": ("note",), "response_minutes": ("handled_at", "status"), "run_id": ()},
    "enterprises": {
        "uscc": (), "name": ("name",), "industry": ("industry",), "address": ("address",),
        "room": ("address",), "neighbourhood": ("neighbourhood", "address"),
        "neighbourhood_code": ("neighbourhood", "address"), "employees_total": ("employees_total",),
        "employees_from_outside": ("employees_from_outside",), "employees_on_site": ("employees_on_site",),
        "application_status": ("application_status",), "applied_on": ("applied_on",),
        "reviewed_on": ("reviewed_on",), "resumed_on": ("resumed_on",),
        "contact_phone_masked": ("contact_phone",), "utensil_pledge": ("utensil_pledge",),
        "lon": ("lon",), "lat": ("lat",), "run_id": ()},
}

# Upsert expressions where "the later row wins" is not the rule.
STICKY = {
    "closed_at": "coalesce(excluded.closed_at, {t}.closed_at)",
    "handled_at": "coalesce(excluded.handled_at, {t}.handled_at)",
    "response_minutes": "coalesce(excluded.response_minutes, {t}.response_minutes)",
}
# A value the source system gave (办理时限) against one computed from other columns (received
# + working days): a later file without the column recomputes a computed value but keeps a
# given one (data-contract.md, Upserts). column -> (its "given" flag, the file column).
KEPT_WHEN_GIVEN = {"due_at": ("due_at_given", "due_at")}
TERMINAL_STATUS = {"hotline": ("closed",), "alarms": ("handled", "false_alarm", "pre_reported")}


# Past this many rows, the file's rows are put in stored order before the MERGE (below).
SORT_ABOVE = 2048


def upsert(con, source: Source, present: list[str], rows: int) -> None:
    """The accepted rows (TEMP view `_ok`, `rows` of them, each with its run number `_run`)
    into the source's table, by natural key. Identifiers come from TABLE_INPUTS and the
    source's definition; values are bound."""
    table = source.table
    inputs = TABLE_INPUTS[source.name]
    columns = list(inputs)
    # Each column as the file's rows give it: the run is _run, the row number is _row.
    given = {"run_id": "_run", "row_number": "_row"}
    file_rows = f"SELECT {', '.join(f'{given.get(c, c)} AS {c}' for c in columns)} FROM _ok"
    keys = ("report_key",) if source.name == "roster" else tuple(source.key)
    params = {}
    updates = []
    for col in columns:
        sources_of_col = inputs[col]
        if col in keys or (sources_of_col and not set(sources_of_col) & set(present)):
            continue  # a column this file does not have keeps its stored value
        if col == "status" and source.name in TERMINAL_STATUS:
            params["terminal"] = list(TERMINAL_STATUS[source.name])
            updates.append(f"status = CASE WHEN list_contains($terminal, {table}.status) THEN {table}.status "
                           f"ELSE excluded.status END")
        elif col in STICKY:
            updates.append(f"{col} = " + STICKY[col].format(t=table))
        elif col in KEPT_WHEN_GIVEN and KEPT_WHEN_GIVEN[col][1] not in present:
            flag = KEPT_WHEN_GIVEN[col][0]
            updates.append(f"{col} = CASE WHEN coalesce({table}.{flag}, false) THEN {table}.{col} "
                           f"ELSE excluded.{col} END")
        else:
            updates.append(f"{col} = excluded.{col}")
    derived.note_upsert(con, source.name)  # before the upsert: it may need the rows as they were
    # MERGE on the natural key (the tables carry no key index: schema_v2.sql says why);
    # the file's rows are called `excluded`, as in INSERT … ON CONFLICT.
    if not con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall():  # the first load: nothing to match
        con.execute(f"INSERT INTO {table} BY NAME {file_rows}")
        return
    match = " AND ".join(f"{table}.{k} = excluded.{k}" for k in keys)
    source_rows = f"({file_rows})"
    # MERGE updates stored rows in the order it is given them. Out of stored order, DuckDB
    # fell off a cliff between 5,000 and 10,000 updated rows (a district's 25,000 enterprises:
    # 8 s; 10,000 of them 5.9 s, 5,000 0.02 s); in stored order 0.07 s. A small file goes
    # straight in: the sorting would only add its own cost.
    sorted_copy = rows > SORT_ABOVE
    if sorted_copy:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _upsert_rows AS
                        SELECT excluded.* FROM {source_rows} AS excluded
                        LEFT JOIN {table} ON {match} ORDER BY {table}.rowid NULLS LAST""")
        source_rows = "_upsert_rows"
    con.execute(f"""MERGE INTO {table} USING {source_rows} AS excluded ON {match}
                    WHEN MATCHED THEN UPDATE SET {', '.join(updates)}
                    WHEN NOT MATCHED THEN INSERT BY NAME""", params)
    if sorted_copy:
        con.execute("DROP TABLE _upsert_rows")  # a big file's copy, not kept for the next file
