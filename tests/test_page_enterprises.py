"""企业复工 page: pending past threshold, status counts and the list against our own SQL, the
industry and status filters, a link with both, and the queries under a narrowed scope."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit import labels
from boardkit.data.clock import make_clock
from boardkit.data.db import Scope, current_generation
from boardkit.queries import enterprises as q
from page_helpers import (busiest_neighbourhood, caption_number, data_now, direct, metric_value, one, open_page,
                            moment, report_day, rerun, subheader_number, table_with)

LATE = "application_status = 'pending' AND date_diff('day', applied_on, CAST($now AS DATE)) > 3"
# docs/metrics.md, Enterprises: an application's status on $day, from its dates.
STATUS_ON = """CASE WHEN application_status IN ('approved', 'returned') AND coalesce(reviewed_on, applied_on) <= $day
                    THEN application_status
                    WHEN application_status <> 'not_applied' AND applied_on <= $day THEN 'pending'
                    ELSE 'not_applied' END"""


def counts_on(day) -> dict:
    return dict(direct(f"SELECT {STATUS_ON}, count(*) FROM enterprises GROUP BY 1", {"day": day}))


def test_pending_past_threshold_matches_our_count_and_the_kpi(board_env):
    at = open_page("enterprises")
    late = one(f"SELECT count(*) FROM enterprises WHERE {LATE}", {"now": moment()})
    assert subheader_number(at, "审核超期") == late
    assert metric_value(at, "审核超期") == f"{late:,}"
    if late:
        table = table_with(at, "已等待(天)")
        assert len(table) == late and (table["已等待(天)"] > 3).all()
        assert table["申请日期"].is_monotonic_increasing
    counts = counts_on(report_day())
    for status, name in labels.APPLICATION_STATUS.items():
        assert caption_number(at, rf"{name} ([\d,]+) 家") == counts.get(status, 0)
    assert subheader_number(at, "企业名单") == sum(counts.values())


def test_industry_filter_narrows_the_list(board_env):
    at = open_page("enterprises")
    everything = subheader_number(at, "企业名单")
    at.selectbox(key="pf_industry").set_value(labels.CATERING)
    rerun(at)
    expected = one("SELECT count(*) FROM enterprises WHERE industry = $i", {"i": labels.CATERING})
    assert 0 < expected < everything
    assert subheader_number(at, "企业名单") == expected
    assert set(table_with(at, "统一社会信用代码")["行业"]) == {labels.CATERING}
    assert at.query_params["industry"] == labels.CATERING
    staff = one("SELECT sum(employees_from_outside) FROM enterprises WHERE industry = $i", {"i": labels.CATERING})
    assert caption_number(at, r"来沪（外地返沪）员工 ([\d,]+) 人") == staff


def test_link_reproduces_a_filtered_view(board_env):
    at = open_page("enterprises", {"industry": labels.CATERING, "estatus": "approved"})
    assert at.selectbox(key="pf_industry").value == labels.CATERING
    assert at.selectbox(key="pf_estatus").value == "approved"
    expected = one(f"SELECT count(*) FROM enterprises WHERE industry = $i AND {STATUS_ON} = 'approved'",
                   {"i": labels.CATERING, "day": report_day()})
    assert subheader_number(at, "企业名单") == expected
    assert set(table_with(at, "统一社会信用代码")["申请状态"]) == {labels.APPLICATION_STATUS["approved"]}
    # The funnel is not narrowed by status: it still shows every status of the industry.
    pending = one(f"SELECT count(*) FROM enterprises WHERE industry = $i AND {STATUS_ON} = 'pending'",
                  {"i": labels.CATERING, "day": report_day()})
    assert caption_number(at, r"待审核 ([\d,]+) 家") == pending


@pytest.fixture
def narrowed(board_env):
    gen = current_generation()
    code, name = busiest_neighbourhood()
    return gen, make_clock(gen), Scope(codes=(code,)), code, name


def test_queries_under_a_narrowed_scope(narrowed):
    gen, clock, scope, code, name = narrowed
    today = clock.day
    total = one("SELECT count(*) FROM enterprises WHERE neighbourhood_code = $c", {"c": code})
    assert total > 0
    by_status = q.enterprises_by_status(gen, scope, today)
    assert by_status["application_status"].tolist() == list(q.STATUSES)
    assert by_status["n"].sum() == total
    by_nb = q.enterprises_by_neighbourhood_and_status(gen, scope, today, 3)
    assert set(by_nb["neighbourhood_code"]) == {code}
    assert q.enterprises_by_industry_and_status(gen, scope, today)["n"].sum() == total
    late = q.pending_past_threshold_oldest_first(gen, scope, today, 3)
    assert len(late) == one(f"SELECT count(*) FROM enterprises WHERE neighbourhood_code = $c AND {LATE}",
                            {"c": code, "now": clock.at})
    ages = q.pending_age_days(gen, scope, today)
    assert ages["n"].sum() == one("SELECT count(*) FROM enterprises WHERE neighbourhood_code = $c "
                                  "AND application_status = 'pending' AND applied_on IS NOT NULL", {"c": code})
    pledge = q.pledge_coverage_by_industry(gen, scope, today, labels.CATERING)
    assert pledge["enterprises"].sum() == total
    known = pledge["pledged"] + pledge["declined"]
    assert (pledge["coverage"].dropna() == (pledge["pledged"] / known)[known > 0]).all()
    places = q.enterprise_map_points(gen, scope, today)
    assert places["n"].sum() + places["unplaced"].iloc[0] == total
    centroid = places[places["kind"] == "centroid"]
    assert centroid["label"].tolist() in ([], [name])
    table = q.enterprises_table(gen, scope, today, limit=100000)
    assert len(table) == total and set(table["neighbourhood"]) == {name}


def test_catering_comes_first_in_pledge_coverage(board_env):
    gen = current_generation()
    pledge = q.pledge_coverage_by_industry(gen, Scope(), report_day(), labels.CATERING)
    assert pledge.at[0, "industry"] == labels.CATERING
    pledged, known = direct("SELECT count(*) FILTER (utensil_pledge), count(utensil_pledge) FROM enterprises "
                            "WHERE industry = $i", {"i": labels.CATERING})[0]
    if known:
        assert pledge.at[0, "coverage"] == pytest.approx(pledged / known)


def test_status_distributions_of_a_past_day_are_those_of_that_day(board_env):
    """A past report day shows each application's status on that day (from its dates), in
    the progress caption, the status filter and the list, not the status as it stands now."""
    day = dt.date(2020, 2, 20)
    at = open_page("enterprises", {"d": day.isoformat(), "estatus": "pending"})
    expected = counts_on(day)
    assert expected != counts_on(report_day())  # the day differs from today: the test can tell
    for status, name in labels.APPLICATION_STATUS.items():
        assert caption_number(at, rf"{name} ([\d,]+) 家") == expected.get(status, 0), name
    assert subheader_number(at, "企业名单") == expected["pending"]
    assert set(table_with(at, "统一社会信用代码")["申请状态"]) == {labels.APPLICATION_STATUS["pending"]}
