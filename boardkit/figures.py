"""Every figure of metrics.md, computed in DuckDB for one report day, "now" and scope.

The overview, the wall screen and the brief all call these, so they cannot disagree.
Day figures are computed for D and D-1; current figures at now and now-24h.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from etl import settings

from .clock import Clock
from .db import SCOPE_SQL, Generation, Scope, query
from .open_records import alarms_unhandled_after, tickets_open_after

ALARM_TYPES = ("door_open", "tamper", "doorbell", "offline", "low_battery")


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None
    previous: float | None    # the same figure for D-1 (or now-24h)
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
    return {"d0": clock.day_start, "d1": clock.day_end, "now": clock.now,
            "p0": clock.day_start - dt.timedelta(days=1), "pnow": clock.now - dt.timedelta(days=1),
            **scope.params, **extra}


# The report day (and "now") and the day before (and now-24h), as SQL placeholders.
CUR = {"s": "$d0", "e": "$d1", "at": "$now", "d": "CAST($d0 AS DATE)", "today": "CAST($now AS DATE)"}
PREV = {"s": "$p0", "e": "$d0", "at": "$pnow", "d": "CAST($p0 AS DATE)", "today": "CAST($pnow AS DATE)"}


def _windows(figures: dict[str, str]) -> str:
    """Each figure's SELECT expression twice, for the report day and (suffixed _prev) the
    day before: {s} {e} are the day's bounds, {at} the moment, {d} the day and {today}
    the moment's day. One pass over the rows instead of a join that doubles them."""
    return ",\n  ".join([f"{expr.format(**CUR)} AS {name}" for name, expr in figures.items()]
                        + [f"{expr.format(**PREV)} AS {name}_prev" for name, expr in figures.items()])


# One scan per kind of figure, each with a WHERE the day's or the moment's rows satisfy for
# both days, so DuckDB skips the rest of a 10M-row table by its zone maps (tickets arrive
# in time order); the FILTERs keep the exact definitions of metrics.md.
_OPEN = "t.received_at <= {at} AND NOT coalesce(t.closed_at <= {at}, false) AND t.status <> 'returned'"
HOTLINE_RECEIVED = {
    "received": "count(*) FILTER (t.received_at >= {s} AND t.received_at < {e})",
    "epidemic": "count(*) FILTER (t.received_at >= {s} AND t.received_at < {e} AND t.epidemic_related)",
    "fc_known": "count(*) FILTER (t.received_at >= {s} AND t.received_at < {e} AND t.first_contact IS NOT NULL)",
    "fc_true": "count(*) FILTER (t.received_at >= {s} AND t.received_at < {e} AND t.first_contact)",
}
HOTLINE_CLOSED = {
    "closed": "count(*) FILTER (t.closed_at >= {s} AND t.closed_at < {e})",
    "closed_on_time": "count(*) FILTER (t.closed_at >= {s} AND t.closed_at < {e} AND t.closed_at <= t.due_at)",
    "rated": "count(*) FILTER (t.closed_at >= {s} AND t.closed_at < {e} AND t.satisfaction IS NOT NULL)",
    "satisfied": "count(*) FILTER (t.closed_at >= {s} AND t.closed_at < {e} "
                 "AND t.satisfaction IN ('satisfied', 'basic'))",
    "satisfaction_points": "sum(CASE t.satisfaction WHEN 'satisfied' THEN 1 WHEN 'basic' THEN 0.8 "
                           "WHEN 'fair' THEN 0.6 WHEN 'unsatisfied' THEN 0 END) "
                           "FILTER (t.closed_at >= {s} AND t.closed_at < {e})",
}
HOTLINE_OPEN = {
    "open": f"count(*) FILTER ({_OPEN})",
    "overdue_open": f"count(*) FILTER ({_OPEN} AND t.due_at < {{at}})",
    "overdue_epidemic": f"count(*) FILTER ({_OPEN} AND t.due_at < {{at}} AND t.epidemic_related)",
}
# NOT MATERIALIZED: a CTE read three times is otherwise copied whole first (10M rows).
HOTLINE_SQL = f"""
WITH t AS NOT MATERIALIZED (SELECT * FROM hotline_tickets WHERE {SCOPE_SQL}),
r AS (SELECT {_windows(HOTLINE_RECEIVED)} FROM t WHERE t.received_at >= $p0 AND t.received_at < $d1),
c AS (SELECT {_windows(HOTLINE_CLOSED)} FROM t WHERE t.closed_at >= $p0 AND t.closed_at < $d1),
o AS (SELECT {_windows(HOTLINE_OPEN)} FROM {tickets_open_after("$pnow")} t
      WHERE {SCOPE_SQL} AND t.received_at <= $now AND t.status <> 'returned')
SELECT * FROM r, c, o"""

_ACTIVE = "p.status = 'active' AND p.quarantine_start <= {today} AND {today} <= p.quarantine_end"
_QUARANTINED = "p.measure IN ('home_quarantine', 'central_quarantine') AND p.status = 'active'"
ROSTER_FIGURES = {
    "arrivals": "count(*) FILTER (p.arrived_on = {d})",
    "home_quarantine": f"count(*) FILTER (p.measure = 'home_quarantine' AND {_ACTIVE})",
    "central_quarantine": f"count(*) FILTER (p.measure = 'central_quarantine' AND {_ACTIVE})",
    "health_observation": f"count(*) FILTER (p.measure = 'health_observation' AND {_ACTIVE})",
    "ending_next_day": f"count(*) FILTER ({_QUARANTINED} AND p.quarantine_end = {{d}} + 1)",
    "ending_soon": f"count(*) FILTER ({_QUARANTINED} AND p.quarantine_end BETWEEN {{d}} + 1 "
                   "AND {d} + CAST($k AS INTEGER))",
}
# Only persons who arrived on either day or are under a measure ending on or after the
# earlier day can count: the rest of millions of persons is left out before the FILTERs.
ROSTER_SQL = f"""SELECT {_windows(ROSTER_FIGURES)} FROM persons p WHERE {SCOPE_SQL}
    AND (p.arrived_on IN (CAST($d0 AS DATE), CAST($p0 AS DATE))
         OR (p.status = 'active' AND p.quarantine_end >= least(CAST($p0 AS DATE), CAST($pnow AS DATE))))"""

_UNHANDLED = ("a.raised_at <= {at} AND (a.status IN ('open', 'in_progress') "
              "OR (a.status IN ('handled', 'false_alarm') AND a.handled_at > {at}))")
_PAST = "date_diff('second', a.raised_at, {at}) > a.threshold * 60"
ALARMS_RAISED = {
    "alarms": "count(*) FILTER (a.raised_at >= {s} AND a.raised_at < {e})",
    "door_open": "count(*) FILTER (a.raised_at >= {s} AND a.raised_at < {e} AND a.alarm_type = 'door_open')",
    "median_response": "median(a.response_minutes) FILTER (a.raised_at >= {s} AND a.raised_at < {e})",
}
ALARMS_UNHANDLED = {
    "unhandled": f"count(*) FILTER ({_UNHANDLED})",
    "past_threshold": f"count(*) FILTER ({_UNHANDLED} AND {_PAST})",
    "door_open_past_threshold": f"count(*) FILTER ({_UNHANDLED} AND a.alarm_type = 'door_open' AND {_PAST})",
}
ALARMS_SQL = f"""
WITH a AS NOT MATERIALIZED (SELECT *, {THRESHOLD_SQL} AS threshold FROM alarms WHERE {SCOPE_SQL}),
r AS (SELECT {_windows(ALARMS_RAISED)} FROM a WHERE a.raised_at >= $p0 AND a.raised_at < $d1),
u AS (SELECT {_windows(ALARMS_UNHANDLED)}
      FROM (SELECT *, {THRESHOLD_SQL} AS threshold FROM {alarms_unhandled_after("$pnow")} WHERE {SCOPE_SQL}) a
      WHERE a.raised_at <= $now)
SELECT * FROM r, u"""

ENTERPRISE_FIGURES = {
    "approved": "count(*) FILTER (e.application_status = 'approved' "
                "AND coalesce(e.reviewed_on, e.resumed_on, e.applied_on) <= {today})",
    "pending": "count(*) FILTER (e.application_status = 'pending' AND e.applied_on <= {today})",
    "returned": "count(*) FILTER (e.application_status = 'returned' "
                "AND coalesce(e.reviewed_on, e.applied_on) <= {today})",
    "pending_past_threshold": "count(*) FILTER (e.application_status = 'pending' "
                              "AND date_diff('day', e.applied_on, {today}) > CAST($pending_days AS INTEGER))",
    "resumed": "count(*) FILTER (e.resumed_on = {d})",
    "pledged": "count(*) FILTER (e.utensil_pledge)",
    "pledge_known": "count(*) FILTER (e.utensil_pledge IS NOT NULL)",
}
ENTERPRISES_SQL = f"SELECT {_windows(ENTERPRISE_FIGURES)} FROM enterprises e WHERE {SCOPE_SQL}"


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

    def add(key, cur, prev, kind="count"):
        figs[key] = Figure(key, _num(cur), _num(prev), kind)

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
        _ratio(hp.get("epidemic"), hp.get("received")), "rate")
    add("hotline_open", h.get("open"), hp.get("open"))
    add("hotline_overdue", h.get("overdue_open"), hp.get("overdue_open"))
    add("on_time_rate", _ratio(h.get("closed_on_time"), h.get("closed")),
        _ratio(hp.get("closed_on_time"), hp.get("closed")), "rate")
    add("first_contact_rate", _ratio(h.get("fc_true"), h.get("fc_known")),
        _ratio(hp.get("fc_true"), hp.get("fc_known")), "rate")
    add("satisfaction_rate", _ratio(h.get("satisfied"), h.get("rated")),
        _ratio(hp.get("satisfied"), hp.get("rated")), "rate")
    add("satisfaction_score", _ratio(h.get("satisfaction_points"), h.get("rated")),
        _ratio(hp.get("satisfaction_points"), hp.get("rated")), "rate")

    r, rp = _pair(roster.result())
    for key in ("arrivals", "home_quarantine", "central_quarantine", "health_observation",
                "ending_next_day", "ending_soon"):
        add(key, r.get(key), rp.get(key))

    a, ap = _pair(alarms.result())
    for key in ("alarms", "door_open", "unhandled", "past_threshold", "door_open_past_threshold"):
        add(f"alarm_{key}", a.get(key), ap.get(key))
    add("median_response", a.get("median_response"), ap.get("median_response"), "minutes")

    e, ep = _pair(enterprises.result())
    for key in ("approved", "pending", "returned", "pending_past_threshold", "resumed"):
        add(f"enterprise_{key}", e.get(key), ep.get(key))
    add("pledge_coverage", _ratio(e.get("pledged"), e.get("pledge_known")),
        _ratio(ep.get("pledged"), ep.get("pledge_known")), "rate")
    return figs
