"""Every figure of docs/metrics.md, computed in DuckDB for one report day D and scope.

The overview, the wall screen and the brief all call these, so they cannot disagree. Each
figure's aggregate is the registry's (boardkit/metrics/registry.py); here are the named
relations it aggregates over and the one scan per stream.
Day figures count D and D-1; state figures are taken at t(D) and t(D-1) (the end of the
day, or now for today), from the dates in the data (boardkit/data/predicates.py).
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core import settings
from etl.sources import BOARD_ORDER

from ..data.clock import Clock
from ..data.db import SCOPE_SQL, Generation, Scope, query
from ..data import predicates as P
from . import REGISTRY
from ..data.open_records import alarms_unhandled_after, tickets_open_after

@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None
    previous: float | None    # the same figure for D-1, at t(D-1)
    kind: str = "count"       # count / rate / minutes

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _params(clock: Clock, scope: Scope, **extra) -> dict:
    prev = clock.previous
    return {"d0": clock.day_start, "d1": clock.day_end, "at": clock.at, "day": clock.day,
            "p0": prev.day_start, "pat": prev.at, "pday": prev.day, **scope.params, **extra}


# The report day D with its moment t(D), and D-1 with t(D-1), as SQL placeholders: {s} {e}
# are the day's bounds, {at} the moment, {d} the day (docs/metrics.md, Time).
CUR = {"s": "$d0", "e": "$d1", "at": "$at", "d": "$day"}
PREV = {"s": "$p0", "e": "$d0", "at": "$pat", "d": "$pday"}


def _windows(metrics: list) -> str:
    """Each figure's aggregate twice, for the report day and (suffixed _prev) the day
    before. One pass over the rows instead of a join that doubles them."""
    return ",\n  ".join([f"{m.sql.format(**CUR)} AS {m.key}" for m in metrics]
                        + [f"{m.sql.format(**PREV)} AS {m.key}_prev" for m in metrics])


# The named relations the registry's figures aggregate over, by stream. Each has a WHERE
# the day's or the moment's rows satisfy for both days, so DuckDB skips the rest of a
# 10M-row table by its zone maps (tickets arrive in time order); the figures' FILTERs keep
# the exact definitions of metrics.md. Open tickets and unhandled alarms: whatever may be
# open at t(D-1) or later (boardkit/data/open_records.py). Roster: arrivals count persons, the
# state figures each person's version known by the day (person_timeline), only those
# versions that can hold on D-1 or D read.
RELATIONS: dict[str, tuple[str, str]] = {
    "tickets_received": ("hotline", f"hotline_tickets WHERE {SCOPE_SQL} AND received_at >= $p0 AND received_at < $d1"),
    "tickets_closed": ("hotline", f"hotline_tickets WHERE {SCOPE_SQL} AND closed_at >= $p0 AND closed_at < $d1"),
    "tickets_open": ("hotline", f"""{tickets_open_after("$pat")} t
      WHERE {SCOPE_SQL} AND received_at <= $at AND status <> 'returned'"""),
    "persons_arrived": ("roster", f"persons WHERE {SCOPE_SQL} AND arrived_on IN ($day, $pday)"),
    "persons_known": ("roster", f"""person_timeline
      WHERE {SCOPE_SQL} AND valid_from <= $day AND (valid_to IS NULL OR valid_to > $pday)
        AND quarantine_start <= $day AND (quarantine_end IS NULL OR quarantine_end >= $pday)"""),
    "persons_reported": ("reporting", f"{P.persons_reported(SCOPE_SQL)} p"),
    "alarms_raised": ("alarms", f"alarms WHERE {SCOPE_SQL} AND raised_at >= $p0 AND raised_at < $d1"),
    "alarms_unhandled": ("alarms", f"""(SELECT *, {P.THRESHOLD_SQL} AS threshold FROM {alarms_unhandled_after("$pat")}
            WHERE {SCOPE_SQL} AND raised_at <= $at)"""),
    "enterprises_known": ("enterprises", f"enterprises WHERE {SCOPE_SQL}"),
}


def _stream_sql(stream: str) -> str:
    """The figures of one stream in one query: an aggregate row per named relation, joined."""
    used = [name for name, (of, _) in RELATIONS.items()
            if of == stream and any(m.relation == name for m in REGISTRY.values())]
    ctes = [f"{name} AS (SELECT {_windows([m for m in REGISTRY.values() if m.relation == name])} "
            f"FROM {RELATIONS[name][1]})" for name in used]
    return f"WITH {', '.join(ctes)}\nSELECT * FROM {', '.join(used)}"


assert all(m.relation in RELATIONS for m in REGISTRY.values()), "a figure over an unnamed relation"
STREAMS = tuple(dict.fromkeys(stream for stream, _ in RELATIONS.values()))
STREAM_SQL = {stream: _stream_sql(stream) for stream in STREAMS}


def _bound(sql: str, params: dict) -> dict:
    """The parameters a query uses (DuckDB refuses others)."""
    names = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in names}


def _num(value):
    if value is None:
        return None
    try:
        return None if value != value else float(value)  # NaN -> None
    except TypeError:
        return None


def stream_figures(gen: Generation, clock: Clock, scope: Scope,
                   streams: tuple[str, ...] = STREAMS) -> dict[str, Figure]:
    """The registry's figures of `streams` for the report day and the day before."""
    params = _params(clock, scope, k=int(settings.get("ending_soon_days")),
                     pending_days=int(settings.get("enterprise_pending_days")), **P.thresholds())
    # The streams are independent queries: run side by side, each on its own connection,
    # they take the longest one's time plus a little, not the sum. The threads end with
    # the call (their connections with them, db.py).
    with ThreadPoolExecutor(max_workers=len(streams)) as pool:
        frames = [pool.submit(query, gen, STREAM_SQL[s], _bound(STREAM_SQL[s], params)) for s in streams]
        rows = {}
        for frame in frames:
            rows |= frame.result().to_dict("records")[0]
    return {key: Figure(key, _num(rows.get(key)), _num(rows.get(f"{key}_prev")), m.unit)
            for key, m in REGISTRY.items() if RELATIONS[m.relation][0] in streams}


# The figures of the overview, the wall screen and the stream pages' KPI rows. Who reported
# whom and when (the blind spot) is a stream of its own: only the roster page and the brief
# ask for it.
BOARD_STREAMS = tuple(name for name in BOARD_ORDER if name in STREAM_SQL)  # sources with figures


def overview_figures(gen: Generation, clock: Clock, scope: Scope) -> dict[str, Figure]:
    """The figures of the overview's KPI row, the stream pages' and the wall screen's."""
    return stream_figures(gen, clock, scope, BOARD_STREAMS)


def summary(on: str) -> list[tuple[str, list[str]]]:
    """(stream, keys) for each board stream: the registry's figures that are `on` a summary
    (registry.OVERVIEW, registry.BRIEF), in the registry's order."""
    return [(stream, [key for key, m in REGISTRY.items() if on in m.on and RELATIONS[m.relation][0] == stream])
            for stream in BOARD_STREAMS]
