"""居民区 page on the demo database: the numbers a committee sees equal our own counts."""
from __future__ import annotations

import datetime as dt

import pytest

from page_helpers import (COMMITTEE, STAFF, data_now, direct, metric_value, moment, neighbourhoods, one, open_page,
                          rerun, sign_in_required, table_with)

PAGE = "pages/neighbourhood.py"


# docs/metrics.md at a moment $now: open tickets, unhandled alarms.
OPEN_AT = """AND received_at <= $now AND status <> 'returned'
    AND NOT coalesce(coalesce(closed_at, CASE WHEN status = 'closed' THEN received_at END) <= $now, false)"""
UNHANDLED_AT = """AND raised_at <= $now AND status <> 'pre_reported'
    AND NOT coalesce(coalesce(handled_at, CASE WHEN status IN ('handled', 'false_alarm') THEN raised_at END) <= $now, false)"""


def ending_soon(code: str, day: dt.date) -> int:
    """Persons of the neighbourhood whose quarantine ends in D+1 … D+3, by the independent
    implementation of docs/metrics.md (each person's latest report known by D)."""
    import os

    from metrics_oracle import load_tables, persons_at
    tables = load_tables(os.environ["BOARD_DB"])
    homes = dict(direct("SELECT person_key, neighbourhood_code FROM persons"))
    p = persons_at(tables, day)
    p = p[p.person_key.map(homes) == code]
    return int(sum(m in ("home_quarantine", "central_quarantine") and st == "active" and start is not None
                   and start <= day and end is not None and day + dt.timedelta(days=1) <= end <= day + dt.timedelta(days=3)
                   for m, st, start, end in zip(p.measure, p.status, p.start, p.end)))


def open_items(code: str) -> dict[str, int]:
    """Our own count of each open-item list, straight from metrics.md."""
    now = moment()
    day = now.date() - dt.timedelta(days=1)  # report day D: yesterday of the data's "now"
    p = {"code": code, "now": now}
    return {
        "超期工单": one(f"""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $code {OPEN_AT}
                        AND due_at < $now""", p),
        "未处置报警": one(f"""SELECT count(*) FROM alarms WHERE neighbourhood_code = $code {UNHANDLED_AT}""", p),
        "即将解除隔离": ending_soon(code, day),
        "待审核企业": one("""SELECT count(*) FROM enterprises WHERE neighbourhood_code = $code
                        AND application_status IN ('pending', 'approved', 'returned') AND applied_on <= $day
                        AND NOT (application_status <> 'pending' AND coalesce(reviewed_on, applied_on) <= $day)""",
                       {"code": code, "day": day}),
    }


def busiest() -> str:
    """The neighbourhood with the most open tickets and alarms: every table has rows to check."""
    now = moment()
    return one(f"""SELECT neighbourhood_code FROM (
                    SELECT neighbourhood_code FROM hotline_tickets WHERE due_at < $now {OPEN_AT}
                    UNION ALL SELECT neighbourhood_code FROM alarms WHERE true {UNHANDLED_AT})
                  WHERE neighbourhood_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", {"now": now})


def tab_counts(at) -> dict[str, int]:
    return {t.label.split("（")[0]: int(t.label.split("（")[1].rstrip("）")) for t in at.tabs}


def test_default_is_the_first_neighbourhood_and_kept_in_the_link(board_env):
    code, name = neighbourhoods()[0]
    at = open_page(PAGE)
    assert at.title[0].value == name
    assert at.query_params["nb1"] == code
    assert len(at.selectbox(key="nb1_pick").options) == len(neighbourhoods())


def test_open_items_and_figures_equal_direct_counts(board_env):
    code = busiest()
    name = dict(neighbourhoods())[code]
    at = open_page(PAGE, {"nb1": code})  # the link reproduces the view
    assert at.title[0].value == name and at.selectbox(key="nb1_pick").value == code
    expected = open_items(code)
    assert expected["超期工单"] + expected["未处置报警"] > 0
    assert tab_counts(at) == expected
    for title, column in (("超期工单", "工单编号"), ("未处置报警", "报警编号"),
                          ("即将解除隔离", "姓名（脱敏）"), ("待审核企业", "企业名称")):
        if expected[title]:
            assert len(table_with(at, column)) == expected[title], title
    # The KPIs count the same things the tables list.
    assert metric_value(at, "超期在办") == f"{expected['超期工单']:,}"
    assert metric_value(at, "未处置报警") == f"{expected['未处置报警']:,}"
    assert metric_value(at, "待审核") == f"{expected['待审核企业']:,}"
    assert metric_value(at, "3日内解除") == f"{expected['即将解除隔离']:,}"
    # Masked columns only; with sign-in off the viewer is a leader, who may see rooms.
    for frame in at.dataframe:
        assert "person_key" not in frame.value.columns
    if expected["即将解除隔离"]:
        people = table_with(at, "姓名（脱敏）")
        assert people["姓名（脱敏）"].str.contains(r"\*").all() and people["电话（脱敏）"].str.contains(r"\*").all()
        assert "室号" in people.columns


def test_staff_see_no_rooms_and_a_committee_only_its_own(board_env, tmp_path, monkeypatch):
    sign_in_required(monkeypatch, tmp_path)
    code = busiest()
    at = open_page(PAGE, {"nb1": code}, user=STAFF)
    assert at.title[0].value == dict(neighbourhoods())[code]
    assert all("室号" not in frame.value.columns for frame in at.dataframe)
    own, name = neighbourhoods()[0]
    at = open_page(PAGE, {"nb1": code if code != own else neighbourhoods()[1][0]}, user=COMMITTEE)
    assert at.selectbox(key="nb1_pick").value == own and at.title[0].value == name  # another's link: own shown
    assert len(at.selectbox(key="nb1_pick").options) == 1
    assert tab_counts(at) == open_items(own)
    assert not any("对比口径" in frame.value.columns for frame in at.dataframe)  # nothing to compare with


def test_status_colour_follows_the_rules(board_env):
    code = busiest()
    now = moment()
    red = one(f"""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $code AND epidemic_related
                 {OPEN_AT} AND due_at < $now""", {"code": code, "now": now}) + \
        one(f"""SELECT count(*) FROM alarms WHERE neighbourhood_code = $code AND alarm_type = 'door_open'
               AND raised_at < $now - INTERVAL 15 MINUTE {UNHANDLED_AT}""", {"code": code, "now": now})
    at = open_page(PAGE, {"nb1": code})
    badges = {"red": [e.value for e in at.error], "amber": [w.value for w in at.warning],
              "green": [s.value for s in at.success]}
    status = [colour for colour, texts in badges.items() if any("状态：" in t for t in texts)]
    if red:
        assert status == ["red"]
    else:
        assert status in (["amber"], ["green"])


def test_sub_district_average_is_total_over_neighbourhoods(board_env):
    code = busiest()
    now = moment()
    n = len(neighbourhoods())
    total = one(f"""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code IS NOT NULL {OPEN_AT}
                   AND due_at < $now""",
                {"now": now})
    at = open_page(PAGE, {"nb1": code})
    compare = table_with(at, "对比口径").set_index("指标")
    average = total / n
    shown = f"{average:,.0f}" if float(average).is_integer() else f"{average:,.1f}"
    assert compare.loc["超期在办", "对比值"] == shown
    assert compare.loc["超期在办", "本居民区"] == f"{open_items(code)['超期工单']:,}"
    assert compare.loc["超期在办", "对比口径"].startswith("街道平均")
    assert compare.loc["按时办结率", "对比口径"] == "街道整体"
    assert f"街道平均 {shown}" in [c.value for c in at.caption]


def test_choosing_another_neighbourhood_changes_numbers_and_link(board_env):
    codes = [c for c, _ in neighbourhoods()]
    first = busiest()
    quiet = min(codes, key=lambda c: (open_items(c)["超期工单"], c))
    assert open_items(first) != open_items(quiet)
    at = open_page(PAGE, {"nb1": first})
    at.selectbox(key="nb1_pick").set_value(quiet)
    rerun(at)
    assert at.query_params["nb1"] == quiet
    assert at.title[0].value == dict(neighbourhoods())[quiet]
    assert tab_counts(at) == open_items(quiet)


@pytest.mark.parametrize("link", ["nope", "' OR 1=1 --"])
def test_unknown_link_falls_back_to_the_first(board_env, link):
    at = open_page(PAGE, {"nb1": link})
    assert at.selectbox(key="nb1_pick").value == neighbourhoods()[0][0]
