"""`python -m bench --scale subdistrict|district|city`: build or reuse the demo database,
measure, print one table, append it to bench/RESULTS.md.

Sections: sizes; ETL rows/s per source vs DuckDB's read_csv (and bench/etl_ratio.py's
400k-row hotline file); every page (AppTest, cold and warm cache); the wall screen's panels
(bench/screen_speed.py: drawn for real, cold and warm); every named query
(cold and warm, rows returned); the overview's hotline figures the naive way vs ours in
memory-capped subprocesses; Chromium timing of the overview against a trivial page;
peak memory. At scales with more than one sub-district, pages, the screen and queries are
measured twice: the whole area, and one sub-district filtered inside it.

Tests never assert on these times; the budgets are printed beside the figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from .common import REPO_ROOT, WORK_ROOT, Row, fmt_bytes, peak_rss_mb, quiet_streamlit

SCALES = ("subdistrict", "district", "city")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=SCALES, required=True)
    ap.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is reported (default 5)")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--skip-etl", action="store_true", help="no ETL timing (the build, if needed, still loads)")
    ap.add_argument("--skip-browser", action="store_true", help="no Chromium timing")
    ap.add_argument("--rebuild", action="store_true", help="build the demo database again even if one exists")
    ap.add_argument("--reuse-stale", action="store_true",
                    help="reuse the database even if the ETL code changed since it was built (the table says so)")
    ap.add_argument("--volume", type=float, default=1.0, help="scale every demo volume (dry runs; own folder)")
    ap.add_argument("--days", type=int, default=None, help="demo season length (default: the scale's)")
    ap.add_argument("--end", type=dt.date.fromisoformat, default=None,
                    help="first day after the demo season (default 2020-05-01: the 2020 replay)")
    ap.add_argument("--sample-rows", type=int, default=500_000,
                    help="ETL: per source, time files in load order until this many rows (default 500000)")
    ap.add_argument("--ratio-rows", type=int, default=400_000,
                    help="ETL: rows of bench/etl_ratio.py's hotline file (0: skip; default 400000)")
    ap.add_argument("--naive-mem-gb", type=float, default=16.0,
                    help="address-space cap of each naive/ours subprocess (default 16)")
    ap.add_argument("--no-results", action="store_true", help="print only; do not append to bench/RESULTS.md")
    return ap.parse_args(argv)


@dataclass
class Scopes:
    """The scopes pages and queries are measured at: the whole area, and (when there are
    several sub-districts) one sub-district filtered inside it."""
    whole: object
    one: object | None
    one_label: str
    one_params: dict


def scopes_for(gen) -> Scopes:
    from boardkit.data.db import ALL, Scope, query
    frame = query(gen, "SELECT subdistrict_code, subdistrict_name, code FROM ref_neighbourhoods ORDER BY code")
    if frame["subdistrict_code"].nunique() <= 1:
        return Scopes(ALL, None, "", {})
    first = sorted(frame["subdistrict_code"].dropna().unique())[0]
    part = frame[frame["subdistrict_code"] == first]
    codes = tuple(part["code"])
    label = f"one sub-district: {part['subdistrict_name'].iat[0]}, {len(codes)} neighbourhoods"
    return Scopes(ALL, Scope(codes), label, {"nb": ",".join(codes)})


def measure(built, args, say=print) -> list[Row]:
    """Every section but the build; the rows in table order."""
    from boardkit.data.clock import make_clock
    from boardkit.data.db import current_generation

    from . import build, etl_speed, naive, page_speed, query_speed, screen_speed

    quiet_streamlit()
    built.apply_environment()
    rows = build.size_rows(built)
    gen = current_generation(built.db)
    clock = make_clock(gen)
    scopes = scopes_for(gen)
    rows.append(Row("size", "report day D / now", f"{clock.day} / {clock.now:%Y-%m-%d %H:%M}",
                    "the replay's last record is now; D is the day before"))

    if not args.skip_etl:
        say("ETL …")
        rows += etl_speed.etl_rows(built, args.repeat, args.sample_rows, args.ratio_rows, say=say)

    say("pages …")
    page_rows, charts = page_speed.page_rows(args.repeat, scale=args.scale, say=say)
    rows += page_rows
    browser_targets = [("overview", "/", charts)]
    if scopes.one is not None:
        one_rows, one_charts = page_speed.page_rows(args.repeat, scale=args.scale, query_params=scopes.one_params,
                                                    label=scopes.one_label, say=say)
        rows += one_rows
        browser_targets.append((f"overview ({scopes.one_label})", "/?" + urlencode(scopes.one_params), one_charts))

    say("wall screen …")
    rows += screen_speed.screen_rows(args.repeat, say=say)
    if scopes.one is not None:
        rows += screen_speed.screen_rows(args.repeat, scope=scopes.one, label=scopes.one_label, say=say)

    say("queries …")
    rows += query_speed.query_rows(query_speed.Standard(gen, clock, scopes.whole), args.repeat, say=say)
    if scopes.one is not None:
        rows += query_speed.query_rows(query_speed.Standard(gen, clock, scopes.one), args.repeat,
                                       label=scopes.one_label, say=say)

    say("naive vs ours …")
    rows += naive.naive_rows(built.db, clock, args.repeat, args.naive_mem_gb, say=say)

    overview_problem = next((r.values["problem"] for r in page_rows if r.values.get("page") == page_speed.OVERVIEW), "")
    if not args.skip_browser and overview_problem.startswith("raised"):
        # Timing an exception page would report a meaningless pass.
        rows.append(Row("browser", "overview: navigation → all charts drawn", "not measured",
                        f"the overview {overview_problem}", "≤ 3000", None, "subdistrict"))
    elif not args.skip_browser:
        say("browser …")
        from . import browser
        try:
            rows += browser.browser_rows(built.environment(), browser_targets, args.repeat, built.root / "logs",
                                         say=say)
        except Exception as exc:   # a missing Chromium must not lose the rest of the table
            rows.append(Row("browser", "overview: navigation → all charts drawn", "FAILED",
                            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", "≤ 3000", False,
                            "subdistrict"))

    # The naive/ours subprocesses report their own peaks in their rows (RUSAGE_CHILDREN
    # would not: Linux carries a parent's peak into its children).
    rows.append(Row("memory", "peak RSS of the benchmark process", fmt_bytes(peak_rss_mb() * 2**20),
                    "AppTest page runs and queries run in this process", values={"mb": peak_rss_mb()}))
    return rows


def main(argv=None) -> int:
    from . import build, report

    args = parse_args(argv)
    started = dt.datetime.now()
    t0 = time.perf_counter()
    os.chdir(REPO_ROOT)
    commit_at_start = report._commit()  # pages are read from disk at every run: say if HEAD moved
    # The person-key secret for demo loads: a bench-local one, never the user's real key.
    os.environ.setdefault("BOARD_SECRET_KEY_FILE", str(WORK_ROOT / "person-key.secret"))

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(figures are only comparable on a quiet machine)")
    built = build.ensure_database(args.scale, args.seed, end=args.end or build.DEFAULT_END, days=args.days,
                                  volume=args.volume, rebuild=args.rebuild, reuse_stale=args.reuse_stale,
                                  say=say)
    rows = measure(built, args, say=say)

    python = os.path.relpath(sys.executable, REPO_ROOT) if sys.executable.startswith(str(REPO_ROOT)) else "python"
    command = f"{python} -m bench " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    info = report.machine()
    if info["commit"] != commit_at_start:
        info["commit"] = f"{commit_at_start} (HEAD moved to {info['commit']} during the run: later sections may have run newer code)"
    text = report.section_text(rows, args.scale, command, started, time.perf_counter() - t0, info)
    print(text)
    if not args.no_results:
        report.append_results(text)
        say(f"appended to {report.RESULTS}")
    return 0
