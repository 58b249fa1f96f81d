"""`python -m etl ingest DIR`: each file's source is found from its header (whatever the
format, encoding or synonyms), files load in dependency order (roster before alarms, so an
alarm without a neighbourhood takes it from the device's roster record), and a file of no
known kind is refused by name."""
from __future__ import annotations

import shutil

import pytest

from etl_helpers import DATA, FILES, cli, query

# Every shape of every source, under neutral names: only the header can tell.
ALL = [name for names in FILES.values() for name in names]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inbox")
    expected = {}
    for i, name in enumerate(ALL):
        neutral = f"file{i:02d}{(DATA / name).suffix}"
        shutil.copyfile(DATA / name, folder / neutral)
        expected[neutral] = name.split("_")[0].split(".")[0]
    (folder / "会议通知.csv").write_text("通知,日期\n请各居委报送,2月3日\n", encoding="utf-8")
    (folder / "~$locked.xlsx").write_bytes(b"owner file of an open workbook")  # Excel's lock file: ignored
    db_path = tmp_path_factory.mktemp("ingest-db") / "board.duckdb"
    proc = cli("ingest", folder, "--db", db_path)
    return folder, db_path, expected, proc


def test_each_file_detected_from_its_header(ingested):
    _, db_path, expected, proc = ingested
    assert "Traceback" not in proc.stderr + proc.stdout
    got = dict(query(db_path, "SELECT file_name, source FROM etl_runs WHERE status = 'loaded'"))
    assert got == expected


def test_unknown_file_refused_by_name(ingested):
    _, db_path, _, proc = ingested
    assert proc.returncode == 1  # one file refused
    assert "拒收  会议通知.csv：无法从表头判断数据类别" in proc.stderr
    assert query(db_path, "SELECT count(*) FROM etl_runs WHERE status = 'refused'") == [(1,)]
    assert "~$locked" not in proc.stdout + proc.stderr


def test_every_file_reported(ingested):
    _, _, expected, proc = ingested
    for name in expected:
        assert f"导入  {name}：读取" in proc.stdout


def test_load_order_and_device_link(ingested):
    _, db_path, _, _ = ingested
    order = [r[0] for r in query(db_path, "SELECT source FROM etl_runs WHERE status = 'loaded' ORDER BY run_id")]
    assert order == sorted(order, key=["enterprises", "roster", "hotline", "alarms"].index)
    # BJ001 names neither neighbourhood nor address; MC001 is the door sensor on 张三丰's flat,
    # reported with his quarantine (2020-02-01 .. 02-15); the alarm is on 2020-02-03.
    assert query(db_path, "SELECT neighbourhood, address, room FROM alarms WHERE alarm_id = 'BJ001'") == [
        ("临沂三村居民区", "临沂路2301弄3号", "501室")]


def test_same_totals_as_loading_each_source(ingested):
    _, db_path, _, _ = ingested
    counts = query(db_path, "SELECT (SELECT count(*) FROM hotline_tickets), (SELECT count(*) FROM roster_reports), "
                            "(SELECT count(*) FROM alarms), (SELECT count(*) FROM enterprises), "
                            "(SELECT count(*) FROM etl_rejects), (SELECT count(*) FROM etl_warnings)")
    assert counts == [(16, 13, 12, 9, 10 + 10 + 8 + 12, 3 + 3)]  # hotline: 1 + 2 closed without a time


def test_ingest_again_skips_everything(ingested):
    folder, db_path, expected, _ = ingested
    proc = cli("ingest", folder, "--db", db_path)
    assert proc.stdout.count("跳过") == len(expected)
    assert query(db_path, "SELECT count(*) FROM etl_runs WHERE status = 'skipped_duplicate'") == [(len(expected),)]
