"""Neighbourhood status: red / amber / green with reasons (metrics.md, default rules)."""
from __future__ import annotations

import pandas as pd

from etl import settings

from . import labels
from .clock import Clock
from .db import SCOPE_SQL, Generation, Scope, query
from .figures import THRESHOLD_SQL, thresholds

STATUS_SQL = f"""
WITH nb AS (SELECT code AS neighbourhood_code, name, subdistrict_name, centroid_lon, centroid_lat
            FROM ref_neighbourhoods WHERE {SCOPE_SQL.replace('neighbourhood_code', 'code')}),
al AS (SELECT neighbourhood_code,
              count(*) FILTER (alarm_type = 'door_open' AND age > threshold) AS door_open_past_threshold,
              count(*) FILTER (age > threshold / 2) AS alarm_past_half_threshold,
              count(*) AS open_alarms
       FROM (SELECT *, {THRESHOLD_SQL} AS threshold,
                    date_diff('second', raised_at, $now) / 60.0 AS age
             FROM alarms WHERE raised_at <= $now AND (status IN ('open', 'in_progress')
                   OR (status IN ('handled', 'false_alarm') AND handled_at > $now)))
       GROUP BY ALL),
tk AS (SELECT neighbourhood_code,
              count(*) FILTER (epidemic_related) AS epidemic_overdue,
              count(*) FILTER (NOT coalesce(epidemic_related, false)) AS non_epidemic_overdue
       FROM hotline_tickets
       WHERE received_at <= $now AND NOT coalesce(closed_at <= $now, false) AND status <> 'returned'
         AND due_at < $now
       GROUP BY ALL),
qe AS (SELECT neighbourhood_code, count(*) AS ending_tomorrow FROM persons
       WHERE measure IN ('home_quarantine', 'central_quarantine') AND status = 'active'
         AND quarantine_end = CAST($now AS DATE) + 1 GROUP BY ALL),
en AS (SELECT neighbourhood_code, count(*) AS enterprise_pending_past_threshold FROM enterprises
       WHERE application_status = 'pending' AND date_diff('day', applied_on, CAST($now AS DATE)) > $pending_days
       GROUP BY ALL)
SELECT nb.*,
       coalesce(al.door_open_past_threshold, 0) AS door_open_past_threshold,
       coalesce(tk.epidemic_overdue, 0) AS epidemic_overdue,
       coalesce(qe.ending_tomorrow, 0) AS ending_tomorrow,
       coalesce(en.enterprise_pending_past_threshold, 0) AS enterprise_pending_past_threshold,
       coalesce(al.alarm_past_half_threshold, 0) AS alarm_past_half_threshold,
       coalesce(tk.non_epidemic_overdue, 0) AS non_epidemic_overdue,
       coalesce(al.open_alarms, 0) AS open_alarms
FROM nb LEFT JOIN al USING (neighbourhood_code) LEFT JOIN tk USING (neighbourhood_code)
        LEFT JOIN qe USING (neighbourhood_code) LEFT JOIN en USING (neighbourhood_code)
ORDER BY nb.neighbourhood_code"""

RED_RULES = ("door_open_past_threshold", "epidemic_overdue")
AMBER_RULES = ("ending_tomorrow", "enterprise_pending_past_threshold", "alarm_past_half_threshold",
               "non_epidemic_overdue")


def neighbourhood_status(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """One row per neighbourhood in scope: the rule counts, `status` and `reason`."""
    params = {"now": clock.now, "pending_days": int(settings.get("enterprise_pending_days")),
              **thresholds(), **scope.params}
    frame = query(gen, STATUS_SQL, params)
    return apply_rules(frame)


def apply_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """Pure: colours and reasons from the rule counts."""
    t = int(settings.get("alarm_threshold_minutes.door_open"))
    d = int(settings.get("enterprise_pending_days"))
    frame = frame.copy()

    def reasons(row, rules):
        return [labels.STATUS_REASONS[r].format(n=int(row[r]), t=t, d=d) for r in rules if row[r] > 0]

    statuses, texts = [], []
    for _, row in frame.iterrows():  # one row per neighbourhood: a few thousand at most
        red, amber = reasons(row, RED_RULES), reasons(row, AMBER_RULES)
        statuses.append("red" if red else "amber" if amber else "green")
        texts.append("；".join(red + amber) or "无需关注事项")
    frame["status"] = statuses
    frame["reason"] = texts
    return frame
