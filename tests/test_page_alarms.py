"""门磁报警 page: unhandled alarms and range totals against our own SQL, the type filter, a
link with the filter, and the alarm queries under a narrowed scope."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit import labels
from boardkit.data.clock import make_clock
from boardkit.data.db import Scope, current_generation
from boardkit.queries import alarms as q
from page_helpers import (busiest_neighbourhood, caption_number, data_now, direct, metric_value, one, open_page,
                            moment, report_day, rerun, subheader_number, table_with, trend_range)

# docs/metrics.md, Alarms: unhandled at t (a handled or false alarm without a time counts as answered).
UNHANDLED = """raised_at <= $now AND status <> 'pre_reported'
               AND NOT coalesce(coalesce(handled_at, CASE WHEN status IN ('handled', 'false_alarm') THEN raised_at END)
                                <= $now, false)"""
LIMITS = {"door_open": 15, "tamper": 15, "doorbell": 30, "offline": 120, "low_battery": 720}


def unhandled(extra: str = "", **params) -> list[tuple]:
    return direct(f"SELECT alarm_type, raised_at FROM alarms WHERE {UNHANDLED} {extra} ORDER BY raised_at",
                  {"now": moment(), **params})


def in_range(extra: str = "") -> int:
    start, end = trend_range()
    return one(f"SELECT count(*) FROM alarms WHERE raised_at >= $s AND raised_at < $e {extra}",
               {"s": start, "e": end + dt.timedelta(days=1)})


def unhandled_header() -> str:
    """The default report day is past: its unhandled alarms are those at its 24:00."""
    return f"截至{report_day():%m月%d日}24时未处置报警"


def test_unhandled_alarms_match_our_count_and_the_kpi(board_env):
    at = open_page("alarms")
    rows = unhandled()
    now = moment()
    late = sum((now - raised).total_seconds() > LIMITS[kind] * 60 for kind, raised in rows)
    assert subheader_number(at, unhandled_header()) == len(rows)
    assert metric_value(at, "未处置报警") == f"{len(rows):,}"
    header = next(h.value for h in at.subheader if h.value.startswith(unhandled_header()))
    assert header.endswith(f"其中超时 {late:,} 条")
    if rows:
        table = table_with(at, "已等待(分钟)")
        assert len(table) == len(rows)
        assert table["报警时间"].is_monotonic_increasing
        assert (table["是否超时"] == "超时").sum() == late
    assert caption_number(at, r"共 ([\d,]+) 条。$") == in_range()


def test_type_filter_changes_the_numbers(board_env):
    at = open_page("alarms")
    assert caption_number(at, r"共 ([\d,]+) 条。$") == in_range()
    at.selectbox(key="pf_atype").set_value("door_open")
    rerun(at)
    assert at.query_params["atype"] == "door_open"
    door = in_range("AND alarm_type = 'door_open'")
    assert 0 < door < in_range()
    assert caption_number(at, r"共 ([\d,]+) 条。$") == door
    assert subheader_number(at, unhandled_header()) == len(unhandled("AND alarm_type = 'door_open'"))
    devices = table_with(at, "报警次数")
    assert (devices["其中开门"] == devices["报警次数"]).all()


def test_link_reproduces_a_filtered_view(board_env):
    at = open_page("alarms", {"atype": "offline"})
    assert at.selectbox(key="pf_atype").value == "offline"
    assert caption_number(at, r"共 ([\d,]+) 条。$") == in_range("AND alarm_type = 'offline'")
    assert any(h.value == f"{labels.ALARM_TYPE['offline']}报警响应时长" for h in at.subheader)
    start, end = trend_range()
    answered = one("""SELECT count(*) FROM alarms WHERE alarm_type = 'offline' AND status IN ('handled', 'false_alarm')
                      AND response_minutes IS NOT NULL AND raised_at >= $s AND raised_at < $e""",
                   {"s": start, "e": end + dt.timedelta(days=1)})
    assert caption_number(at, r"响应时长 = 处置时间 − 报警时间；共 ([\d,]+) 条") == answered


@pytest.fixture
def narrowed(board_env):
    gen = current_generation()
    code, name = busiest_neighbourhood()
    return gen, make_clock(gen), Scope(codes=(code,)), code, name


def test_queries_under_a_narrowed_scope(narrowed):
    gen, clock, scope, code, name = narrowed
    start, end = clock.day - dt.timedelta(days=29), clock.day
    params = {"c": code, "s": start, "e": end + dt.timedelta(days=1)}
    raised = one("SELECT count(*) FROM alarms WHERE neighbourhood_code = $c AND raised_at >= $s AND raised_at < $e",
                 params)
    by_nb = q.alarms_by_neighbourhood(gen, scope, start, end, clock.at)
    assert set(by_nb["neighbourhood_code"]) == {code}
    assert by_nb["n"].sum() == raised
    assert q.alarms_by_hour_and_type(gen, scope, start, end)["n"].sum() == raised
    bins = q.response_minutes_binned(gen, scope, start, end, "door_open")
    assert bins["bin"].max() <= 60
    assert bins["n"].sum() == one("""SELECT count(*) FROM alarms WHERE neighbourhood_code = $c AND alarm_type = 'door_open'
                                     AND status IN ('handled', 'false_alarm') AND response_minutes IS NOT NULL
                                     AND raised_at >= $s AND raised_at < $e""", params)
    devices = q.devices_alarming_repeatedly(gen, scope, start, end, limit=1000)
    assert set(devices["neighbourhood"]) <= {name}
    top_device, top_n = direct("""SELECT device_id, count(*) FROM alarms WHERE neighbourhood_code = $c
                                  AND raised_at >= $s AND raised_at < $e GROUP BY 1 ORDER BY 2 DESC LIMIT 1""",
                               params)[0]
    assert devices.at[0, "alarms"] == top_n
    waiting = q.unhandled_alarms_oldest_first(gen, scope, clock.at)
    assert set(waiting["neighbourhood"]) <= {name}
    assert "room" not in waiting.columns
    assert len(waiting) == one(f"SELECT count(*) FROM alarms WHERE neighbourhood_code = $c AND {UNHANDLED}",
                               {"c": code, "now": clock.at})
