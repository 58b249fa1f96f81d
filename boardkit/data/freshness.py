"""How current each source is: the latest record time per source."""
from __future__ import annotations

from .db import Generation, query


def source_freshness(gen: Generation) -> dict:
    frame = query(gen, """
        SELECT 'hotline' AS source, max(received_at) AS latest FROM hotline_tickets
        UNION ALL SELECT 'roster', CAST(max(arrived_on) AS TIMESTAMP) FROM roster_reports
        UNION ALL SELECT 'alarms', max(raised_at) FROM alarms
        UNION ALL SELECT 'enterprises', CAST(max(greatest(applied_on, reviewed_on, resumed_on)) AS TIMESTAMP) FROM enterprises""")
    return {r.source: (None if str(r.latest) == "NaT" else r.latest.to_pydatetime()) for r in frame.itertuples()}
