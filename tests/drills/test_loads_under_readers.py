"""Drill 1, loads under readers: page renders (AppTest, in threads) and query processes
(boardkit.data.db.query) run while alarm files load one after another in a loader process.

Each file adds exactly PER_FILE marked alarms and one `etl_runs` row, so any state a
reader can see satisfies: marked rows = loaded drill files x PER_FILE = the runs' row
sum. A reader that saw a half-applied load would break it. Also: no errors, no lock
messages anywhere, and no reader ever goes back to an older generation."""
from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
from .common import (alarm_file, copy_database, neighbourhood_names, page_problems, percentile, report, rows,
                     view, worker)

PER_FILE = 20
# CI renders pages in one AppTest thread: CPython 3.11 can raise "AST constructor recursion
# depth mismatch" when two threads compile page scripts at the same instant (a parser race,
# not a data problem); the full drill keeps 8 threads and reports such errors.
SIZES = [pytest.param({"files": 10, "threads": 1, "procs": 2}, id="ci"),
         pytest.param({"files": 50, "threads": 8, "procs": 4}, id="full", marks=pytest.mark.drill)]
# Not the wall screen: under AppTest its address check sees a mock when a run switches pages
# (the screen runs in Chromium in the day drill).
PAGES = ["pages/data.py", "pages/alarms.py", "pages/data.py", "pages/overview.py", "pages/data.py", "pages/hotline.py"]


def _number(text: str) -> int:
    return int(str(text).replace(",", ""))


class PageReader(threading.Thread):
    """One viewer opening page after page until told to stop. On the data page the file
    count and the loaded-row count come from one generation: they must agree."""

    def __init__(self, index: int, base: tuple[int, int], stop: threading.Event):
        super().__init__(daemon=True, name=f"page-reader-{index}")
        self.index, self.base, self.stop = index, base, stop
        self.seconds: list[float] = []
        self.problems: list[str] = []
        self.files_seen: set[int] = set()

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            page = PAGES[(self.index + turn) % len(PAGES)]
            turn += 1
            try:
                at, seconds = view(page)
            except Exception as exc:  # the drill reports it; a dead thread must not pass silently
                self.problems.append(f"{page}: {type(exc).__name__}: {exc}")
                continue
            self.seconds.append(seconds)
            self.problems += page_problems(at, page)
            if page == "pages/data.py" and not at.exception:
                metrics = {m.label: _number(m.value) for m in at.metric}
                files, loaded = metrics["文件"] - self.base[0], metrics["导入行数"] - self.base[1]
                self.files_seen.add(files)
                if loaded != files * PER_FILE:
                    self.problems.append(f"torn page: {files} drill files but {loaded} drill rows")


@pytest.mark.parametrize("size", SIZES)
def test_loads_under_readers(size, demo_db, tmp_path, monkeypatch, caplog, apptest_in_threads):
    db = copy_database(demo_db, tmp_path / "db")
    monkeypatch.setenv("BOARD_DB", str(db))
    names = neighbourhood_names(db)
    files = [alarm_file(tmp_path / f"drill-{i:03d}.csv", i, PER_FILE, names) for i in range(size["files"])]
    base = rows(db, "SELECT count(*), coalesce(sum(rows_loaded), 0) FROM etl_runs")[0]
    stop_file, stop = tmp_path / "stop", threading.Event()

    readers = [worker("read", db, stop_file, PER_FILE, "DRL", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                      text=True) for _ in range(size["procs"])]
    pages = [PageReader(i, base, stop) for i in range(size["threads"])]
    try:
        for thread in pages:
            thread.start()
        time.sleep(2)  # readers running before the first load
        loader = worker("load", db, *files, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        load_out, load_err = loader.communicate(timeout=60 * size["files"])
        time.sleep(3)  # every reader sees the last generation at least once
    finally:
        stop.set()
        stop_file.touch()
        reader_outputs = [r.communicate(timeout=120) for r in readers]
        for thread in pages:
            thread.join(timeout=300)

    loads = [json.loads(line) for line in load_out.splitlines() if line.startswith("{")]
    events = [[json.loads(line) for line in out.splitlines() if line.startswith("{")] for out, _ in reader_outputs]
    done = [next((e for e in ev if e["kind"] == "done"), {}) for ev in events]
    reader_problems = [e for ev in events for e in ev if e["kind"] != "done"]
    view_problems = [p for t in pages for p in t.problems]
    page_seconds = [s for t in pages for s in t.seconds]
    load_seconds = [e["seconds"] for e in loads if e["kind"] == "load"]
    stderr_all = load_err + "".join(err for _, err in reader_outputs) + caplog.text
    lock_lines = [line for line in stderr_all.splitlines() + [str(p) for p in reader_problems + view_problems]
                  if "lock" in line.lower() or "锁" in line]
    final = rows(db, "SELECT (SELECT count(*) FROM alarms WHERE starts_with(alarm_id, 'DRL-')), "
                     "(SELECT count(*) FROM etl_runs WHERE starts_with(file_name, 'drill-') AND status = 'loaded')")[0]

    report(f"Loads under readers ({'full' if size['files'] >= 50 else 'ci'})", [
        f"files loaded one after another: {len(load_seconds)} of {len(files)} "
        f"(p50 {percentile(load_seconds, 50):.2f} s, max {max(load_seconds, default=0):.2f} s per load)",
        f"query processes: {len(readers)}, queries {sum(d.get('queries', 0) for d in done)}, "
        f"errors {sum(d.get('errors', 0) for d in done)}, torn {sum(d.get('torn', 0) for d in done)}, "
        f"back in time {sum(d.get('backwards', 0) for d in done)}",
        f"page threads (AppTest): {len(pages)}, page runs {len(page_seconds)}, problems {len(view_problems)}, "
        f"p95 run {percentile(page_seconds, 95):.2f} s, distinct states seen on the data page "
        f"{len(set().union(*(t.files_seen for t in pages)))}",
        f"lock messages: {len(lock_lines)}; final marked rows {final[0]} (expected {len(files) * PER_FILE})",
    ])
    assert [e for e in loads if e["kind"] != "load" or e["status"] != "loaded"] == []
    assert loader.returncode == 0 and "Traceback" not in load_err, load_err[-3000:]
    assert final == (len(files) * PER_FILE, len(files))
    assert reader_problems == [], reader_problems[:10]
    assert all(d.get("queries", 0) > 0 and d.get("errors") == 0 for d in done), done
    assert view_problems == [], view_problems[:10]
    assert all(t.seconds for t in pages), "a page thread rendered nothing"
    assert lock_lines == [], lock_lines[:10]
