"""人员排摸与隔离 page: the blind spot, the person table and its filters, the per-neighbourhood
endings against the KPIs, and the roster queries under a narrowed scope."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit import labels
from boardkit.data.clock import make_clock
from boardkit.data.db import Scope, current_generation
from boardkit.queries import roster as q
from page_helpers import (busiest_neighbourhood, caption_number, direct, metric_value, one, open_page,
                            report_day, rerun, subheader_number, table_with, trend_range)

# The blind spot on $day, written from docs/metrics.md: a person living in the sub-district
# with an enterprise report and no community report known by $day (a report is known from
# its first file's date).
KNOWN_BY = """EXISTS (SELECT 1 FROM roster_reports r WHERE r.person_key = persons.person_key
    AND r.reported_by = '{by}' AND (SELECT min(coalesce(v.file_date, DATE '1900-01-01')) FROM roster_versions v
                                    WHERE v.report_key = r.report_key) <= $day)"""
# Each person's version known by $day (docs/metrics.md, Roster): the latest by file date, of
# two on one date the later loaded.
KNOWN_VERSION = """(SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY person_key ORDER BY coalesce(file_date, DATE '1900-01-01') DESC,
                                 run_id DESC, row_number DESC) AS newest
    FROM roster_versions WHERE coalesce(file_date, DATE '1900-01-01') <= $day) WHERE newest = 1)"""
BLIND = (f"neighbourhood_code IS NOT NULL AND {KNOWN_BY.format(by='enterprise')} "
         f"AND NOT {KNOWN_BY.format(by='community')}")


def test_blind_spot_and_person_count_match_our_count(board_env):
    at = open_page("roster")
    blind = one(f"SELECT count(*) FROM persons WHERE {BLIND}", {"day": report_day()})
    assert blind > 0
    assert int(metric_value(at, "居委盲区").replace(",", "")) == blind
    assert subheader_number(at, "排摸盲区") == blind
    table = table_with(at, "报送企业")
    assert len(table) == blind
    # Only masked identity columns ever reach the page.
    assert table["证件号"].str.contains(r"\*{4}").all() and table["电话"].str.contains(r"\*{4}").all()
    # The person table of D lists the persons known by D (reported in files dated up to D).
    known = one(f"SELECT count(*) FROM {KNOWN_VERSION}", {"day": report_day()})
    assert known < one("SELECT count(*) FROM persons")  # the demo reports some persons after D
    assert subheader_number(at, "人员明细") == known
    start, end = trend_range()
    assert caption_number(at, r"区间合计 ([\d,]+) 人") == one(
        "SELECT count(*) FROM persons WHERE arrived_on BETWEEN $s AND $e", {"s": start, "e": end})


def test_neighbourhood_endings_add_up_to_the_kpis(board_env):
    at = open_page("roster")
    day = report_day()
    table = table_with(at, "3日内解除")
    tomorrow = f"{day + dt.timedelta(days=1):%m-%d}解除"
    assert int(table[tomorrow].sum()) == int(metric_value(at, "今日解除").replace(",", ""))
    assert int(table["3日内解除"].sum()) == int(metric_value(at, "3日内解除").replace(",", ""))
    import os

    from metrics_oracle import load_tables, roster_figures
    assert int(table["3日内解除"].sum()) == roster_figures(load_tables(os.environ["BOARD_DB"]), day, 3)["ending_soon"]


def test_measure_filter_narrows_the_person_table(board_env):
    at = open_page("roster")
    everyone = subheader_number(at, "人员明细")
    at.selectbox(key="pf_measure").set_value("home_quarantine")
    rerun(at)
    expected = one(f"SELECT count(*) FROM {KNOWN_VERSION} WHERE measure = 'home_quarantine'", {"day": report_day()})
    assert 0 < expected < everyone
    assert subheader_number(at, "人员明细") == expected
    assert set(table_with(at, "报送来源")["管控措施"]) == {labels.MEASURE["home_quarantine"]}
    assert at.query_params["measure"] == "home_quarantine"


def test_link_reproduces_a_filtered_view(board_env):
    at = open_page("roster", {"measure": "health_observation", "pstatus": "active", "source": "community"})
    assert at.selectbox(key="pf_measure").value == "health_observation"
    assert at.selectbox(key="pf_pstatus").value == "active"
    expected = one(f"""SELECT count(*) FROM persons JOIN {KNOWN_VERSION} v USING (person_key)
                       WHERE v.measure = 'health_observation' AND v.status = 'active'
                         AND has_community_report AND NOT has_enterprise_report""", {"day": report_day()})
    assert subheader_number(at, "人员明细") == expected
    table = table_with(at, "报送来源")
    assert len(table) == min(expected, 1000)
    assert set(table["报送来源"]) <= {labels.PERSON_SOURCE["community"]}


@pytest.fixture
def narrowed(board_env):
    gen = current_generation()
    code, name = busiest_neighbourhood()
    return gen, make_clock(gen), Scope(codes=(code,)), code, name


def test_queries_under_a_narrowed_scope(narrowed):
    gen, clock, scope, code, name = narrowed
    start, end = clock.day - dt.timedelta(days=29), clock.day
    by_nb = q.persons_by_neighbourhood(gen, scope, start, end, clock.day, 3)
    assert by_nb["neighbourhood_code"].tolist() == [code]
    assert by_nb.at[0, "arrivals"] == one("SELECT count(*) FROM persons WHERE neighbourhood_code = $c "
                                          "AND arrived_on BETWEEN $s AND $e", {"c": code, "s": start, "e": end})
    daily = q.arrivals_by_day_and_source(gen, scope, start, end)
    assert daily["n"].sum() == by_nb.at[0, "arrivals"]
    provinces = q.arrivals_by_province(gen, scope, start, end)
    assert provinces["n"].sum() == by_nb.at[0, "arrivals"]
    people = q.persons_ending_first(gen, scope, clock.day, limit=100000)
    assert set(people["neighbourhood"]) == {name}
    assert len(people) == q.count_persons(gen, scope, day=clock.day) == one(
        f"SELECT count(*) FROM persons JOIN {KNOWN_VERSION} v USING (person_key) WHERE neighbourhood_code = $c",
        {"c": code, "day": clock.day})
    assert "room" not in people.columns and "room" in q.persons_ending_first(
        gen, Scope(codes=(code,), show_room=True), clock.day).columns
    blind = q.blind_spot_persons(gen, scope, clock.day)
    assert len(blind) == one(f"SELECT count(*) FROM persons WHERE {BLIND} AND neighbourhood_code = $c",
                             {"c": code, "day": clock.day})
    assert set(blind["neighbourhood"]) <= {name}


@pytest.mark.parametrize("days", [1, 12])
def test_quarantine_timeline_counts_each_day_as_known_that_day(narrowed, days):
    """Each day of the timeline holds what docs/metrics.md says of that day alone: each
    person's latest report known by that day decides (so the day's count is 居家隔离 +
    集中隔离 + 健康观察 of that day), periods begun before the window included."""
    import os

    from metrics_oracle import home_neighbourhoods, load_tables, persons_at, under_measure
    gen, clock, scope, code, _ = narrowed
    tables = load_tables(os.environ["BOARD_DB"])
    homes = home_neighbourhoods(tables)
    here = set(homes[homes == code].index)
    start = clock.day - dt.timedelta(days=7 + days - 1)
    end = clock.day - dt.timedelta(days=7)
    timeline = q.quarantine_timeline(gen, scope, start, end)
    assert len(timeline) == days
    for row in timeline.itertuples():
        day = row.day.date() if hasattr(row.day, "date") else row.day
        known = persons_at(tables, day)
        known = known[known.person_key.isin(here)]
        under = known[known.apply(lambda person: under_measure(person, day), axis=1)]
        expected = (len(under), int((under.start == day).sum()), int((under.end == day).sum()))
        assert (row.in_quarantine, row.starting, row.ending) == expected, day
    assert timeline["in_quarantine"].max() > 0


def test_past_person_table_shows_each_persons_report_of_that_day(board_env):
    """A person released after D is listed for D with the report known by D (in care), not
    with today's status."""
    day = dt.date(2020, 2, 20)
    gen = current_generation()
    people = q.persons_ending_first(gen, Scope(), day, limit=100000)
    expected = one(f"SELECT count(*) FROM {KNOWN_VERSION} WHERE status = 'active'", {"day": day})
    assert expected != one(f"SELECT count(*) FROM {KNOWN_VERSION} WHERE status = 'active'", {"day": report_day()})
    assert int((people["status"] == "active").sum()) == expected
    assert len(people) == q.count_persons(gen, Scope(), day=day) == one(f"SELECT count(*) FROM {KNOWN_VERSION}",
                                                                        {"day": day})


def test_status_filter_of_a_past_day_reads_that_day(board_env):
    """On a past report day the status filter picks the persons by their report known by
    that day, and the blind spot is that day's."""
    day = dt.date(2020, 2, 20)
    at = open_page("roster", {"d": day.isoformat(), "pstatus": "released"})
    released = f"SELECT count(*) FROM {KNOWN_VERSION} WHERE status = 'released'"
    expected = one(released, {"day": day})
    assert expected != one(released, {"day": report_day()})  # the day differs from today: the test can tell
    assert subheader_number(at, "人员明细") == expected
    blind = one(f"SELECT count(*) FROM persons WHERE {BLIND}", {"day": day})
    assert blind != one(f"SELECT count(*) FROM persons WHERE {BLIND}", {"day": report_day()})
    assert subheader_number(at, "排摸盲区") == blind
    assert int(metric_value(at, "居委盲区").replace(",", "")) == blind


@pytest.mark.parametrize("day", [dt.date(2020, 2, 20), None])
def test_person_table_cut_at_its_limit_keeps_the_full_order(board_env, day):
    """The person table's first `limit` rows are those of the whole sorted list, whether
    the limit falls among the persons in care, at a tie of end dates, or among the released
    (the query cuts the versions before reading the persons)."""
    from boardkit.data.db import query
    gen = current_generation()
    day = day or report_day()
    order = ["done", "quarantine_end", "arrived_on", "name_masked"]
    full = query(gen, f"""SELECT v.status <> 'active' AS done, v.quarantine_end, p.arrived_on, p.name_masked
                          FROM persons p JOIN {KNOWN_VERSION} v USING (person_key)
                          ORDER BY done, v.quarantine_end NULLS LAST, p.arrived_on DESC, p.name_masked""",
                 {"day": day})
    in_care = int((~full["done"]).sum())
    ends = full["quarantine_end"].astype(str)
    tie = int(next(i for i in range(1, len(full)) if ends[i] == ends[i - 1] and not full["done"][i]))
    assert 0 < in_care < len(full)
    for limit in (1, tie, in_care, in_care + 3, len(full)):
        people = q.persons_ending_first(gen, Scope(), day, limit=limit)
        got = people.assign(done=people["status"] != "active")[order].astype(str).reset_index(drop=True)
        assert got.equals(full[order].head(limit).astype(str)), limit
