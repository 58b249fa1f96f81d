"""Queries of the door-alarm page (metrics.md, Alarms). The page filter (alarm type) is a
bound value; thresholds come from the settings through predicates.THRESHOLD_SQL."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data import predicates as P
from ..data.db import SCOPE_SQL, Generation, Scope, query
from ..data.predicates import ALARM_ANSWERED, THRESHOLD_SQL, thresholds
from ..data.open_records import alarms_unhandled_after

FILTER_SQL = "(CAST($alarm_type AS VARCHAR) IS NULL OR alarm_type = $alarm_type)"
RAISED_SQL = "raised_at >= $start AND raised_at < CAST($end AS DATE) + 1"
# Unhandled at $now (the page's moment, t(D)) exactly as the KPI counts it.
UNHANDLED_SQL = P.alarm_unhandled("$now")


# Distinct days of [start, end] with an alarm: one bit per day, counted.
DAY_BITS_SQL = ("CAST(bit_count(bit_or(CAST(1 AS BIGINT) << date_diff('day', CAST($start AS DATE), "
                "CAST(raised_at AS DATE)))) AS BIGINT)")


def _params(scope: Scope, alarm_type: str | None, **extra) -> dict:
    return {"alarm_type": alarm_type, **scope.params, **extra}


def alarms_by_hour_and_type(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                            alarm_type: str | None = None) -> pd.DataFrame:
    """(hour, alarm_type, n): alarms raised in [start, end] by hour of day (0–23) and type."""
    return query(gen, f"""
        SELECT hour(raised_at) AS hour, alarm_type, count(*) AS n FROM alarms
        WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RAISED_SQL} GROUP BY ALL ORDER BY hour, alarm_type""",
                 _params(scope, alarm_type, start=start, end=end))


def response_minutes_binned(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                            alarm_type: str | None = None, cap: int = 60, width: int = 1) -> pd.DataFrame:
    """(bin, n): answered alarms (handled or false alarm) raised in [start, end] by response
    minutes in bins `width` wide (bin = lower edge); the last bin `cap` holds every response
    of `cap` minutes or more."""
    return query(gen, f"""
        SELECT CAST(least(floor(response_minutes / $width) * $width, $cap) AS INTEGER) AS bin, count(*) AS n
        FROM alarms
        WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RAISED_SQL} AND response_minutes IS NOT NULL
          AND {ALARM_ANSWERED}
        GROUP BY ALL ORDER BY bin""", _params(scope, alarm_type, start=start, end=end, cap=cap, width=width))


def response_summary(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                     alarm_type: str | None = None) -> pd.DataFrame:
    """One row: answered alarms of [start, end], their median and 90th-percentile response
    minutes, and how many took longer than their type's threshold."""
    return query(gen, f"""
        SELECT count(*) AS answered, median(response_minutes) AS median_minutes,
               quantile_cont(response_minutes, 0.9) AS p90_minutes,
               count(*) FILTER (response_minutes > {THRESHOLD_SQL}) AS over_threshold
        FROM alarms WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RAISED_SQL} AND response_minutes IS NOT NULL
          AND {ALARM_ANSWERED}""",
                 _params(scope, alarm_type, start=start, end=end, **thresholds()))


def unhandled_alarms_oldest_first(gen: Generation, scope: Scope, now: dt.datetime, alarm_type: str | None = None,
                                  limit: int = 500) -> pd.DataFrame:
    """Alarms unhandled at now, the longest waiting first, with minutes open, the type's
    threshold and whether it is past it. `room` only when the scope allows it."""
    room = "room," if scope.show_room else ""
    return query(gen, f"""
        SELECT alarm_id, raised_at, alarm_type, device_id, device_type, neighbourhood, address, {room}
               status, round(date_diff('second', raised_at, $now) / 60.0, 1) AS minutes_open,
               {THRESHOLD_SQL} AS threshold,
               {P.alarm_waited("$now", threshold=THRESHOLD_SQL)} AS past_threshold
        FROM {alarms_unhandled_after("$now")} WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {UNHANDLED_SQL}
        ORDER BY raised_at, alarm_id LIMIT $limit""",
                 _params(scope, alarm_type, now=now, limit=limit, **thresholds()))


def alarms_by_neighbourhood(gen: Generation, scope: Scope, start: dt.date, end: dt.date, now: dt.datetime,
                            alarm_type: str | None = None) -> pd.DataFrame:
    """(neighbourhood_code, neighbourhood, alarm_type, n, answered, median_response,
    unhandled_now): alarms raised in [start, end] per neighbourhood and type; the
    neighbourhood totals are the sums over its types."""
    # Two scans joined, not one with an OR: each finds its rows by zone maps or the open records.
    return query(gen, f"""
        WITH raised AS (
            -- Named after the grouping by the reference pack (a stored name is the pack's name
            -- of its code): a city's alarms would carry their names through it otherwise.
            SELECT neighbourhood_code, alarm_type, count(*) AS n,
                   count(*) FILTER (response_minutes IS NOT NULL AND {ALARM_ANSWERED}) AS answered,
                   median(response_minutes) FILTER ({ALARM_ANSWERED}) AS median_response
            FROM alarms WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RAISED_SQL}
            GROUP BY neighbourhood_code, alarm_type),
        unhandled AS (
            SELECT neighbourhood_code, any_value(neighbourhood) AS neighbourhood, alarm_type, count(*) AS unhandled_now
            FROM {alarms_unhandled_after("$now")} WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {UNHANDLED_SQL}
            GROUP BY neighbourhood_code, alarm_type)
        SELECT coalesce(r.neighbourhood_code, u.neighbourhood_code) AS neighbourhood_code,
               coalesce(ref.name, u.neighbourhood) AS neighbourhood,
               coalesce(r.alarm_type, u.alarm_type) AS alarm_type,
               coalesce(r.n, 0) AS n, coalesce(r.answered, 0) AS answered, r.median_response,
               coalesce(u.unhandled_now, 0) AS unhandled_now
        FROM raised r FULL OUTER JOIN unhandled u
             ON r.neighbourhood_code IS NOT DISTINCT FROM u.neighbourhood_code
            AND r.alarm_type IS NOT DISTINCT FROM u.alarm_type
        LEFT JOIN ref_neighbourhoods ref ON ref.code = coalesce(r.neighbourhood_code, u.neighbourhood_code)
        ORDER BY 1, 3""",
                 _params(scope, alarm_type, start=start, end=end, now=now))


def devices_alarming_repeatedly(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                                alarm_type: str | None = None, limit: int = 20) -> pd.DataFrame:
    """The devices with the most alarms raised in [start, end] (ties: the latest first), with
    their counts by outcome: a device that keeps alarming is a resident to visit or a sensor
    to fix."""
    # Counted without the text columns, read afterwards for the devices listed only; days
    # with an alarm as bits of one number while the range fits in 63 of them (cheaper than
    # counting distinct days over a city's alarms).
    days = (DAY_BITS_SQL if (end - start).days < 63 else "count(DISTINCT CAST(raised_at AS DATE))")
    return query(gen, f"""
        WITH listed AS (
            SELECT device_id, count(*) AS alarms,
                   count(*) FILTER (alarm_type = 'door_open') AS door_open,
                   count(*) FILTER (status = 'false_alarm') AS false_alarm,
                   count(*) FILTER (status = 'pre_reported') AS pre_reported,
                   {days} AS days, max(raised_at) AS last_raised_at, arg_max(rowid, raised_at) AS latest_row
            FROM alarms WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RAISED_SQL}
            GROUP BY device_id HAVING count(*) > 1
            ORDER BY alarms DESC, last_raised_at DESC, device_id LIMIT $limit),
        -- The device's latest alarm, read by rowid: its type, neighbourhood and address.
        described AS (SELECT rowid AS latest_row, device_type, neighbourhood, address FROM alarms
                      WHERE rowid IN (SELECT latest_row FROM listed))
        SELECT l.device_id, d.device_type, d.neighbourhood, d.address, l.alarms, l.door_open, l.false_alarm,
               l.pre_reported, l.days, l.last_raised_at
        FROM listed l LEFT JOIN described d USING (latest_row)
        ORDER BY l.alarms DESC, l.last_raised_at DESC, l.device_id""",
                 _params(scope, alarm_type, start=start, end=end, limit=limit))
