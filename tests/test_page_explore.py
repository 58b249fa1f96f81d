"""查询 page on the demo database: results equal our own SQL, filters narrow them, links
reproduce a view, and no identity or room column reaches a viewer who may not see it."""
from __future__ import annotations

import pytest

from page_helpers import COMMITTEE, STAFF, direct, neighbourhoods, one, open_page, rerun, sign_in_required

PAGE = "pages/explore.py"


def result(at):
    return at.dataframe[0].value


def grouped(at) -> dict:
    """First column -> measure; groups whose measure is empty (a sum of nothing) left out."""
    frame = result(at)
    return {k: v for k, v in zip(frame.iloc[:, 0], frame.iloc[:, -1]) if v == v}


def test_default_lists_every_ticket_masked(board_env):
    at = open_page(PAGE)
    frame = result(at)
    assert len(frame) == one("SELECT count(*) FROM hotline_tickets")
    assert {"工单编号", "受理时间", "诉求内容（已脱敏）", "来电号码（脱敏）"} <= set(frame.columns)
    assert at.query_params["ds"] == "hotline"
    assert [b.proto.label for b in at.get("download_button")] == ["下载 CSV", "下载 Excel"]


def test_group_by_neighbourhood_then_filter_by_status(board_env):
    at = open_page(PAGE)
    at.multiselect(key="ex_by_hotline").set_value(["neighbourhood"])
    rerun(at)
    expected = {name or "未填": n for name, n in direct(
        "SELECT neighbourhood, count(*) FROM hotline_tickets GROUP BY ALL")}
    assert grouped(at) == expected
    assert at.query_params["by"] == "neighbourhood"
    assert "按居民区" in at.subheader[0].value

    at.multiselect(key="ex_fcols_hotline").set_value(["status"])
    rerun(at)
    at.multiselect(key="ex_f_hotline_status").set_value(["closed"])
    rerun(at)
    closed = {name or "未填": n for name, n in direct(
        "SELECT neighbourhood, count(*) FROM hotline_tickets WHERE status = 'closed' GROUP BY ALL")}
    assert grouped(at) == closed
    assert sum(closed.values()) < sum(expected.values())
    assert at.query_params["f.status"] == "closed"


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", '"; DROP TABLE hotline_tickets; --'])
def test_hostile_text_filters_match_nothing_and_break_nothing(board_env, hostile):
    before = one("SELECT count(*) FROM hotline_tickets")
    at = open_page(PAGE, {"ds": "hotline", "f.content": hostile})
    assert result(at).empty
    assert any("没有符合条件" in i.value for i in at.info)
    assert one("SELECT count(*) FROM hotline_tickets") == before


def test_a_link_reproduces_a_grouped_filtered_view(board_env):
    link = {"ds": "alarms", "by": "alarm_type", "f.status": "open,in_progress"}
    at = open_page(PAGE, link)
    assert at.selectbox(key="ex_ds").value == "alarms"
    assert at.multiselect(key="ex_f_alarms_status").value == ["open", "in_progress"]
    names = {"door_open": "开门", "offline": "离线", "low_battery": "低电量", "tamper": "防拆", "doorbell": "按铃"}
    expected = {names[t]: n for t, n in direct(
        "SELECT alarm_type, count(*) FROM alarms WHERE status IN ('open', 'in_progress') GROUP BY ALL")}
    assert grouped(at) == expected
    assert {k: at.query_params[k] for k in link} == link


def test_sum_over_a_number_and_two_dimensions(board_env):
    at = open_page(PAGE, {"ds": "enterprises", "by": "industry", "m": "sum", "mc": "employees_total"})
    assert grouped(at) == {industry or "未填": total for industry, total in direct(
        "SELECT industry, sum(employees_total) FROM enterprises GROUP BY ALL HAVING sum(employees_total) IS NOT NULL")}
    at = open_page(PAGE, {"ds": "hotline", "by": "received_at,topic", "grain": "week"})
    frame = result(at)
    assert list(frame.columns) == ["受理时间", "话题", "数量（件）"]
    assert frame["数量（件）"].sum() == one("SELECT count(*) FROM hotline_tickets")
    assert frame["受理时间"].nunique() == one("SELECT count(DISTINCT date_trunc('week', received_at)) FROM hotline_tickets")


def test_date_and_number_ranges_narrow(board_env):
    day = one("SELECT CAST(max(received_at) AS DATE) FROM hotline_tickets")
    at = open_page(PAGE, {"ds": "hotline", "f.received_at": f"{day}~{day}"})
    assert len(result(at)) == one("SELECT count(*) FROM hotline_tickets WHERE CAST(received_at AS DATE) = ?", [day])
    at = open_page(PAGE, {"ds": "enterprises", "f.employees_total": "10~50"})
    assert len(result(at)) == one("SELECT count(*) FROM enterprises WHERE employees_total BETWEEN 10 AND 50")


def test_persons_show_masked_identity_only(board_env):
    at = open_page(PAGE, {"ds": "persons"})
    frame = result(at)
    assert len(frame) == one("SELECT count(*) FROM persons")
    assert "person_key" not in frame.columns and not any("key" in c for c in frame.columns)
    assert frame["证件号（脱敏）"].str.contains(r"\*{4}").all()
    assert frame["姓名（脱敏）"].str.contains(r"\*").all()
    keys = {k for (k,) in direct("SELECT person_key FROM persons LIMIT 50")}
    assert not keys & set(frame.astype(str).stack())


def test_shared_neighbourhood_filter_narrows_the_result(board_env):
    code, name = neighbourhoods()[2]
    at = open_page(PAGE, {"ds": "hotline", "by": "status"})
    whole = result(at).iloc[:, -1].sum()
    at = open_page(PAGE, {"ds": "hotline", "by": "status", "nb": code})  # the sidebar's 居民区, as a link
    narrowed = result(at).iloc[:, -1].sum()
    assert narrowed == one("SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = ?", [code]) < whole
    assert at.query_params["nb"] == code


def test_rooms_by_role(board_env, tmp_path, monkeypatch):
    at = open_page(PAGE, {"ds": "persons"})  # sign-in off: a leader, who may see rooms
    assert "室号" in result(at).columns
    sign_in_required(monkeypatch, tmp_path)
    at = open_page(PAGE, {"ds": "persons", "f.room": "101"}, user=STAFF)
    assert "室号" not in result(at).columns and len(result(at)) == one("SELECT count(*) FROM persons")
    code = neighbourhoods()[0][0]
    at = open_page(PAGE, {"ds": "hotline", "by": "neighbourhood"}, user=COMMITTEE)
    assert result(at).iloc[:, -1].sum() == one(
        "SELECT count(*) FROM hotline_tickets WHERE neighbourhood_code = ?", [code])
