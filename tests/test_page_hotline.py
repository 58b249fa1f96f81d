"""12345工单 page: its figures against our own SQL on the demo database, its page filters,
links that reproduce a filtered view, and its queries under a narrowed scope."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit import labels
from boardkit.data.clock import make_clock
from boardkit.data.db import ALL, Scope, current_generation
from boardkit.queries import hotline as q
from page_helpers import (busiest_neighbourhood, caption_number, data_now, direct, metric_value, one, open_page,
                            moment, rerun, subheader_number, table_with, trend_range)

# docs/metrics.md, Hotline: open at t (closed without a time counts as closed when received).
OPEN = ("received_at <= $now AND status <> 'returned' AND NOT coalesce("
        "coalesce(closed_at, CASE WHEN status = 'closed' THEN received_at END) <= $now, false)")


def open_count(extra: str = "", **params) -> int:
    return one(f"SELECT count(*) FROM hotline_tickets WHERE {OPEN} {extra}", {"now": moment(), **params})


def test_open_tickets_and_kpi_match_our_count(board_env):
    at = open_page("hotline")
    expected = open_count()
    assert expected > 0
    assert subheader_number(at, "工单明细") == expected
    assert metric_value(at, "在办工单") == f"{expected:,}"
    table = table_with(at, "工单编号")
    assert len(table) == min(expected, 500)
    # Oldest first (all in one year: "MM-DD HH:MM" sorts as text), and the overdue flags.
    assert table["受理时间"].is_monotonic_increasing
    overdue = table[table["时限"] == "已超期"]
    assert len(overdue) == open_count("AND due_at < $now")
    assert (overdue["办理时限"] < f"{moment():%m-%d %H:%M}").all()
    assert (table.loc[table["时限"] != "已超期", "已超期(小时)"] == "").all()


def test_range_total_and_request_types(board_env):
    start, end = trend_range()
    at = open_page("hotline")
    in_range = one("SELECT count(*) FROM hotline_tickets WHERE received_at >= $s AND received_at < $e",
                   {"s": start, "e": end + dt.timedelta(days=1)})
    assert caption_number(at, r"区间合计 ([\d,]+) 件") == in_range
    epidemic = one("SELECT count(*) FROM hotline_tickets WHERE received_at >= $s AND received_at < $e "
                   "AND epidemic_related", {"s": start, "e": end + dt.timedelta(days=1)})
    assert caption_number(at, r"其中涉疫 ([\d,]+) 件") == epidemic


def test_topic_filter_narrows_the_table_and_is_kept_in_the_url(board_env):
    at = open_page("hotline")
    everything = subheader_number(at, "工单明细")
    at.selectbox(key="pf_topic").set_value("quarantine")
    rerun(at)
    expected = open_count("AND topic = 'quarantine'")
    assert 0 < expected < everything
    assert subheader_number(at, "工单明细") == expected
    assert set(table_with(at, "工单编号")["话题"]) == {labels.TOPIC["quarantine"]}
    assert at.query_params["topic"] == "quarantine"
    # Back to all topics: the parameter goes, the number comes back.
    at.selectbox(key="pf_topic").set_value(None)
    rerun(at)
    assert "topic" not in at.query_params
    assert subheader_number(at, "工单明细") == everything


def test_link_reproduces_a_filtered_view(board_env):
    at = open_page("hotline", {"type": "complaint", "status": "overdue"})
    assert at.selectbox(key="pf_type").value == "complaint"
    assert at.selectbox(key="pf_status").value == "overdue"
    expected = open_count("AND due_at < $now AND request_type = 'complaint'")
    assert subheader_number(at, "工单明细") == expected
    table = table_with(at, "工单编号")
    assert len(table) == expected
    assert set(table["诉求类型"]) <= {labels.REQUEST_TYPE["complaint"]}


def test_neighbourhood_row_link_opens_that_neighbourhood(board_env):
    at = open_page("hotline", {"type": "complaint"})
    rows = table_with(at, "链接")
    name, url = rows.loc[0, "居民区"], rows.loc[0, "链接"]
    code = one("SELECT code FROM ref_neighbourhoods WHERE name = $n", {"n": name})
    assert url == f"hotline?nb={code}&type=complaint"  # the row keeps the page filters
    params = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))
    linked = open_page("hotline", params)
    assert linked.query_params["nb"] == code
    assert linked.selectbox(key="pf_type").value == "complaint"
    expected = open_count("AND neighbourhood_code = $c AND request_type = 'complaint'", c=code)
    assert expected > 0
    assert subheader_number(linked, "工单明细") == expected
    assert set(table_with(linked, "工单编号")["居民区"]) == {name}


def test_faq_panel_counts_and_answers(board_env):
    start, end = trend_range()
    at = open_page("hotline")
    top_no, top_n = direct("""SELECT faq_question, count(*) FROM hotline_tickets
                               WHERE faq_question IS NOT NULL AND received_at >= $s AND received_at < $e
                               GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""",
                           {"s": start, "e": end + dt.timedelta(days=1)})[0]
    first = next(e for e in at.expander if e.label.startswith("第"))
    assert first.label.startswith(f"第{top_no}问") and first.label.endswith(f"（{top_n:,} 件）")
    from etl.classify import load_catalogue
    answer = load_catalogue().question(top_no).answer
    assert any(md.value == answer for md in first.markdown)


@pytest.fixture
def narrowed(board_env):
    gen = current_generation()
    code, name = busiest_neighbourhood()
    return gen, make_clock(gen), Scope(codes=(code,)), code, name


def test_queries_under_a_narrowed_scope(narrowed):
    gen, clock, scope, code, name = narrowed
    start, end = clock.day - dt.timedelta(days=29), clock.day
    by_nb = q.received_by_neighbourhood(gen, scope, start, end, clock.at)
    assert by_nb["neighbourhood_code"].tolist() == [code]
    assert by_nb.at[0, "open_now"] == one(f"SELECT count(*) FROM hotline_tickets WHERE {OPEN} AND neighbourhood_code = $c",
                                          {"now": clock.at, "c": code})
    tickets = q.tickets_oldest_first(gen, scope, clock.at, "all", limit=100000)
    assert set(tickets["neighbourhood"]) == {name}
    assert len(tickets) == one("SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $c AND received_at <= $now",
                               {"c": code, "now": clock.at})
    assert "room" not in tickets.columns  # a viewer without room rights never receives the column
    assert "room" in q.tickets_oldest_first(gen, Scope(codes=(code,), show_room=True), clock.at).columns
    daily = q.daily_received_by_topic(gen, scope, start, end)
    assert daily["n"].sum() == one("SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $c "
                                   "AND received_at >= $s AND received_at < $e",
                                   {"c": code, "s": start, "e": end + dt.timedelta(days=1)})
    faq = q.faq_questions_by_volume(gen, scope, start, end)
    assert faq["n"].sum() == one("SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $c AND faq_question "
                                 "IS NOT NULL AND received_at >= $s AND received_at < $e",
                                 {"c": code, "s": start, "e": end + dt.timedelta(days=1)})
    assert faq["n"].is_monotonic_decreasing


def test_daily_service_rates_follow_metrics(narrowed):
    gen, clock, scope, code, _ = narrowed
    day = clock.day
    rates = q.daily_service_rates(gen, scope, day, day, clock.at).iloc[0]
    closed, on_time, rated, satisfied = direct("""
        SELECT count(*), count(*) FILTER (closed_at <= due_at), count(satisfaction),
               count(*) FILTER (satisfaction IN ('satisfied', 'basic'))
        FROM hotline_tickets WHERE neighbourhood_code = $c AND closed_at >= $d AND closed_at < $e""",
                                               {"c": code, "d": day, "e": day + dt.timedelta(days=1)})[0]
    assert rates["closed"] == closed
    if closed:
        assert rates["on_time_rate"] == pytest.approx(on_time / closed)
    if rated:
        assert rates["satisfaction_rate"] == pytest.approx(satisfied / rated)
    end_of_day = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), clock.at)
    assert rates["overdue_open"] == one(
        f"SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $c AND {OPEN} AND due_at < $now",
        {"c": code, "now": end_of_day})


@pytest.mark.parametrize("now_back_hours", [0, 30])
def test_overdue_open_of_each_day_of_a_range_past_now(board_env, now_back_hours):
    """Every day of a range, those before now, the day of now and days after it, counts the
    tickets overdue and open at its end (or now): each ticket joins only the days it may be
    overdue on, and none is lost at either end of its overdue days."""
    gen = current_generation()
    now = make_clock(gen).now - dt.timedelta(hours=now_back_hours)
    start, end = now.date() - dt.timedelta(days=20), now.date() + dt.timedelta(days=2)
    rates = q.daily_service_rates(gen, ALL, start, end, now)
    assert len(rates) == 23
    expected = [one(f"SELECT count(*) FROM hotline_tickets WHERE {OPEN} AND due_at < $now",
                    {"now": min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), now)})
                for day in (start + dt.timedelta(days=i) for i in range(23))]
    assert sum(expected) > 0
    assert rates["overdue_open"].tolist() == expected


def test_unsure_tickets_of_the_report_day_are_listed_for_a_clerk(board_env):
    # The demo day with the most tickets under the bar (the model is sure of most days' tickets).
    (day,), = direct("SELECT CAST(received_at AS DATE) FROM hotline_tickets WHERE topic_confidence < $t "
                     "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", {"t": q.LOW_CONFIDENCE})
    expected = direct("SELECT ticket_id FROM hotline_tickets WHERE received_at >= $d AND received_at < $d + 1 "
                      "AND topic_confidence < $t ORDER BY topic_confidence, received_at, ticket_id LIMIT 50",
                      {"d": day, "t": q.LOW_CONFIDENCE})
    assert expected, "the demo day has unsure tickets"
    at = open_page("hotline", {"d": day.isoformat()})
    table = table_with(at, "更正话题")
    assert table["工单编号"].tolist() == [r[0] for r in expected]
    assert (table["更正话题"] == "").all() and (table["依据"] != "").all()
    assert set(table["模型话题"]) <= set(labels.TOPIC.values())
