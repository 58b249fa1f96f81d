"""ETL speed per source, against DuckDB's own read_csv of the same files in the same run.

Each repeat loads a sample of the demo's files — per source, in load order, files until
`sample_rows` rows (at sub-district scale that is every file) — into a fresh scratch
database with one `load_files` call, as the demo load does, with topic classification
off (it is timed on its own in bench/etl_ratio.py). Per source: the files' own seconds
(stage → upsert, FileResult.seconds); the rest of the call (reference pack, hashing,
run records, checkpoint, publishing the generation) is its own line.

The floor: `CREATE OR REPLACE TABLE AS SELECT * FROM read_csv(file)` for each file of
the source that DuckDB reads as it is (XLSX and GBK files it cannot: those are left out
of the ratio, and the detail says how many), then one CHECKPOINT. The ratio compares our
seconds on exactly those files with the floor's.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from etl.sources import SOURCES

from . import etl_ratio
from .build import Built
from .common import Row, env, median

SOURCE_ORDER = tuple(SOURCES)
DEFAULT_SAMPLE_ROWS = 500_000


def choose_sample(built: Built, sample_rows: int) -> tuple[list[Path], dict[str, dict]]:
    """Files of each source in load order until `sample_rows` rows; the returned list
    keeps the demo's own interleaved order (alarms need the roster's devices)."""
    taken: dict[str, int] = defaultdict(int)
    chosen = []
    info: dict[str, dict] = defaultdict(lambda: {"files": 0, "all_files": 0, "all_rows": 0})
    for f in built.manifest["files"]:
        if f["status"] != "loaded":
            continue   # refused by design (the demo's mess): nothing to time
        s = info[f["source"]]
        s["all_files"] += 1
        s["all_rows"] += f["rows_read"]
        if taken[f["source"]] < sample_rows:
            taken[f["source"]] += f["rows_read"]
            s["files"] += 1
            chosen.append(built.root / f["name"])
    return chosen, dict(info)


def readable_by_read_csv(paths: list[Path], work: Path) -> set[Path]:
    """The files DuckDB's read_csv takes as they are (probe once, untimed)."""
    ok = set()
    con = duckdb.connect(str(work / "probe.duckdb"))
    try:
        for p in paths:
            if p.suffix.lower() not in (".csv", ".txt"):
                continue
            try:
                con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)", [str(p)])
                ok.add(p)
            except duckdb.Error:
                pass   # GBK, or a shape the sniffer refuses
    finally:
        con.close()
    (work / "probe.duckdb").unlink(missing_ok=True)
    return ok


def read_csv_seconds(paths: list[Path], work: Path) -> float:
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        t0 = time.perf_counter()
        for p in paths:
            con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)", [str(p)])
        con.execute("CHECKPOINT")
        return time.perf_counter() - t0
    finally:
        con.close()
        db.unlink(missing_ok=True)


def etl_rows(built: Built, repeat: int, sample_rows: int = DEFAULT_SAMPLE_ROWS,
             ratio_rows: int = 400_000, say=print) -> list[Row]:
    from etl.load import LoadOptions, load_files

    sample, info = choose_sample(built, sample_rows)
    scratch = built.root / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    floor_ok = readable_by_read_csv(sample, scratch)
    source_of = {built.root / f["name"]: f["source"] for f in built.manifest["files"]}

    per_source = defaultdict(lambda: defaultdict(list))   # source -> measure -> [per repeat]
    publish = []
    for i in range(repeat):
        say(f"  ETL repeat {i + 1}/{repeat}: loading {len(sample)} files …")
        db = scratch / f"run-{i}" / "board.duckdb"
        t0 = time.perf_counter()
        results = load_files(None, sample, db, LoadOptions(classify=False))
        total = time.perf_counter() - t0
        shutil.rmtree(db.parent, ignore_errors=True)
        publish.append(total - sum(r.seconds for r in results))
        sums = defaultdict(lambda: {"rows": 0, "seconds": 0.0, "floor_seconds_ours": 0.0})
        for r in results:
            s = sums[r.source]
            s["rows"] += r.rows_read
            s["seconds"] += r.seconds
            if r.path in floor_ok:
                s["floor_seconds_ours"] += r.seconds
        for source, s in sums.items():
            for k, v in s.items():
                per_source[source][k].append(v)
        for source in sums:
            files = [p for p in sample if p in floor_ok and source_of[p] == source]
            per_source[source]["floor"].append(read_csv_seconds(files, scratch) if files else None)

    rows = []
    for source in SOURCE_ORDER:
        if source not in per_source:
            continue
        m = per_source[source]
        n_rows = int(median(m["rows"]))
        seconds = median(m["seconds"])
        n_files = info[source]["files"]
        n_floor = sum(1 for p in sample if p in floor_ok and source_of[p] == source)
        floor = median(m["floor"])
        sampled = n_files < info[source]["all_files"]
        item = f"{source}: {n_files} files, {n_rows:,} rows" + (
            f" (sample of {info[source]['all_files']} files, {info[source]['all_rows']:,} rows)" if sampled else "")
        if n_floor and floor == floor and floor > 0:
            ratio = median(m["floor_seconds_ours"]) / floor
            detail = (f"ours {seconds:.2f} s; on the {n_floor} of {n_files} files read_csv takes as they are: "
                      f"ours {median(m['floor_seconds_ours']):.2f} s vs read_csv {floor:.2f} s = {ratio:.1f}×")
        else:
            ratio = None
            detail = f"ours {seconds:.2f} s; read_csv reads none of these files as they are (XLSX/GBK)"
        rows.append(Row("ETL", item, f"{n_rows / seconds:,.0f} rows/s" if seconds > 0 else "—", detail,
                        values={"rows": n_rows, "seconds": seconds, "rows_per_s": n_rows / seconds if seconds else 0,
                                "ratio": ratio, "files": n_files}))
    rows.append(Row("ETL", "the load's time outside the files' own", f"{median(publish):.2f} s",
                    "reference pack copy, file hashes and source detection, run records, "
                    "checkpoint and publishing the generation", values={"seconds": median(publish)}))
    rows.append(_build_row(built))
    if ratio_rows:
        rows.append(_ratio_row(ratio_rows, repeat, say))
    shutil.rmtree(scratch, ignore_errors=True)
    return rows


def _build_row(built: Built) -> Row:
    """The build's own full load (once, with topic classification, as `etl demo`)."""
    per = defaultdict(lambda: [0, 0.0])
    for f in built.manifest["files"]:
        if f["status"] == "loaded":
            per[f["source"]][0] += f["rows_read"]
            per[f["source"]][1] += f["seconds"]
    parts = [f"{s} {per[s][0] / per[s][1]:,.0f} rows/s" for s in SOURCE_ORDER if s in per and per[s][1] > 0]
    total_rows = sum(v[0] for v in per.values())
    load = built.manifest["load_seconds"]
    return Row("ETL", "full demo load at build (once, classification on)",
               f"{total_rows / load:,.0f} rows/s" if load else "—",
               f"{total_rows:,} rows in {load:.1f} s (generation of the files {built.manifest['generate_seconds']:.1f} s; "
               f"built {built.manifest['created']}); " + "; ".join(parts),
               values={"rows": total_rows, "seconds": load})


def _ratio_row(rows: int, repeat: int, say) -> Row:
    """bench/etl_ratio.py's synthetic hotline file, on the default (sub-district) pack so
    the figure compares across scales."""
    say(f"  ETL: the {rows:,}-row hotline file (bench/etl_ratio.py) …")
    work = Path(tempfile.mkdtemp(prefix="bench-etl-"))
    try:
        with env(BOARD_REFERENCE=None):
            csv_path = work / "hotline.csv"
            etl_ratio.make_hotline_csv(csv_path, rows)
            floor = median(etl_ratio.time_read_csv(csv_path, work) for _ in range(repeat))
            ours = median(etl_ratio.time_load(csv_path, work, classify=False) for _ in range(repeat))
        size = csv_path.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Row("ETL", f"hotline, one {rows:,}-row UTF-8 CSV (bench/etl_ratio.py)", f"{rows / ours:,.0f} rows/s",
               f"ours {ours:.2f} s vs read_csv {floor:.2f} s ({size / 1e6:.0f} MB) = {ours / floor:.1f}×; "
               "classification off", values={"rows": rows, "seconds": ours, "rows_per_s": rows / ours,
                                             "ratio": ours / floor})
