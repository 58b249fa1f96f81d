"""Queries of the 居民区 page: one neighbourhood's open items, each counted exactly as the
matching figure of metrics.md counts it, so a table's length equals its KPI."""
from __future__ import annotations

import pandas as pd

from core import settings

from ..data import predicates as P
from ..data.clock import Clock
from ..data.db import SCOPE_SQL, Generation, Scope, query
from ..data.predicates import ALARM_ANSWERED, THRESHOLD_SQL, thresholds
from ..data.open_records import alarms_unhandled_after, tickets_open_after


def _room(scope: Scope) -> str:
    # Room numbers only for viewers whose access rules allow them (data-contract.md).
    return ", room" if scope.show_room else ""


# At t(D) ($at; docs/metrics.md, Time): now when D is today, else the end of D.
OVERDUE_OPEN_WHERE = f"{SCOPE_SQL} AND {P.ticket_overdue('$at')}"
UNHANDLED_WHERE = f"{SCOPE_SQL} AND {P.alarm_unhandled('$at')}"


def overdue_tickets(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Open at t(D) and past due (metrics.md: overdue open), epidemic-related first."""
    return query(gen, f"""
        SELECT ticket_id, received_at, due_at,
               round(date_diff('minute', due_at, $at) / 60.0, 1) AS overdue_hours,
               epidemic_related, topic, request_type, status, handling_unit,
               left({scope.free_text("content")}, 60) AS content, address{_room(scope)}
        FROM {tickets_open_after("$at")} WHERE {OVERDUE_OPEN_WHERE}
        ORDER BY epidemic_related DESC, due_at, ticket_id""", {"at": clock.at, **scope.params})


def unhandled_alarms(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Unhandled at t(D) (metrics.md), longest waiting first. An alarm handled after t(D)
    was still waiting then, so it is listed, as not yet handled."""
    return query(gen, f"""
        SELECT alarm_id, device_id, alarm_type, raised_at,
               date_diff('minute', raised_at, $at) AS waiting_minutes,
               ({THRESHOLD_SQL}) AS threshold_minutes,
               {P.alarm_waited("$at", threshold=THRESHOLD_SQL)} AS past_threshold,
               CASE WHEN {ALARM_ANSWERED} THEN 'open' ELSE status END AS status,
               address{_room(scope)}
        FROM {alarms_unhandled_after("$at")} WHERE {UNHANDLED_WHERE}
        ORDER BY raised_at, alarm_id""", {"at": clock.at, **thresholds(), **scope.params})


def ending_soon(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Under a quarantine measure on D, ending in D+1 … D+k (metrics.md: ending soon), by
    each person's latest report known by D."""
    return query(gen, f"""
        SELECT p.name_masked, p.phone_masked, t.measure, t.quarantine_start, t.quarantine_end,
               date_diff('day', $day, t.quarantine_end) AS days_after_d,
               p.address{_room(scope).replace(", ", ", p.")}, p.device_id
        FROM (SELECT person_key, measure, quarantine_start, quarantine_end FROM person_timeline
              WHERE {SCOPE_SQL} AND {P.quarantine_ending("$day", "1", "CAST($k AS INTEGER)")}) t
        JOIN persons p USING (person_key)
        ORDER BY t.quarantine_end, p.name_masked""",
        {"day": clock.day, "k": int(settings.get("ending_soon_days")), **scope.params})


def pending_enterprises(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Pending on D (metrics.md: by status, pending age), longest waiting first."""
    return query(gen, f"""
        SELECT name, uscc, industry, applied_on,
               date_diff('day', applied_on, $day) AS waiting_days,
               {P.enterprise_pending_past("$day", "$pending_days")} AS past_threshold,
               employees_total, employees_from_outside, contact_phone_masked, address
        FROM enterprises
        WHERE {SCOPE_SQL} AND {P.enterprise_pending("$day")}
        ORDER BY applied_on, name""",
        {"day": clock.day, "pending_days": int(settings.get("enterprise_pending_days")), **scope.params})


def outline(gen: Generation, scope: Scope) -> pd.DataFrame:
    """The polygons and label points of the neighbourhoods in scope, for the small map."""
    return query(gen, f"""SELECT code AS neighbourhood_code, name, polygon_json, centroid_lon, centroid_lat
                          FROM ref_neighbourhoods WHERE {SCOPE_SQL.replace('neighbourhood_code', 'code')}
                          ORDER BY code""", scope.params)
