"""Queries behind 新热点 (boardkit/metrics/surges.py): the daily epidemic ticket counts per FAQ
question and per topic over the report day and its baseline window, and a few example
tickets of the keys that surged. DuckDB does the counting; Python gets a dense
key × day frame of a few hundred rows."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data.db import SCOPE_SQL, Generation, Scope, query

# Keys are strings for both kinds (question numbers as text) so that one frame and one
# parameter list serve both; the caller turns question keys back into numbers.
DAILY_SQL = f"""
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(CAST($first AS TIMESTAMP), CAST($day AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
    -- Days before the first ticket of the whole load are no baseline: zeros there would
    -- only mean the data had not started yet (whole table, not the scope: a quiet
    -- neighbourhood's zeros are real).
    WHERE CAST(d AS DATE) >= (SELECT CAST(min(received_at) AS DATE) FROM hotline_tickets)),
t AS (
    SELECT CAST(received_at AS DATE) AS day, faq_question, topic
    FROM hotline_tickets
    WHERE {SCOPE_SQL} AND epidemic_related
      AND received_at >= $first AND received_at < CAST($day AS DATE) + 1),
counts AS (
    SELECT 'question' AS kind, CAST(faq_question AS VARCHAR) AS key, day, count(*) AS n
    FROM t WHERE faq_question IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'topic', topic, day, count(*)
    FROM t WHERE topic IS NOT NULL AND topic <> 'non_epidemic' GROUP BY ALL),
keys AS (SELECT DISTINCT kind, key FROM counts)
SELECT keys.kind, keys.key, days.day, coalesce(counts.n, 0) AS n
FROM keys CROSS JOIN days LEFT JOIN counts USING (kind, key, day)
ORDER BY keys.kind, keys.key, days.day"""


def daily_counts(gen: Generation, scope: Scope, day: dt.date, baseline_days: int) -> pd.DataFrame:
    """(kind, key, day, n) for every question and topic with at least one epidemic ticket
    in [day - baseline_days, day], zeros filled in, days before the data began left out."""
    first = day - dt.timedelta(days=int(baseline_days))
    return query(gen, DAILY_SQL, {"first": first, "day": day, **scope.params})


EXAMPLES_SQL = f"""
WITH t AS (
    SELECT ticket_id, received_at, neighbourhood, content, topic_words,
           'question:' || CAST(faq_question AS VARCHAR) AS q_key, 'topic:' || topic AS t_key
    FROM hotline_tickets
    WHERE {SCOPE_SQL} AND epidemic_related
      AND received_at >= $day AND received_at < CAST($day AS DATE) + 1),
picked AS (
    SELECT q_key AS wanted, * FROM t WHERE list_contains($wanted, q_key)
    UNION ALL
    SELECT t_key AS wanted, * FROM t WHERE list_contains($wanted, t_key)),
-- One ticket per wording: copied complaints and templates repeat, and three copies of
-- one text say less than three different callers.
distinct_texts AS (
    SELECT * FROM picked
    QUALIFY row_number() OVER (PARTITION BY wanted, content ORDER BY received_at DESC, ticket_id) = 1)
SELECT split_part(wanted, ':', 1) AS kind, split_part(wanted, ':', 2) AS key,
       ticket_id, received_at, neighbourhood, content, topic_words
FROM distinct_texts
QUALIFY row_number() OVER (PARTITION BY wanted ORDER BY received_at DESC, ticket_id) <= $limit
ORDER BY kind, key, received_at DESC"""


def examples(gen: Generation, scope: Scope, day: dt.date, keys: list[tuple[str, str]],
             limit: int = 3) -> pd.DataFrame:
    """Up to `limit` of the report day's tickets (latest first, distinct wording) for each
    (kind, key). Content is stored redacted (etl/privacy.py), so it can be shown."""
    columns = ["kind", "key", "ticket_id", "received_at", "neighbourhood", "content", "topic_words"]
    if not keys:
        return pd.DataFrame(columns=columns)
    wanted = [f"{kind}:{key}" for kind, key in keys]
    return query(gen, EXAMPLES_SQL, {"day": day, "wanted": wanted, "limit": int(limit), **scope.params})
