"""The `persons` view: one row per person (person_key), merging community and enterprise
reports of the same ID; the latest report decides measure, dates and status, a community
report decides where the person lives; blind spot = reported only by an enterprise.

Fixtures: roster.xlsx (community: 张三丰 at 临沂三村, arrived 2020-02-01, quarantine
02-01..02-15) and roster_gbk.csv (enterprise 91310115MA1FL0016…: the same 张三丰 with another
address, arrived 01-31, quarantine 01-31..02-14; 吴世勋 reported by the enterprise only;
冯远征, a passport holder reported by a committee)."""
from __future__ import annotations

import pytest

from etl_helpers import DAY, load, personal_values, query

USCC = personal_values()["uscc"]["employer"]
ZHANG_ID = personal_values()["ids"]["zhang"]
ZHANG_MASK = ZHANG_ID[:6] + "********" + ZHANG_ID[14:]

COLUMNS = ("name_masked, id_masked, phone_masked, neighbourhood, address, room, measure, quarantine_start, "
           "quarantine_end, status, arrived_on, sources, id_valid, has_community_report, has_enterprise_report")


@pytest.mark.parametrize("order, latest", [
    (["roster.xlsx", "roster_gbk.csv"], (DAY(2020, 1, 31), DAY(2020, 2, 14))),   # enterprise report latest
    (["roster_gbk.csv", "roster.xlsx"], (DAY(2020, 2, 1), DAY(2020, 2, 15))),    # community report latest
])
def test_community_and_enterprise_reports_merge(order, latest, db_path):
    load("roster", order, db_path)
    assert query(db_path, "SELECT count(*) FROM roster_reports WHERE id_masked = ?", [ZHANG_MASK]) == [(2,)]
    rows = query(db_path, f"SELECT {COLUMNS} FROM persons WHERE id_masked = ?", [ZHANG_MASK])
    assert rows == [(
        "张**", ZHANG_MASK, "138****5678",
        "临沂三村居民区", "临沂路2301弄3号", "501室",           # where he lives: the committee's report
        "home_quarantine", *latest, "active",                  # measure and dates: the latest report
        DAY(2020, 1, 31),                                      # first arrival of all reports
        f"企业:{USCC}；居委:310115010012", True, True, True)]
    # 4 people in the XLSX (one of them twice), 3 in the GBK file, one of whom is 张三丰.
    assert query(db_path, "SELECT count(*), count(DISTINCT person_key) FROM persons") == [(6, 6)]


def test_blind_spot_is_enterprise_only(db_path):
    load("roster", ["roster.xlsx", "roster_gbk.csv"], db_path)
    blind = query(db_path, "SELECT name_masked, neighbourhood, sources FROM persons "
                           "WHERE has_enterprise_report AND NOT has_community_report")
    assert blind == [("吴**", "金星居民区", f"企业:{USCC}")]
    # 冯远征 (passport) was reported by a committee: not a blind spot.
    assert query(db_path, "SELECT has_community_report, has_enterprise_report, id_valid FROM persons "
                          "WHERE id_masked = 'E8*****21'") == [(True, False, True)]


def test_id_valid_false_if_any_report_fails_the_check(db_path):
    load("roster", ["roster.xlsx"], db_path)
    assert query(db_path, "SELECT name_masked, id_valid FROM persons WHERE NOT id_valid") == [("李**", False)]
