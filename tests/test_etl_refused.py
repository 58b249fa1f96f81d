"""Files refused whole: a missing required column, a corrupt workbook, random bytes, an
empty file, no recognisable header. The clerk gets one clear Chinese line, never a
traceback; the CLI exits non-zero; nothing of the file is loaded."""
from __future__ import annotations

import random

import pytest

from etl_helpers import DATA, cli, load, query


def _counts(db_path):
    return query(db_path, "SELECT (SELECT count(*) FROM hotline_tickets), (SELECT count(*) FROM etl_rejects), "
                          "(SELECT count(*) FROM etl_warnings)")[0]


def test_missing_required_column_in_process(db_path):
    [r] = load("hotline", ["hotline_missing_received.csv"], db_path)
    assert (r.status, r.message) == ("refused", "缺少必填列：受理时间")
    assert _counts(db_path) == (0, 0, 0)
    assert query(db_path, "SELECT file_name, status, message, rows_loaded FROM etl_runs") == [
        ("hotline_missing_received.csv", "refused", "缺少必填列：受理时间", 0)]


def test_several_missing_columns_are_all_named(db_path, tmp_path):
    path = tmp_path / "no_time_no_text.csv"
    path.write_text("工单编号,工单状态,所属居委\nH1,处理中,八一\n", encoding="utf-8")
    [r] = load("hotline", [path], db_path)
    assert (r.status, r.message) == ("refused", "缺少必填列：受理时间、诉求内容")


def test_missing_required_column_cli(db_path):
    """Refused with a one-line reason naming the column; the good file in the same command loads."""
    proc = cli("load", "hotline", DATA / "hotline_missing_received.csv", DATA / "hotline_gbk.csv", "--db", db_path)
    assert proc.returncode != 0
    assert "缺少必填列：受理时间" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    refused_lines = [line for line in proc.stderr.splitlines() if "hotline_missing_received.csv" in line]
    assert refused_lines == ["拒收  hotline_missing_received.csv：缺少必填列：受理时间"]
    assert "导入  hotline_gbk.csv：读取 2 行，入库 2 行，拒收 0 行" in proc.stdout
    assert query(db_path, "SELECT ticket_id FROM hotline_tickets ORDER BY 1") == [("H021",), ("H022",)]


def _garbage(tmp_path):
    rng = random.Random(20200203)
    xlsx = (DATA / "hotline.xlsx").read_bytes()
    files = {
        "truncated.xlsx": xlsx[: len(xlsx) // 2],          # a zip cut short (an interrupted download)
        "truncated_as_csv.csv": xlsx[: len(xlsx) // 3],    # the same, with the wrong extension
        "random.xlsx": rng.randbytes(3000),
        "random.xls": b"\xd0\xcf\x11\xe0" + rng.randbytes(3000),  # OLE signature, then noise
        "random.csv": rng.randbytes(3000),
        "empty.csv": b"",
        "blank.csv": b"\r\n \r\n,,,\r\n",
        "no_header.csv": "这是一份会议通知\n请各居委于明日提交\n".encode("utf-8"),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize("name", ["truncated.xlsx", "truncated_as_csv.csv", "random.xlsx", "random.xls",
                                  "random.csv", "empty.csv", "blank.csv", "no_header.csv"])
def test_garbage_in_process(name, db_path, tmp_path):
    path = _garbage(tmp_path)[name]
    [r] = load("hotline", [path], db_path)
    assert r.status == "refused"
    assert r.message and "\n" not in r.message and "Traceback" not in r.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.message), r.message  # said in Chinese
    assert _counts(db_path) == (0, 0, 0)


def test_garbage_cli(db_path, tmp_path):
    paths = _garbage(tmp_path)
    proc = cli("load", "hotline", *paths.values(), "--db", db_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.startswith("拒收")]
    assert len(lines) == len(paths), proc.stderr
    by_name = {name: next(line for line in lines if f" {name}：" in line) for name in paths}
    assert "无法打开 Excel 文件" in by_name["truncated.xlsx"]
    assert "文件为空" in by_name["empty.csv"]
    assert "找不到表头行" in by_name["no_header.csv"]
    assert _counts(db_path) == (0, 0, 0)


def test_missing_file_cli(db_path, tmp_path):
    proc = cli("load", "hotline", tmp_path / "不存在.csv", "--db", db_path)
    assert proc.returncode != 0 and "文件不存在" in proc.stderr and "Traceback" not in proc.stderr


def test_workbook_without_a_matching_sheet(db_path, tmp_path):
    """An XLSX of another source: refused naming what is missing, not loaded half."""
    [r] = load("hotline", ["roster.xlsx"], db_path)
    assert r.status == "refused"
    assert r.message.startswith(("缺少必填列：", "找不到表头行"))
    assert _counts(db_path) == (0, 0, 0)
