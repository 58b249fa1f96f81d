"""The overview's hotline figures the naive way, against ours, each in its own
memory-capped subprocess (so each side's peak RSS is its own).

Naive, the way most Streamlit dashboards are written: `SELECT * FROM hotline_tickets`
into pandas once, cached whole with `st.cache_data`, then on every run filter in pandas
for the report day D and D-1 (the change against yesterday): tickets received, epidemic
share, open and overdue at now, on-time closure rate (metrics.md). The real
`st.cache_data` is used (bare mode, outside a server): a hit unpickles the stored bytes,
which is exactly what a hit costs in the board's server.

Ours: `overview_figures` — every KPI of the overview (hotline, roster, alarms,
enterprises), not just the hotline's, so the comparison is conservative.

    python -m bench.naive --side naive|ours --db PATH --now ISO --day ISO --repeat N --mem-gb 16
prints one JSON line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from .common import REPO_ROOT, Row, fmt_bytes, fmt_ms

# Issue 9, at city scale: ours at least 20× faster, at most a tenth of naive's memory.
BUDGET_RATIO = 20.0
BUDGET_MEMORY = 0.10
COMPARED = ("hotline_received", "epidemic_share", "hotline_open", "hotline_overdue", "on_time_rate")


def _naive_figures(df, d0: dt.datetime, now: dt.datetime) -> dict:
    """docs/metrics.md's hotline figures for the day starting d0, state figures at t(D) (the
    day's end, or `now` for today), in pandas; NULL handling as the SQL's (a NULL status is
    not counted as open; closed without a time counts as closed when received)."""
    d1 = d0 + dt.timedelta(days=1)
    now = min(now, d1)
    received_at, closed_at, due_at = df["received_at"], df["closed_at"], df["due_at"]
    closed_by = closed_at.where(closed_at.notna() | (df["status"] != "closed"), received_at)
    epidemic = df["epidemic_related"].fillna(False).astype(bool)
    in_day = (received_at >= d0) & (received_at < d1)
    received = int(in_day.sum())
    open_ = ((received_at <= now) & ~(closed_by <= now).fillna(False)
             & df["status"].notna() & (df["status"] != "returned"))
    overdue = open_ & (due_at < now).fillna(False)
    closed_in_day = (closed_at >= d0) & (closed_at < d1)
    closed = int(closed_in_day.sum())
    on_time = int((closed_in_day & (closed_at <= due_at)).sum())
    share = int((in_day & epidemic).sum()) / received if received else None
    return {"hotline_received": received, "epidemic_share": share, "hotline_open": int(open_.sum()),
            "hotline_overdue": int(overdue.sum()), "on_time_rate": on_time / closed if closed else None}


def run_naive(db: str, now: dt.datetime, day: dt.date, repeat: int) -> dict:
    import duckdb
    import streamlit as st

    @st.cache_data(show_spinner=False)
    def load_tickets(path: str):
        con = duckdb.connect(path, read_only=True)
        try:
            return con.execute("SELECT * FROM hotline_tickets").df()
        finally:
            con.close()

    def one_run():
        df = load_tickets(db)   # a hit unpickles the whole frame
        d0 = dt.datetime.combine(day, dt.time())
        return {"cur": _naive_figures(df, d0, now),
                "prev": _naive_figures(df, d0 - dt.timedelta(days=1), now)}

    t0 = time.perf_counter()
    figures = one_run()   # the miss: read into pandas, pickle into the cache
    first = (time.perf_counter() - t0) * 1000
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        one_run()
        times.append((time.perf_counter() - t0) * 1000)
    return {"first_ms": first, "times_ms": times, "figures": figures["cur"]}


def run_ours(db: str, now: dt.datetime, day: dt.date, repeat: int) -> dict:
    import streamlit  # noqa: F401  the same baseline memory as the naive side: both live in a server
    from boardkit.data.clock import Clock
    from boardkit.data.db import ALL, connect, current_generation
    from boardkit.metrics.figures import overview_figures

    gen = current_generation(Path(db))
    clock = Clock(now=now, day=day)
    t0 = time.perf_counter()
    figs = overview_figures(gen, clock, ALL)
    first = (time.perf_counter() - t0) * 1000
    cold = []
    for _ in range(repeat):   # as the board runs it: a connection per query
        t0 = time.perf_counter()
        overview_figures(gen, clock, ALL)
        cold.append((time.perf_counter() - t0) * 1000)
    held = connect(gen)
    warm = []
    try:
        for _ in range(repeat):   # warm: the database instance kept open
            t0 = time.perf_counter()
            overview_figures(gen, clock, ALL)
            warm.append((time.perf_counter() - t0) * 1000)
    finally:
        held.close()
    return {"first_ms": first, "cold_ms": cold, "times_ms": warm,
            "figures": {k: figs[k].value for k in COMPARED}}


def own_peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries it across fork and exec, so
    a child of the (large) benchmark process would report at least the parent's peak
    (measured: both sides showed the parent's 296 MB). VmHWM belongs to this process's
    own address space, created at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", choices=("naive", "ours"), required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--now", type=dt.datetime.fromisoformat, required=True)
    ap.add_argument("--day", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--mem-gb", type=float, default=16)
    args = ap.parse_args(argv)
    # The cap is on resident memory, watched by the parent (run_side): a cap on address
    # space (RLIMIT_AS) made DuckDB's reservations fail and the naive side die of SIGSEGV at
    # city scale before it had used the memory it was allowed.
    out = {"side": args.side, "ok": True}
    try:
        run = run_naive if args.side == "naive" else run_ours
        out.update(run(args.db, args.now, args.day, args.repeat))
    except MemoryError:
        out.update(ok=False, error=f"MemoryError under the {args.mem_gb:g} GB address-space cap")
    except Exception as exc:
        out.update(ok=False, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    out["maxrss_kb"] = own_peak_rss_kb()
    print(json.dumps(out, default=str))
    return 0


def run_side(side: str, db, clock, repeat: int, mem_gb: float) -> dict:
    cmd = [sys.executable, "-m", "bench.naive", "--side", side, "--db", str(db), "--now", clock.now.isoformat(),
           "--day", clock.day.isoformat(), "--repeat", str(repeat), "--mem-gb", str(mem_gb)]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak_kb, over = _watch_rss(proc, int(mem_gb * 2**20))
    stdout, stderr = proc.communicate()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if lines:
        return json.loads(lines[-1])
    if over:
        return {"side": side, "ok": False, "maxrss_kb": peak_kb,
                "error": f"stopped: resident memory passed the {mem_gb:g} GB cap"}
    why = f"exit status {proc.returncode}" if proc.returncode >= 0 else f"killed by signal {-proc.returncode}"
    tail = (stderr.strip().splitlines() or [""])[-1][:200]
    return {"side": side, "ok": False, "maxrss_kb": peak_kb, "error": f"{why}: {tail}"}


def _watch_rss(proc: subprocess.Popen, cap_kb: int, every: float = 0.2) -> tuple[int, bool]:
    """Polls the child's resident memory until it exits; kills it past `cap_kb`.
    Returns (highest RSS seen in kB, whether it was stopped)."""
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        if peak > cap_kb:
            proc.kill()
            proc.wait()
            return peak, True
        time.sleep(every)
    return peak, False


def naive_rows(db, clock, repeat: int, mem_gb: float = 16, say=print) -> list[Row]:
    from .common import median

    say(f"  naive vs ours: two subprocesses capped at {mem_gb:g} GB …")
    naive = run_side("naive", db, clock, repeat, mem_gb)
    ours = run_side("ours", db, clock, repeat, mem_gb)
    rows = []
    n_ms = median(naive.get("times_ms", [])) if naive["ok"] else None
    o_ms = median(ours.get("times_ms", [])) if ours["ok"] else None
    n_rss = naive.get("maxrss_kb", 0) * 1024
    o_rss = ours.get("maxrss_kb", 0) * 1024
    if naive["ok"]:
        rows.append(Row("naive vs ours", "naive: whole hotline table in st.cache_data, pandas per run",
                        f"{fmt_ms(n_ms)} ms per run",
                        f"first run (read + pickle into the cache) {fmt_ms(naive['first_ms'])} ms; "
                        f"peak RSS {fmt_bytes(n_rss)}", values={"ms": n_ms, "rss": n_rss}))
    else:
        rows.append(Row("naive vs ours", "naive: whole hotline table in st.cache_data, pandas per run",
                        "FAILED", f"{naive['error']}; peak RSS {fmt_bytes(n_rss)}", values={"failed": True, "rss": n_rss}))
    if ours["ok"]:
        rows.append(Row("naive vs ours", "ours: overview_figures (DuckDB), warm", f"{fmt_ms(o_ms)} ms per run",
                        f"a connection per query as the board runs it: {fmt_ms(median(ours['cold_ms']))} ms; "
                        f"first {fmt_ms(ours['first_ms'])} ms; peak RSS {fmt_bytes(o_rss)}; "
                        "all overview KPIs, not only the hotline's",
                        values={"ms": o_ms, "cold_ms": median(ours["cold_ms"]), "rss": o_rss}))
    else:
        rows.append(Row("naive vs ours", "ours: overview_figures (DuckDB)", "FAILED", ours["error"],
                        values={"failed": True}))
    if naive["ok"] and ours["ok"]:
        ratio = n_ms / o_ms if o_ms else float("inf")
        cold_ratio = n_ms / median(ours["cold_ms"])
        rows.append(Row("naive vs ours", "speed: naive / ours", _times(ratio),
                        f"{_times(cold_ratio)} against ours with a connection per query",
                        f"≥ {BUDGET_RATIO:.0f}×", ratio >= BUDGET_RATIO, "city", values={"ratio": ratio}))
        share = o_rss / n_rss if n_rss else float("nan")
        rows.append(Row("naive vs ours", "memory: ours / naive (peak RSS)", f"{share:.2f}",
                        f"{fmt_bytes(o_rss)} vs {fmt_bytes(n_rss)} (each includes Python, pandas and Streamlit)",
                        f"≤ {BUDGET_MEMORY:.2f}", share <= BUDGET_MEMORY, "city", values={"share": share}))
        differ = [k for k in COMPARED if not _same(naive["figures"][k], ours["figures"][k])]
        rows.append(Row("naive vs ours", "same figures both ways", "yes" if not differ else "NO",
                        ", ".join(COMPARED) if not differ else
                        "; ".join(f"{k}: naive {naive['figures'][k]} vs ours {ours['figures'][k]}" for k in differ),
                        values={"differ": differ}))
    elif not naive["ok"] and ours["ok"]:
        # Not a pass: the ratio is unmeasured; the failure itself is the finding.
        rows.append(Row("naive vs ours", "speed: naive / ours", "naive failed", naive["error"],
                        f"≥ {BUDGET_RATIO:.0f}×", None, "city", values={"ratio": None}))
    return rows


def _times(ratio: float) -> str:
    # Below 1 (naive faster, as at small scales) one decimal would print 0.0×.
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


if __name__ == "__main__":
    raise SystemExit(child_main())
