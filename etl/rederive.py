"""`python -m etl rederive`: re-runs derivations on stored rows after the FAQ catalogue,
the topic model, the clerks' topic corrections, the reference pack or the settings
changed, as one new generation."""
from __future__ import annotations

import time
from pathlib import Path

from . import derive, derived, store
from .macros import install_macros


def rederive(db_path: Path) -> list[str]:
    lines = []
    with store.writer_lock(db_path), store.new_generation(db_path) as con:
        lines.extend(derive.load_reference(con))
        derive.load_corrections(con, db_path)
        install_macros(con)
        # Neighbourhoods the earlier pack could not place, from the stored address.
        con.execute("CREATE OR REPLACE TEMP VIEW n_typed AS SELECT ticket_id AS _row, address, "
                    "CAST(NULL AS VARCHAR) AS neighbourhood_given FROM hotline_tickets WHERE neighbourhood_code IS NULL")
        derive.resolve_neighbourhoods(con)
        con.execute("UPDATE hotline_tickets SET neighbourhood_code = n.neighbourhood_code, neighbourhood = n.neighbourhood "
                    "FROM n WHERE hotline_tickets.ticket_id = n._row AND n.neighbourhood_code IS NOT NULL")
        t0 = time.perf_counter()
        count = derive.rederive_tickets(con)
        seconds = time.perf_counter() - t0
        lines.append(f"重新分类工单并重算未填写的办理时限 {count} 条，用时 {seconds:.1f} 秒"
                     f"（{count / max(seconds, 1e-9):,.0f} 条/秒）")
        derive.link_alarm_devices(con, "alarms", "alarm_id")
        # Both tables changed above, and tickets may have found their neighbourhood.
        for kind in derived.REBUILT_WHOLE:
            derived.mark(con, kind)
    return lines
