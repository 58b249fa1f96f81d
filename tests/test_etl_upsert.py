"""A later export updates stored records by their key (data-contract.md, "Upserts"):
status moves forward, a known closed_at/handled_at is never blanked, a closed ticket or
handled alarm is not reopened by a stale export, and a column the later file does not
have keeps its stored value. Each file is its own load (its own generation), as in use."""
from __future__ import annotations

from etl_helpers import D, load, query

TICKET = "SELECT ticket_id, status, closed_at, handling_unit, satisfaction FROM hotline_tickets ORDER BY ticket_id"
ALARM = "SELECT alarm_id, status, handled_at, handled_by_masked, response_minutes FROM alarms ORDER BY alarm_id"


def test_hotline_later_exports(db_path):
    [r] = load("hotline", ["hotline_day1.csv"], db_path)
    assert r.status == "loaded"
    assert query(db_path, TICKET) == [
        ("U1", "in_progress", None, "城管中队", None),
        ("U2", "closed", D(2020, 2, 4, 10, 0), "社区办", "satisfied"),
    ]

    # Day 2: U1 in_progress -> closed; U2's 办结时间 is blank this time: the known one is kept.
    load("hotline", ["hotline_day2.csv"], db_path)
    assert query(db_path, TICKET) == [
        ("U1", "closed", D(2020, 2, 5, 9, 0), "城管中队", "satisfied"),
        ("U2", "closed", D(2020, 2, 4, 10, 0), "社区办", "satisfied"),
    ]

    # Day 3, a stale export: U1 still 处理中 with no 办结时间, and no 承办部门 / 满意度 columns.
    load("hotline", ["hotline_day3_stale.csv"], db_path)
    assert query(db_path, TICKET) == [
        ("U1", "closed", D(2020, 2, 5, 9, 0), "城管中队", "satisfied"),
        ("U2", "closed", D(2020, 2, 4, 10, 0), "社区办", "satisfied"),
        ("U3", "in_progress", None, None, None),
    ]
    assert query(db_path, "SELECT count(*), count(DISTINCT generation) FROM etl_runs WHERE status = 'loaded'") \
        == [(3, 3)]
    assert query(db_path, "SELECT count(*) FROM etl_rejects") == [(0,)]


def test_alarm_later_exports(db_path):
    load("alarms", ["alarms_day1.csv"], db_path)
    assert query(db_path, ALARM) == [("A1", "open", None, None, None)]

    load("alarms", ["alarms_day2.csv"], db_path)
    assert query(db_path, ALARM) == [("A1", "handled", D(2020, 2, 3, 20, 12), "马**", 12.0)]

    # Stale: 未处置 with a blank 处置时间 and no 处置人 column -> nothing of the handling is lost.
    load("alarms", ["alarms_day3_stale.csv"], db_path)
    assert query(db_path, ALARM) == [("A1", "handled", D(2020, 2, 3, 20, 12), "马**", 12.0)]


def test_roster_cumulative_sheet_updates_its_rows(db_path, tmp_path):
    """A committee's cumulative daily sheet: the same person, committee and arrival day is the
    same report, so the second day's sheet updates it instead of adding a row."""
    from etl_helpers import personal_values
    number = personal_values()["ids"]["shen"]
    header = "姓名,身份证号,居民区,抵沪日期,管控措施,隔离开始日期,状态\n"
    day1 = tmp_path / "排摸_0204.csv"
    day1.write_text(header + f"沈从文,{number},临沂七村,2020-02-04,居家隔离,2020-02-04,在管\n", encoding="utf-8")
    day2 = tmp_path / "排摸_0218.csv"
    day2.write_text(header + f"沈从文,{number},临沂七村居委,2020-02-04,居家隔离,2020-02-04,已解除\n"
                    + f"沈从文,{number},临沂七村,2020-03-01,无,,在管\n", encoding="utf-8")
    load("roster", [day1], db_path)
    load("roster", [day2], db_path)
    assert query(db_path, "SELECT arrived_on, measure, status, quarantine_end FROM roster_reports "
                          "ORDER BY arrived_on") == [
        (D(2020, 2, 4).date(), "home_quarantine", "released", D(2020, 2, 18).date()),
        (D(2020, 3, 1).date(), "none", "active", None),
    ]
    assert query(db_path, "SELECT count(*), min(status) FROM persons") == [(1, "active")]


def test_a_big_later_export_in_another_order_follows_the_same_rules(db_path, tmp_path):
    """Past upsert.SORT_ABOVE rows the file's rows are put in stored order before the MERGE
    (for speed); the rules must come out the same as for a small file."""
    from random import Random

    from etl.upsert import SORT_ABOVE

    header = "工单编号,受理时间,诉求类型,诉求内容,承办部门,满意度,工单状态,办结时间\n"
    count = SORT_ABOVE + 1000
    ids = [f"B{i:05d}" for i in range(count)]

    def day1(i):  # even tickets still open, odd ones closed and rated
        if i % 2 == 0:
            return f"{ids[i]},2020-02-03 09:00,投诉,噪音扰民,城管中队,,处理中,\n"
        return f"{ids[i]},2020-02-03 10:00,咨询,口罩购买,社区办,满意,已办结,2020-02-04 10:00\n"

    def day2(i):  # the open ones closed now; the closed ones without 办结时间 this time
        if i % 2 == 0:
            return f"{ids[i]},2020-02-03 09:00,投诉,噪音扰民,城管中队,基本满意,已办结,2020-02-05 09:00\n"
        return f"{ids[i]},2020-02-03 10:00,咨询,口罩购买,社区办,满意,已办结,\n"

    first, later = tmp_path / "big_day1.csv", tmp_path / "big_day2.csv"
    first.write_text(header + "".join(day1(i) for i in range(count)), encoding="utf-8")
    order = list(range(count)) + list(range(count, count + 100))
    Random(7).shuffle(order)
    ids += [f"B{i:05d}" for i in range(count, count + 100)]  # new tickets in the later export
    later.write_text(header + "".join(day2(i) if i < count else
                                      f"{ids[i]},2020-02-05 11:00,求助,核酸检测点,卫生中心,,处理中,\n"
                                      for i in order), encoding="utf-8")
    assert [r.status for r in load("hotline", [first], db_path) + load("hotline", [later], db_path)] \
        == ["loaded", "loaded"]

    expected = [(ids[i], "closed", D(2020, 2, 5, 9, 0), "城管中队", "basic") if i % 2 == 0 else
                (ids[i], "closed", D(2020, 2, 4, 10, 0), "社区办", "satisfied") for i in range(count)]
    expected += [(ids[i], "in_progress", None, "卫生中心", None) for i in range(count, count + 100)]
    assert query(db_path, TICKET) == sorted(expected)
    assert query(db_path, "SELECT count(*) FROM open_tickets") == [(100,)]
