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
