"""Writes the raw ETL test files in tests/data/etl/ (run once; the outputs are kept).

    .venv/bin/python tests/data/make_fixtures.py

Each source (hotline, roster, alarms, enterprises) gets the same six shapes of file:
UTF-8 CSV (no blank lines: DuckDB's fast path), UTF-8 with BOM, GB18030, UTF-16
tab-separated `.txt` (Excel's "Unicode text"), `.xlsx` and `.xls` — between them every
mess of data-contract.md ("Messes every reader must handle"). The rows are small and
hand-written so the tests can state the exact table contents. Every person, ID number
and phone number is invented; `personal_values.json` lists the clear values so the
privacy test can look for them in the database.

The CSV/TXT bytes are deterministic. The XLSX/XLS bytes carry the time they were written
(zip entry stamps), so rerunning the script changes the files' SHA-256 but not their
content; the tests never depend on the hashes.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "etl"

D = dt.datetime
DAY = dt.date


# ---------------------------------------------------------------- identifiers

def rid(first17: str) -> str:
    """A resident ID with a correct GB 11643 check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def rid_with_x(prefix14: str) -> str:
    """A valid resident ID whose check character is X (the first sequence number that gives one)."""
    for seq in range(1000):
        number = rid(f"{prefix14}{seq:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit")


def bad_check(number: str) -> str:
    """The same ID with a wrong check digit."""
    good = number[-1]
    return number[:-1] + ("1" if good != "1" else "2")


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17: str) -> str:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights))
    return first17 + _USCC_ALPHABET[(31 - total % 31) % 31]


def bad_uscc(code: str) -> str:
    good = code[-1]
    return code[:-1] + ("1" if good != "1" else "2")


def fullwidth(text: str) -> str:
    """ASCII digits and letters to their full-width forms (２０２０, ＡＢＣ)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# Resident IDs (clear values: only ever in the raw files).
ID = {
    "zhang": rid("31010119850312001"),          # community + enterprise report (persons merge)
    "ouyang": rid_with_x("31011019900715").lower(),  # lowercase x check digit
    "li": bad_check(rid("34120319880101003")),  # check digit fails: loaded with a warning
    "wang": rid("41152819920202004")[:17],      # 17 digits: malformed, rejected
    "zhao": rid("32010219930303005"),           # arrival in the future: rejected
    "qian": rid("31010119940404006"),           # unknown measure: rejected
    "sun": rid("31010419950505007"),            # quarantine end before start: rejected
    "zhou": rid("11010119960606008"),           # twice in one file
    "wu": rid("42090219970707009"),             # enterprise-only: blind spot
    "chen": rid("31011519980808010"),           # full-width digits in the file
    "wei": rid("31011519990909011"),            # bad phone: rejected
    "jiang": rid("31011520000101012"),          # landline, Excel serial date
    "nameless": rid("31011520010202013"),       # name missing: rejected
    "shen": rid("31011519700303014"),           # released; 310115 (Pudong) did not exist in 1970: warning
    "han": rid("31010419710404015"),            # no neighbourhood, no address: rejected
    "yang": rid("31010519720505016"),           # unknown neighbourhood: warning
    "zhu": rid("31011019730606017"),            # UTF-16 file
    "qin": rid("31010119740707018"),            # XLS two-row header
    "ma": rid("31010419750808019"),             # arrival date that does not exist: rejected
}
NAME = {
    "zhang": "张三丰", "ouyang": "欧阳娜娜", "li": "李思远", "wang": "王武成", "zhao": "赵留香",
    "qian": "钱启明", "sun": "孙白发", "zhou": "周久安", "wu": "吴世勋", "zheng": "郑少秋",
    "feng": "冯远征", "chen": "陈思诚", "wei": "卫子夫", "jiang": "蒋大为", "shen": "沈从文",
    "han": "韩寒冰", "yang": "杨玉环", "zhu": "朱自清", "qin": "秦少游", "ma": "马思聪",
}
HANDLERS = ["陈建国", "王小明", "李建华", "刘德华", "林志玲", "黄日华", "马小跳"]
CONTACTS = ["何秀英", "罗志祥"]  # in a column the loader does not know: never stored
PHONE = {
    "zhang": "13812345678", "ouyang": "13912345678", "li": "13700001111", "zhou_old": "13600002222",
    "zhou": "13600002223", "wu": "13500003333", "chen": "13800004444", "zhu": "13911112222",
    "caller1": "13812340001", "caller2": "13912340002", "caller3": "13700000003",
    "text1": "15912345678", "text2": "18612345678", "note": "17712345678",
    "ent1": "13812340000", "ent2": "13900001234", "ent3": "15800005555",
}
PASSPORT = {"zheng": "E12345678", "feng": "E87654321"}
TEXT_ID = rid("31011519900101123")  # an ID number typed into a ticket's text

USCC = {k: uscc(f"91310115MA1FL{n:04d}") for k, n in (
    ("canteen", 1), ("logistics", 2), ("overstaffed", 3), ("negative", 4), ("reviewed_early", 5),
    ("unknown_status", 6), ("unknown_pledge", 7), ("dup", 8), ("noname", 9), ("hardware", 10),
    ("barber", 11), ("market", 12), ("pharmacy", 13), ("fastfood", 14), ("bakery", 15),
    ("employer", 16), ("future", 17))}
USCC_BAD = bad_uscc(uscc("91310115MA1FL0099"))  # check character wrong: rejected


# ---------------------------------------------------------------- writers

def text_rows(rows) -> list[list[str]]:
    return [["" if c is None else str(c) for c in row] for row in rows]


def write_csv(name: str, rows, encoding: str = "utf-8", delimiter: str = ",", newline: str = "\r\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(text_rows(rows))
    path = OUT / name
    data = buffer.getvalue()
    if encoding == "utf-16":  # Excel's "Unicode text": UTF-16 LE with BOM, tabs
        path.write_bytes(b"\xff\xfe" + data.encode("utf-16-le"))
    else:
        path.write_bytes(data.encode(encoding))
    return path


def write_xlsx(name: str, sheets: list[tuple[str, list, list[str]]], pad_columns: int = 0) -> Path:
    """sheets: (title, rows, merged ranges). datetime cells become real Excel date cells.
    pad_columns: blank but formatted columns to the right (a blank trailing column)."""
    import openpyxl
    from openpyxl.styles import PatternFill
    book = openpyxl.Workbook()
    book.remove(book.active)
    fill = PatternFill("solid", fgColor="FFFFCC")
    for title, rows, merges in sheets:
        sheet = book.create_sheet(title)
        width = max((len(r) for r in rows), default=0)
        for i, row in enumerate(rows, 1):
            for j, value in enumerate(row, 1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(i, j, value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy/m/d h:mm" if value.second == 0 else "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
            for j in range(width + 1, width + 1 + pad_columns):
                sheet.cell(i, j).fill = fill
        for merged in merges:
            sheet.merge_cells(merged)
    book.properties.creator = "make_fixtures"
    book.properties.created = book.properties.modified = D(2020, 2, 4, 8, 0)
    path = OUT / name
    book.save(path)
    return path


def write_xls(name: str, rows, merges: list[tuple[int, int, int, int]]) -> Path:
    """merges: (first_row, last_row, first_col, last_col), 0-based, the value taken
    from the top-left cell of `rows`."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    styles = {"dt": xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss"),
              "d": xlwt.easyxf(num_format_str="yyyy-mm-dd")}
    merged_cells = set()
    for r1, r2, c1, c2 in merges:
        sheet.write_merge(r1, r2, c1, c2, rows[r1][c1])
        merged_cells |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if (i, j) in merged_cells or value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                sheet.write(i, j, value, styles["dt"])
            elif isinstance(value, dt.date):
                sheet.write(i, j, value, styles["d"])
            else:
                sheet.write(i, j, value)
    path = OUT / name
    book.save(str(path))
    return path


# ---------------------------------------------------------------- hotline

def hotline() -> None:
    header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "发生地址", "所属居委", "承办部门", "办理时限",
              "办结时间", "工单状态", "满意度", "先行联系", "工单来源", "重复工单号", "来电号码"]

    def row(ticket, received, kind, content, address="", neighbourhood="", unit="", due="", closed="",
            status="", satisfaction="", first="", channel="", repeat="", phone=""):
        return [ticket, received, kind, content, address, neighbourhood, unit, due, closed, status,
                satisfaction, first, channel, repeat, phone]

    # UTF-8, no title rows, no blank lines: DuckDB's fast path. The value messes and rejects.
    write_csv("hotline_utf8.csv", [
        header,
        row("H001", "2020-02-03 09:00", "投诉", f"居民反映临沂路2301弄有人从湖北回沪未居家隔离，来电人电话{PHONE['text1']}",
            "临沂路2301弄3号501室", "", "南码头路街道城运中心", "", "", "处理中", "", "", "电话", "", PHONE["caller1"]),
        row("H002", "2020/2/3 14:05:33", "咨询", "咨询哪里可以买到口罩", "", "八一居委", "街道社区办",
            "2020-02-04 18:00", "2020.2.4 10:30", "已办结", "满意", "是", "网站", "", "021-58881234"),
        row("H003", "20200203", "求助", f"本人身份证{TEXT_ID}丢失，请联系{PHONE['text2']}", "浦三路1弄2号",
            "310115010001", "", "", "", "待受理", "未评价", "否", "小程序", "", PHONE["caller2"]),
        row("H004", "2020-02-03 10:00", "投诉", "第一次导出的内容", "", "八一", "", "", "", "处理中"),
        row("H005", "2020-02-05 10:00", "咨询", "办结时间早于受理时间", "", "八一", "", "", "2020-02-04 09:00", "已办结"),
        row("H006", "2202-02-03 10:00", "咨询", "受理时间在未来", "", "八一"),
        row("H007", "2020-02-03 11:00", "咨询", "状态不在可选范围内", "", "八一", "", "", "", "挂起"),
        row("H008", "2020-02-03 12:00", "意见", "来访反映楼道堆物", "", "火星居委", "", "", "", "办理中",
            "", "", "来访", "H002"),
        row("H004", "2020-02-03 10:00", "投诉", "第二次导出的内容", "", "八一", "", "", "", "已派单"),
        row("", "2020-02-03 13:00", "咨询", "没有工单编号", "", "八一"),
        row("H009", "", "咨询", "", "", "八一"),
        row("H010", "2020-13-45 10:00", "咨询", "日期不对", "", "八一"),
    ])

    # UTF-8 with BOM: two title rows, shuffled columns, header spelling messes, unknown
    # columns, blank rows, blank trailing columns, a 合计 row.
    write_csv("hotline_bom.csv", [
        ["南码头路街道12345工单明细（2月3日）"],
        ["导出时间：2020-02-04 08:00"],
        ["序号", "工单状态", " 工单编号 ", "＊受理时间", "诉求\n内容", "诉求类型（必选）", "所属居委", "发生地址",
         "备注", "", ""],
        ["1", "已办结", "H011", "2020-02-03 08:30", "咨询复工证明怎么开", "咨询", "临沂三村", "临沂路2305弄1号",
         "已回电", "", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],
        ["2", "处理中", "H012", "2020年2月3日 8时30分", "投诉楼上装修噪音", "  投诉 ", " 东盛居委会 ", "", "", "", ""],
        [],
        ["合计", "", "2", "", "", "", "", "", "", "", ""],
    ], encoding="utf-8-sig")

    # GB18030: a title row, every header a synonym, full-width digits and letters, stray spaces.
    write_csv("hotline_gbk.csv", [
        ["南码头路街道12345工单（GBK导出）"],
        ["工单号", "来电时间", "工单类型", "问题描述", "事发地址", "居民区", "承办单位", "要求办结时间", "结案时间",
         "办理状态", "市民满意度", "是否先行联系", "来源渠道", "联系电话"],
        [fullwidth("H021"), "２０２０－０２－０３　１４：０５", "建议", "建议在小区门口设置测温点",
         "港机路２０１弄５号１２０２室", "六里五", "城管中队", "2020-02-05 17:00", "2020-02-04 16:20",
         "已结案", "基本满意", "1", "热线", PHONE["caller3"]],
        ["H022", "2020年2月3日14时05分", " 举报 ", "举报有人聚集打牌", "", "港机", "", "", "", "处理中", "",
         "0", "微信", ""],
    ], encoding="gb18030")

    # UTF-16 tab-separated (Excel "Unicode text"); English canonical headers for some columns.
    write_csv("hotline_utf16.txt", [
        ["ticket_id", "received_at", "诉求类型", "content", "所属居民区", "status"],
        ["H031", "2020.2.3 14:05", "表扬", "表扬居委干部", "临沂一村", "已办结"],
        ["H032", "43864.5", "咨询", "Excel序列号日期", "南码头", "处理中"],
    ], encoding="utf-16", delimiter="\t")

    # XLSX: a notes sheet first; merged title rows; real date cells, an Excel serial number,
    # GCJ-02 coordinates, a blank row, blank formatted trailing columns, a 合计 row.
    rows = [
        ["南码头路街道12345工单明细（2月3日）"] + [None] * 9,
        ["数据来源：12345市民服务热线"] + [None] * 9,
        [None] * 10,
        ["工单编号", "受理时间", "诉求类型", "诉求内容", "所属居委", "办结时间", "工单状态", "经度", "纬度", "坐标系"],
        ["H041", D(2020, 2, 3, 14, 5), "咨询", "咨询隔离政策", "微山", D(2020, 2, 4, 9, 0), "已办结",
         121.5135, 31.189, "高德"],
        ["H042", 43864.59375, "求助", "求助购买口罩", "塘桥新村", None, "处理中", None, None, None],
        ["H043", DAY(2020, 2, 3), "投诉", "投诉工单被退回", "浦三", None, "退单", None, None, None],
        [None] * 10,
        ["H044", D(2020, 2, 5, 9, 0), "咨询", "办结早于受理", "微山", D(2020, 2, 4, 9, 0), "已办结", None, None, None],
        ["合计", 4, None, None, None, None, None, None, None, None],
    ]
    write_xlsx("hotline.xlsx", [
        ("说明", [["本表由12345系统导出"], ["第二个工作表为工单明细"]], []),
        ("工单明细", rows, ["A1:J1", "A2:J2"]),
    ], pad_columns=2)

    # XLS: five title rows, a two-row header (办理情况 over 工单状态 | 办结时间), date cells.
    rows = [
        ["南码头路街道12345工单明细", None, None, None, None, None],
        ["（2月3日）", None, None, None, None, None],
        ["制表：街道城运中心", None, None, None, None, None],
        [None] * 6,
        ["说明：办结时间为系统记录时间", None, None, None, None, None],
        ["工单编号", "受理时间", "诉求内容", "所属居委", "办理情况", None],
        [None, None, None, None, "工单状态", "办结时间"],
        ["H051", D(2020, 2, 3, 14, 5, 33), "咨询返沪登记", "六里一", "已办结", D(2020, 2, 4, 10, 0)],
        ["H052", "2020/2/3 14:05", "投诉快递不让进小区", "鹏欣", "处理中", None],
        ["H053", "2020-02-30 10:00", "日期不存在", "鹏欣", "处理中", None],
    ]
    write_xls("hotline.xls", rows, [(0, 0, 0, 5), (5, 6, 0, 0), (5, 6, 1, 1), (5, 6, 2, 2), (5, 6, 3, 3),
                                    (5, 5, 4, 5)])

    # UTF-8 without blank lines (DuckDB's fast path) and line breaks inside quoted cells:
    # row numbers count records, as Excel shows them, and no row may be lost.
    write_csv("hotline_multiline.csv", [
        ["南码头路街道12345工单（含换行）"],
        ["工单编号", "受理\n时间", "诉求内容", "工单状态"],
        ["M1", "2020-02-03 09:00", "第一行\n第二行", "处理中"],
        ["M2", "2020-02-03 09:30", "状态不明", "挂起"],
        ["M3", "2020-02-03 10:00", "正常", "已办结"],
    ], newline="\n")

    # Refused: no 受理时间 column.
    write_csv("hotline_missing_received.csv", [
        ["工单编号", "诉求内容", "工单状态"],
        ["H091", "缺少受理时间列", "处理中"],
    ])

    # A later export updates the stored tickets (test_etl_upsert.py).
    day_header = ["工单编号", "受理时间", "诉求类型", "诉求内容", "承办部门", "满意度", "工单状态", "办结时间"]
    write_csv("hotline_day1.csv", [
        day_header,
        ["U1", "2020-02-03 09:00", "投诉", "噪音扰民", "城管中队", "", "处理中", ""],
        ["U2", "2020-02-03 10:00", "咨询", "口罩购买", "社区办", "满意", "已办结", "2020-02-04 10:00"],
    ])
    write_csv("hotline_day2.csv", [
        day_header,
        ["U1", "2020-02-03 09:00", "投诉", "噪音扰民", "城管中队", "满意", "已办结", "2020-02-05 09:00"],
        ["U2", "2020-02-03 10:00", "咨询", "口罩购买", "社区办", "满意", "已办结", ""],
    ])
    write_csv("hotline_day3_stale.csv", [  # an older export: no 承办部门, no 满意度
        ["工单编号", "受理时间", "诉求类型", "诉求内容", "工单状态", "办结时间"],
        ["U1", "2020-02-03 09:00", "投诉", "噪音扰民", "处理中", ""],
        ["U3", "2020-02-05 11:00", "求助", "新的工单", "处理中", ""],
    ])


# ---------------------------------------------------------------- roster

def roster() -> None:
    # XLSX: merged title rows and the two-row header of the contract (隔离情况 over
    # 开始日期 | 结束日期), real date cells; the rejects and the warning.
    rows = [
        ["南码头路街道来沪人员排摸表（2月3日）"] + [None] * 12,
        ["填报单位：各居民区　　截至：2020年2月3日"] + [None] * 12,
        ["序号", "姓名", "身份证号", "联系电话", "居民区", "居住地址", "来源地", "抵沪日期", "管控措施", "隔离情况",
         None, "状态", "门磁设备编号"],
        [None, None, None, None, None, None, None, None, None, "开始日期", "结束日期", None, None],
        [1, NAME["zhang"], ID["zhang"], PHONE["zhang"], "临沂三村", "临沂路2301弄3号501室", "湖北武汉",
         DAY(2020, 2, 1), "居家隔离", DAY(2020, 2, 1), None, "在管", "MC001"],
        [2, NAME["ouyang"], ID["ouyang"], int(PHONE["ouyang"]), "八一", "浦三路1弄5号302室", "浙江温州",
         DAY(2020, 2, 2), "集中隔离", DAY(2020, 2, 2), DAY(2020, 2, 16), "隔离中", None],
        [3, NAME["li"], ID["li"], PHONE["li"], "港机", None, "阜阳市", "2020-02-03", "健康观察", None, None,
         "在管", None],
        [4, NAME["wang"], ID["wang"], None, "港机", None, "河南信阳", "2020-02-03", "居家隔离",
         "2020-02-03", None, None, None],
        [5, NAME["zhao"], ID["zhao"], None, "港机", None, "江苏南京", "2202-02-01", "居家隔离", None, None,
         None, None],
        [6, NAME["qian"], ID["qian"], None, "港机", None, None, "2020-02-03", "居家观察", None, None, None, None],
        [7, NAME["sun"], ID["sun"], None, "港机", None, None, "2020-02-03", "居家隔离", "2020-02-10",
         "2020-02-05", None, None],
        [8, NAME["zhou"], ID["zhou"], PHONE["zhou_old"], "东盛", None, "北京", "2020-02-03", "无", None, None,
         "在管", None],
        [9, NAME["zhou"], ID["zhou"], PHONE["zhou"], "东盛", None, "北京", "2020-02-03", "无需隔离", None, None,
         "在管", None],
        [None] * 13,
        ["合计", "9人"] + [None] * 11,
    ]
    merges = ["A1:M1", "A2:M2", "J3:K3"] + [f"{c}3:{c}4" for c in "ABCDEFGHILM"]
    write_xlsx("roster.xlsx", [("排摸表", rows, merges)])

    # GB18030: enterprise reports, every header a synonym.
    write_csv("roster_gbk.csv", [
        ["姓名", "证件类型", "证件号码", "手机号", "所属居委", "现住址", "出发地", "来沪日期", "报送单位类型",
         "企业信用代码", "隔离方式", "开始日期", "解除日期", "管控状态", "设备编号"],
        [NAME["zhang"], "身份证", ID["zhang"], PHONE["zhang"], "", "东方路1501弄8号1101室", "湖北武汉",
         "2020/1/31", "企业", USCC["employer"], "居家隔离", "2020/1/31", "2020/2/14", "在管", ""],
        [NAME["wu"], "身份证", ID["wu"], PHONE["wu"], "", "东方路1501弄9号1102室", "孝感", "2020.2.2",
         "企业", USCC["employer"], "居家隔离", "2020.2.2", "", "在管", ""],
        [NAME["zheng"], "护照", PASSPORT["zheng"], "", "金星", "", "韩国首尔", "2020-02-03", "企业", "",
         "集中隔离", "2020-02-03", "", "", ""],
        [NAME["feng"], "护照", PASSPORT["feng"].lower(), "", "金星", "", "日本东京", "2020-02-03", "社区", "",
         "健康观察", "", "", "", ""],
    ], encoding="gb18030")

    # UTF-8 BOM: four title rows, header spelling messes, full-width digits, stray spaces,
    # date formats, an Excel serial, blank rows, blank trailing columns, a 合计 row.
    write_csv("roster_bom.csv", [
        ["南码头路街道"],
        ["来沪人员排摸日报"],
        ["（2月3日）"],
        ["注：带＊为必填"],
        ["＊姓名", " 身份证号 ", "联系电话（手机）", "居民区", "抵沪\n日期", "管控措施", "隔离开始日期", "", ""],
        [NAME["chen"], fullwidth(ID["chen"]), "138 0000 4444", "六里四", "2020年2月3日", "居家隔离", "2020.2.3", "", ""],
        ["", "", "", "", "", "", "", "", ""],
        [NAME["wei"], ID["wei"], "12345", "六里四", "20200203", "居家隔离", "20200203", "", ""],
        [f" {NAME['jiang']} ", ID["jiang"], "021-58885555", "鹏欣", "43864", "无", "", "", ""],
        ["", ID["nameless"], "", "鹏欣", "2020-02-03", "无", "", "", ""],
        ["合计", "4人", "", "", "", "", "", "", ""],
    ], encoding="utf-8-sig")

    # UTF-8, plain (fast path).
    write_csv("roster_utf8.csv", [
        ["姓名", "身份证号", "居民区", "居住地址", "抵沪日期", "管控措施", "隔离开始日期", "状态"],
        [NAME["shen"], ID["shen"], "临沂七村", "南码头路801弄2号601室", "2020-02-04", "居家隔离", "2020-02-04", "已解除"],
        [NAME["han"], ID["han"], "", "", "2020-02-04", "居家隔离", "2020-02-04", ""],
        [NAME["yang"], ID["yang"], "火星居委", "", "2020-02-04", "无", "", ""],
    ], newline="\n")

    # UTF-16 tab-separated.
    write_csv("roster_utf16.txt", [  # columns in an unusual order
        ["状态", "来沪日期", "姓名", "居民区", "身份证号码", "管控措施", "联系电话", "预计解除日期", "隔离开始日期"],
        ["隔离中", "2020.2.5", NAME["zhu"], "微山", ID["zhu"], "集中隔离", PHONE["zhu"], "2020.2.19", "2020.2.5"],
        ["", "2020/02/31", NAME["ma"], "微山", ID["ma"], "无", "", "", ""],
    ], encoding="utf-16", delimiter="\t")

    # XLS: a title row and the two-row header, date cells.
    rows = [
        ["塘桥新村居民区来沪人员", None, None, None, None, None, None],
        ["姓名", "身份证号", "居民区", "抵沪日期", "管控措施", "隔离情况", None],
        [None, None, None, None, None, "开始日期", "结束日期"],
        [NAME["qin"], ID["qin"], "塘桥新村", DAY(2020, 2, 6), "居家隔离", DAY(2020, 2, 6), DAY(2020, 2, 20)],
    ]
    write_xls("roster.xls", rows, [(1, 2, c, c) for c in range(5)] + [(1, 1, 5, 6)])


# ---------------------------------------------------------------- alarms

def alarms() -> None:
    header = ["报警编号", "设备编号", "设备类型", "报警类型", "报警时间", "居民区", "地址", "处置状态", "处置人",
              "处置时间", "处置结果"]
    h = HANDLERS
    write_csv("alarms_utf8.csv", [
        header,
        ["BJ001", "MC001", "门磁", "开门", "2020-02-03 22:10", "", "", "未处置", "", "", ""],
        ["BJ002", "MC002", "门磁", "门磁打开", "2020-02-03 22:10:00", "八一", "浦三路1弄5号302室", "已处置", h[0],
         "2020-02-03 22:25", f"已电话联系住户{PHONE['note']}，确认本人在家"],
        ["", "MC003", "可视门铃", "按铃", "2020/2/3 8:00", "港机", "", "误报", h[1], "2020/2/3 8:05", "快递员按铃"],
        ["BJ004", "MC004", "门磁", "离线", "2020-02-03 09:00", "港机", "", "处置中", "", "", ""],
        ["BJ005", "MC005", "门磁", "开门", "2020-02-03 10:00", "港机", "", "已处置", h[2], "2020-02-03 09:00", ""],
        ["BJ006", "MC006", "门磁", "开门", "2202-02-03 10:00", "港机", "", "", "", "", ""],
        ["BJ007", "MC007", "门磁", "温度异常", "2020-02-03 11:00", "港机", "", "", "", "", ""],
        ["BJ008", "", "门磁", "开门", "2020-02-03 11:00", "港机", "", "", "", "", ""],
        ["BJ009", "MC009", "门磁", "开门", "2020-02-03 12:00", "港机", "", "已忽略", "", "", ""],
        ["BJ010", "MC010", "门磁", "低电量", "2020-02-03 13:00", "港机", "", "", "", "", ""],
        ["BJ010", "MC010", "门磁", "电量低", "2020-02-03 13:00", "港机", "", "已报备", "", "", ""],
        ["BJ011", "MC011", "烟感", "防拆", "2020-02-03 14:00", "港机", "", "", "", "", ""],
    ])
    # XLSX: merged title row, synonyms, date cells, an Excel serial number, full-width letters.
    rows = [
        ["门磁告警记录（2月3日）"] + [None] * 10,
        ["告警编号", "设备号", "设备类型", "告警类型", "告警时间", "所属居委", "安装地址", "处理情况", "处置人",
         "处置时间", "处置说明"],
        ["BJ021", "MC021", "门磁", "被拆", D(2020, 2, 3, 23, 0), "东盛", "浦三路701弄3号101室", "已处理", h[3],
         D(2020, 2, 3, 23, 30), "已更换设备"],
        ["BJ022", "ｍｃ０２２", "门磁", "开门报警", 43864.9375, "东盛", None, "未处理", None, None, None],
    ]
    write_xlsx("alarms.xlsx", [("告警", rows, ["A1:K1"])])
    write_csv("alarms_gbk.csv", [
        ["告警ID", "设备号", "设备类型", "告警类型", "告警时间", "居民区", "处理情况"],
        ["BJ031", "MC031", "门磁", "设备离线", "2020年2月3日 6时30分", "南码头", "待处置"],
    ], encoding="gb18030")
    write_csv("alarms_utf16.txt", [
        ["报警编号", "设备编号", "设备类型", "报警类型", "报警时间", "居民区", "处置状态"],
        ["BJ041", "MC041", "可视门铃", "门铃", "2020.2.3 19:00", "微山", "处理中"],
    ], encoding="utf-16", delimiter="\t")
    rows = [  # three title rows, then 处置情况 over 处置状态 | 处置人 | 处置时间
        ["门磁报警", None, None, None, None, None, None, None, None],
        ["鹏欣居民区", None, None, None, None, None, None, None, None],
        ["导出：2020-02-04", None, None, None, None, None, None, None, None],
        ["报警编号", "设备编号", "设备类型", "报警类型", "报警时间", "居民区", "处置情况", None, None],
        [None, None, None, None, None, None, "处置状态", "处置人", "处置时间"],
        ["BJ051", "MC051", "门磁", "拆除", D(2020, 2, 3, 7, 0), "鹏欣", "已处置", h[4], D(2020, 2, 3, 7, 45)],
        ["BJ052", "MC052", "门磁", "开门", "2020-02-03 25:00", "鹏欣", None, None, None],
    ]
    write_xls("alarms.xls", rows, [(3, 4, c, c) for c in range(6)] + [(3, 3, 6, 8)])
    write_csv("alarms_bom.csv", [
        ["门磁报警日报"],
        ["处置状态（必填）", " 报警编号 ", "＊设备编号", "报警\n时间", "报警类型", "设备类型", "居民区", "处置人", "处置时间",
         "备注", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],
        [" 已处置 ", "BJ061", " MC061 ", "2020-02-03 05:00", "防拆", "门磁", "临沂五村", h[5], "2020-02-03 05:20",
         "夜班处置", ""],
        ["未处置", "BJ062", "MC062", "20200203 05:30", " 开门 ", "门磁", " 临沂五村 ", "", "", "", ""],
        ["总计", "2", "", "", "", "", "", "", "", "", ""],
    ], encoding="utf-8-sig")

    # A later export updates the stored alarm (test_etl_upsert.py).
    write_csv("alarms_day1.csv", [
        ["报警编号", "设备编号", "报警类型", "报警时间", "处置状态", "处置人", "处置时间"],
        ["A1", "MC101", "开门", "2020-02-03 20:00", "未处置", "", ""],
    ])
    write_csv("alarms_day2.csv", [
        ["报警编号", "设备编号", "报警类型", "报警时间", "处置状态", "处置人", "处置时间"],
        ["A1", "MC101", "开门", "2020-02-03 20:00", "已处置", h[6], "2020-02-03 20:12"],
    ])
    write_csv("alarms_day3_stale.csv", [
        ["报警编号", "设备编号", "报警类型", "报警时间", "处置状态", "处置时间"],
        ["A1", "MC101", "开门", "2020-02-03 20:00", "未处置", ""],
    ])


# ---------------------------------------------------------------- enterprises

def enterprises() -> None:
    header = ["统一社会信用代码", "企业名称", "行业", "经营地址", "所属居民区", "员工总数", "来沪员工数", "在岗人数",
              "审核状态", "复工申请日期", "审核日期", "复工日期", "联系电话", "公筷公勺承诺", "经度", "纬度", "坐标系"]

    def row(code, name, industry="", address="", neighbourhood="", total="", outside="", on_site="",
            status="", applied="", reviewed="", resumed="", phone="", pledge="", lon="", lat="", crs=""):
        return [code, name, industry, address, neighbourhood, total, outside, on_site, status, applied,
                reviewed, resumed, phone, pledge, lon, lat, crs]

    u = USCC
    write_csv("enterprises_utf8.csv", [
        header,
        row(u["canteen"], "上海南码头餐饮有限公司", "餐饮", "临沂路2301弄10号", "临沂三村", "50", "10", "30", "已通过",
            "2020-02-05", "2020-02-07", "2020-02-10", PHONE["ent1"], "已签", "121.5135", "31.189", "高德"),
        row(u["logistics"], "上海浦三物流有限公司", "物流", "浦三路1弄8号", "", "1,200", "0", "800", "待审核",
            "2020/2/6", "", "", "021-58880000", "否"),
        row(USCC_BAD, "校验位不对的公司", "", "", "八一"),
        row("9131011512345", "代码太短的公司", "", "", "八一"),
        row(u["overstaffed"], "在岗多于总数的公司", "", "", "八一", "10", "2", "12"),
        row(u["negative"], "人数为负的公司", "", "", "八一", "-3"),
        row(u["reviewed_early"], "审核早于申请的公司", "", "", "八一", "", "", "", "已通过", "2020-02-10", "2020-02-08"),
        row(u["unknown_status"], "状态不明的公司", "", "", "八一", "", "", "", "待定"),
        row(u["unknown_pledge"], "承诺不明的公司", "", "", "八一", "", "", "", "", "", "", "", "", "不清楚"),
        row(u["dup"], "重复的公司（旧）", "", "", "八一", "20", "", "", "未申请"),
        row(u["dup"], "重复的公司", "", "", "八一", "25", "", "", "审核中"),
        row("", "没有代码的公司", "", "", "八一"),
        row(u["noname"], "", "", "", "八一"),
    ])
    # XLSX: two merged title rows, synonyms, date cells, full-width code.
    rows = [
        ["企业复工申请汇总"] + [None] * 13,
        ["南码头路街道（截至2月10日）"] + [None] * 13,
        ["信用代码", "单位名称", "所属行业", "地址", "所属片区", "职工人数", "外地返沪员工数", "到岗人数", "复工状态",
         "申请日期", "审核日期", "实际复工日期", "防疫联系人电话", "签订公筷公勺承诺书"],
        [fullwidth(u["hardware"]), "上海港机五金店", "零售", "港机路201弄1号", "六里五", 5, 1, 5, "同意复工",
         DAY(2020, 2, 8), DAY(2020, 2, 9), DAY(2020, 2, 10), PHONE["ent2"], "是"],
        [u["barber"].lower(), "东盛理发店", "服务", None, "东盛", 3, None, None, None, None, None, None, None, None],
    ]
    write_xlsx("enterprises.xlsx", [("复工", rows, ["A1:N1", "A2:N2"])])
    write_csv("enterprises_gbk.csv", [
        ["统一社会信用代码", "企业名称", "行业", "所属居民区", "员工总数", "在岗人数", "审核状态", "复工申请日期", "审核日期",
         "复工日期", "联系电话"],
        [u["market"], "金星超市", "零售", "金星居委", "２０", " 1 8 ", "已复工", "2020年2月3日", "2020.2.4", "20200205",
         PHONE["ent3"]],
    ], encoding="gb18030")
    write_csv("enterprises_utf16.txt", [
        ["统一社会信用代码", "企业名称", "行业", "居民区", "审核状态", "复工申请日期", "审核日期"],
        [u["pharmacy"], "微山药房", "医药", "微山", "驳回", "43864", "43865"],
    ], encoding="utf-16", delimiter="\t")
    rows = [  # four title rows, then 复工申请 over 审核状态 | 复工申请日期, 员工情况 over 员工总数
        ["企业复工", None, None, None, None, None],
        ["鹏欣居民区", None, None, None, None, None],
        [None] * 6,
        ["（内部资料）", None, None, None, None, None],
        ["统一社会信用代码", "企业名称", "居民区", "复工申请", None, "员工情况"],
        [None, None, None, "审核状态", "复工申请日期", "员工总数"],
        [u["fastfood"], "鹏欣快餐", "鹏欣", "受理中", DAY(2020, 2, 7), 12],
        [USCC_BAD, "代码错误的快餐店", "鹏欣", "受理中", DAY(2020, 2, 7), 3],
    ]
    write_xls("enterprises.xls", rows, [(0, 0, 0, 5), (4, 5, 0, 0), (4, 5, 1, 1), (4, 5, 2, 2), (4, 4, 3, 4)])
    write_csv("enterprises_bom.csv", [
        ["企业复工（面包房）"],
        ["＊统一社会信用代码", "企业名称（全称）", "员工\n总数", " 所属居民区 ", "审核状态", "联系人", "复工申请日期", "", ""],
        [u["bakery"], "临沂面包房", "8", "临沂五村", "待申请", CONTACTS[0], "", "", ""],
        [],
        [u["future"], "申请日期在未来的公司", "5", "临沂五村", "待审核", CONTACTS[1], "2202-02-07", "", ""],
        ["合计", "2家", "13", "", "", "", "", "", ""],
    ], encoding="utf-8-sig")


def manifest() -> None:
    values = {
        "resident_ids": sorted({v.upper() for v in ID.values()} | {TEXT_ID}),
        "passports": sorted(PASSPORT.values()),
        "phones": sorted(set(PHONE.values())),
        "names": sorted(set(NAME.values()) | set(HANDLERS) | set(CONTACTS)),
        "ids": {k: v for k, v in ID.items()},
        "uscc": USCC,
        "uscc_bad": USCC_BAD,
    }
    (OUT / "personal_values.json").write_text(json.dumps(values, ensure_ascii=False, indent=1) + "\n",
                                              encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    hotline()
    roster()
    alarms()
    enterprises()
    manifest()
    print(f"written: {OUT}")


if __name__ == "__main__":
    main()
