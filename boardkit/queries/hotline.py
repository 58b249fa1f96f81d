"""Queries of the 12345 page (metrics.md, Hotline). Every one is scoped, aggregated in
DuckDB and filtered by the page filters (topic, request type), which are bound values."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data import predicates as P
from ..data.db import SCOPE_SQL, Generation, Scope, query, rows_where
from ..data.open_records import tickets_open_after

TICKET_VIEWS = ("open", "overdue", "closed", "returned", "all")

# Page filters: NULL means "all". Both are bound, never pasted.
FILTER_SQL = """(CAST($topic AS VARCHAR) IS NULL OR coalesce(topic, 'non_epidemic') = $topic)
  AND (CAST($request_type AS VARCHAR) IS NULL OR coalesce(request_type, 'other') = $request_type)"""
# $now: the moment the page shows, t(D) (the end of the report day, or now for today).
OPEN_SQL = P.ticket_open("$now")
RECEIVED_BY_NOW = "received_at <= $now"
# The views of tickets received by now, by what else holds of them.
RECEIVED_VIEWS = {
    "closed": P.ticket_closed_by("$now"),
    "returned": "status = 'returned'",
    "all": "true",
}
# The ticket table's status view: fixed SQL fragments chosen by key, never user text.
VIEW_SQL = {
    "open": OPEN_SQL,
    "overdue": P.ticket_overdue("$now"),
    **{view: f"{RECEIVED_BY_NOW} AND {condition}" for view, condition in RECEIVED_VIEWS.items()},
}
IN_RANGE_SQL = "received_at >= $start AND received_at < CAST($end AS DATE) + 1"
# Views whose tickets are all open at now: read from the open records (boardkit/data/open_records.py).
OPEN_VIEWS = ("open", "overdue")


def _params(scope: Scope, topic: str | None, request_type: str | None, **extra) -> dict:
    return {"topic": topic, "request_type": request_type, **scope.params, **extra}


def daily_received_by_topic(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                            topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """(day, topic, n): tickets received per day and topic in [start, end]."""
    return query(gen, f"""
        SELECT CAST(received_at AS DATE) AS day, coalesce(topic, 'non_epidemic') AS topic, count(*) AS n
        FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL}
        GROUP BY ALL ORDER BY day, topic""", _params(scope, topic, request_type, start=start, end=end))


def daily_epidemic_share(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                         topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """(day, received, epidemic, share): the epidemic share of each day's tickets."""
    return query(gen, f"""
        SELECT CAST(received_at AS DATE) AS day, count(*) AS received,
               count(*) FILTER (epidemic_related) AS epidemic,
               count(*) FILTER (epidemic_related) / count(*) AS share
        FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL}
        GROUP BY ALL ORDER BY day""", _params(scope, topic, request_type, start=start, end=end))


def received_by_neighbourhood(gen: Generation, scope: Scope, start: dt.date, end: dt.date, now: dt.datetime,
                              topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """(neighbourhood_code, neighbourhood, received, epidemic, open_now, overdue_now), most first;
    tickets whose neighbourhood could not be resolved are one row with a NULL code."""
    # Two scans joined, not one with an OR: each finds its rows by zone maps or the open records.
    return query(gen, f"""
        WITH received AS (
            SELECT neighbourhood_code, any_value(neighbourhood) AS neighbourhood, count(*) AS received,
                   count(*) FILTER (epidemic_related) AS epidemic
            FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL}
            GROUP BY neighbourhood_code),
        open AS (
            SELECT neighbourhood_code, any_value(neighbourhood) AS neighbourhood, count(*) AS open_now,
                   count(*) FILTER (due_at < $now) AS overdue_now
            FROM {tickets_open_after("$now")} WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {OPEN_SQL}
            GROUP BY neighbourhood_code)
        SELECT coalesce(r.neighbourhood_code, o.neighbourhood_code) AS neighbourhood_code,
               coalesce(r.neighbourhood, o.neighbourhood) AS neighbourhood,
               coalesce(r.received, 0) AS received, coalesce(r.epidemic, 0) AS epidemic,
               coalesce(o.open_now, 0) AS open_now, coalesce(o.overdue_now, 0) AS overdue_now
        FROM received r FULL OUTER JOIN open o ON r.neighbourhood_code IS NOT DISTINCT FROM o.neighbourhood_code
        ORDER BY received DESC, neighbourhood_code""",
                 _params(scope, topic, request_type, start=start, end=end, now=now))


def received_by_request_type(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                             topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """(request_type, n, epidemic): tickets received in [start, end] by request type, most first."""
    return query(gen, f"""
        SELECT coalesce(request_type, 'other') AS request_type, count(*) AS n,
               count(*) FILTER (epidemic_related) AS epidemic
        FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL}
        GROUP BY ALL ORDER BY n DESC""", _params(scope, topic, request_type, start=start, end=end))


def daily_service_rates(gen: Generation, scope: Scope, start: dt.date, end: dt.date, now: dt.datetime,
                        topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """One row per day: overdue open at the day's end (or now), on-time closure, first-contact
    and satisfaction rates, each as metrics.md defines it for a report day (NULL when there
    is nothing to divide by)."""
    return query(gen, f"""
        WITH days AS (SELECT CAST(d AS DATE) AS day, least(CAST(d AS TIMESTAMP) + INTERVAL 1 DAY, $now) AS at_time
                      FROM range(CAST($start AS DATE), CAST($end AS DATE) + 1, INTERVAL 1 DAY) r(d)),
        -- Each part scans the tickets with its own WHERE (a shared CTE would read them all with an OR).
        -- Counted by day, on time and rating first: the rating's words are then compared on
        -- a few hundred groups, not on every ticket closed.
        closed AS (SELECT day, CAST(sum(n) AS BIGINT) AS closed,
                          CAST(coalesce(sum(n) FILTER (on_time), 0) AS BIGINT) AS closed_on_time,
                          CAST(coalesce(sum(n) FILTER (satisfaction IS NOT NULL), 0) AS BIGINT) AS rated,
                          CAST(coalesce(sum(n) FILTER (satisfaction IN ('satisfied', 'basic')), 0) AS BIGINT) AS satisfied,
                          sum(n * CASE satisfaction WHEN 'satisfied' THEN 1 WHEN 'basic' THEN 0.8
                                       WHEN 'fair' THEN 0.6 WHEN 'unsatisfied' THEN 0 END) AS points
                   FROM (SELECT CAST(closed_at AS DATE) AS day, closed_at <= due_at AS on_time, satisfaction,
                                count(*) AS n
                         FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL}
                           AND closed_at >= $start AND closed_at < CAST($end AS DATE) + 1 GROUP BY ALL)
                   GROUP BY day),
        received AS (SELECT CAST(received_at AS DATE) AS day,
                            count(*) FILTER (first_contact IS NOT NULL) AS fc_known,
                            count(*) FILTER (first_contact) AS fc_true
                     FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL} GROUP BY ALL),
        -- Only tickets overdue and open at some moment of the window take part in the join of
        -- days and tickets: open after the window's first day (boardkit/data/open_records.py), and
        -- not closed by their due time (those are never overdue and open; nor is one closed
        -- without a time, which counts as closed when received).
        late AS (SELECT received_at, closed_at, due_at, status
                 FROM {tickets_open_after("CAST($start AS DATE) + 1")}
                 WHERE {SCOPE_SQL} AND {FILTER_SQL} AND NOT (status = 'closed' AND closed_at IS NULL)
                   AND status <> 'returned' AND due_at < least(CAST($end AS DATE) + 1, $now)
                   AND received_at <= $now AND NOT coalesce(closed_at <= due_at, false)),
        -- Each late ticket joins only the days it may be overdue at the end of: from the day
        -- before its due day up to the day it closed (the window's end while open at now),
        -- an equality join instead of a range join of every day with every ticket.
        candidates AS (SELECT *, CAST(unnest(range(greatest(CAST($start AS DATE), CAST(due_at AS DATE) - 1),
                                                   CASE WHEN closed_at <= $now THEN least(CAST(closed_at AS DATE), CAST($end AS DATE))
                                                        ELSE CAST($end AS DATE) END + 1,
                                                   INTERVAL 1 DAY)) AS DATE) AS day
                       FROM late),
        overdue AS (SELECT days.day, count(c.received_at) AS overdue_open
                    FROM days LEFT JOIN candidates c ON c.day = days.day AND {P.ticket_overdue("days.at_time")}
                    GROUP BY ALL)
        SELECT days.day, coalesce(overdue_open, 0) AS overdue_open, coalesce(closed, 0) AS closed,
               CASE WHEN closed > 0 THEN closed_on_time / closed END AS on_time_rate,
               coalesce(fc_known, 0) AS fc_known,
               CASE WHEN fc_known > 0 THEN fc_true / fc_known END AS first_contact_rate,
               coalesce(rated, 0) AS rated,
               CASE WHEN rated > 0 THEN satisfied / rated END AS satisfaction_rate,
               CASE WHEN rated > 0 THEN points / rated END AS satisfaction_score
        FROM days LEFT JOIN overdue USING (day) LEFT JOIN closed USING (day) LEFT JOIN received USING (day)
        ORDER BY days.day""", _params(scope, topic, request_type, start=start, end=end, now=now))


def ticket_counts_by_view(gen: Generation, scope: Scope, now: dt.datetime, topic: str | None = None,
                          request_type: str | None = None) -> dict[str, int]:
    """How many tickets each status view of the table holds at now ({view: n})."""
    # Open and overdue from the open records; the others need every ticket's dates: the
    # receipt they share is the scan's filter, each view's own condition its count's.
    opened = ",\n".join(f"count(*) FILTER ({VIEW_SQL[v]}) AS {v}" for v in OPEN_VIEWS)
    others = ",\n".join(f"count(*) FILTER ({c}) AS {v}" for v, c in RECEIVED_VIEWS.items())
    frame = query(gen, f"""
        SELECT * FROM (SELECT {opened} FROM {tickets_open_after("$now")} WHERE {SCOPE_SQL} AND {FILTER_SQL}),
                      (SELECT {others} FROM hotline_tickets WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {RECEIVED_BY_NOW})""",
                  _params(scope, topic, request_type, now=now))
    return {v: int(frame.at[0, v]) for v in TICKET_VIEWS}


def tickets_oldest_first(gen: Generation, scope: Scope, now: dt.datetime, view: str = "open",
                         topic: str | None = None, request_type: str | None = None,
                         limit: int = 500) -> pd.DataFrame:
    """The tickets of one status view at now, oldest first, with due flags and the words that
    decided the topic. `room`, and the rooms in the text, only when the scope allows them
    (scope.show_room)."""
    view = view if view in VIEW_SQL else "open"
    where = VIEW_SQL[view]
    source = tickets_open_after("$now") if view in OPEN_VIEWS else \
        rows_where("hotline_tickets", f"{SCOPE_SQL} AND {FILTER_SQL} AND {where}")
    room = "room," if scope.show_room else ""
    return query(gen, f"""
        SELECT ticket_id, received_at, due_at, closed_at, status, request_type,
               coalesce(topic, 'non_epidemic') AS topic, topic_words, neighbourhood, address, {room}
               left({scope.free_text("content")}, 80) AS content,
               CASE WHEN NOT ({OPEN_SQL}) THEN NULL
                    WHEN due_at < $now THEN 'overdue'
                    WHEN due_at < $now + INTERVAL 1 DAY THEN 'due_soon' ELSE 'ok' END AS due_flag,
               CASE WHEN {P.ticket_overdue("$now")}
                    THEN round(date_diff('minute', due_at, $now) / 60.0, 1) END AS hours_overdue,
               CASE WHEN closed_at IS NOT NULL THEN closed_at <= due_at END AS closed_on_time
        FROM {source} WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {where}
        ORDER BY received_at, ticket_id LIMIT $limit""",
                 _params(scope, topic, request_type, now=now, limit=limit))


def faq_questions_by_volume(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                            topic: str | None = None, request_type: str | None = None) -> pd.DataFrame:
    """(no, topic, question, answer, n): the catalogue's questions by the number of tickets of
    [start, end] matched to them, most asked first (questions never asked are left out)."""
    from etl.classify import load_catalogue
    counts = query(gen, f"""
        SELECT faq_question AS no, count(*) AS n FROM hotline_tickets
        WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {IN_RANGE_SQL} AND faq_question IS NOT NULL
        GROUP BY ALL""", _params(scope, topic, request_type, start=start, end=end))
    catalogue = pd.DataFrame([(q.no, q.topic, q.question, q.answer) for q in load_catalogue().questions],
                             columns=["no", "topic", "question", "answer"])
    counts["no"] = counts["no"].astype(int)
    joined = catalogue.merge(counts, on="no", how="inner")
    return joined.sort_values(["n", "no"], ascending=[False, True], ignore_index=True)


# Below this confidence the 12345 page asks a clerk to confirm a ticket's topic
# (measured on the dev split: most wrong topics are below it, most right ones above).
LOW_CONFIDENCE = 0.6


def low_confidence_tickets(gen: Generation, scope: Scope, day: dt.date, threshold: float = LOW_CONFIDENCE,
                           limit: int = 50) -> pd.DataFrame:
    """The report day's tickets whose topic the model was least sure of (below `threshold`,
    least sure first; corrected tickets have confidence 1): ticket_id, received_at, topic,
    topic_confidence, faq_question, neighbourhood, content (masked at load)."""
    return query(gen, f"""
        SELECT ticket_id, received_at, coalesce(topic, 'non_epidemic') AS topic, topic_confidence,
               faq_question, neighbourhood, content
        FROM hotline_tickets
        WHERE {SCOPE_SQL} AND received_at >= $day AND received_at < CAST($day AS DATE) + 1
          AND topic_confidence < $threshold
        ORDER BY topic_confidence, received_at, ticket_id LIMIT $limit""",
                 {**scope.params, "day": day, "threshold": threshold, "limit": limit})
