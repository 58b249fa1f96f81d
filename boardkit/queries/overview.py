"""Queries of the overview page: daily series, map polygons, the attention list."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from core import settings

from ..data import predicates as P
from ..data.clock import Clock
from ..data.db import SCOPE_SQL, Generation, Scope, query
from ..data.predicates import THRESHOLD_SQL, thresholds
from ..data.open_records import alarms_unhandled_after, tickets_open_after


def daily_series(gen: Generation, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per day in [start, end]: the day figures behind the KPI sparklines and trend."""
    return query(gen, f"""
        WITH days AS (SELECT CAST(d AS DATE) AS day FROM range(CAST($start AS DATE), CAST($end AS DATE) + 1, INTERVAL 1 DAY) r(d)),
        h AS (SELECT CAST(received_at AS DATE) AS day, count(*) AS hotline_received,
                     count(*) FILTER (epidemic_related) AS epidemic
              FROM hotline_tickets WHERE {SCOPE_SQL} AND received_at >= $start AND received_at < CAST($end AS DATE) + 1
              GROUP BY ALL),
        p AS (SELECT arrived_on AS day, count(*) AS arrivals FROM persons
              WHERE {SCOPE_SQL} AND arrived_on BETWEEN $start AND $end GROUP BY ALL),
        a AS (SELECT CAST(raised_at AS DATE) AS day, count(*) AS alarm_alarms,
                     count(*) FILTER (alarm_type = 'door_open') AS alarm_door_open,
                     median(response_minutes) AS median_response
              FROM alarms WHERE {SCOPE_SQL} AND raised_at >= $start AND raised_at < CAST($end AS DATE) + 1
              GROUP BY ALL),
        e AS (SELECT resumed_on AS day, count(*) AS enterprise_resumed FROM enterprises
              WHERE {SCOPE_SQL} AND resumed_on BETWEEN $start AND $end GROUP BY ALL)
        SELECT days.day, coalesce(hotline_received, 0) AS hotline_received,
               coalesce(epidemic, 0) AS epidemic,
               CASE WHEN hotline_received > 0 THEN epidemic / hotline_received END AS epidemic_share,
               coalesce(arrivals, 0) AS arrivals, coalesce(alarm_alarms, 0) AS alarm_alarms,
               coalesce(alarm_door_open, 0) AS alarm_door_open, median_response,
               coalesce(enterprise_resumed, 0) AS enterprise_resumed
        FROM days LEFT JOIN h USING (day) LEFT JOIN p USING (day) LEFT JOIN a USING (day) LEFT JOIN e USING (day)
        ORDER BY days.day""", {"start": start, "end": end, **scope.params})


def daily_by_topic(gen: Generation, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(gen, f"""
        SELECT CAST(received_at AS DATE) AS day, coalesce(topic, 'non_epidemic') AS topic, count(*) AS n
        FROM hotline_tickets
        WHERE {SCOPE_SQL} AND received_at >= $start AND received_at < CAST($end AS DATE) + 1
        GROUP BY ALL ORDER BY day, topic""", {"start": start, "end": end, **scope.params})


def neighbourhood_polygons(gen: Generation, scope: Scope) -> pd.DataFrame:
    return query(gen, """SELECT code AS neighbourhood_code, polygon_json FROM ref_neighbourhoods
                         WHERE ($scope_all OR list_contains($scope_codes, code))""", scope.params)


def subdistrict_polygons(gen: Generation, scope: Scope) -> pd.DataFrame:
    """The outlines (etl/derived.py) of the sub-districts that have a neighbourhood in scope:
    what the whole-city map draws instead of 6,000 neighbourhood polygons."""
    return query(gen, """SELECT code AS subdistrict_code, name AS subdistrict_name, centroid_lon, centroid_lat,
                                polygon_json
                         FROM ref_subdistricts
                         WHERE code IN (SELECT subdistrict_code FROM ref_neighbourhoods
                                        WHERE ($scope_all OR list_contains($scope_codes, code)))
                         ORDER BY code""", scope.params)


# The attention list's conditions at t(D) ($at, $day): open alarms and tickets from the open
# records (boardkit/data/open_records.py), persons by their latest report known by D.
ATTENTION_ALARMS = f"""{SCOPE_SQL} AND {P.alarm_past_threshold("$at", threshold=THRESHOLD_SQL)}"""
ATTENTION_TICKETS = f"""{SCOPE_SQL} AND epidemic_related AND {P.ticket_overdue("$at")}"""
ATTENTION_PERSONS = f"""{SCOPE_SQL} AND {P.quarantine_ending("$day", "0", "CAST($k AS INTEGER)")}"""


def attention_list(gen: Generation, clock: Clock, scope: Scope, limit: int = 200) -> pd.DataFrame:
    """The attention list of D: what must be acted on at t(D), most urgent first."""
    params = {"at": clock.at, "day": clock.day, "pending_days": int(settings.get("enterprise_pending_days")),
              "k": int(settings.get("ending_soon_days")), "limit": limit, **thresholds(), **scope.params}
    return query(gen, f"""
        SELECT * FROM (
          SELECT 1 AS priority, '开门报警超时' AS kind, neighbourhood, raised_at AS since,
                 '设备 ' || device_id || '，已 ' || CAST(date_diff('minute', raised_at, $at) AS VARCHAR) || ' 分钟未处置' AS detail
          FROM {alarms_unhandled_after("$at")} WHERE {ATTENTION_ALARMS}
          UNION ALL
          SELECT 2, '涉疫工单超期', neighbourhood, due_at,
                 ticket_id || '：' || left(content, 40)
          FROM {tickets_open_after("$at")} WHERE {ATTENTION_TICKETS}
          UNION ALL
          SELECT 3, '隔离即将解除', p.neighbourhood, CAST(t.quarantine_end AS TIMESTAMP),
                 p.name_masked || '，' || CASE t.measure WHEN 'home_quarantine' THEN '居家隔离' ELSE '集中隔离' END
                 || '至 ' || strftime(t.quarantine_end, '%m-%d')
          FROM (SELECT person_key, measure, quarantine_end FROM person_timeline WHERE {ATTENTION_PERSONS}) t
          JOIN persons p USING (person_key)
          UNION ALL
          SELECT 4, '复工审核超期', neighbourhood, CAST(applied_on AS TIMESTAMP),
                 name || '，已等待 ' || CAST(date_diff('day', applied_on, $day) AS VARCHAR) || ' 天'
          FROM enterprises
          WHERE {SCOPE_SQL} AND {P.enterprise_pending_past("$day", "$pending_days")})
        ORDER BY priority, since LIMIT $limit""", params)
