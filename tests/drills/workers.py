"""Processes the drills start: a loader that loads files one after another, and a reader
that queries through boardkit.data.db the way a page does. Each prints one JSON line per
event on stdout, so the drill can check what every process saw.

    python tests/drills/workers.py load DB FILE...
    python tests/drills/workers.py read DB STOP_FILE PER_FILE MARKER
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path


def _say(**event) -> None:
    print(json.dumps(event, ensure_ascii=False), flush=True)


def load(db: str, *files: str) -> int:
    from etl.load import LoadOptions, load_files
    for name in files:
        started = time.monotonic()
        try:
            [result] = load_files("alarms", [Path(name)], Path(db), LoadOptions(classify=False))
            _say(kind="load", file=Path(name).name, status=result.status, rows=result.rows_loaded,
                 message=result.message, seconds=time.monotonic() - started)
        except Exception:
            _say(kind="error", file=Path(name).name, error=traceback.format_exc())
    return 0


# What a reader checks in one query: the marked rows, the loads that brought them, and
# the generation, all from one generation file.
READ_SQL = """SELECT (SELECT count(*) FROM alarms WHERE starts_with(alarm_id, $marker)) AS marked,
       (SELECT count(*) FROM etl_runs WHERE starts_with(file_name, 'drill-') AND status = 'loaded') AS runs,
       (SELECT coalesce(sum(rows_loaded), 0) FROM etl_runs WHERE starts_with(file_name, 'drill-')) AS run_rows,
       (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation') AS generation"""


# A page's queries come in bursts, not in a busy loop; without a pause four readers would
# take both cores and measure the scheduler, not the database.
PAUSE = 0.1


def read(db: str, stop_file: str, per_file: str, marker: str) -> int:
    from boardkit.data.db import current_generation, query
    per_file_n = int(per_file)
    stop = Path(stop_file)
    queries = errors = torn = backwards = 0
    last_generation = 0
    while not stop.exists():
        try:
            gen = current_generation(Path(db))
            row = query(gen, READ_SQL, {"marker": marker + "-"}).iloc[0]
            queries += 1
            marked, runs, run_rows, generation = (int(row[k]) for k in ("marked", "runs", "run_rows", "generation"))
            if marked % per_file_n or marked != runs * per_file_n or marked != run_rows:
                torn += 1
                _say(kind="torn", marked=marked, runs=runs, run_rows=run_rows, generation=generation)
            if generation < last_generation:
                backwards += 1
                _say(kind="backwards", generation=generation, before=last_generation)
            last_generation = max(last_generation, generation)
            time.sleep(PAUSE)
        except Exception as exc:
            errors += 1
            _say(kind="error", error=f"{type(exc).__name__}: {exc}")
            time.sleep(0.05)
    _say(kind="done", queries=queries, errors=errors, torn=torn, backwards=backwards,
         last_generation=last_generation)
    return 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    sys.exit({"load": load, "read": read}[command](*rest))
