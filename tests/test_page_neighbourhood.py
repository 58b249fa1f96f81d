"""居民区 page on the demo database: the numbers a committee sees equal our own counts."""
from __future__ import annotations

import datetime as dt

import pytest

from page_helpers import COMMITTEE, STAFF, data_now, neighbourhoods, one, open_page, rerun, sign_in_required

PAGE = "pages/neighbourhood.py"


def open_items(code: str) -> dict[str, int]:
    """Our own count of each open-item list, straight from metrics.md."""
    now = data_now()
    day = now.date() - dt.timedelta(days=1)  # report day D: yesterday of the data's "now"
    p = {"code": code, "now": now}
    return {
        "超期工单": one("""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $code AND received_at <= $now
                       AND (closed_at IS NULL OR closed_at > $now) AND status <> 'returned' AND due_at < $now""", p),
        "未处置报警": one("""SELECT count(*) FROM alarms WHERE neighbourhood_code = $code AND raised_at <= $now
                        AND (status IN ('open', 'in_progress')
                             OR (status IN ('handled', 'false_alarm') AND handled_at > $now))""", p),
        "即将解除隔离": one("""SELECT count(*) FROM persons WHERE neighbourhood_code = $code AND status = 'active'
                          AND measure IN ('home_quarantine', 'central_quarantine')
                          AND quarantine_end BETWEEN $d1 AND $d3""",
                       {"code": code, "d1": day + dt.timedelta(days=1), "d3": day + dt.timedelta(days=3)}),
        "待审核企业": one("""SELECT count(*) FROM enterprises WHERE neighbourhood_code = $code
                        AND application_status = 'pending' AND applied_on <= CAST($now AS DATE)""", p),
    }


def busiest() -> str:
    """The neighbourhood with the most open tickets and alarms: every table has rows to check."""
    now = data_now()
    return one("""SELECT neighbourhood_code FROM (
                    SELECT neighbourhood_code FROM hotline_tickets WHERE received_at <= $now
                      AND (closed_at IS NULL OR closed_at > $now) AND status <> 'returned' AND due_at < $now
                    UNION ALL SELECT neighbourhood_code FROM alarms WHERE raised_at <= $now AND status IN ('open', 'in_progress'))
                  WHERE neighbourhood_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", {"now": now})


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


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
    assert metric(at, "超期在办") == f"{expected['超期工单']:,}"
    assert metric(at, "未处置报警") == f"{expected['未处置报警']:,}"
    assert metric(at, "待审核") == f"{expected['待审核企业']:,}"
    assert metric(at, "3日内解除") == f"{expected['即将解除隔离']:,}"
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
    now = data_now()
    red = one("""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = $code AND epidemic_related
                 AND received_at <= $now AND (closed_at IS NULL OR closed_at > $now) AND status <> 'returned'
                 AND due_at < $now""", {"code": code, "now": now}) + \
        one("""SELECT count(*) FROM alarms WHERE neighbourhood_code = $code AND alarm_type = 'door_open'
               AND raised_at < $now - INTERVAL 15 MINUTE
               AND (status IN ('open', 'in_progress') OR (status IN ('handled', 'false_alarm') AND handled_at > $now))""", {"code": code, "now": now})
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
    now = data_now()
    n = len(neighbourhoods())
    total = one("""SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code IS NOT NULL AND received_at <= $now
                   AND (closed_at IS NULL OR closed_at > $now) AND status <> 'returned' AND due_at < $now""",
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
