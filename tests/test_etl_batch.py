"""Many files, one generation: a batch goes through each step once per source, yet every
file is still all or nothing and recorded on its own, a refused file does not stop the
others, the batch equals its files loaded one by one, and a batch killed midway leaves
the previous generation whole."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ops import rebuild
from etl import store
from etl.sources import BOARD_ORDER, SOURCES
from demo.generate import write_demo_files
from etl.load import SOURCE_ORDER, LoadOptions, load_files
from etl.readers import detect_source
from etl_helpers import DATA, REPO_ROOT, load, query, snapshot

# The kinds a file refused for its header is told it could be (every source's board label).
KINDS = "/".join(SOURCES[name].board_label for name in BOARD_ORDER)


def test_a_batch_equals_its_files_loaded_one_by_one(tmp_path):
    """The demo's messy files (every format, rejects, duplicates in a file, later exports
    of the same records, devices linked through the roster): one batch, and the same files
    each in its own generation in the batch's order (by source, then as given), hold the
    same tables."""
    files = write_demo_files(tmp_path / "files", seed=11, end=dt.date(2020, 2, 20), days=3, volume_factor=0.05)
    options = LoadOptions(classify=False, now=dt.datetime(2020, 2, 20, 12))
    batch = load_files(None, files, tmp_path / "batch" / "board.duckdb", options)
    assert len(store.own_generation_files(tmp_path / "batch" / "board.duckdb")) == 1
    one_by_one = tmp_path / "one" / "board.duckdb"
    rank = {name: i for i, name in enumerate(SOURCE_ORDER)}
    ordered = sorted(files, key=lambda p: rank[detect_source(p).name])
    singles = [load_files(None, [path], one_by_one, options)[0] for path in ordered]
    assert len(store.own_generation_files(one_by_one)) == len(files)
    assert sum(r.rows_rejected for r in batch) > 0 and {r.status for r in batch} == {"loaded"}
    assert rebuild.compare(tmp_path / "batch" / "board.duckdb", one_by_one) == {}
    by_path = {r.path: r for r in batch}
    for single in singles:  # each file's own counts, as loaded alone
        r = by_path[single.path]
        assert (r.source, r.status, r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_warned, r.message) == (
            single.source, single.status, single.rows_read, single.rows_loaded, single.rows_rejected,
            single.rows_warned, single.message)


def test_a_refused_file_does_not_stop_the_batch(db_path):
    load("hotline", ["hotline_utf8.csv"], db_path)
    before = store.own_generation_files(db_path)
    results = load(None, ["roster_utf8.csv", "hotline_missing_received.csv", "hotline_gbk.csv",
                          "alarms_utf8.csv", "hotline_utf8.csv"], db_path)
    assert [(r.path.name, r.status) for r in results] == [
        ("roster_utf8.csv", "loaded"), ("hotline_missing_received.csv", "refused"),
        ("hotline_gbk.csv", "loaded"), ("alarms_utf8.csv", "loaded"), ("hotline_utf8.csv", "skipped_duplicate")]
    # Published once: exactly one new generation, holding every loaded file. Runs are
    # numbered in the order they were decided: what is refused or skipped while read, then
    # the loaded files by source.
    after = store.own_generation_files(db_path)
    assert [store.generation_number(p) for p in after] == [store.generation_number(p) for p in before] + [2]
    assert os.readlink(db_path).endswith("board-000002.duckdb")
    assert query(db_path, "SELECT file_name, status, message, generation FROM etl_runs WHERE run_id > 1 "
                          "ORDER BY run_id") == [
        ("hotline_missing_received.csv", "refused", f"无法从表头判断数据类别（{KINDS}）", 2),
        ("hotline_utf8.csv", "skipped_duplicate", "同一文件已于第 1 次导入时入库，未重复导入", 2),
        ("roster_utf8.csv", "loaded", results[0].message, 2),
        ("hotline_gbk.csv", "loaded", results[2].message, 2),
        ("alarms_utf8.csv", "loaded", results[3].message, 2)]
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(7,)]
    assert query(db_path, "SELECT count(*) FROM hotline_tickets WHERE ticket_id = 'H091'") == [(0,)]
    for table, result in (("roster_reports", results[0]), ("alarms", results[3])):
        assert query(db_path, f"SELECT count(*) FROM {table}") == [(result.rows_loaded,)]


def _big_hotline_csv(path: Path, rows: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("工单编号,受理时间,诉求类型,诉求内容,发生地址,工单状态\n")
        for i in range(rows):
            f.write(f"{prefix}{i:07d},2020-02-03 09:{i % 60:02d},投诉,噪音扰民{i},临沂路2301弄{i % 100}号{i % 9}01室,处理中\n")


def test_a_batch_killed_midway_leaves_the_previous_generation_whole(db_path, tmp_path):
    load(None, ["hotline_utf8.csv", "roster_utf8.csv"], db_path)
    live_before, before = os.readlink(db_path), snapshot(db_path)
    files = [DATA / "roster_gbk.csv", DATA / "alarms_utf8.csv"]
    for n in range(3):
        files.append(tmp_path / f"big-{n}.csv")
        _big_hotline_csv(files[-1], 80_000, f"K{n}")
    script = ("import sys; from pathlib import Path; from etl.load import load_files, LoadOptions; "
              "load_files(None, [Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), LoadOptions(classify=False))")
    proc = subprocess.Popen([sys.executable, "-c", script, str(db_path), *map(str, files)], cwd=REPO_ROOT,
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    new_file = store.generations_dir(db_path) / "board-000002.duckdb"
    deadline = time.monotonic() + 60
    while not new_file.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the load never started its new generation"
        time.sleep(0.01)
    time.sleep(1.0)  # past the roster and alarms, into the hotline files
    assert proc.poll() is None, "the batch finished before it could be killed: make the files bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert os.readlink(db_path) == live_before
    assert snapshot(db_path) == before
    # The same batch again: one generation with all of it.
    results = load_files(None, files, db_path, LoadOptions(classify=False))
    assert [r.status for r in results] == ["loaded"] * 5
    assert os.readlink(db_path).endswith("board-000003.duckdb")
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(5 + 240_000,)]


def test_a_file_failing_inside_the_groups_transaction_is_refused_alone(db_path, monkeypatch):
    """A failure of one file's last step (archiving it, inside the transaction) rolls the
    group back; the group goes again file by file and only that file is refused."""
    from etl import archive
    from etl.readers import FileRefused
    real_keep_all = archive.keep_all

    def keep_all(con, files):
        if any(path.name == "roster_gbk.csv" for path, _, _ in files):
            raise FileRefused("测试：归档失败")
        return real_keep_all(con, files)
    monkeypatch.setattr(archive, "keep_all", keep_all)
    results = load("roster", ["roster_utf8.csv", "roster_gbk.csv", "roster.xlsx"], db_path)
    assert [(r.path.name, r.status, r.message if r.status == "refused" else "") for r in results] == [
        ("roster_utf8.csv", "loaded", ""), ("roster_gbk.csv", "refused", "测试：归档失败"), ("roster.xlsx", "loaded", "")]
    assert query(db_path, "SELECT file_name, status FROM etl_runs ORDER BY run_id") == [
        ("roster_utf8.csv", "loaded"), ("roster_gbk.csv", "refused"), ("roster.xlsx", "loaded")]
    assert query(db_path, "SELECT count(*) FROM roster_reports") == [(results[0].rows_loaded + results[2].rows_loaded,)]
    assert query(db_path, "SELECT DISTINCT run_id FROM roster_reports ORDER BY 1") == [(1,), (3,)]
    assert len(store.own_generation_files(db_path)) == 1
