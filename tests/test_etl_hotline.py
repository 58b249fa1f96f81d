"""Hotline (12345) files of every shape -> exact `hotline_tickets`, rejects and warnings.

The fixture files (tests/data/etl/hotline_*) and what each one exercises:
- hotline_utf8.csv   UTF-8, Arrow fast path: date/time formats, enum words incl. unknown
                     ones, a duplicate key, closed before received, a future date,
                     missing values, an unknown neighbourhood, IDs and phones in the text
- hotline_bom.csv    UTF-8 BOM, 2 title rows, shuffled columns, ` 工单编号 `, `＊受理时间`,
                     a line break in `诉求\\n内容`, `诉求类型（必选）`, unknown columns,
                     blank rows, blank trailing columns, a 合计 row, stray spaces
- hotline_gbk.csv    GB18030, a title row, every header a synonym, full-width digits/letters
- hotline_utf16.txt  UTF-16 tab-separated, English canonical headers, an Excel serial as text
- hotline.xlsx       a notes sheet first, merged title rows, Excel date cells, a serial
                     number cell, GCJ-02 coordinates, a blank row, padded columns, 合计
- hotline.xls        5 title rows, two-row header (办理情况 over 工单状态 | 办结时间), date cells
"""
from __future__ import annotations

import pytest

from etl_helpers import FILES, D, issues, load, query, runs

COLUMNS = ("ticket_id, received_at, request_type, content, address, room, neighbourhood, neighbourhood_code, "
           "handling_unit, due_at, due_at_given, closed_at, status, satisfaction, first_contact, channel, "
           "repeat_of, caller_phone_masked")

N = {  # the reference pack's neighbourhoods used here: name -> code
    "八一居民区": "310115010001", "六里五居民区": "310115010002", "港机居民区": "310115010003",
    "东盛居民区": "310115010004", "临沂三村居民区": "310115010012", "临沂一村居民区": "310115010014",
    "南码头居民区": "310115010017", "浦三居民区": "310115010018", "六里一居民区": "310115010020",
    "微山居民区": "310115010021", "塘桥新村居民区": "310115010022", "鹏欣居民区": "310115010011",
}


def t(ticket, received, kind, content, address, room, nb, unit, due, due_given, closed, status,
      satisfaction=None, first=None, channel=None, repeat=None, phone=None):
    return (ticket, received, kind, content, address, room, nb, N.get(nb), unit, due, due_given, closed,
            status, satisfaction, first, channel, repeat, phone)


# Due dates where the file gave none: received + N working days (inquiry 1, others 5);
# 2020-02-03 is a Monday, the first working day after the extended Spring Festival.
EXPECTED = sorted([
    t("H001", D(2020, 2, 3, 9, 0), "complaint", "居民反映临沂路2301弄有人从湖北回沪未居家隔离，来电人电话159****5678",
      "临沂路2301弄3号", "501室", "临沂三村居民区", "南码头路街道城运中心", D(2020, 2, 10, 9, 0), False, None,
      "in_progress", channel="phone", phone="138****0001"),
    t("H002", D(2020, 2, 3, 14, 5, 33), "inquiry", "咨询哪里可以买到口罩", None, None, "八一居民区", "街道社区办",
      D(2020, 2, 4, 18, 0), True, D(2020, 2, 4, 10, 30), "closed", "satisfied", True, "web", None, "021****1234"),
    t("H003", D(2020, 2, 3), "help", "本人身份证310115********1232丢失，请联系186****5678", "浦三路1弄2号", None,
      "八一居民区", None, D(2020, 2, 10), False, None, "new", None, False, "app", None, "139****0002"),
    # the later of two rows with the same key wins
    t("H004", D(2020, 2, 3, 10, 0), "complaint", "第二次导出的内容", None, None, "八一居民区", None,
      D(2020, 2, 10, 10, 0), False, None, "in_progress"),
    # unknown request type and channel -> other; unknown neighbourhood -> NULL (with a warning)
    t("H008", D(2020, 2, 3, 12, 0), "other", "来访反映楼道堆物", None, None, None, None, D(2020, 2, 10, 12, 0),
      False, None, "in_progress", channel="other", repeat="H002"),
    t("H011", D(2020, 2, 3, 8, 30), "inquiry", "咨询复工证明怎么开", "临沂路2305弄1号", None, "临沂三村居民区", None,
      D(2020, 2, 4, 8, 30), False, None, "closed"),
    t("H012", D(2020, 2, 3, 8, 30), "complaint", "投诉楼上装修噪音", None, None, "东盛居民区", None,
      D(2020, 2, 10, 8, 30), False, None, "in_progress"),
    t("H021", D(2020, 2, 3, 14, 5), "suggestion", "建议在小区门口设置测温点", "港机路201弄5号", "1202室", "六里五居民区",
      "城管中队", D(2020, 2, 5, 17, 0), True, D(2020, 2, 4, 16, 20), "closed", "basic", True, "phone", None,
      "137****0003"),
    t("H022", D(2020, 2, 3, 14, 5), "report", "举报有人聚集打牌", None, None, "港机居民区", None,
      D(2020, 2, 10, 14, 5), False, None, "in_progress", None, False, "app"),
    t("H031", D(2020, 2, 3, 14, 5), "praise", "表扬居委干部", None, None, "临沂一村居民区", None,
      D(2020, 2, 10, 14, 5), False, None, "closed"),
    t("H032", D(2020, 2, 3, 12, 0), "inquiry", "Excel序列号日期", None, None, "南码头居民区", None,
      D(2020, 2, 4, 12, 0), False, None, "in_progress"),
    t("H041", D(2020, 2, 3, 14, 5), "inquiry", "咨询隔离政策", None, None, "微山居民区", None,
      D(2020, 2, 4, 14, 5), False, D(2020, 2, 4, 9, 0), "closed"),
    t("H042", D(2020, 2, 3, 14, 15), "help", "求助购买口罩", None, None, "塘桥新村居民区", None,
      D(2020, 2, 10, 14, 15), False, None, "in_progress"),
    t("H043", D(2020, 2, 3), "complaint", "投诉工单被退回", None, None, "浦三居民区", None,
      D(2020, 2, 10), False, None, "returned"),
    # no 诉求类型 column in the XLS -> other
    t("H051", D(2020, 2, 3, 14, 5, 33), "other", "咨询返沪登记", None, None, "六里一居民区", None,
      D(2020, 2, 10, 14, 5, 33), False, D(2020, 2, 4, 10, 0), "closed"),
    t("H052", D(2020, 2, 3, 14, 5), "other", "投诉快递不让进小区", None, None, "鹏欣居民区", None,
      D(2020, 2, 10, 14, 5), False, None, "in_progress"),
])

REJECTS = [
    ("hotline_utf8.csv", 5, "ticket_id", None, "duplicate_in_file", "同一文件中工单编号重复，以第 10 行为准"),
    ("hotline_utf8.csv", 6, "closed_at", "2020-02-04 09:00", "closed_before_received", "办结时间早于受理时间"),
    ("hotline_utf8.csv", 7, "received_at", "2202-02-03 10:00", "future_date", "受理时间晚于当前时间"),
    ("hotline_utf8.csv", 8, "status", "挂起", "unknown_value", "工单状态的取值不在可选范围内"),
    ("hotline_utf8.csv", 11, "ticket_id", None, "required_missing", "缺少必填项：工单编号"),
    ("hotline_utf8.csv", 12, "content", None, "required_missing", "缺少必填项：诉求内容"),
    ("hotline_utf8.csv", 12, "received_at", None, "required_missing", "缺少必填项：受理时间"),
    ("hotline_utf8.csv", 13, "received_at", "2020-13-45 10:00", "bad_timestamp", "受理时间无法识别为日期时间"),
    ("hotline.xlsx", 9, "closed_at", "2020-02-04 09:00:00", "closed_before_received", "办结时间早于受理时间"),
    ("hotline.xls", 10, "received_at", "2020-02-30 10:00", "bad_timestamp", "受理时间无法识别为日期时间"),
]

WARNINGS = [
    ("hotline_utf8.csv", 9, "neighbourhood", "火星居委", "neighbourhood_unresolved",
     "无法确定所属居民区（名称不在参考数据中，地址也无法匹配）"),
    ("hotline_bom.csv", 4, "closed_at", None, "closed_without_time", "工单已办结但无办结时间，按受理时间计为办结，请补填"),
    ("hotline_utf16.txt", 2, "closed_at", None, "closed_without_time", "工单已办结但无办结时间，按受理时间计为办结，请补填"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("hotline") / "board.duckdb"
    results = load("hotline", FILES["hotline"], db_path)
    return db_path, results


def test_runs(loaded):
    db_path, results = loaded
    assert runs(results) == [
        ("hotline_utf8.csv", "loaded", 12, 5, 7, 1),
        ("hotline_bom.csv", "loaded", 2, 2, 0, 1),
        ("hotline_gbk.csv", "loaded", 2, 2, 0, 0),
        ("hotline_utf16.txt", "loaded", 2, 2, 0, 1),
        ("hotline.xlsx", "loaded", 4, 3, 1, 0),
        ("hotline.xls", "loaded", 3, 2, 1, 0),
    ]
    bom = results[1].message
    assert "未识别的列已忽略：序号、备注" in bom and "跳过空行 2 行、合计行 1 行" in bom
    assert "跳过空行 1 行、合计行 1 行" in results[4].message
    assert query(db_path, "SELECT file_name, status, rows_read, rows_loaded, rows_rejected, rows_warned "
                          "FROM etl_runs ORDER BY run_id") == runs(results)


def test_table_contents(loaded):
    db_path, _ = loaded
    assert query(db_path, f"SELECT {COLUMNS} FROM hotline_tickets ORDER BY ticket_id") == EXPECTED


def test_rejects(loaded):
    assert issues(loaded[0]) == REJECTS


def test_warnings(loaded):
    assert issues(loaded[0], "etl_warnings") == WARNINGS


def test_gcj02_coordinates_converted_to_wgs84(loaded):
    import prcoords
    lat, lon = prcoords.gcj_wgs_bored((31.189, 121.5135))
    [(got_lon, got_lat)] = query(loaded[0], "SELECT lon, lat FROM hotline_tickets WHERE ticket_id = 'H041'")
    assert got_lon == pytest.approx(lon, abs=1e-6) and got_lat == pytest.approx(lat, abs=1e-6)
    assert abs(got_lon - 121.5135) > 0.003  # GCJ-02 is offset by a few hundred metres in Shanghai
    assert query(loaded[0], "SELECT count(*) FROM hotline_tickets WHERE lon IS NOT NULL") == [(1,)]


def test_fast_path_with_line_breaks_inside_quotes(db_path):
    """A UTF-8 CSV with no blank lines goes to Arrow's reader; a header cell and a value with
    a line break inside quotes are one record each: no row lost, Excel's row numbers kept."""
    [r] = load("hotline", ["hotline_multiline.csv"], db_path)
    assert runs([r]) == [("hotline_multiline.csv", "loaded", 3, 2, 1, 2)]  # neither neighbourhood nor address
    assert query(db_path, "SELECT ticket_id, received_at, content, status FROM hotline_tickets ORDER BY 1") == [
        ("M1", D(2020, 2, 3, 9, 0), "第一行 第二行", "in_progress"),
        ("M3", D(2020, 2, 3, 10, 0), "正常", "closed"),
    ]
    assert issues(db_path) == [
        ("hotline_multiline.csv", 4, "status", "挂起", "unknown_value", "工单状态的取值不在可选范围内")]


def test_free_text_keeps_its_punctuation_dates_fold_theirs(db_path, tmp_path):
    """Full-width digits fold everywhere (a phone number typed in them is still redacted);
    －／．： fold in a time, and stay as written in a ticket's text, as ， does."""
    path = tmp_path / "fullwidth.csv"
    path.write_text("工单编号,受理时间,诉求内容,发生地址,工单状态\n"
                    "Ｗ１,2020－02－03 14：05,市民反映：电话１３９１２３４５６７８，１０．５元／斤,临沂路１００弄５号１０１室,处理中\n"
                    "W2,2020-02-03 15:00,正常：无全角,临沂路100弄6号,处理中\n", encoding="utf-8")
    [r] = load("hotline", [path], db_path)
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 2, 0), r.message
    assert query(db_path, "SELECT ticket_id, received_at, content, address, room FROM hotline_tickets ORDER BY 1") == [
        ("W1", D(2020, 2, 3, 14, 5), "市民反映：电话139****5678，10．5元／斤", "临沂路100弄5号", "101室"),
        ("W2", D(2020, 2, 3, 15, 0), "正常：无全角", "临沂路100弄6号", None),
    ]


def test_header_with_line_breaks_and_crlf_rows(db_path, tmp_path):
    """Excel's CSV: header cells holding a line break (LF, inside quotes), rows ending in CRLF.
    Every row is read, with Excel's row numbers (the loader before Arrow's reader read none
    of them from such a demo file, and said the file held only its header)."""
    path = tmp_path / "crlf.csv"
    path.write_bytes('工单编号,"受理\n时间",诉求内容,"所属\n居委"\r\n'
                     'C1,2020-02-03 09:00,第一件,八一\r\nC2,2020-02-03 10:00,第二件,港机\r\n'
                     'C3,不是时间,第三件,八一\r\n'.encode("utf-8"))
    [r] = load("hotline", [path], db_path)
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_rejected) == ("loaded", 3, 2, 1), r.message
    assert query(db_path, "SELECT ticket_id, received_at, content, neighbourhood FROM hotline_tickets ORDER BY 1") == [
        ("C1", D(2020, 2, 3, 9, 0), "第一件", "八一居民区"), ("C2", D(2020, 2, 3, 10, 0), "第二件", "港机居民区")]
    assert issues(db_path) == [("crlf.csv", 4, "received_at", "不是时间", "bad_timestamp", "受理时间无法识别为日期时间")]
