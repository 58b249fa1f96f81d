"""ETL speed against DuckDB's own read_csv of the same file, in the same run.

    python -m bench.etl_ratio --rows 400000

Writes a UTF-8 hotline CSV with realistic columns (and a few phone numbers inside the
texts), then times: (a) `CREATE TABLE AS SELECT * FROM read_csv(file)` — the floor;
(b) our load of the same file into an existing, empty board database: reading,
normalisation, validation, masking, redaction, neighbourhood resolution, due dates,
upsert, archiving the raw file and publication as a new generation, with topic
classification switched off; (c) classification alone; (d) apart, setting a database up
(reference pack, calendar), which happens once per database. Prints times and ratios.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.load import LoadOptions, load_files
from etl.reference import load_pack

TEXTS = ["请问从外地返沪需要居家隔离几天", "小区门口快递不让进怎么办", "企业复工申请需要哪些材料",
         "哪里可以预约购买口罩", "楼上装修噪音太大", "小区停车位被占用", "家里水管漏水物业不管",
         "来电人电话13912345678，反映发热门诊排队时间长", "居委会要求登记身份证号码"]


def make_hotline_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    pack = load_pack()
    index = pd.DataFrame(pack.address_index)
    pick = rng.integers(0, len(index), rows)
    lanes = index["lane_from"].astype(int).to_numpy()[pick] + rng.integers(0, 99, rows)
    received = pd.Timestamp("2020-01-20") + pd.to_timedelta(rng.integers(0, 120 * 86400, rows), unit="s")
    closed = received + pd.to_timedelta(rng.integers(600, 9 * 86400, rows), unit="s")
    is_closed = rng.random(rows) < 0.8
    frame = pd.DataFrame({
        "工单编号": [f"SH{i:09d}" for i in range(rows)],
        "受理时间": received.strftime("%Y-%m-%d %H:%M:%S"),
        "诉求类型": rng.choice(["咨询", "投诉", "求助", "建议", "举报"], rows),
        "诉求内容": rng.choice(TEXTS, rows),
        "发生地址": index["road"].to_numpy()[pick] + lanes.astype(str) + "弄" + rng.integers(1, 40, rows).astype(str)
                   + "号" + rng.integers(101, 1802, rows).astype(str) + "室",
        "所属居委": "",
        "承办部门": "南码头路街道",
        "办结时间": np.where(is_closed, closed.strftime("%Y-%m-%d %H:%M:%S"), ""),
        "工单状态": np.where(is_closed, "已办结", "处理中"),
        "满意度": rng.choice(["满意", "基本满意", "一般", "不满意", ""], rows),
        "先行联系": rng.choice(["是", "否", ""], rows),
        "工单来源": rng.choice(["电话", "网站", "微信"], rows),
        "来电号码": (13800000000 + rng.integers(0, 99999999, rows)).astype(str),
    })
    frame.to_csv(path, index=False, encoding="utf-8")


def time_read_csv(path: Path, work: Path) -> float:
    db = work / "floor.duckdb"
    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    con.close()
    return seconds


SETUP: list[float] = []


def time_load(path: Path, work: Path, classify: bool) -> float:
    """Our load of the file into a board database that exists and is empty, as every
    load but a centre's very first is; setting the database up (reference pack,
    working-day calendar: once per database) is timed apart, in SETUP."""
    db_dir = work / "board"
    shutil.rmtree(db_dir, ignore_errors=True)
    t0 = time.perf_counter()
    load_files("hotline", [], db_dir / "board.duckdb")
    SETUP.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    results = load_files("hotline", [path], db_dir / "board.duckdb", LoadOptions(classify=classify))
    seconds = time.perf_counter() - t0
    assert results[0].status == "loaded", results[0].line()
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-etl-"))
    os.environ.setdefault("BOARD_SECRET_KEY_FILE", str(work / "secret.key"))
    try:
        csv_path = work / "hotline.csv"
        make_hotline_csv(csv_path, args.rows)
        floor = statistics.median(time_read_csv(csv_path, work) for _ in range(args.repeat))
        ours = statistics.median(time_load(csv_path, work, classify=False) for _ in range(args.repeat))
        with_topics = time_load(csv_path, work, classify=True)
        size = csv_path.stat().st_size / 1e6
        print(f"| 项目 | 秒 | 行/秒 | 与 read_csv 之比 |\n|---|---|---|---|")
        print(f"| DuckDB read_csv 建表（{args.rows:,} 行，{size:.0f} MB） | {floor:.2f} | {args.rows / floor:,.0f} | 1.00 |")
        print(f"| 一屏观导入（不含话题分类） | {ours:.2f} | {args.rows / ours:,.0f} | {ours / floor:.2f} |")
        print(f"| 一屏观导入（含话题分类） | {with_topics:.2f} | {args.rows / with_topics:,.0f} | {with_topics / floor:.2f} |")
        print(f"| 其中话题分类 | {with_topics - ours:.2f} | {args.rows / max(with_topics - ours, 1e-9):,.0f} | |")
        print(f"| 另：建库（参考数据、工作日历，每个数据库一次） | {statistics.median(SETUP):.2f} | | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
