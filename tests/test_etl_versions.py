"""What the loader keeps for figures of a past day (metrics.md, Time):

- a given due date (办理时限) survives a later export without that column, and `rederive`
  recomputes only computed ones;
- every version of a roster report, dated by its file (name, else the newest date inside);
- the warnings of rules metrics.md counts by (no neighbourhood and no address; closed or
  handled without a time; decided without a review date).
"""
from __future__ import annotations

from etl_helpers import D, DAY, issues, load, query


def _csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_given_due_date_kept_by_a_later_file_without_the_column(db_path, tmp_path):
    first = _csv(tmp_path / "12345_20200203.csv",
                 "工单编号,受理时间,诉求类型,诉求内容,所属居委,办理时限,工单状态\n"
                 "G1,2020-02-03 09:00,投诉,噪音扰民,八一,2020-02-20 18:00,处理中\n"   # given
                 "G2,2020-02-03 09:00,投诉,楼道堆物,八一,,处理中\n")                  # blank: computed
    later = _csv(tmp_path / "12345_20200205.csv",   # no 办理时限 column
                 "工单编号,受理时间,诉求类型,诉求内容,所属居委,工单状态,办结时间\n"
                 "G1,2020-02-03 09:00,投诉,噪音扰民,八一,已办结,2020-02-05 10:00\n"
                 "G2,2020-02-03 09:00,咨询,楼道堆物,八一,已办结,2020-02-05 10:00\n")
    load("hotline", [first, later], db_path)
    # G2 became an inquiry: its computed due date follows (1 working day); G1 keeps the given one.
    assert query(db_path, "SELECT ticket_id, due_at, due_at_given, closed_at FROM hotline_tickets ORDER BY 1") == [
        ("G1", D(2020, 2, 20, 18, 0), True, D(2020, 2, 5, 10, 0)),
        ("G2", D(2020, 2, 4, 9, 0), False, D(2020, 2, 5, 10, 0)),
    ]


def test_rederive_recomputes_only_computed_due_dates(db_path, tmp_path):
    from etl.rederive import rederive
    path = _csv(tmp_path / "h.csv", "工单编号,受理时间,诉求类型,诉求内容,所属居委,办理时限\n"
                                    "R1,2020-02-03 09:00,投诉,噪音,八一,2020-02-03 10:00\n"
                                    "R2,2020-02-03 09:00,投诉,噪音,八一,\n")
    load("hotline", [path], db_path)
    rederive(db_path)
    assert query(db_path, "SELECT ticket_id, due_at, due_at_given FROM hotline_tickets ORDER BY 1") == [
        ("R1", D(2020, 2, 3, 10, 0), True), ("R2", D(2020, 2, 10, 9, 0), False)]


def test_warnings_for_rows_counted_by_a_rule(db_path, tmp_path):
    hotline = _csv(tmp_path / "h.csv", "工单编号,受理时间,诉求内容,所属居委,发生地址,工单状态,办结时间\n"
                                       "W1,2020-02-03 09:00,无处可归,,,处理中,\n"
                                       "W2,2020-02-03 09:00,有居委,八一,,已办结,\n"
                                       "W3,2020-02-03 09:00,有地址,,临沂路2301弄3号,已办结,2020-02-04 09:00\n")
    alarms = _csv(tmp_path / "a.csv", "报警编号,设备编号,报警类型,报警时间,处置状态,处置时间,居民区\n"
                                      "A1,MC1,开门,2020-02-03 20:00,已处置,,八一\n"
                                      "A2,MC1,开门,2020-02-03 21:00,误报,,八一\n"
                                      "A3,MC1,开门,2020-02-03 22:00,已处置,2020-02-03 22:05,八一\n")
    enterprises = _csv(tmp_path / "e.csv", "统一社会信用代码,企业名称,所属居民区,审核状态,复工申请日期,审核日期\n"
                                           "91310115MA1FL0001N,甲,八一,已通过,2020-02-05,\n"
                                           "91310115MA1FL0002R,乙,八一,待审核,2020-02-06,\n")
    load("hotline", [hotline], db_path)
    load("alarms", [alarms], db_path)
    load("enterprises", [enterprises], db_path)
    assert issues(db_path, "etl_warnings") == [
        ("h.csv", 2, "neighbourhood", None, "no_neighbourhood_no_address",
         "既无所属居民区也无地址，无法归入居民区，请补填"),
        ("h.csv", 3, "closed_at", None, "closed_without_time", "工单已办结但无办结时间，按受理时间计为办结，请补填"),
        ("a.csv", 2, "handled_at", None, "handled_without_time", "报警已处置但无处置时间，按报警时间计为处置，请补填"),
        ("e.csv", 2, "reviewed_on", None, "decided_without_review_date",
         "复工申请已审核（通过或退回）但无审核日期，按申请日期计为审核，请补填"),
    ]
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(3,)]  # warned rows are loaded


ROSTER_HEADER = "姓名,身份证号,居民区,抵沪日期,管控措施,隔离开始日期,隔离结束日期,状态\n"


def test_every_version_of_a_roster_report_with_its_file_date(db_path, tmp_path):
    # A committee's cumulative sheet, three days: the 10th repeats the 9th (no new version);
    # the 11th releases the person early. A file without a date in its name is dated by its
    # newest arrival or quarantine start.
    day8 = _csv(tmp_path / "来沪人员_20200208.csv", ROSTER_HEADER +
                "沈从文,310115197003030147,八一,2020-02-08,居家隔离,2020-02-08,,\n")
    day9 = _csv(tmp_path / "来沪人员_2020-02-09.csv", ROSTER_HEADER +
                "沈从文,310115197003030147,八一,2020-02-08,集中隔离,2020-02-08,2020-02-22,在管\n")
    day10 = _csv(tmp_path / "来沪人员_20200210.csv", ROSTER_HEADER +
                 "沈从文,310115197003030147,八一,2020-02-08,集中隔离,2020-02-08,2020-02-22,在管\n")
    undated = _csv(tmp_path / "来沪人员补报.csv", ROSTER_HEADER +
                   "沈从文,310115197003030147,八一,2020-02-08,集中隔离,2020-02-08,2020-02-22,已解除\n"
                   "韩寒冰,310104197104040150,八一,2020-02-11,居家隔离,2020-02-11,,\n")
    load("roster", [day8, day9, day10, undated], db_path)
    assert query(db_path, """SELECT r.name_masked, v.file_date, v.measure, v.quarantine_start, v.quarantine_end,
                                    v.status FROM roster_versions v JOIN roster_reports r USING (report_key)
                             ORDER BY r.name_masked, v.file_date""") == [
        ("沈**", DAY(2020, 2, 8), "home_quarantine", DAY(2020, 2, 8), DAY(2020, 2, 22), "active"),
        ("沈**", DAY(2020, 2, 9), "central_quarantine", DAY(2020, 2, 8), DAY(2020, 2, 22), "active"),
        ("沈**", DAY(2020, 2, 11), "central_quarantine", DAY(2020, 2, 8), DAY(2020, 2, 22), "released"),
        ("韩**", DAY(2020, 2, 11), "home_quarantine", DAY(2020, 2, 11), DAY(2020, 2, 25), "active"),
    ]
    # The timeline: each version from its file date until the next; the release since the 11th.
    assert query(db_path, """SELECT t.valid_from, t.valid_to, t.measure, t.status, t.status_since
                             FROM person_timeline t JOIN persons p USING (person_key)
                             WHERE p.name_masked = '沈**' ORDER BY t.valid_from""") == [
        (DAY(2020, 2, 8), DAY(2020, 2, 9), "home_quarantine", "active", DAY(2020, 2, 8)),
        (DAY(2020, 2, 9), DAY(2020, 2, 11), "central_quarantine", "active", DAY(2020, 2, 8)),
        (DAY(2020, 2, 11), None, "central_quarantine", "released", DAY(2020, 2, 11)),
    ]
