"""Alarm latency: from a file complete in the inbox (renamed into place) to its rows
being queryable on the board, and from an HTTP POST to the intake to the same.

    python -m bench.alarm_latency --files 30 --posts 30 --rate 1 --base-rows 20000

Starts `python -m etl watch` (default settings: poll 0.5 s, stable window 1 s) and
`python -m etl serve-alarms` as subprocesses on a scratch database preloaded with
`--base-rows` alarms (each load copies the live generation, so size matters), then
drops alarm files (1–3 alarms each, temp name + rename) at a steady rate, then POSTs
events at the same rate. A poller reads the live generation read-only every 50 ms, as
the board does, and notes when each alarm first appears. Prints median and p95;
the goal is p95 < 5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import numpy as np

from etl.load import LoadOptions, load_files
from live.spool import ALARM_HEADERS, atomic_write, csv_bytes, local_now

REPO_ROOT = Path(__file__).resolve().parent.parent
NEIGHBOURHOODS = ["八一居民区", "港机居民区", "东盛居民区", "南码头居民区", "微山居民区"]


class Poller(threading.Thread):
    """Notes when each awaited alarm_id first becomes queryable through the live link."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db, self.waiting, self.seen = db, set(), {}
        self.lock, self.stop = threading.Lock(), threading.Event()

    def expect(self, ids) -> None:
        with self.lock:
            self.waiting |= set(ids)

    def run(self) -> None:
        while not self.stop.wait(0.05):
            with self.lock:
                ids = list(self.waiting)
            if not ids or not os.path.lexists(self.db):
                continue
            try:
                con = duckdb.connect(str(self.db.resolve()), read_only=True)
                try:
                    found = con.execute("SELECT alarm_id FROM alarms WHERE list_contains(?, alarm_id)",
                                        [ids]).fetchall()
                finally:
                    con.close()
            except duckdb.Error:
                continue
            now = time.monotonic()
            with self.lock:
                for (alarm_id,) in found:
                    self.seen.setdefault(alarm_id, now)
                    self.waiting.discard(alarm_id)

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.waiting and time.monotonic() < deadline:
            time.sleep(0.1)


def alarm_rows(rng: random.Random, prefix: str, n: int, raised: dt.datetime) -> list[dict]:
    return [{"alarm_id": f"{prefix}-{i}", "device_id": f"MC{rng.randint(10000, 99999)}", "device_type": "门磁",
             "alarm_type": "开门", "raised_at": raised, "neighbourhood": rng.choice(NEIGHBOURHOODS),
             "address": f"浦三路{rng.randint(1, 300)}弄{rng.randint(1, 30)}号{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
             "status": "未处置"} for i in range(n)]


def preload(db: Path, folder: Path, rows: int) -> None:
    if rows <= 0:
        return
    rng = random.Random(7)
    start = local_now() - dt.timedelta(days=60)
    data = [{**r, "raised_at": start + dt.timedelta(seconds=rng.randint(0, 59 * 86400)), "status": "已处置"}
            for r in alarm_rows(rng, "BASE", rows, start)]
    path = folder / "base_alarms.csv"
    path.write_bytes(csv_bytes(ALARM_HEADERS, data))
    [result] = load_files("alarms", [path], db, LoadOptions(classify=False))
    print(f"预置 {result.rows_loaded} 条历史报警，数据库 {db.resolve().stat().st_size / 1e6:.1f} MB")


def summary(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: 无数据"
    a = np.array(values)
    return (f"{label}: n={len(a)}  median {np.median(a):.2f} s  p95 {np.percentile(a, 95):.2f} s  "
            f"max {a.max():.2f} s  {'达标' if np.percentile(a, 95) < 5 else '未达标'}（目标 p95 < 5 s）")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--posts", type=int, default=30)
    ap.add_argument("--rate", type=float, default=1.0, help="files (or POSTs) per second")
    ap.add_argument("--base-rows", type=int, default=20000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="alarm-latency-"))
    inbox, db = work / "inbox", work / "db" / "board.duckdb"
    env = dict(os.environ)
    if "BOARD_SECRET_KEY_FILE" not in env:  # never the real key
        (work / "key").write_text("5e" * 32)
        env["BOARD_SECRET_KEY_FILE"] = os.environ["BOARD_SECRET_KEY_FILE"] = str(work / "key")
    (work / "token").write_text("bench-token-0123456789abcdef\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    preload(db, work, args.base_rows)
    logs = [open(work / name, "w") for name in ("watch.log", "serve-alarms.log")]  # kept with --keep
    procs = [subprocess.Popen([sys.executable, "-m", "etl", *cmd, "--db", str(db)], cwd=REPO_ROOT, env=env,
                              stderr=log)
             for log, cmd in zip(logs, (["watch", str(inbox), "--no-notify"],
                                        ["serve-alarms", "--inbox", str(inbox), "--port", str(port),
                                         "--token-file", str(work / "token")]))]
    poller = Poller(db)
    poller.start()
    rng = random.Random(2020)
    try:
        time.sleep(2.0)  # both services up
        file_sent: dict[str, float] = {}
        for i in range(args.files):
            t_next = time.monotonic() + 1 / args.rate
            rows = alarm_rows(rng, f"F{i}", rng.randint(1, 3), local_now())
            poller.expect(r["alarm_id"] for r in rows)
            atomic_write(inbox, f"门磁报警_bench_{i:04d}.csv", csv_bytes(ALARM_HEADERS, rows))
            done = time.monotonic()  # complete: renamed into place
            file_sent.update({r["alarm_id"]: done for r in rows})
            time.sleep(max(0.0, t_next - time.monotonic()))
        poller.wait_all(30)
        post_sent: dict[str, float] = {}
        answer_times = []
        url = f"http://127.0.0.1:{port}/alarms"
        for i in range(args.posts):
            t_next = time.monotonic() + 1 / args.rate
            rows = alarm_rows(rng, f"P{i}", rng.randint(1, 3), local_now())
            events = [{**r, "raised_at": r["raised_at"].isoformat(sep=" ")} for r in rows]
            poller.expect(r["alarm_id"] for r in rows)
            request = urllib.request.Request(url, data=json.dumps({"events": events}).encode(), method="POST",
                                             headers={"Authorization": "Bearer bench-token-0123456789abcdef",
                                                      "Content-Type": "application/json"})
            sent = time.monotonic()
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
            answer_times.append(time.monotonic() - sent)
            post_sent.update({r["alarm_id"]: sent for r in rows})
            time.sleep(max(0.0, t_next - time.monotonic()))
        poller.wait_all(30)
    finally:
        poller.stop.set()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
        for log in logs:
            log.close()
    missing = len(poller.waiting)
    print(f"{args.files} 个文件、{args.posts} 次 POST，每秒 {args.rate:g} 个；未到库 {missing} 条；"
          f"{os.cpu_count()} 核，结束时负载 {os.getloadavg()[0]:.1f}（其他进程争用 CPU 时延迟随之上升）")
    print(summary("文件写完 → 可查询", [poller.seen[a] - t for a, t in file_sent.items() if a in poller.seen]))
    print(summary("POST → 可查询    ", [poller.seen[a] - t for a, t in post_sent.items() if a in poller.seen]))
    print(f"POST 答复 202 用时: median {np.median(answer_times) * 1000:.1f} ms  "
          f"p95 {np.percentile(answer_times, 95) * 1000:.1f} ms")
    if args.keep:
        print(f"工作目录：{work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
