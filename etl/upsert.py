"""Accepted rows into their table by natural key (data-contract.md, "Upserts"): a later
row wins, except for the sticky columns and the terminal statuses below; a column the file
does not have keeps its stored value."""
from __future__ import annotations

from . import derived
from .sources import Source

# Upsert expressions where "the later row wins" is not the rule.
STICKY = {
    "closed_at": "coalesce(excluded.closed_at, {t}.closed_at)",
    "handled_at": "coalesce(excluded.handled_at, {t}.handled_at)",
    "response_minutes": "coalesce(excluded.response_minutes, {t}.response_minutes)",
    # A camera still offline keeps the time it went offline when a later export leaves it blank.
    "offline_since": "CASE WHEN excluded.online = 'offline' THEN coalesce(excluded.offline_since, {t}.offline_since) END",
}
# A value the source system gave (办理时限) against one computed from other columns (received
# + working days): a later file without the column recomputes a computed value but keeps a
# given one (data-contract.md, Upserts). column -> (its "given" flag, the file column).
KEPT_WHEN_GIVEN = {"due_at": ("due_at_given", "due_at")}


# Past this many rows, the file's rows are put in stored order before the MERGE (below).
SORT_ABOVE = 2048


def upsert(con, source: Source, present: list[str], rows: int) -> None:
    """The accepted rows (TEMP view `_ok`, `rows` of them, each with its run number `_run`)
    into the source's table, by natural key. Identifiers come from the source's definition
    (its table_inputs, key and table); values are bound."""
    table = source.table
    inputs = source.table_inputs
    columns = list(inputs)
    # Each column as the file's rows give it: the run is _run, the row number is _row.
    given = {"run_id": "_run", "row_number": "_row"}
    file_rows = f"SELECT {', '.join(f'{given.get(c, c)} AS {c}' for c in columns)} FROM _ok"
    keys = source.row_key
    params = {}
    updates = []
    for col in columns:
        sources_of_col = inputs[col]
        if col in keys or (sources_of_col and not set(sources_of_col) & set(present)):
            continue  # a column this file does not have keeps its stored value
        if col == "status" and source.terminal_status:
            params["terminal"] = list(source.terminal_status)
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
    derived.note_upsert(con, source)  # before the upsert: it may need the rows as they were
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
