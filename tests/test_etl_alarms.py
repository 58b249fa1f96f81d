"""Door-sensor alarm files of every shape -> exact `alarms`, rejects and warnings.

- alarms_utf8.csv   fast path; enum words and synonyms, a derived alarm_id (blank 报警编号),
                    handled before raised, a future alarm, unknown type/status/device type,
                    a missing device, a duplicate, a phone in the note, handler names
- alarms.xlsx       merged title row, synonyms, date cells, a serial number cell,
                    full-width lowercase letters in the device number
- alarms_gbk.csv    GB18030, `年月日 时分` timestamps
- alarms_utf16.txt  UTF-16 tab-separated, `2020.2.3 19:00`
- alarms.xls        3 title rows, two-row header (处置情况 over 处置状态 | 处置人 | 处置时间),
                    date cells, an impossible time (reject)
- alarms_bom.csv    UTF-8 BOM, a title row, shuffled columns, `处置状态（必填）`, ` 报警编号 `,
                    `＊设备编号`, `报警\n时间`, an unknown column, stray spaces in values,
                    `20200203 05:30`, a blank row, a blank trailing column, 总计
"""
from __future__ import annotations

import pytest

from etl_helpers import D, FILES, issues, load, query, runs

COLUMNS = ("alarm_id, device_id, device_type, alarm_type, raised_at, neighbourhood, neighbourhood_code, address, "
           "room, status, handled_by_masked, handled_at, note, response_minutes")


def a(alarm_id, device, dtype, atype, raised, nb=None, code=None, status="open", by=None, handled=None,
      note=None, minutes=None, address=None, room=None):
    return (alarm_id, device, dtype, atype, raised, nb, code, address, room, status, by, handled, note, minutes)


EXPECTED = sorted([
    # no neighbourhood or address, and no roster record of MC001 in this database
    a("BJ001", "MC001", "door_sensor", "door_open", D(2020, 2, 3, 22, 10)),
    a("BJ002", "MC002", "door_sensor", "door_open", D(2020, 2, 3, 22, 10), "八一居民区", "310115010001", "handled",
      "陈**", D(2020, 2, 3, 22, 25), "已电话联系住户177****5678，确认本人在家", 15.0, "浦三路1弄5号", "302室"),
    a("MC003-20200203080000-doorbell", "MC003", "video_doorbell", "doorbell", D(2020, 2, 3, 8, 0), "港机居民区",
      "310115010003", "false_alarm", "王**", D(2020, 2, 3, 8, 5), "快递员按铃", 5.0),
    a("BJ004", "MC004", "door_sensor", "offline", D(2020, 2, 3, 9, 0), "港机居民区", "310115010003", "in_progress"),
    a("BJ010", "MC010", "door_sensor", "low_battery", D(2020, 2, 3, 13, 0), "港机居民区", "310115010003",
      "pre_reported"),
    a("BJ021", "MC021", "door_sensor", "tamper", D(2020, 2, 3, 23, 0), "东盛居民区", "310115010004", "handled",
      "刘**", D(2020, 2, 3, 23, 30), "已更换设备", 30.0, "浦三路701弄3号", "101室"),
    a("BJ022", "MC022", "door_sensor", "door_open", D(2020, 2, 3, 22, 30), "东盛居民区", "310115010004"),
    a("BJ031", "MC031", "door_sensor", "offline", D(2020, 2, 3, 6, 30), "南码头居民区", "310115010017"),
    a("BJ041", "MC041", "video_doorbell", "doorbell", D(2020, 2, 3, 19, 0), "微山居民区", "310115010021",
      "in_progress"),
    a("BJ051", "MC051", "door_sensor", "tamper", D(2020, 2, 3, 7, 0), "鹏欣居民区", "310115010011", "handled",
      "林**", D(2020, 2, 3, 7, 45), None, 45.0),
    a("BJ061", "MC061", "door_sensor", "tamper", D(2020, 2, 3, 5, 0), "临沂五村居民区", "310115010009", "handled",
      "黄**", D(2020, 2, 3, 5, 20), None, 20.0),
    a("BJ062", "MC062", "door_sensor", "door_open", D(2020, 2, 3, 5, 30), "临沂五村居民区", "310115010009"),
])

REJECTS = [
    ("alarms_utf8.csv", 6, "handled_at", "2020-02-03 09:00", "handled_before_raised", "处置时间早于报警时间"),
    ("alarms_utf8.csv", 7, "raised_at", "2202-02-03 10:00", "future_date", "报警时间晚于当前时间"),
    ("alarms_utf8.csv", 8, "alarm_type", "温度异常", "unknown_value", "报警类型的取值不在可选范围内"),
    ("alarms_utf8.csv", 9, "device_id", None, "required_missing", "缺少必填项：设备编号"),
    ("alarms_utf8.csv", 10, "status", "已忽略", "unknown_value", "处置状态的取值不在可选范围内"),
    ("alarms_utf8.csv", 11, "alarm_id", None, "duplicate_in_file", "同一文件中报警编号重复，以第 12 行为准"),
    ("alarms_utf8.csv", 13, "device_type", "烟感", "unknown_value", "设备类型的取值不在可选范围内"),
    ("alarms.xls", 7, "raised_at", "2020-02-03 25:00", "bad_timestamp", "报警时间无法识别为日期时间"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("alarms") / "board.duckdb"
    order = ["alarms_utf8.csv", "alarms.xlsx", "alarms_gbk.csv", "alarms_utf16.txt", "alarms.xls", "alarms_bom.csv"]
    assert sorted(order) == sorted(FILES["alarms"])
    return db_path, load("alarms", order, db_path)


def test_runs(loaded):
    _, results = loaded
    assert runs(results) == [
        ("alarms_utf8.csv", "loaded", 12, 5, 7, 0),
        ("alarms.xlsx", "loaded", 2, 2, 0, 0),
        ("alarms_gbk.csv", "loaded", 1, 1, 0, 0),
        ("alarms_utf16.txt", "loaded", 1, 1, 0, 0),
        ("alarms.xls", "loaded", 2, 1, 1, 0),
        ("alarms_bom.csv", "loaded", 2, 2, 0, 0),
    ]
    assert "未识别的列已忽略：备注" in results[5].message and "跳过空行 1 行、合计行 1 行" in results[5].message


def test_table_contents(loaded):
    assert query(loaded[0], f"SELECT {COLUMNS} FROM alarms ORDER BY alarm_id") == EXPECTED


def test_rejects(loaded):
    assert issues(loaded[0]) == REJECTS


def test_no_warnings(loaded):
    assert issues(loaded[0], "etl_warnings") == []
