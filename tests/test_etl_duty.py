"""The duty roster (值班表) in both shapes -> exact `duty_shifts` and rejects.

- a calendar grid (.xlsx): a merged title row, dates down without a year (`12月1日`) beside
  a 星期 column, roles across, a leader's cell merged over three days, name and phone in
  one cell, a phone on the line under a name, two names in a cell sharing the `值班员电话`
  column, an empty slot, a phone with no name, an impossible date;
- one row a duty (.csv): a night shift crossing midnight (`17:30-次日08:30`), a day shift,
  an unknown role, no name, an impossible time;
- a later file replaces every stored duty of the dates it covers, loaded apart or in one batch.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from etl.readers import detect_source
from etl_helpers import D, DAY, issues, load, override_settings, query, runs

NOW = D(2026, 12, 7, 12, 0)
COLUMNS = "duty_date, shift, starts_at, ends_at, role, name, phone, row_number"


def grid_file(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["南码头路街道城运中心值班表 2026年12月"])
    sheet.merge_cells("A1:F1")
    sheet.append(["日期", "星期", "带班领导", "值班长", "值班员", "值班员电话"])
    sheet.append(["12月1日", "星期二", "王建国 13900000001", "李敏 021-58880002", "赵磊、孙丽", "021-58880001"])
    sheet.append(["12月2日", "星期三", None, None, "周杰\n13900000003", None])
    sheet.append(["12月3日", "星期四", None, "13900000004", None, None])   # a phone, no name; no officer
    sheet.append(["12月32日", "星期五", "钱多多", None, "吴刚", None])       # no such day
    sheet.merge_cells("C3:C5")  # 王建国 leads the 1st to the 3rd
    book.save(path)
    return path


def rows_file(path):
    path.write_text("日期,班次,时段,岗位,姓名,值班电话\n"
                    "2026-12-02,夜班,17:30-次日08:30,值班员,郑重,13900000009\n"
                    "2026-12-02,白班,08:30-17:30,带班领导,冯军,021-58880003\n"
                    "2026-12-02,白班,08:30-17:30,司机,王五,\n"
                    "2026-12-05,白班,08:30-17:30,值班员,,\n"
                    "2026/12/6,夜班,25:00-08:00,值班员,冯七,\n", encoding="utf-8")
    return path


def whole_day(day, role, name, phone, row):
    start = D(day.year, day.month, day.day, 8, 30)
    return (day, "全天", start, start + dt.timedelta(days=1), role, name, phone, row)


GRID_ROWS = [
    whole_day(DAY(2026, 12, 1), "chief", "李敏", "021-58880002", 3),
    whole_day(DAY(2026, 12, 1), "lead", "王建国", "13900000001", 3),
    whole_day(DAY(2026, 12, 1), "officer", "孙丽", "021-58880001", 3),
    whole_day(DAY(2026, 12, 1), "officer", "赵磊", "021-58880001", 3),
    whole_day(DAY(2026, 12, 2), "lead", "王建国", "13900000001", 4),
    whole_day(DAY(2026, 12, 2), "officer", "周杰", "13900000003", 4),
    whole_day(DAY(2026, 12, 3), "lead", "王建国", "13900000001", 5),
]
GRID_REJECTS = [
    ("grid.xlsx", 5, "name", None, "required_missing", "缺少必填项：姓名"),
    # both people of the row with the impossible date, under the sheet's row number
    ("grid.xlsx", 6, "duty_date", "2026-12-32", "bad_date", "日期无法识别为日期"),
    ("grid.xlsx", 6, "duty_date", "2026-12-32", "bad_date", "日期无法识别为日期"),
]


def stored(db_path):
    return query(db_path, f"SELECT {COLUMNS} FROM duty_shifts ORDER BY duty_date, shift, role, name")


def test_calendar_grid(db_path, tmp_path):
    results = load("duty", [grid_file(tmp_path / "grid.xlsx")], db_path, NOW)
    assert runs(results) == [("grid.xlsx", "loaded", 10, 7, 3, 0)]
    assert stored(db_path) == GRID_ROWS
    assert issues(db_path) == GRID_REJECTS
    # the wall screen's form of a name: the surname
    assert query(db_path, "SELECT DISTINCT name, name_masked FROM duty_shifts WHERE name IN ('王建国', '李敏') "
                          "ORDER BY name") == [("李敏", "李*"), ("王建国", "王**")]


def test_one_row_a_duty_with_a_night_shift_crossing_midnight(db_path, tmp_path):
    results = load("duty", [rows_file(tmp_path / "rows.csv")], db_path, NOW)
    assert runs(results) == [("rows.csv", "loaded", 5, 2, 3, 0)]
    assert stored(db_path) == [
        (DAY(2026, 12, 2), "夜班", D(2026, 12, 2, 17, 30), D(2026, 12, 3, 8, 30), "officer", "郑重", "13900000009", 2),
        (DAY(2026, 12, 2), "白班", D(2026, 12, 2, 8, 30), D(2026, 12, 2, 17, 30), "lead", "冯军", "021-58880003", 3),
    ]
    assert issues(db_path) == [
        ("rows.csv", 4, "role", "司机", "unknown_value", "岗位的取值不在可选范围内"),
        ("rows.csv", 5, "name", None, "required_missing", "缺少必填项：姓名"),
        ("rows.csv", 6, "period", "25:00-08:00", "bad_time", "时段无法识别（应如 08:30-17:30 或 17:30-次日08:30）"),
    ]


@pytest.mark.parametrize("one_batch", [False, True])
def test_a_later_file_replaces_the_dates_it_covers(db_path, tmp_path, one_batch):
    files = [grid_file(tmp_path / "grid.xlsx"), rows_file(tmp_path / "rows.csv")]
    if one_batch:
        load("duty", files, db_path, NOW)
    else:
        load("duty", files[:1], db_path, NOW)
        load("duty", files[1:], db_path, NOW)
    # The 2nd is the rows file's now (its two shifts); the 1st and 3rd stay the grid's.
    days = query(db_path, "SELECT duty_date, shift, role, name FROM duty_shifts ORDER BY ALL")
    assert days == [(DAY(2026, 12, 1), "全天", r, n) for r, n in (("chief", "李敏"), ("lead", "王建国"),
                                                                   ("officer", "孙丽"), ("officer", "赵磊"))] + [
        (DAY(2026, 12, 2), "夜班", "officer", "郑重"), (DAY(2026, 12, 2), "白班", "lead", "冯军"),
        (DAY(2026, 12, 3), "全天", "lead", "王建国")]


def test_the_same_grid_again_changes_nothing_but_a_reissue_replaces(db_path, tmp_path):
    load("duty", [grid_file(tmp_path / "grid.xlsx")], db_path, NOW)
    book = openpyxl.load_workbook(tmp_path / "grid.xlsx")
    book.active["E3"] = "赵磊"  # 孙丽 is off the 1st in the re-issued sheet
    book.save(tmp_path / "grid_v2.xlsx")
    load("duty", [tmp_path / "grid_v2.xlsx"], db_path, NOW)
    assert query(db_path, "SELECT name FROM duty_shifts WHERE duty_date = '2026-12-01' AND role = 'officer'") \
        == [("赵磊",)]
    assert query(db_path, "SELECT count(*) FROM duty_shifts") == [(len(GRID_ROWS) - 1,)]


def test_blank_shift_needs_a_whole_day_shift(db_path, tmp_path, monkeypatch):
    override_settings(monkeypatch, {"duty_shifts": "白班 08:30-17:30；夜班 17:30-08:30"})
    path = tmp_path / "blank.csv"
    path.write_text("日期,班次,岗位,姓名\n2026-12-02,,值班员,郑重\n2026-12-02,夜班,值班员,冯七\n", encoding="utf-8")
    load("duty", [path], db_path, NOW)
    assert query(db_path, f"SELECT {COLUMNS} FROM duty_shifts") == [
        (DAY(2026, 12, 2), "夜班", D(2026, 12, 2, 17, 30), D(2026, 12, 3, 8, 30), "officer", "冯七", None, 3)]
    assert [i[:5] for i in issues(db_path)] == [("blank.csv", 2, "shift", None, "shift_unknown")]


def test_ingest_detects_both_shapes(tmp_path):
    assert detect_source(grid_file(tmp_path / "grid.xlsx")).name == "duty"
    assert detect_source(rows_file(tmp_path / "rows.csv")).name == "duty"
