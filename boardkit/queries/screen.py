"""Queries of the wall screen: neighbourhood-level aggregates only.

Nothing here returns a name, an ID, a phone, a device, an address or a room: the screen
is on a wall where anyone can read it. Definitions follow metrics.md and the
same filters as boardkit.metrics.figures, so the panels agree with the KPI counters.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data.clock import Clock
from ..data import predicates as P
from ..data.db import SCOPE_SQL, Generation, Scope, query, scalar
from ..data.predicates import THRESHOLD_SQL, thresholds

# Neighbourhood names come from the reference pack, never from the raw file's text (which
# may hold anything, an address included).
_NB = "(SELECT code, name FROM ref_neighbourhoods)"
# The ticker's alarms are all raised by now: unhandled now as the KPI counts it.
UNHANDLED_NOW = P.alarm_unhandled("$now")


def quarantine_by_neighbourhood(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Persons under a measure at t(D) (metrics.md, Roster), one row per neighbourhood in scope;
    neighbourhood_code NULL holds those not placed in any neighbourhood."""
    return query(gen, f"""
        WITH p AS (SELECT neighbourhood_code, measure FROM person_timeline
                   WHERE {SCOPE_SQL} AND {P.under_measure("$day")}
                     AND measure IN {P.PERIOD_MEASURES})
        SELECT p.neighbourhood_code, nb.name,
               count(*) FILTER (measure = 'home_quarantine') AS home_quarantine,
               count(*) FILTER (measure = 'central_quarantine') AS central_quarantine,
               count(*) FILTER (measure = 'health_observation') AS health_observation,
               count(*) AS total
        FROM p LEFT JOIN {_NB} nb ON nb.code = p.neighbourhood_code
        GROUP BY ALL ORDER BY total DESC, p.neighbourhood_code""", {"day": clock.day, **scope.params})


def enterprises_by_neighbourhood(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Enterprises by application status on D, with the conditions of the KPI counters
    (boardkit/data/predicates.py); NULL code = not placed."""
    return query(gen, f"""
        WITH e AS (SELECT * FROM enterprises WHERE {SCOPE_SQL}),
        s AS (SELECT neighbourhood_code, {P.enterprise_status_on("$day")} AS state FROM e)
        SELECT s.neighbourhood_code, nb.name, count(*) AS total,
               count(*) FILTER (state = 'approved') AS approved,
               count(*) FILTER (state = 'pending') AS pending,
               count(*) FILTER (state = 'returned') AS returned,
               count(*) FILTER (state = 'not_applied') AS not_applied
        FROM s LEFT JOIN {_NB} nb ON nb.code = s.neighbourhood_code
        GROUP BY ALL ORDER BY total DESC, s.neighbourhood_code""", {"day": clock.day, **scope.params})


# Where the ticker looks first for the newest alarms: a scope's last day holds them unless
# the scope is small or quiet, and the alarms' recent end is reached by its zone maps.
TICKER_WINDOW = dt.timedelta(days=1)


def alarm_ticker(gen: Generation, clock: Clock, scope: Scope, limit: int = 30) -> pd.DataFrame:
    """The newest alarms raised by now: time, neighbourhood, type, state and minutes open
    (unhandled: now - raised; answered: the response minutes). Nothing finer."""
    # The newest `limit` alarms of the last TICKER_WINDOW are the newest of all when there
    # are `limit` of them (the answer then has `limit` rows); else the whole table is asked.
    recent = _alarm_ticker(gen, clock, scope, limit, since=clock.at - TICKER_WINDOW)
    return recent if len(recent) >= limit else _alarm_ticker(gen, clock, scope, limit, since=None)


def _alarm_ticker(gen: Generation, clock: Clock, scope: Scope, limit: int,
                  since: dt.datetime | None) -> pd.DataFrame:
    """The ticker's rows among the alarms raised after `since` (None: all)."""
    after = "AND raised_at > $since" if since is not None else ""
    return query(gen, f"""
        SELECT a.raised_at, coalesce(nb.name, '未定位居民区') AS neighbourhood, a.alarm_type,
               CASE WHEN {UNHANDLED_NOW} AND {P.ALARM_ANSWERED} THEN 'open' ELSE a.status END AS status,
               CASE WHEN {UNHANDLED_NOW} THEN date_diff('second', a.raised_at, $now) / 60.0
                    ELSE a.response_minutes END AS minutes,
               ({THRESHOLD_SQL}) AS threshold
        FROM alarms a LEFT JOIN {_NB} nb ON nb.code = a.neighbourhood_code
        WHERE {SCOPE_SQL.replace('neighbourhood_code', 'a.neighbourhood_code')} AND a.raised_at <= $now
          -- The newest `limit` moments first, by one column (and zone maps): joining ten
          -- million alarms to their names before the LIMIT would read them all.
          AND a.raised_at >= (SELECT min(raised_at) FROM (
                SELECT raised_at FROM alarms WHERE {SCOPE_SQL} AND raised_at <= $now {after}
                ORDER BY raised_at DESC LIMIT CAST($limit AS INTEGER)))
        ORDER BY a.raised_at DESC, nb.name LIMIT CAST($limit AS INTEGER)""",
        {"now": clock.at, "since": since, "limit": limit, **thresholds(), **scope.params}, cap=limit)


def latest_door_open(gen: Generation, scope: Scope) -> dt.datetime | None:
    """When the newest door_open alarm was raised: the chime rings when this moves on."""
    value = scalar(gen, f"SELECT max(raised_at) FROM alarms WHERE {SCOPE_SQL} AND alarm_type = 'door_open'",
                   scope.params)
    if value is None or str(value) == "NaT":
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
