"""Drill 2, crash: `python -m etl load` killed with SIGKILL at random points, again and
again (tests/test_etl_crash.py kills one load at one point).

After every kill the database opens, the board accepts it, and it holds exactly the state
before that load, or (when the kill came after the atomic link swap) exactly the state
with that file loaded. Rerunning the same command then succeeds, and leaves no files of
the killed load behind."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from boardkit.data.db import check_ready, current_generation
from etl.sources import SOURCES
from etl.store import generation_number

from .common import (REPO, alarm_file, checksums, copy_database, etl_cli, leftovers, neighbourhood_names, report,
                     rows)

ROWS = 3000  # per file: a load of a second or so, long enough to be caught in each phase
SIZES = [pytest.param(3, id="ci"), pytest.param(20, id="full", marks=pytest.mark.drill)]
# The tables a published alarm load changes: its own, the runs, meta, and the derived tables
# it marks for refreshing (etl/derived.py note_upsert: the source's open records and which
# runs hold which neighbourhood's records). Every other table must be as it was.
CHANGED_BY_ALARMS = ("alarms", "etl_runs", "meta", *SOURCES["alarms"].open_records, "run_neighbourhoods")


def _start_load(path: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "load", "alarms", str(path), "--db", str(db)],
                            cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _newer_generations(db: Path) -> list[int]:
    live = generation_number(db.resolve())
    return [n for n in (generation_number(p) for p in (db.parent / "generations").glob("*.duckdb")) if n > live]


def _calibrate(db: Path, path: Path) -> tuple[float, float]:
    """(seconds until the load starts its new generation, seconds until it is done)."""
    started = time.monotonic()
    proc = _start_load(path, db)
    first = None
    while proc.poll() is None:
        if first is None and _newer_generations(db):
            first = time.monotonic() - started
        time.sleep(0.005)
    total = time.monotonic() - started
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return first or total * 0.7, total


@pytest.mark.parametrize("kills", SIZES)
def test_sigkill_at_random_points(kills, demo_db, tmp_path):
    db = copy_database(demo_db, tmp_path / "db")
    names = neighbourhood_names(db)
    seed = int(os.environ.get("DRILL_SEED", "20200203"))
    rng = random.Random(seed + kills)
    start, total = _calibrate(db, alarm_file(tmp_path / "drill-calibrate.csv", 99_999, ROWS, names, marker="CAL"))

    outcomes: Counter = Counter()
    problems: list[str] = []
    for i in range(kills):
        path = alarm_file(tmp_path / f"drill-{i:03d}.csv", i, ROWS, names)
        before, link_before = checksums(db), os.readlink(db)
        marked_before = rows(db, "SELECT count(*) FROM alarms WHERE starts_with(alarm_id, 'DRL-')")[0][0]
        proc = _start_load(path, db)
        time.sleep(rng.uniform(start * 0.8, total * 1.05))
        mid_load = bool(_newer_generations(db))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        published = os.readlink(db) != link_before

        # The database opens (read-only, as the board opens it) and the board accepts it.
        after = checksums(db)
        check_ready(current_generation(db))
        if proc.returncode != -signal.SIGKILL:
            outcomes["finished before the kill"] += 1
            assert proc.returncode == 0, err
        elif published:
            outcomes["killed after the link swap"] += 1
        else:
            outcomes["killed mid-load" if mid_load else "killed before the load began"] += 1
        if published:  # the whole file, and nothing else, was added
            same = {t: v for t, v in after.items() if t not in CHANGED_BY_ALARMS}
            assert same == {t: v for t, v in before.items() if t not in CHANGED_BY_ALARMS}
            assert after["alarms"][0] == before["alarms"][0] + ROWS
            assert after["etl_runs"][0] == before["etl_runs"][0] + 1
        elif after != before:
            problems.append(f"kill {i}: state changed without a published generation")

        rerun = etl_cli("load", "alarms", path, "--db", db)
        if rerun.returncode != 0 or "Traceback" in rerun.stderr:
            problems.append(f"kill {i}: rerun failed ({rerun.returncode}): {rerun.stderr[-500:]}")
        expected = "跳过" if published else "导入"
        if not rerun.stdout.startswith(expected) and f"\n{expected}" not in rerun.stdout:
            problems.append(f"kill {i}: rerun said {rerun.stdout[-200:]!r}, expected {expected}")
        marked = rows(db, "SELECT count(*) FROM alarms WHERE starts_with(alarm_id, 'DRL-')")[0][0]
        if marked != marked_before + ROWS:
            problems.append(f"kill {i}: {marked - marked_before} rows added, expected {ROWS}")
        if leftovers(db):
            problems.append(f"kill {i}: left behind {leftovers(db)}")

    report(f"Crash ({'full' if kills >= 20 else 'ci'})", [
        f"loads killed with SIGKILL: {kills} (seed {seed}; delays {start * 0.8:.2f}–{total * 1.05:.2f} s, "
        f"a whole load takes {total:.2f} s)",
        "where the kills landed: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        f"failed: {len(problems)} (state neither before nor after, failed rerun, rows lost or doubled, "
        f"files left behind)",
    ])
    assert problems == []
