"""Every figure of docs/metrics.md, computed in DuckDB for one report day D and scope.

The overview, the wall screen and the brief all call these, so they cannot disagree.
Day figures count D and D-1; state figures are taken at t(D) and t(D-1) (the end of the
day, or now for today), from the dates in the data (boardkit/predicates.py).
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from etl import settings

from .clock import Clock
from .db import SCOPE_SQL, Generation, Scope, query
from . import predicates as P
from .metrics import REGISTRY
from .open_records import alarms_unhandled_after, tickets_open_after

ALARM_TYPES = ("door_open", "tamper", "doorbell", "offline", "low_battery")


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


def thresholds() -> dict:
    return {f"t_{t}": float(settings.get(f"alarm_threshold_minutes.{t}")) for t in ALARM_TYPES}


THRESHOLD_SQL = """CASE alarm_type WHEN 'door_open' THEN $t_door_open WHEN 'tamper' THEN $t_tamper
    WHEN 'doorbell' THEN $t_doorbell WHEN 'offline' THEN $t_offline ELSE $t_low_battery END"""


def _params(clock: Clock, scope: Scope, **extra) -> dict:
    prev = clock.previous
    return {"d0": clock.day_start, "d1": clock.day_end, "at": clock.at, "day": clock.day,
            "p0": prev.day_start, "pat": prev.at, "pday": prev.day, **scope.params, **extra}


# The report day D with its moment t(D), and D-1 with t(D-1), as SQL placeholders: {s} {e}
# are the day's bounds, {at} the moment, {d} the day (docs/metrics.md, Time).
CUR = {"s": "$d0", "e": "$d1", "at": "$at", "d": "$day"}
PREV = {"s": "$p0", "e": "$d0", "at": "$pat", "d": "$pday"}


def _windows(figures: dict[str, str]) -> str:
    """Each figure's SELECT expression twice, for the report day and (suffixed _prev) the
    day before. One pass over the rows instead of a join that doubles them."""
    return ",\n  ".join([f"{expr.format(**CUR)} AS {name}" for name, expr in figures.items()]
                        + [f"{expr.format(**PREV)} AS {name}_prev" for name, expr in figures.items()])


# One scan per kind of figure, each with a WHERE the day's or the moment's rows satisfy for
# both days, so DuckDB skips the rest of a 10M-row table by its zone maps (tickets arrive
# in time order); the FILTERs keep the exact definitions of metrics.md.
HOTLINE_RECEIVED = {
    "received": "count(*) FILTER (received_at >= {s} AND received_at < {e})",
    "epidemic": "count(*) FILTER (received_at >= {s} AND received_at < {e} AND epidemic_related)",
    "fc_known": "count(*) FILTER (received_at >= {s} AND received_at < {e} AND first_contact IS NOT NULL)",
    "fc_true": "count(*) FILTER (received_at >= {s} AND received_at < {e} AND first_contact)",
}
HOTLINE_CLOSED = {
    "closed": "count(*) FILTER (closed_at >= {s} AND closed_at < {e})",
    "closed_on_time": "count(*) FILTER (closed_at >= {s} AND closed_at < {e} AND closed_at <= due_at)",
    "rated": "count(*) FILTER (closed_at >= {s} AND closed_at < {e} AND satisfaction IS NOT NULL)",
    "satisfied": "count(*) FILTER (closed_at >= {s} AND closed_at < {e} "
                 "AND satisfaction IN ('satisfied', 'basic'))",
    "satisfaction_points": "sum(CASE satisfaction WHEN 'satisfied' THEN 1 WHEN 'basic' THEN 0.8 "
                           "WHEN 'fair' THEN 0.6 WHEN 'unsatisfied' THEN 0 END) "
                           "FILTER (closed_at >= {s} AND closed_at < {e})",
}
HOTLINE_OPEN = {
    "open": f"count(*) FILTER ({P.ticket_open('{at}')})",
    "overdue_open": f"count(*) FILTER ({P.ticket_overdue('{at}')})",
    "overdue_epidemic": f"count(*) FILTER ({P.ticket_overdue('{at}')} AND epidemic_related)",
}
# NOT MATERIALIZED: a CTE read three times is otherwise copied whole first (10M rows).
# The open ones: whatever may be open at t(D-1) or later (boardkit/open_records.py).
HOTLINE_SQL = f"""
WITH t AS NOT MATERIALIZED (SELECT * FROM hotline_tickets WHERE {SCOPE_SQL}),
r AS (SELECT {_windows(HOTLINE_RECEIVED)} FROM t WHERE received_at >= $p0 AND received_at < $d1),
c AS (SELECT {_windows(HOTLINE_CLOSED)} FROM t WHERE closed_at >= $p0 AND closed_at < $d1),
o AS (SELECT {_windows(HOTLINE_OPEN)} FROM {tickets_open_after("$pat")} t
      WHERE {SCOPE_SQL} AND received_at <= $at AND status <> 'returned')
SELECT * FROM r, c, o"""

ROSTER_ARRIVALS = {"arrivals": "count(*) FILTER (arrived_on = {d})"}
ROSTER_STATE = {
    "home_quarantine": f"count(*) FILTER (measure = 'home_quarantine' AND {P.under_measure('{d}')})",
    "central_quarantine": f"count(*) FILTER (measure = 'central_quarantine' AND {P.under_measure('{d}')})",
    "health_observation": f"count(*) FILTER (measure = 'health_observation' AND {P.under_measure('{d}')})",
    "ending_next_day": f"count(*) FILTER ({P.quarantine_ending('{d}', '1', '1')})",
    "ending_soon": f"count(*) FILTER ({P.quarantine_ending('{d}', '1', 'CAST($k AS INTEGER)')})",
}
# Arrivals count persons; the state figures each person's version known by the day
# (person_timeline), only those versions that can hold on D-1 or D read.
ROSTER_SQL = f"""
WITH a AS (SELECT {_windows(ROSTER_ARRIVALS)} FROM persons
           WHERE {SCOPE_SQL} AND arrived_on IN ($day, $pday)),
s AS (SELECT {_windows(ROSTER_STATE)} FROM person_timeline
      WHERE {SCOPE_SQL} AND valid_from <= $day AND (valid_to IS NULL OR valid_to > $pday)
        AND quarantine_start <= $day AND (quarantine_end IS NULL OR quarantine_end >= $pday))
SELECT * FROM a, s"""

ALARMS_RAISED = {
    "alarms": "count(*) FILTER (raised_at >= {s} AND raised_at < {e})",
    "door_open": "count(*) FILTER (raised_at >= {s} AND raised_at < {e} AND alarm_type = 'door_open')",
    "median_response": "median(response_minutes) FILTER (raised_at >= {s} AND raised_at < {e})",
}
ALARMS_UNHANDLED = {
    "unhandled": f"count(*) FILTER ({P.alarm_unhandled('{at}')})",
    "past_threshold": f"count(*) FILTER ({P.alarm_unhandled('{at}')} AND {P.alarm_waited('{at}')})",
    "door_open_past_threshold": f"count(*) FILTER ({P.alarm_unhandled('{at}')} AND alarm_type = 'door_open' "
                                f"AND {P.alarm_waited('{at}')})",
}
ALARMS_SQL = f"""
WITH r AS (SELECT {_windows(ALARMS_RAISED)} FROM alarms
           WHERE {SCOPE_SQL} AND raised_at >= $p0 AND raised_at < $d1),
u AS (SELECT {_windows(ALARMS_UNHANDLED)}
      FROM (SELECT *, {THRESHOLD_SQL} AS threshold FROM {alarms_unhandled_after("$pat")}
            WHERE {SCOPE_SQL} AND raised_at <= $at))
SELECT * FROM r, u"""

ENTERPRISE_FIGURES = {
    "approved": f"count(*) FILTER ({P.enterprise_status('{d}', 'approved')})",
    "pending": f"count(*) FILTER ({P.enterprise_pending('{d}')})",
    "returned": f"count(*) FILTER ({P.enterprise_status('{d}', 'returned')})",
    "pending_past_threshold": f"count(*) FILTER ({P.enterprise_pending('{d}')} "
                              "AND date_diff('day', applied_on, {d}) > CAST($pending_days AS INTEGER))",
    "resumed": "count(*) FILTER (resumed_on = {d})",
    "pledged": "count(*) FILTER (coalesce(applied_on <= {d}, true) AND utensil_pledge)",
    "pledge_known": "count(*) FILTER (coalesce(applied_on <= {d}, true) AND utensil_pledge IS NOT NULL)",
}
ENTERPRISES_SQL = f"SELECT {_windows(ENTERPRISE_FIGURES)} FROM enterprises WHERE {SCOPE_SQL}"


def _pair(frame) -> tuple[dict, dict]:
    """(report day, day before) from the one row of figures and figures suffixed _prev."""
    row = frame.to_dict("records")[0] if len(frame) else {}
    cur = {k: v for k, v in row.items() if not k.endswith("_prev")}
    return cur, {k: row.get(f"{k}_prev") for k in cur}


def _ratio(num, den):
    return None if not den else float(num) / float(den)


def _num(value):
    if value is None:
        return None
    try:
        return None if value != value else float(value)  # NaN -> None
    except TypeError:
        return None


def overview_figures(gen: Generation, clock: Clock, scope: Scope) -> dict[str, Figure]:
    """The KPI row of the overview (and the brief's summary)."""
    figs: dict[str, Figure] = {}

    def add(key, cur, prev):  # the unit (count, rate, minutes) is the registry's
        figs[key] = Figure(key, _num(cur), _num(prev), REGISTRY[key].unit)

    # The four kinds of figure are independent queries: run side by side, each on its own
    # connection, they take the longest one's time plus a little (city scale: 86 -> 74 ms),
    # not the sum. The threads end with the call (their connections with them, db.py).
    k = int(settings.get("ending_soon_days"))
    pending_days = int(settings.get("enterprise_pending_days"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        hotline, roster, alarms, enterprises = [pool.submit(query, gen, sql, params) for sql, params in (
            (HOTLINE_SQL, _params(clock, scope)),
            (ROSTER_SQL, _params(clock, scope, k=k)),
            (ALARMS_SQL, _params(clock, scope, **thresholds())),
            (ENTERPRISES_SQL, _params(clock, scope, pending_days=pending_days)))]

    h, hp = _pair(hotline.result())
    add("hotline_received", h.get("received"), hp.get("received"))
    add("epidemic_share", _ratio(h.get("epidemic"), h.get("received")),
        _ratio(hp.get("epidemic"), hp.get("received")))
    add("hotline_open", h.get("open"), hp.get("open"))
    add("hotline_overdue", h.get("overdue_open"), hp.get("overdue_open"))
    add("on_time_rate", _ratio(h.get("closed_on_time"), h.get("closed")),
        _ratio(hp.get("closed_on_time"), hp.get("closed")))
    add("first_contact_rate", _ratio(h.get("fc_true"), h.get("fc_known")),
        _ratio(hp.get("fc_true"), hp.get("fc_known")))
    add("satisfaction_rate", _ratio(h.get("satisfied"), h.get("rated")),
        _ratio(hp.get("satisfied"), hp.get("rated")))
    add("satisfaction_score", _ratio(h.get("satisfaction_points"), h.get("rated")),
        _ratio(hp.get("satisfaction_points"), hp.get("rated")))

    r, rp = _pair(roster.result())
    for key in ("arrivals", "home_quarantine", "central_quarantine", "health_observation",
                "ending_next_day", "ending_soon"):
        add(key, r.get(key), rp.get(key))

    a, ap = _pair(alarms.result())
    for key in ("alarms", "door_open", "unhandled", "past_threshold", "door_open_past_threshold"):
        add(f"alarm_{key}", a.get(key), ap.get(key))
    add("median_response", a.get("median_response"), ap.get("median_response"))

    e, ep = _pair(enterprises.result())
    for key in ("approved", "pending", "returned", "pending_past_threshold", "resumed"):
        add(f"enterprise_{key}", e.get(key), ep.get(key))
    add("pledge_coverage", _ratio(e.get("pledged"), e.get("pledge_known")),
        _ratio(ep.get("pledged"), ep.get("pledge_known")))
    return figs
