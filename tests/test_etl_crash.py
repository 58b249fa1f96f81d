"""A load killed with SIGKILL in the middle leaves the database as it was: the live link
still points at the old generation, which opens read-only with the same tables and rows,
and the next load succeeds (and clears what the killed one left behind)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from etl_helpers import REPO_ROOT, connect, load, query, snapshot

ROWS = 250_000  # about 2 s of loading on the project's kind of machine: plenty of time to kill it


def _big_hotline_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("工单编号,受理时间,诉求类型,诉求内容,发生地址,工单状态\n")
        for i in range(ROWS):
            f.write(f"B{i:07d},2020-02-03 09:{i % 60:02d},投诉,噪音扰民{i},临沂路2301弄{i % 100}号{i % 9}01室,处理中\n")


def test_sigkill_mid_load_leaves_old_generation(db_path, tmp_path):
    load("hotline", ["hotline_utf8.csv"], db_path)
    gen_dir = db_path.parent / "generations"
    live_before = os.readlink(db_path)
    assert live_before.endswith("board-000001.duckdb")
    before = snapshot(db_path)

    big = tmp_path / "big.csv"
    _big_hotline_csv(big)
    script = ("import sys; from pathlib import Path; from etl.load import load_files, LoadOptions; "
              "load_files('hotline', [Path(sys.argv[1])], Path(sys.argv[2]), LoadOptions(classify=False))")
    proc = subprocess.Popen([sys.executable, "-c", script, str(big), str(db_path)], cwd=REPO_ROOT,
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    new_file = gen_dir / "board-000002.duckdb"
    deadline = time.monotonic() + 60
    while not new_file.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the load never started its new generation"
        time.sleep(0.01)
    time.sleep(0.3)  # into the staging/transform of the big file
    assert proc.poll() is None, "the load finished before it could be killed: make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The live link and the data are as before; the file opens read-only.
    assert os.readlink(db_path) == live_before
    con = connect(db_path)
    con.close()
    assert snapshot(db_path) == before
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(5,)]

    # The next load takes the writer lock (the dead process's lock is gone), succeeds,
    # and removes the half-written generation.
    [result] = load("hotline", ["hotline_gbk.csv"], db_path)
    assert result.status == "loaded"
    assert not new_file.exists()
    assert os.readlink(db_path).endswith("board-000003.duckdb")
    assert query(db_path, "SELECT count(*) FROM hotline_tickets") == [(7,)]
    assert query(db_path, "SELECT file_name, status FROM etl_runs ORDER BY run_id") == [
        ("hotline_utf8.csv", "loaded"), ("hotline_gbk.csv", "loaded")]
