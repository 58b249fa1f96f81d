"""Work-resumption files of every shape -> exact `enterprises`, rejects and warnings.

- enterprises_utf8.csv   fast path; GCJ-02 coordinates, `1,200`, enum words, a wrong check
                         character and a short USCC (rejects), on-site over total, a negative
                         count, reviewed before applied, unknown status/pledge, a duplicate,
                         missing code and name
- enterprises.xlsx       merged title rows, synonyms, date cells, number cells, a full-width
                         USCC, a lowercase USCC, blank status -> not_applied
- enterprises_gbk.csv    GB18030, full-width digits `２０`, spaces inside a number ` 1 8 `,
                         `2020年2月3日` / `2020.2.4` / `20200205`
- enterprises_utf16.txt  UTF-16 tab-separated, Excel serial dates as text
- enterprises.xls        4 title rows, two-row header (复工申请 over 审核状态 | 复工申请日期),
                         a date cell, a wrong check character (reject)
- enterprises_bom.csv    UTF-8 BOM, shuffled columns, `＊统一社会信用代码`, `企业名称（全称）`,
                         `员工\\n总数`, ` 所属居民区 `, an unknown 联系人 column with names,
                         an application dated in the future (reject), a blank row, 合计
"""
from __future__ import annotations

import pytest

from etl_helpers import DAY, FILES, issues, load, personal_values, query, runs

U = personal_values()["uscc"]
U_BAD = personal_values()["uscc_bad"]

COLUMNS = ("uscc, name, industry, address, neighbourhood, neighbourhood_code, employees_total, "
           "employees_from_outside, employees_on_site, application_status, applied_on, reviewed_on, resumed_on, "
           "contact_phone_masked, utensil_pledge")


def e(code, name, industry, address, nb, nb_code, total, outside, on_site, status, applied=None, reviewed=None,
      resumed=None, phone=None, pledge=None):
    return (code, name, industry, address, nb, nb_code, total, outside, on_site, status, applied, reviewed,
            resumed, phone, pledge)


EXPECTED = sorted([
    e(U["canteen"], "上海南码头餐饮有限公司", "餐饮", "临沂路2301弄10号", "临沂三村居民区", "310115010012", 50, 10, 30,
      "approved", DAY(2020, 2, 5), DAY(2020, 2, 7), DAY(2020, 2, 10), "138****0000", True),
    # neighbourhood from the address (浦三路1-100弄 -> 八一)
    e(U["logistics"], "上海浦三物流有限公司", "物流", "浦三路1弄8号", "八一居民区", "310115010001", 1200, 0, 800,
      "pending", DAY(2020, 2, 6), None, None, "021****0000", False),
    e(U["dup"], "重复的公司", None, None, "八一居民区", "310115010001", 25, None, None, "pending"),
    e(U["hardware"], "上海港机五金店", "零售", "港机路201弄1号", "六里五居民区", "310115010002", 5, 1, 5, "approved",
      DAY(2020, 2, 8), DAY(2020, 2, 9), DAY(2020, 2, 10), "139****1234", True),
    e(U["barber"], "东盛理发店", "服务", None, "东盛居民区", "310115010004", 3, None, None, "not_applied"),
    e(U["market"], "金星超市", "零售", None, "金星居民区", "310115010008", 20, None, 18, "approved",
      DAY(2020, 2, 3), DAY(2020, 2, 4), DAY(2020, 2, 5), "158****5555"),
    e(U["pharmacy"], "微山药房", "医药", None, "微山居民区", "310115010021", None, None, None, "returned",
      DAY(2020, 2, 3), DAY(2020, 2, 4)),
    e(U["fastfood"], "鹏欣快餐", None, None, "鹏欣居民区", "310115010011", 12, None, None, "pending", DAY(2020, 2, 7)),
    e(U["bakery"], "临沂面包房", None, None, "临沂五村居民区", "310115010009", 8, None, None, "not_applied"),
])

REJECTS = [
    ("enterprises_utf8.csv", 4, "uscc", U_BAD, "bad_uscc", "统一社会信用代码不正确（18位，校验位不符）"),
    ("enterprises_utf8.csv", 5, "uscc", "9131011512345", "bad_uscc", "统一社会信用代码不正确（18位，校验位不符）"),
    ("enterprises_utf8.csv", 6, "employees_on_site", "12", "over_total", "在岗人数不能大于员工总数"),
    ("enterprises_utf8.csv", 7, "employees_total", "-3", "bad_integer", "员工总数应为不小于 0 的整数"),
    ("enterprises_utf8.csv", 8, "reviewed_on", "2020-02-08", "reviewed_before_applied", "审核日期早于申请日期"),
    ("enterprises_utf8.csv", 9, "application_status", "待定", "unknown_value", "审核状态的取值不在可选范围内"),
    ("enterprises_utf8.csv", 10, "utensil_pledge", "不清楚", "unknown_value", "公筷公勺承诺的取值不在可选范围内"),
    ("enterprises_utf8.csv", 11, "uscc", None, "duplicate_in_file", "同一文件中统一社会信用代码重复，以第 12 行为准"),
    ("enterprises_utf8.csv", 13, "uscc", None, "required_missing", "缺少必填项：统一社会信用代码"),
    ("enterprises_utf8.csv", 14, "name", None, "required_missing", "缺少必填项：企业名称"),
    ("enterprises.xls", 8, "uscc", U_BAD, "bad_uscc", "统一社会信用代码不正确（18位，校验位不符）"),
    ("enterprises_bom.csv", 5, "applied_on", "2202-02-07", "future_date", "复工申请日期晚于当前时间"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("enterprises") / "board.duckdb"
    order = ["enterprises_utf8.csv", "enterprises.xlsx", "enterprises_gbk.csv", "enterprises_utf16.txt",
             "enterprises.xls", "enterprises_bom.csv"]
    assert sorted(order) == sorted(FILES["enterprises"])
    return db_path, load("enterprises", order, db_path)


def test_runs(loaded):
    _, results = loaded
    assert runs(results) == [
        ("enterprises_utf8.csv", "loaded", 13, 3, 10, 0),
        ("enterprises.xlsx", "loaded", 2, 2, 0, 0),
        ("enterprises_gbk.csv", "loaded", 1, 1, 0, 0),
        ("enterprises_utf16.txt", "loaded", 1, 1, 0, 0),
        ("enterprises.xls", "loaded", 2, 1, 1, 0),
        ("enterprises_bom.csv", "loaded", 2, 1, 1, 0),
    ]
    # `企业名称（全称）`, `员工\n总数`, ` 所属居民区 ` are known; 联系人 is not (and is not stored)
    assert "未识别的列已忽略：联系人；" in results[5].message
    assert "跳过空行 1 行、合计行 1 行" in results[5].message


def test_table_contents(loaded):
    assert query(loaded[0], f"SELECT {COLUMNS} FROM enterprises ORDER BY uscc") == EXPECTED


def test_rejects(loaded):
    assert issues(loaded[0]) == REJECTS


def test_no_warnings(loaded):
    assert issues(loaded[0], "etl_warnings") == []


def test_gcj02_coordinates_converted_to_wgs84(loaded):
    import prcoords
    lat, lon = prcoords.gcj_wgs_bored((31.189, 121.5135))
    rows = query(loaded[0], "SELECT uscc, lon, lat FROM enterprises WHERE lon IS NOT NULL")
    assert [r[0] for r in rows] == [U["canteen"]]
    assert rows[0][1] == pytest.approx(lon, abs=1e-6) and rows[0][2] == pytest.approx(lat, abs=1e-6)
