"""Queries of the daily brief (boardkit/brief/build.py): the summary tables and the detail
rows of report day D, each scoped, with the same conditions as the figures."""
from __future__ import annotations

import pandas as pd

from core import settings

from ..data import predicates as P
from ..data.clock import Clock
from ..data.db import SCOPE_SQL, Generation, Scope, query


def _day_params(clock: Clock, scope: Scope) -> dict:
    return {"d0": clock.day_start, "d1": clock.day_end, "at": clock.at, "day": clock.day, **scope.params}


def tickets_by_topic(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    frame = query(gen, f"""
        SELECT coalesce(topic, 'non_epidemic') AS topic, count(*) AS n,
               count(*) FILTER (received_at >= $d0 - INTERVAL 1 DAY AND received_at < $d0) AS prev
        FROM hotline_tickets
        WHERE {SCOPE_SQL} AND received_at >= $d0 - INTERVAL 1 DAY AND received_at < $d1
        GROUP BY ALL""", _day_params(clock, scope))
    frame["n"] = frame["n"] - frame["prev"]
    return frame


def top_questions(gen: Generation, clock: Clock, scope: Scope, limit: int = 5) -> pd.DataFrame:
    from etl.classify import load_catalogue
    frame = query(gen, f"""
        SELECT faq_question, count(*) AS n FROM hotline_tickets
        WHERE {SCOPE_SQL} AND received_at >= $d0 AND received_at < $d1 AND faq_question IS NOT NULL
        GROUP BY ALL ORDER BY n DESC, faq_question LIMIT $limit""", {**_day_params(clock, scope), "limit": limit})
    catalogue = load_catalogue()
    frame["question"] = [catalogue.question(int(no)).question for no in frame["faq_question"]]
    return frame


def ending_soon_by_neighbourhood(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    k = int(settings.get("ending_soon_days"))
    return query(gen, f"""
        SELECT neighbourhood, quarantine_end, count(*) AS n FROM person_timeline
        WHERE {SCOPE_SQL} AND {P.quarantine_ending("$day", "1", "CAST($k AS INTEGER)")}
        GROUP BY ALL ORDER BY neighbourhood, quarantine_end""", {**_day_params(clock, scope), "k": k})


def alarms_by_type(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT alarm_type, count(*) AS n, median(response_minutes) AS median_response,
               quantile_cont(response_minutes, 0.9) AS p90_response
        FROM alarms WHERE {SCOPE_SQL} AND raised_at >= $d0 AND raised_at < $d1
        GROUP BY ALL ORDER BY n DESC""", _day_params(clock, scope))


def enterprises_by_status(gen: Generation, clock: Clock, scope: Scope) -> pd.DataFrame:
    """Each enterprise's status on D (docs/metrics.md, Enterprises)."""
    return query(gen, f"""
        SELECT {P.enterprise_status_on("$day")} AS application_status, count(*) AS n
        FROM enterprises WHERE {SCOPE_SQL} GROUP BY ALL ORDER BY 1""", _day_params(clock, scope))


def detail_tickets(gen, clock, scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT ticket_id AS 工单编号, received_at AS 受理时间, request_type, topic, content AS 诉求内容,
               neighbourhood AS 居民区, status, due_at AS 办理时限, closed_at AS 办结时间,
               ({P.ticket_overdue("$at")}) AS 超期
        FROM hotline_tickets WHERE {SCOPE_SQL} AND received_at >= $d0 AND received_at < $d1
        ORDER BY received_at""", _day_params(clock, scope))


def detail_persons(gen, clock, scope) -> pd.DataFrame:
    """Persons who arrived on D or were under a quarantine measure on D, as their latest
    report known by D had them."""
    # The few persons chosen first (arrived on D, or under quarantine on D by the timeline),
    # then only they are joined to their rows: a semi-join over the city's persons reads
    # every key.
    return query(gen, f"""
        WITH chosen AS (SELECT person_id FROM person_timeline WHERE {SCOPE_SQL} AND {P.under_quarantine("$day")}
                        UNION SELECT person_id FROM persons WHERE {SCOPE_SQL} AND arrived_on = $day),
        t AS (SELECT person_id, measure, quarantine_start, quarantine_end, status FROM person_timeline
              WHERE {SCOPE_SQL} AND {P.person_known("$day")})
        SELECT p.name_masked AS 姓名, p.id_masked AS 证件号, p.neighbourhood AS 居民区, p.arrived_on AS 抵沪日期,
               t.measure, t.quarantine_start AS 隔离开始, t.quarantine_end AS 隔离结束, t.status,
               p.sources AS 报送来源
        FROM persons p JOIN chosen USING (person_id) LEFT JOIN t USING (person_id)
        WHERE {SCOPE_SQL.replace("neighbourhood_code", "p.neighbourhood_code")}
        ORDER BY p.neighbourhood, t.quarantine_end""", _day_params(clock, scope))


def detail_alarms(gen, clock, scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT raised_at AS 报警时间, neighbourhood AS 居民区, device_id AS 设备编号, alarm_type, status,
               handled_at AS 处置时间, round(response_minutes, 1) AS 响应分钟
        FROM alarms WHERE {SCOPE_SQL} AND raised_at >= $d0 AND raised_at < $d1 ORDER BY raised_at""",
                 _day_params(clock, scope))


def detail_enterprises(gen, clock, scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT name AS 企业名称, uscc AS 统一社会信用代码, industry AS 行业, neighbourhood AS 居民区,
               application_status, applied_on AS 申请日期,
               CASE WHEN {P.enterprise_pending("$day")} THEN date_diff('day', applied_on, $day) END AS 待审天数
        FROM enterprises WHERE {SCOPE_SQL}
          AND ({P.enterprise_pending("$day")} OR {P.enterprise_status("$day", "returned")})
        ORDER BY application_status, applied_on""", _day_params(clock, scope))
