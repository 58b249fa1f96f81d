"""Neighbourhood status: red / amber / green with reasons (docs/metrics.md, default rules),
at t(D): now for today, the end of D for a past day."""
from __future__ import annotations

import re

import pandas as pd

from core import settings

from ..data import predicates as P
from ..data.clock import Clock
from ..data.db import SCOPE_SQL, Generation, Scope, query
from ..data.predicates import THRESHOLD_SQL, thresholds
from ..data.open_records import alarms_unhandled_after, tickets_open_after
from ..queries.cameras import offline_past
from ..queries.neighbourhood import OVERDUE_OPEN_WHERE, UNHANDLED_WHERE
from . import rules

RED_RULES = rules.names("red")
AMBER_RULES = rules.names("amber")
REASONS = {r.name: r.reason for r in rules.RULES}


# The text of each reason (boardkit/metrics/rules.py), cut where its numbers go; the pieces are
# bound as parameters $reason_<rule>_<i>, never written into the SQL.
REASON_TEXT: dict[str, str] = {}


def _reason_sql(rule: str) -> str:
    """The rule's reason as a SQL expression: the count where {n} is, the bound
    thresholds where {t}, {d} and {h} are, the bound text pieces between them."""
    parts = []
    for i, piece in enumerate(re.split(r"(\{[ntdh]\})", REASONS[rule])):
        if piece == "{n}":
            parts.append(f"CAST({rule} AS VARCHAR)")
        elif piece in ("{t}", "{d}", "{h}"):
            parts.append(f"CAST($reason_{piece[1]} AS VARCHAR)")
        elif piece:
            REASON_TEXT[f"reason_{rule}_{i}"] = piece
            parts.append(f"$reason_{rule}_{i}")
    return f"CASE WHEN {rule} > 0 THEN {' || '.join(parts)} END"


def _any(rules) -> str:
    return " OR ".join(f"{r} > 0" for r in rules)


# Colours and reasons in SQL too: at city scale there are 6,000 neighbourhoods, and doing
# it row by row in pandas cost more than the query.
# The open alarms and overdue tickets of a city are thousands of ten million rows: read from
# the open records and the recent end of the tables (boardkit/data/open_records.py).
STATUS_SQL = f"""
WITH nb AS (SELECT code AS neighbourhood_code, name, subdistrict_code, subdistrict_name, centroid_lon, centroid_lat
            FROM ref_neighbourhoods WHERE {SCOPE_SQL.replace('neighbourhood_code', 'code')}),
al AS (SELECT neighbourhood_code,
              count(*) FILTER (alarm_type = 'door_open' AND age > threshold) AS door_open_past_threshold,
              count(*) FILTER (age > threshold / 2) AS alarm_past_half_threshold,
              count(*) AS open_alarms
       FROM (SELECT *, {THRESHOLD_SQL} AS threshold,
                    date_diff('second', raised_at, $at) / 60.0 AS age
             FROM {alarms_unhandled_after("$at")} WHERE {UNHANDLED_WHERE})
       GROUP BY ALL),
tk AS (SELECT neighbourhood_code,
              count(*) FILTER (epidemic_related) AS epidemic_overdue,
              count(*) FILTER (NOT coalesce(epidemic_related, false)) AS non_epidemic_overdue
       FROM {tickets_open_after("$at")} WHERE {OVERDUE_OPEN_WHERE}
       GROUP BY ALL),
qe AS (SELECT neighbourhood_code, count(*) AS ending_tomorrow FROM person_timeline
       WHERE {SCOPE_SQL} AND {P.quarantine_ending("$day", "1", "1")} GROUP BY ALL),
en AS (SELECT neighbourhood_code, count(*) AS enterprise_pending_past_threshold FROM enterprises
       WHERE {SCOPE_SQL} AND {P.enterprise_pending_past("$day", "$pending_days")}
       GROUP BY ALL),
cm AS (SELECT neighbourhood_code, count(*) AS camera_offline_past_threshold FROM cameras
       WHERE {SCOPE_SQL} AND {offline_past("$at", "$camera_hours")} GROUP BY ALL),
counts AS (
    SELECT nb.*,
           coalesce(al.door_open_past_threshold, 0) AS door_open_past_threshold,
           coalesce(tk.epidemic_overdue, 0) AS epidemic_overdue,
           coalesce(qe.ending_tomorrow, 0) AS ending_tomorrow,
           coalesce(en.enterprise_pending_past_threshold, 0) AS enterprise_pending_past_threshold,
           coalesce(al.alarm_past_half_threshold, 0) AS alarm_past_half_threshold,
           coalesce(tk.non_epidemic_overdue, 0) AS non_epidemic_overdue,
           coalesce(cm.camera_offline_past_threshold, 0) AS camera_offline_past_threshold,
           coalesce(al.open_alarms, 0) AS open_alarms
    FROM nb LEFT JOIN al USING (neighbourhood_code) LEFT JOIN tk USING (neighbourhood_code)
            LEFT JOIN qe USING (neighbourhood_code) LEFT JOIN en USING (neighbourhood_code)
            LEFT JOIN cm USING (neighbourhood_code))
SELECT *,
       CASE WHEN {_any(RED_RULES)} THEN 'red' WHEN {_any(AMBER_RULES)} THEN 'amber' ELSE 'green' END AS status,
       coalesce(nullif(concat_ws('；', {', '.join(_reason_sql(r) for r in RED_RULES + AMBER_RULES)}), ''),
                $reason_none) AS reason
FROM counts
ORDER BY neighbourhood_code"""


def neighbourhood_status(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """One row per neighbourhood in scope: the rule counts, `status` and `reason`
    (metrics.md: red when any red rule holds, else amber when any amber rule holds)."""
    params = {"at": clock.at, "day": clock.day, "pending_days": int(settings.get("enterprise_pending_days")),
              "reason_t": int(settings.get("alarm_threshold_minutes.door_open")),
              "reason_d": int(settings.get("enterprise_pending_days")),
              "camera_hours": float(settings.get("camera_offline_hours")),
              "reason_h": f'{float(settings.get("camera_offline_hours")):g}',
              "reason_none": "无需关注事项", **REASON_TEXT, **thresholds(), **scope.params}
    return query(gen, STATUS_SQL, params)


STATUS_ORDER = {"red": 0, "amber": 1, "green": 2}


def worst_first(status: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Neighbourhoods red, then amber, then green; within a colour the most red reasons,
    then the most amber ones, first. `limit`: the first rows only (the city has 6,000)."""
    order = status.assign(_rank=status["status"].map(STATUS_ORDER),
                          _red=status[list(RED_RULES)].sum(axis=1),
                          _amber=status[list(AMBER_RULES)].sum(axis=1))
    order = order.sort_values(["_rank", "_red", "_amber", "neighbourhood_code"],
                              ascending=[True, False, False, True], kind="stable")
    order = order.drop(columns=["_rank", "_red", "_amber"])
    return order if limit is None else order.head(limit)


def by_subdistrict(status: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-district in `status`: coloured by its worst neighbourhood, with how
    many of its neighbourhoods are red / amber / green and their unhandled alarms summed
    (the city map's areas)."""
    counts = pd.crosstab(status["subdistrict_code"], status["status"])
    for colour in STATUS_ORDER:
        if colour not in counts:
            counts[colour] = 0
    counts = counts[list(STATUS_ORDER)]
    worst = counts.apply(lambda row: next((c for c in STATUS_ORDER if row[c] > 0), "green"), axis=1)
    names = status.groupby("subdistrict_code")["subdistrict_name"].first()
    out = pd.DataFrame({"subdistrict_code": counts.index, "name": names.reindex(counts.index).to_numpy(),
                        "status": worst.to_numpy(), "red": counts["red"].to_numpy(),
                        "amber": counts["amber"].to_numpy(), "green": counts["green"].to_numpy()})
    out["open_alarms"] = status.groupby("subdistrict_code")["open_alarms"].sum().reindex(counts.index).to_numpy()
    out["reason"] = [f"红 {r} 个、黄 {a} 个、绿 {g} 个居民区"
                     for r, a, g in zip(out["red"], out["amber"], out["green"])]
    return out.reset_index(drop=True)
