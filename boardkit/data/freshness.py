"""How current each source is: the latest record time per source."""
from __future__ import annotations

from etl.sources import FRESH_ORDER, SOURCES

from .db import Generation, query

# Each source's latest record time (its SQL, table and name from the registry, never data).
FRESHNESS_SQL = " UNION ALL ".join(
    f"SELECT '{name}' AS source, CAST({SOURCES[name].latest_sql} AS TIMESTAMP) AS latest FROM {SOURCES[name].table}"
    for name in FRESH_ORDER)


def source_freshness(gen: Generation) -> dict:
    frame = query(gen, FRESHNESS_SQL)
    return {r.source: (None if str(r.latest) == "NaT" else r.latest.to_pydatetime()) for r in frame.itertuples()}
