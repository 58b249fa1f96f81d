"""Roster (arrivals and quarantine) files of every shape -> exact `roster_reports`,
rejects and warnings; IDs and phones stored only as keyed hash + masked form.

- roster.xlsx       merged title rows, the contract's two-row header (隔离情况 over
                    开始日期 | 结束日期), date cells, a number cell for a phone, a lowercase x
                    check digit, a failed check digit (warning), a 17-digit ID (reject),
                    future arrival, unknown measure, end before start, a duplicate, 合计
- roster_gbk.csv    GB18030, every header a synonym, enterprise reports, passports
- roster_bom.csv    UTF-8 BOM, 4 title rows, `＊姓名`, ` 身份证号 `, `联系电话（手机）`,
                    `抵沪\\n日期`, full-width ID digits, 年月日 / 20200203 / serial dates,
                    spaces in a phone, a bad phone, a missing name, blank rows, 合计
- roster_utf8.csv   fast path; no neighbourhood (reject), unknown neighbourhood (warning),
                    a region code that did not exist at the birth date (warning)
- roster_utf16.txt  UTF-16 tab-separated, shuffled columns; a date that does not exist
- roster.xls        a title row and the two-row header, date cells
"""
from __future__ import annotations

import hashlib
import hmac

import pytest

from etl_helpers import DAY, FILES, issues, load, personal_values, query, runs

IDS = personal_values()["ids"]
USCC = personal_values()["uscc"]

COLUMNS = ("name_masked, id_type, id_masked, id_valid, phone_masked, neighbourhood, neighbourhood_code, "
           "address, room, origin, origin_province, arrived_on, reported_by, reporter, enterprise_uscc, "
           "measure, quarantine_start, quarantine_end, status, device_id")


def masked(key: str) -> str:
    number = IDS[key].upper()
    return number[:6] + "********" + number[14:]


def community(name, key, phone, nb, code, address, room, origin, province, arrived, measure, start, end,
              status="active", device=None, valid=True, reporter=None):
    return (name, "resident_id", masked(key), valid, phone, nb, code, address, room, origin, province, arrived,
            "community", reporter or code, None, measure, start, end, status, device)


# In load order: file by file (run_id), row by row.
EXPECTED = [
    # roster.xlsx: end blank with a quarantine measure -> start + 14 days
    community("张**", "zhang", "138****5678", "临沂三村居民区", "310115010012", "临沂路2301弄3号", "501室",
              "湖北武汉", "湖北", DAY(2020, 2, 1), "home_quarantine", DAY(2020, 2, 1), DAY(2020, 2, 15),
              device="MC001"),
    community("欧阳**", "ouyang", "139****5678", "八一居民区", "310115010001", "浦三路1弄5号", "302室", "浙江温州",
              "浙江", DAY(2020, 2, 2), "central_quarantine", DAY(2020, 2, 2), DAY(2020, 2, 16)),
    community("李**", "li", "137****1111", "港机居民区", "310115010003", None, None, "阜阳市", "安徽",
              DAY(2020, 2, 3), "health_observation", None, None, valid=False),
    community("周**", "zhou", "136****2223", "东盛居民区", "310115010004", None, None, "北京", "北京",
              DAY(2020, 2, 3), "none", None, None),
    # roster_gbk.csv: enterprise reports; the neighbourhood comes from the address
    ("张**", "resident_id", masked("zhang"), True, "138****5678", "金星居民区", "310115010008", "东方路1501弄8号",
     "1101室", "湖北武汉", "湖北", DAY(2020, 1, 31), "enterprise", USCC["employer"], USCC["employer"],
     "home_quarantine", DAY(2020, 1, 31), DAY(2020, 2, 14), "active", None),
    ("吴**", "resident_id", masked("wu"), True, "135****3333", "金星居民区", "310115010008", "东方路1501弄9号",
     "1102室", "孝感", "湖北", DAY(2020, 2, 2), "enterprise", USCC["employer"], USCC["employer"],
     "home_quarantine", DAY(2020, 2, 2), DAY(2020, 2, 16), "active", None),
    ("冯**", "passport", "E8*****21", True, None, "金星居民区", "310115010008", None, None, "日本东京", None,
     DAY(2020, 2, 3), "community", "310115010008", None, "health_observation", None, None, "active", None),
    # roster_bom.csv
    community("陈**", "chen", "138****4444", "六里四居民区", "310115010010", None, None, None, None,
              DAY(2020, 2, 3), "home_quarantine", DAY(2020, 2, 3), DAY(2020, 2, 17)),
    community("蒋**", "jiang", "021****5555", "鹏欣居民区", "310115010011", None, None, None, None,
              DAY(2020, 2, 3), "none", None, None),
    # roster_utf8.csv
    community("沈**", "shen", None, "临沂七村居民区", "310115010005", "南码头路801弄2号", "601室", None, None,
              DAY(2020, 2, 4), "home_quarantine", DAY(2020, 2, 4), DAY(2020, 2, 18), status="released"),
    # an unknown neighbourhood: loaded, NULL, the given name kept as the reporter
    community("杨**", "yang", None, None, None, None, None, None, None, DAY(2020, 2, 4), "none", None, None,
              reporter="火星居委"),
    # roster_utf16.txt
    community("朱**", "zhu", "139****2222", "微山居民区", "310115010021", None, None, None, None,
              DAY(2020, 2, 5), "central_quarantine", DAY(2020, 2, 5), DAY(2020, 2, 19)),
    # roster.xls
    community("秦**", "qin", None, "塘桥新村居民区", "310115010022", None, None, None, None,
              DAY(2020, 2, 6), "home_quarantine", DAY(2020, 2, 6), DAY(2020, 2, 20)),
]

REJECTS = [
    ("roster.xlsx", 8, "id_number", "41*************04", "bad_id_format", "身份证号格式不对（应为18位，最后一位可为X）"),
    ("roster.xlsx", 9, "arrived_on", "2202-02-01", "future_date", "抵沪日期晚于当前时间"),
    ("roster.xlsx", 10, "measure", "居家观察", "unknown_value", "管控措施的取值不在可选范围内"),
    ("roster.xlsx", 11, "quarantine_end", "2020-02-05", "end_before_start", "隔离结束日期早于开始日期"),
    ("roster.xlsx", 12, "id_number", None, "duplicate_in_file",
     "同一文件中同一人员（身份证号）、报送单位、抵沪日期重复，以第 13 行为准"),
    ("roster_gbk.csv", 4, "enterprise_uscc", None, "required_missing", "企业报送的人员须填写统一社会信用代码"),
    ("roster_bom.csv", 8, "phone", "*****", "bad_phone", "联系电话应为11位手机号或固定电话"),
    ("roster_bom.csv", 10, "name", None, "required_missing", "缺少必填项：姓名"),
    ("roster_utf8.csv", 3, "neighbourhood", None, "required_missing", "缺少居民区，且无法从居住地址确定"),
    ("roster_utf16.txt", 3, "arrived_on", "2020/02/31", "bad_date", "抵沪日期无法识别为日期"),
]

WARNINGS = [
    ("roster.xlsx", 7, "id_number", masked("li"), "id_check_failed", "身份证号校验位或出生日期不正确，请核对"),
    # 310115 (Pudong New Area) was created in 1992: an ID of someone born there in 1970 is suspect
    ("roster_utf8.csv", 2, "id_number", masked("shen"), "id_region_unknown",
     "身份证号的地区码在出生年份尚未设立或已撤销，请核对"),
    ("roster_utf8.csv", 4, "neighbourhood", "火星居委", "neighbourhood_unresolved", "居民区名称不在参考数据中，请核对"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("roster") / "board.duckdb"
    order = ["roster.xlsx", "roster_gbk.csv", "roster_bom.csv", "roster_utf8.csv", "roster_utf16.txt", "roster.xls"]
    assert sorted(order) == sorted(FILES["roster"])
    return db_path, load("roster", order, db_path)


def test_runs(loaded):
    db_path, results = loaded
    assert runs(results) == [
        ("roster.xlsx", "loaded", 9, 4, 5, 1),
        ("roster_gbk.csv", "loaded", 4, 3, 1, 0),
        ("roster_bom.csv", "loaded", 4, 2, 2, 0),
        ("roster_utf8.csv", "loaded", 3, 2, 1, 2),
        ("roster_utf16.txt", "loaded", 2, 1, 1, 0),
        ("roster.xls", "loaded", 1, 1, 0, 0),
    ]
    assert "未识别的列已忽略：序号" in results[0].message
    assert "跳过空行 1 行、合计行 1 行" in results[0].message and "跳过空行 1 行、合计行 1 行" in results[2].message


def test_table_contents(loaded):
    db_path, _ = loaded
    assert query(db_path, f"SELECT {COLUMNS} FROM roster_reports ORDER BY run_id, row_number") == EXPECTED


def test_rejects(loaded):
    assert issues(loaded[0]) == REJECTS


def test_warnings(loaded):
    assert issues(loaded[0], "etl_warnings") == WARNINGS


def test_person_key_is_hmac_of_type_and_id(loaded, secret_key):
    """The stored key is HMAC-SHA256(secret, "id_type:ID") over the folded, upper-case ID, so
    full-width digits and a lowercase x give the same key as the clean number."""
    db_path, _ = loaded
    expected = {}
    for key in ("zhang", "ouyang", "li", "zhou", "wu", "chen", "jiang", "shen", "yang", "zhu", "qin"):
        expected[masked(key)] = hmac.new(secret_key, f"resident_id:{IDS[key].upper()}".encode(),
                                         hashlib.sha256).hexdigest()
    expected["E8*****21"] = hmac.new(secret_key, b"passport:E87654321", hashlib.sha256).hexdigest()
    stored = dict(query(db_path, "SELECT DISTINCT id_masked, person_key FROM roster_reports"))
    assert stored == expected
    from etl.privacy import person_key
    assert person_key("resident_id", IDS["ouyang"].upper(), secret_key) == expected[masked("ouyang")]
