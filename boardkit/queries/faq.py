"""Queries of the 25问 view: how many of the viewer's tickets each FAQ question drew,
per day over a range and for one report day."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data.db import SCOPE_SQL, Generation, Scope, query


def question_daily(gen: Generation, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """(day, faq_question, n) for days in [start, end], only days and questions with
    tickets; boardkit.metrics.faq.volume_matrix fills in the zeros."""
    return query(gen, f"""
        SELECT CAST(received_at AS DATE) AS day, faq_question, count(*) AS n
        FROM hotline_tickets
        WHERE {SCOPE_SQL} AND faq_question IS NOT NULL
          AND received_at >= $start AND received_at < CAST($end AS DATE) + 1
        GROUP BY ALL ORDER BY day, faq_question""", {"start": start, "end": end, **scope.params})


def question_day_counts(gen: Generation, scope: Scope, day: dt.date) -> pd.DataFrame:
    """(faq_question, n, n_prev) for the report day and the day before, busiest first;
    share is of the day's tickets that matched any question."""
    return query(gen, f"""
        WITH t AS (
            SELECT faq_question, CAST(received_at AS DATE) = CAST($day AS DATE) AS on_day
            FROM hotline_tickets
            WHERE {SCOPE_SQL} AND faq_question IS NOT NULL
              AND received_at >= CAST($day AS DATE) - 1 AND received_at < CAST($day AS DATE) + 1)
        SELECT faq_question, count(*) FILTER (on_day) AS n, count(*) FILTER (NOT on_day) AS n_prev,
               count(*) FILTER (on_day) / nullif(sum(count(*) FILTER (on_day)) OVER (), 0) AS share
        FROM t GROUP BY faq_question
        ORDER BY n DESC, n_prev DESC, faq_question""", {"day": day, **scope.params})
