"""Queries of the 居民区 page: one neighbourhood's open items, each counted exactly as the
matching figure of metrics.md counts it, so a table's length equals its KPI."""
from __future__ import annotations

import pandas as pd

from etl import settings

from ..clock import Clock
from ..db import SCOPE_SQL, Generation, Scope, query
from ..figures import THRESHOLD_SQL, thresholds
from ..open_records import alarms_unhandled_after, tickets_open_after


def _room(scope: Scope) -> str:
    # Room numbers only for viewers whose access rules allow them (data-contract.md).
    return ", room" if scope.show_room else ""


OVERDUE_OPEN_WHERE = f"""{SCOPE_SQL} AND received_at <= $now AND NOT coalesce(closed_at <= $now, false)
    AND status <> 'returned' AND due_at < $now"""
UNHANDLED_WHERE = f"""{SCOPE_SQL} AND raised_at <= $now
    AND (status IN ('open', 'in_progress') OR (status IN ('handled', 'false_alarm') AND handled_at > $now))"""


def overdue_tickets(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Open at now and past due (metrics.md: overdue open), epidemic-related first."""
    return query(gen, f"""
        SELECT ticket_id, received_at, due_at,
               round(date_diff('minute', due_at, $now) / 60.0, 1) AS overdue_hours,
               epidemic_related, topic, request_type, status, handling_unit,
               left({scope.free_text("content")}, 60) AS content, address{_room(scope)}
        FROM {tickets_open_after("$now")} WHERE {OVERDUE_OPEN_WHERE}
        ORDER BY epidemic_related DESC, due_at, ticket_id""", {"now": clock.now, **scope.params})


def unhandled_alarms(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Unhandled at now (metrics.md), longest waiting first. In a replay an alarm handled
    after "now" was still waiting at now, so it is listed, as not yet handled."""
    return query(gen, f"""
        SELECT alarm_id, device_id, alarm_type, raised_at,
               date_diff('minute', raised_at, $now) AS waiting_minutes,
               ({THRESHOLD_SQL}) AS threshold_minutes,
               date_diff('second', raised_at, $now) > ({THRESHOLD_SQL}) * 60 AS past_threshold,
               CASE WHEN status IN ('handled', 'false_alarm') THEN 'open' ELSE status END AS status,
               address{_room(scope)}
        FROM {alarms_unhandled_after("$now")} WHERE {UNHANDLED_WHERE}
        ORDER BY raised_at, alarm_id""", {"now": clock.now, **thresholds(), **scope.params})


def ending_soon(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Under a quarantine measure, ending in D+1 … D+k (metrics.md: ending soon)."""
    return query(gen, f"""
        SELECT name_masked, phone_masked, measure, quarantine_start, quarantine_end,
               date_diff('day', CAST($day AS DATE), quarantine_end) AS days_after_d,
               address{_room(scope)}, device_id
        FROM persons
        WHERE {SCOPE_SQL} AND measure IN ('home_quarantine', 'central_quarantine') AND status = 'active'
          AND quarantine_end BETWEEN CAST($day AS DATE) + 1 AND CAST($day AS DATE) + CAST($k AS INTEGER)
        ORDER BY quarantine_end, name_masked""",
        {"day": clock.day, "k": int(settings.get("ending_soon_days")), **scope.params})


def pending_enterprises(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Pending at now (metrics.md: by status, pending age), longest waiting first."""
    return query(gen, f"""
        SELECT name, uscc, industry, applied_on,
               date_diff('day', applied_on, CAST($now AS DATE)) AS waiting_days,
               date_diff('day', applied_on, CAST($now AS DATE)) > $pending_days AS past_threshold,
               employees_total, employees_from_outside, contact_phone_masked, address
        FROM enterprises
        WHERE {SCOPE_SQL} AND application_status = 'pending' AND applied_on <= CAST($now AS DATE)
        ORDER BY applied_on, name""",
        {"now": clock.now, "pending_days": int(settings.get("enterprise_pending_days")), **scope.params})


def outline(gen: Generation, scope: Scope) -> pd.DataFrame:
    """The polygons and label points of the neighbourhoods in scope, for the small map."""
    return query(gen, f"""SELECT code AS neighbourhood_code, name, polygon_json, centroid_lon, centroid_lat
                          FROM ref_neighbourhoods WHERE {SCOPE_SQL.replace('neighbourhood_code', 'code')}
                          ORDER BY code""", scope.params)
