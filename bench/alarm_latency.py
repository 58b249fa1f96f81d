"""Alarm latency: from a file complete in the inbox (renamed into place) to its rows
being queryable on the board, and from an HTTP POST to the intake to the same.

    python -m bench.alarm_latency --files 30 --posts 30 --rate 1 --base-rows 20000
    python -m bench.alarm_latency --db /path/to/board.duckdb     # a copy of an existing database
    python -m bench.alarm_latency --scale city                   # bench/build's city database, copied

Starts `python -m etl watch` (default settings: poll 0.5 s, stable window 1 s) and
`python -m etl serve-alarms` as subprocesses on a scratch database — preloaded with
`--base-rows` alarms, or a copy of the live generation of `--db` / `--scale` (never
written: the watcher loads into the copy) — then drops alarm files (1–3 alarms each,
temp name + rename) at a steady rate, then POSTs events at the same rate. A poller asks
the board's own read path (boardkit.data.db) every 50 ms, and notes when each alarm
first appears. Prints median and p95; the goal is p95 < 5 s. `measure` is the same for
another benchmark (bench.serving).
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

import numpy as np

from etl.load import LoadOptions, load_files
from live.spool import ALARM_HEADERS, atomic_write, csv_bytes, local_now

REPO_ROOT = Path(__file__).resolve().parent.parent
NEIGHBOURHOODS = ["八一居民区", "港机居民区", "东盛居民区", "南码头居民区", "微山居民区"]


class Poller(threading.Thread):
    """Notes when each awaited alarm_id first becomes queryable on the board: the board's
    own query path on the live link (a new generation and whatever it reads with it)."""

    def __init__(self, db: Path, since: dt.datetime):
        super().__init__(daemon=True)
        self.db, self.since, self.waiting, self.seen = db, since, set(), {}
        self.lock, self.stop = threading.Lock(), threading.Event()

    def expect(self, ids) -> None:
        with self.lock:
            self.waiting |= set(ids)

    def run(self) -> None:
        from boardkit.data import db as board_db
        while not self.stop.wait(0.05):
            with self.lock:
                ids = list(self.waiting)
            if not ids or not os.path.lexists(self.db):
                continue
            try:
                found = board_db.query(board_db.current_generation(self.db),
                                       "SELECT alarm_id FROM alarms WHERE raised_at >= $since "
                                       "AND list_contains($ids, alarm_id)", {"since": self.since, "ids": ids})
            except Exception:  # a generation pruned under us, a busy moment: ask again
                continue
            now = time.monotonic()
            with self.lock:
                for alarm_id in found["alarm_id"]:
                    self.seen.setdefault(alarm_id, now)
                    self.waiting.discard(alarm_id)

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.waiting and time.monotonic() < deadline:
            time.sleep(0.1)


def alarm_rows(rng: random.Random, prefix: str, n: int, raised: dt.datetime,
               neighbourhoods: list[str] = NEIGHBOURHOODS) -> list[dict]:
    return [{"alarm_id": f"{prefix}-{i}", "device_id": f"MC{rng.randint(10000, 99999)}", "device_type": "门磁",
             "alarm_type": "开门", "raised_at": raised, "neighbourhood": rng.choice(neighbourhoods),
             "address": f"浦三路{rng.randint(1, 300)}弄{rng.randint(1, 30)}号{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
             "status": "未处置"} for i in range(n)]


def copy_database(source: Path, db: Path) -> None:
    """A copy of `source`'s live generation as the first generation of `db` (the source is
    only read), beside nothing of the source's."""
    target = Path(source).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    (db.parent / "generations").mkdir(exist_ok=True)
    copy = db.parent / "generations" / f"{db.stem}-000001.duckdb"
    t0 = time.perf_counter()
    shutil.copyfile(target, copy)
    os.symlink(os.path.relpath(copy, db.parent), db)
    print(f"复制数据库 {target.stat().st_size / 1e9:.2f} GB 用时 {time.perf_counter() - t0:.1f} 秒")


def known_neighbourhoods(db: Path) -> list[str]:
    """Neighbourhood names the database's alarms already carry (a city has its own)."""
    import duckdb
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        names = [n for (n,) in con.execute("SELECT DISTINCT neighbourhood FROM alarms WHERE neighbourhood "
                                           "IS NOT NULL ORDER BY 1 LIMIT 20").fetchall()]
    finally:
        con.close()
    return names or NEIGHBOURHOODS


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


def measure(db_path: Path | None = None, *, files: int = 30, posts: int = 30, rate: float = 1.0,
            base_rows: int = 20000, reference: Path | None = None, keep: bool = False,
            label: str = "") -> list:
    """Runs the measurement on a scratch copy of `db_path` (or, without one, on a scratch
    database of `base_rows` alarms); returns bench.common.Row lines: dropped files and
    POSTs to queryable (p50/p95, budget p95 ≤ 5 s), and the intake's answer time."""
    from .common import Row
    work = Path(tempfile.mkdtemp(prefix="alarm-latency-", dir=os.environ.get("BENCH_SCRATCH")))
    inbox, db = work / "inbox", work / "db" / "board.duckdb"
    env = dict(os.environ)
    if reference is not None:
        env["BOARD_REFERENCE"] = os.environ["BOARD_REFERENCE"] = str(reference)
    if "BOARD_SECRET_KEY_FILE" not in env:  # never the real key
        (work / "key").write_text("5e" * 32)
        env["BOARD_SECRET_KEY_FILE"] = os.environ["BOARD_SECRET_KEY_FILE"] = str(work / "key")
    (work / "token").write_text("bench-token-0123456789abcdef\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if db_path is not None:
        copy_database(Path(db_path), db)
        neighbourhoods = known_neighbourhoods(db)
    else:
        preload(db, work, base_rows)
        neighbourhoods = NEIGHBOURHOODS
    size = db.resolve().stat().st_size
    logs = [open(work / name, "w") for name in ("watch.log", "serve-alarms.log")]  # kept with --keep
    procs = [subprocess.Popen([sys.executable, "-m", "etl", *cmd, "--db", str(db)], cwd=REPO_ROOT, env=env,
                              stderr=log)
             for log, cmd in zip(logs, (["watch", str(inbox), "--no-notify"],
                                        ["serve-alarms", "--inbox", str(inbox), "--port", str(port),
                                         "--token-file", str(work / "token")]))]
    poller = Poller(db, local_now() - dt.timedelta(hours=1))
    poller.start()
    rng = random.Random(2020)
    file_sent: dict[str, float] = {}
    post_sent: dict[str, float] = {}
    answer_times = []
    try:
        time.sleep(2.0)  # both services up
        for i in range(files):
            t_next = time.monotonic() + 1 / rate
            rows = alarm_rows(rng, f"F{i}", rng.randint(1, 3), local_now(), neighbourhoods)
            poller.expect(r["alarm_id"] for r in rows)
            atomic_write(inbox, f"门磁报警_bench_{i:04d}.csv", csv_bytes(ALARM_HEADERS, rows))
            done = time.monotonic()  # complete: renamed into place
            file_sent.update({r["alarm_id"]: done for r in rows})
            time.sleep(max(0.0, t_next - time.monotonic()))
        poller.wait_all(60)
        url = f"http://127.0.0.1:{port}/alarms"
        for i in range(posts):
            t_next = time.monotonic() + 1 / rate
            rows = alarm_rows(rng, f"P{i}", rng.randint(1, 3), local_now(), neighbourhoods)
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
        poller.wait_all(60)
    finally:
        poller.stop.set()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        for log in logs:
            log.close()
    missing = len(poller.waiting)
    detail = (f"{label}database {size / 1e9:.2f} GB; {files} files, {posts} POSTs, {rate:g}/s; "
              f"{missing} never queryable; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end")
    rows = [_latency_row(Row, "dropped file → queryable", file_sent, poller.seen, detail),
            _latency_row(Row, "POST → queryable", post_sent, poller.seen, detail)]
    if answer_times:
        a = np.array(answer_times) * 1000
        rows.append(Row("alarms", "POST answered 202", f"p50 {np.median(a):.1f} · p95 {np.percentile(a, 95):.1f} ms",
                        detail, values={"p50_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95))}))
    if keep:
        print(f"工作目录：{work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _latency_row(Row, item: str, sent: dict[str, float], seen: dict[str, float], detail: str):
    values = [seen[a] - t for a, t in sent.items() if a in seen]
    missing = len(sent) - len(values)
    if not values:
        return Row("alarms", item, "no data", detail, "p95 ≤ 5 s", ok=False if sent else None)
    a = np.array(values)
    p50, p95 = float(np.median(a)), float(np.percentile(a, 95))
    return Row("alarms", item, f"p50 {p50:.2f} · p95 {p95:.2f} s (max {a.max():.2f})", detail, "p95 ≤ 5 s",
               ok=p95 <= 5 and not missing, values={"p50": p50, "p95": p95, "max": float(a.max()), "n": len(a),
                                                    "missing": missing})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--posts", type=int, default=30)
    ap.add_argument("--rate", type=float, default=1.0, help="files (or POSTs) per second")
    ap.add_argument("--base-rows", type=int, default=20000)
    ap.add_argument("--db", type=Path, help="measure on a copy of this database's live generation")
    ap.add_argument("--scale", help="measure on a copy of bench/build's database of this scale (e.g. city)")
    ap.add_argument("--reference", type=Path, help="the reference pack of --db (a district's or city's own)")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args(argv)
    db_path, reference = args.db, args.reference
    if args.scale:
        from .build import ensure_database
        built = ensure_database(args.scale, args.seed, reuse_stale=True)
        db_path, reference = built.db, built.pack
    rows = measure(db_path, files=args.files, posts=args.posts, rate=args.rate, base_rows=args.base_rows,
                   reference=reference, keep=args.keep)
    for row in rows:
        verdict = "" if row.ok is None else ("  达标" if row.ok else "  未达标")
        print(f"{row.item}: {row.figure}{verdict}  [{row.detail}]")
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
