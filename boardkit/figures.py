"""Every figure of metrics.md, computed in DuckDB for one report day, "now" and scope.

The overview, the wall screen and the brief all call these, so they cannot disagree.
Day figures are computed for D and D-1; current figures at now and now-24h.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from etl import settings

from .clock import Clock
from .db import SCOPE_SQL, Generation, Scope, query

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


HOTLINE_SQL = f"""
WITH t AS (SELECT * FROM hotline_tickets WHERE {SCOPE_SQL}),
days AS (SELECT * FROM (VALUES ('cur', $d0, $d1, $now), ('prev', $p0, $d0, $pnow)) v(which, s, e, at_time))
SELECT which,
  count(*) FILTER (t.received_at >= s AND t.received_at < e) AS received,
  count(*) FILTER (t.received_at >= s AND t.received_at < e AND t.epidemic_related) AS epidemic,
  count(*) FILTER (t.received_at <= at_time AND NOT coalesce(t.closed_at <= at_time, false) AND t.status <> 'returned') AS open,
  count(*) FILTER (t.received_at <= at_time AND NOT coalesce(t.closed_at <= at_time, false) AND t.status <> 'returned'
                   AND t.due_at < at_time) AS overdue_open,
  count(*) FILTER (t.received_at <= at_time AND NOT coalesce(t.closed_at <= at_time, false) AND t.status <> 'returned'
                   AND t.due_at < at_time AND t.epidemic_related) AS overdue_epidemic,
  count(*) FILTER (t.closed_at >= s AND t.closed_at < e) AS closed,
  count(*) FILTER (t.closed_at >= s AND t.closed_at < e AND t.closed_at <= t.due_at) AS closed_on_time,
  count(*) FILTER (t.received_at >= s AND t.received_at < e AND t.first_contact IS NOT NULL) AS fc_known,
  count(*) FILTER (t.received_at >= s AND t.received_at < e AND t.first_contact) AS fc_true,
  count(*) FILTER (t.closed_at >= s AND t.closed_at < e AND t.satisfaction IS NOT NULL) AS rated,
  count(*) FILTER (t.closed_at >= s AND t.closed_at < e AND t.satisfaction IN ('satisfied', 'basic')) AS satisfied,
  sum(CASE t.satisfaction WHEN 'satisfied' THEN 1 WHEN 'basic' THEN 0.8 WHEN 'fair' THEN 0.6 WHEN 'unsatisfied' THEN 0 END)
      FILTER (t.closed_at >= s AND t.closed_at < e) AS satisfaction_points
FROM days LEFT JOIN t ON true GROUP BY which"""

ROSTER_SQL = f"""
WITH p AS (SELECT * FROM persons WHERE {SCOPE_SQL}),
days AS (SELECT * FROM (VALUES ('cur', CAST($d0 AS DATE), CAST($now AS DATE)),
                               ('prev', CAST($p0 AS DATE), CAST($pnow AS DATE))) v(which, d, today))
SELECT which,
  count(*) FILTER (p.arrived_on = d) AS arrivals,
  count(*) FILTER (p.measure = 'home_quarantine' AND p.status = 'active' AND p.quarantine_start <= today AND today <= p.quarantine_end) AS home_quarantine,
  count(*) FILTER (p.measure = 'central_quarantine' AND p.status = 'active' AND p.quarantine_start <= today AND today <= p.quarantine_end) AS central_quarantine,
  count(*) FILTER (p.measure = 'health_observation' AND p.status = 'active' AND p.quarantine_start <= today AND today <= p.quarantine_end) AS health_observation,
  count(*) FILTER (p.measure IN ('home_quarantine', 'central_quarantine') AND p.status = 'active' AND p.quarantine_end = d + 1) AS ending_next_day,
  count(*) FILTER (p.measure IN ('home_quarantine', 'central_quarantine') AND p.status = 'active'
                   AND p.quarantine_end BETWEEN d + 1 AND d + CAST($k AS INTEGER)) AS ending_soon
FROM days LEFT JOIN p ON true GROUP BY which"""

ALARMS_SQL = f"""
WITH a AS (SELECT *, {THRESHOLD_SQL} AS threshold FROM alarms WHERE {SCOPE_SQL}),
days AS (SELECT * FROM (VALUES ('cur', $d0, $d1, $now), ('prev', $p0, $d0, $pnow)) v(which, s, e, at_time)),
x AS (SELECT which, a.*, s, e, at_time,
             a.raised_at <= at_time AND (a.status IN ('open', 'in_progress')
                 OR (a.status IN ('handled', 'false_alarm') AND a.handled_at > at_time)) AS unhandled
      FROM days LEFT JOIN a ON true)
SELECT which,
  count(*) FILTER (raised_at >= s AND raised_at < e) AS alarms,
  count(*) FILTER (raised_at >= s AND raised_at < e AND alarm_type = 'door_open') AS door_open,
  count(*) FILTER (unhandled) AS unhandled,
  count(*) FILTER (unhandled AND date_diff('second', raised_at, at_time) > threshold * 60) AS past_threshold,
  count(*) FILTER (unhandled AND alarm_type = 'door_open' AND date_diff('second', raised_at, at_time) > threshold * 60) AS door_open_past_threshold,
  median(response_minutes) FILTER (raised_at >= s AND raised_at < e) AS median_response
FROM x GROUP BY which"""

ENTERPRISES_SQL = f"""
WITH e AS (SELECT * FROM enterprises WHERE {SCOPE_SQL}),
days AS (SELECT * FROM (VALUES ('cur', CAST($d0 AS DATE), CAST($now AS DATE)),
                               ('prev', CAST($p0 AS DATE), CAST($pnow AS DATE))) v(which, d, today))
SELECT which,
  count(*) FILTER (e.application_status = 'approved' AND coalesce(e.reviewed_on, e.resumed_on, e.applied_on) <= today) AS approved,
  count(*) FILTER (e.application_status = 'pending' AND e.applied_on <= today) AS pending,
  count(*) FILTER (e.application_status = 'returned' AND coalesce(e.reviewed_on, e.applied_on) <= today) AS returned,
  count(*) FILTER (e.application_status = 'pending' AND date_diff('day', e.applied_on, today) > CAST($pending_days AS INTEGER)) AS pending_past_threshold,
  count(*) FILTER (e.resumed_on = d) AS resumed,
  count(*) FILTER (e.utensil_pledge) AS pledged,
  count(*) FILTER (e.utensil_pledge IS NOT NULL) AS pledge_known
FROM days LEFT JOIN e ON true GROUP BY which"""


def _pair(frame) -> tuple[dict, dict]:
    rows = {r["which"]: r for r in frame.to_dict("records")}
    return rows.get("cur", {}), rows.get("prev", {})


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

    h, hp = _pair(query(gen, HOTLINE_SQL, _params(clock, scope)))
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

    k = int(settings.get("ending_soon_days"))
    r, rp = _pair(query(gen, ROSTER_SQL, _params(clock, scope, k=k)))
    for key in ("arrivals", "home_quarantine", "central_quarantine", "health_observation",
                "ending_next_day", "ending_soon"):
        add(key, r.get(key), rp.get(key))

    a, ap = _pair(query(gen, ALARMS_SQL, _params(clock, scope, **thresholds())))
    for key in ("alarms", "door_open", "unhandled", "past_threshold", "door_open_past_threshold"):
        add(f"alarm_{key}", a.get(key), ap.get(key))
    add("median_response", a.get("median_response"), ap.get("median_response"), "minutes")

    pending_days = int(settings.get("enterprise_pending_days"))
    e, ep = _pair(query(gen, ENTERPRISES_SQL, _params(clock, scope, pending_days=pending_days)))
    for key in ("approved", "pending", "returned", "pending_past_threshold", "resumed"):
        add(f"enterprise_{key}", e.get(key), ep.get(key))
    add("pledge_coverage", _ratio(e.get("pledged"), e.get("pledge_known")),
        _ratio(ep.get("pledged"), ep.get("pledge_known")), "rate")
    return figs
