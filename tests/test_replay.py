"""A replay of the meeting of D+1: the brief for D made from only the files dated up to D
equals the brief for D made after the rest of the season was loaded, except the figures
that later files legitimately change facts about (docs/metrics.md, Time)."""
from __future__ import annotations

import datetime as dt

import pytest

from etl.roster_versions import name_date

END = dt.date(2020, 2, 22)     # the season's last full day is 02-21
DAY = dt.date(2020, 2, 14)     # the report day replayed (inside the daily exports)

# Figures a file dated after D may still change for D, and why:
LATER_FACTS = {
    # ratings and first-contact calls are recorded after the ticket (later exports carry them)
    "satisfaction_rate": "评价在办结之后才录入",
    "satisfaction_score": "评价在办结之后才录入",
    "first_contact_rate": "先行联系情况在受理之后才录入",
    # the median response of alarms raised on D counts answers whenever they came
    "median_response": "统计日的报警在次日才处置的，处置时间在之后的文件中",
    # a person who arrived on D may be reported days later (arrived_on is the fact, not the file date)
    "arrivals": "抵沪人员可能在抵沪数日后才被报送",
    # a later export gives the hotline system's 办理时限 for a ticket whose earlier export had
    # none (so it was computed), or moves the ticket's received/closed time
    "hotline_overdue": "之后的导出补填了办理时限",
    # a resumption on D is reported in the enterprise export after D
    "enterprise_resumed": "复工日期为统计日的企业在之后的导出中才填报",
    # an application dated D may first appear in a later export
    "enterprise_pending": "申请日期为统计日及之前的企业可能在之后的导出中首次出现",
    "enterprise_pending_past_threshold": "同上",
    "enterprise_approved": "审核日期在统计日及之前的结果可能在之后的导出中才出现",
    "enterprise_returned": "同上",
    "pledge_coverage": "承诺书情况在之后的导出中补录",
}


@pytest.fixture(scope="module")
def season_files(tmp_path_factory):
    from demo.generate import write_demo_files
    out = tmp_path_factory.mktemp("replay-files")
    return write_demo_files(out, "subdistrict", 2020, END, 14, volume_factor=0.1)


def test_brief_before_and_after_the_later_files(season_files, tmp_path, isolated_board_env):
    from boardkit.brief.build import build_brief
    from boardkit.data.db import current_generation
    from etl.load import LoadOptions, load_files
    db = tmp_path / "board.duckdb"
    early = [p for p in season_files if name_date(p) is not None and name_date(p) <= DAY]
    later = [p for p in season_files if p not in early]
    assert early and later
    options = LoadOptions(classify=False, now=dt.datetime(2020, 3, 1))
    load_files(None, early, db, options)
    before = build_brief(current_generation(db), DAY).figures
    load_files(None, later, db, options)
    after = build_brief(current_generation(db), DAY).figures
    changed = {k for k in before if (before[k].value, before[k].previous) != (after[k].value, after[k].previous)}
    assert changed <= set(LATER_FACTS), {k: (before[k], after[k]) for k in changed - set(LATER_FACTS)}
    # What the meeting decides on holds: calls, alarms, open and overdue at 24:00, persons
    # under a measure by the reports known by D, and quarantines ending soon.
    for key in ("hotline_received", "hotline_open", "on_time_rate", "home_quarantine",
                "central_quarantine", "health_observation", "ending_next_day", "ending_soon", "alarm_alarms",
                "alarm_unhandled", "alarm_past_threshold"):
        assert key not in changed, key
    assert before["home_quarantine"].value and before["hotline_open"].value  # the day has data
    if "hotline_overdue" in changed:  # only through due dates a later file gave
        from etl_helpers import query
        assert query(db, "SELECT count(*) FROM hotline_tickets WHERE due_at_given AND run_id IN "
                         "(SELECT run_id FROM etl_runs WHERE file_name IN (SELECT unnest(?)))",
                     [[p.name for p in later]])[0][0] > 0
