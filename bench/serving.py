"""Serving many viewers, in one run: one table appended to bench/RESULTS.md.

    .venv/bin/python -m bench.serving                          # the full run (about an hour; a quiet machine)
    .venv/bin/python -m bench.serving --quick --replicas 1,2   # a smoke test: a few tabs, seconds each

Sections, in the table's order:
1. replicas: for each count N (--replicas), `scripts/serve.sh --replicas N` (HAProxy, TLS, the
   shared cookie secret and session store; bench/proxy_stack.py) on the sub-district demo
   database (bench/rerun_cost.py's, with its demo accounts), sign-in on; 60 viewers signed in
   as staff + 10 wall screens (bench/viewers.py: the browser's websocket protocol; a viewer
   switches pages or changes a filter every 5-15 s, a screen reruns its fragments when asked),
   the tabs opening one after another over the ramp; rerun p50/p95 (page + filter +
   fragment), errors, and the load generator's own CPU share (this process).
2. capacity: on the same stack, viewers from 40 in steps of 20 up to 140 (each step a
   shorter run, the same 10 screens), stopping at the first step whose reruns' p95 is over
   2 s or that had an error: the largest step held.
3. replica kill: on the stack of the first N ≥ 2, under 60 viewers + 10 screens, one replica
   is killed with SIGKILL midway; its tabs reconnect through the proxy (they must come back
   signed in: no sign-in form, by the session cookie they claimed), the other replicas' tabs
   must see no error, and the proxy must mark the replica down and, once serve.sh has
   started it again, up.
4. rerun cost: CPU ms per rerun of each page in the board process, 60c4210 (the commit
   before the lighter reruns) against this tree, both served at once (bench/rerun_cost.py).
5. screen (city): the wall screen's panels drawn for real at city scale, cold and warm
   (bench/screen_speed.py) on the city database bench/build.py finds under --city-work
   (reused as it is, never built here).
6. alarms (city): the city alarm latency (bench/alarm_latency.py's measure) on a scratch copy
   of that database: a dropped file and a POST until queryable.

Budgets (issue 24): reruns p95 ≤ 2 s with no errors at 60 viewers + 10 screens; 100 viewers
is the aim; each screen panel ≤ 300 ms warm at city scale; alarms queryable within p95 ≤ 5 s.
The figures need a quiet machine: the load generator and the replicas share its cores.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shlex
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from . import report, rerun_cost, viewers
from .common import REPO_ROOT, WORK_ROOT, Row, env, quiet_streamlit
from .proxy_stack import ProxyStack

WORK = WORK_ROOT / "serving"
USER, PASSWORD = "staff", "staff-2020"           # a demo account (core.users.DEMO_USERS)
BEFORE_LIGHTER_RERUNS = "60c4210"
P95_BUDGET_S = 2.0
AIM_VIEWERS = 100
CITY_SEED = 2020


@dataclass(frozen=True)
class Plan:
    """How much load each section puts on, and for how long (seconds)."""
    viewers: int = 60
    screens: int = 10
    duration: float = 180
    ramp: float = 60               # the tabs open one after another over this many seconds
    think: tuple[float, float] = (5, 15)
    steps: tuple[int, ...] = (40, 60, 80, 100, 120, 140)
    step_duration: float = 90
    step_ramp: float = 30
    kill_duration: float = 120     # the replica dies at half of it
    rerun_runs: int = 20
    rerun_rounds: int = 3
    rerun_paths: tuple[str, ...] | None = None   # None: every page
    screen_repeat: int = 5


FULL = Plan()
QUICK = Plan(viewers=3, screens=1, duration=20, ramp=4, think=(2, 5), steps=(2, 4, 6), step_duration=15, step_ramp=3,
             kill_duration=30, rerun_runs=2, rerun_rounds=1, rerun_paths=("", "screen"), screen_repeat=1)


def serving_environment() -> dict[str, str]:
    """The board's settings for the stacks: the demo database and accounts, sign-in on, a
    cookie secret of the benchmark's own."""
    environment = rerun_cost.board_env()
    rerun_cost.demo_database(environment, say=say)
    served = {k: v for k, v in {**os.environ, **environment}.items() if v is not None}
    served.pop("BOARD_AUTH", None)
    served["BOARD_COOKIE_SECRET_FILE"] = str(WORK / "cookie.secret")
    return served


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- load ----------------------------------------------------------------------------------

@dataclass
class Load:
    """One load run's outcome: the summary bench/viewers.py prints, and each tab's tally."""
    summary: dict
    screens: list
    viewers: list
    during: object = None


def run_load(stack: ProxyStack, plan: Plan, n_viewers: int, duration: float, ramp: float, during=None) -> Load:
    """`n_viewers` + plan.screens tabs through the proxy for `duration` s; `during`: a coroutine
    run beside them (its result in Load.during)."""
    options = viewers.Options(stack.url, n_viewers, plan.screens, duration, plan.think, ramp, USER, PASSWORD,
                              "", 60.0, 2020, stack.tls, stack.environment["BOARD_SCREEN_KEY"])

    async def together():
        return await asyncio.gather(viewers.simulate_tabs(options), *([during] if during else []))

    wall0, cpu0 = time.perf_counter(), time.process_time()
    (screens, viewer_tallies), *extra = asyncio.run(together())
    summary = viewers.report(viewers.merged(screens + viewer_tallies), time.perf_counter() - wall0,
                             time.process_time() - cpu0)
    return Load(summary, screens, viewer_tallies, extra[0] if extra else None)


def count(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def tabs(n_viewers: int, n_screens: int) -> str:
    return f"{count(n_viewers, 'viewer')} + {count(n_screens, 'screen')}"


def held(summary: dict) -> bool:
    return summary["error_count"] == 0 and summary["reruns"]["p95"] <= P95_BUDGET_S


def worst_error(summary: dict) -> str:
    if not summary["errors"]:
        return ""
    reason, n = max(summary["errors"].items(), key=lambda item: item[1])
    return f" (most: {n} × {reason[:120]})"


def replica_row(replicas: int, plan: Plan, load: Load) -> Row:
    s, kinds = load.summary, load.summary["kinds"]

    def p(kind: str, q: str) -> str:
        value = kinds.get(kind, {}).get(q, float("nan"))
        return "—" if value != value else f"{value:.2f}"

    reruns = s["reruns"]
    detail = (f"{reruns['runs']} reruns; page p95 {p('page', 'p95')} · filter p95 {p('filter', 'p95')} · "
              f"fragment p95 {p('fragment', 'p95')} s; opens p50/p95 {p('open', 'p50')}/{p('open', 'p95')} s, "
              f"sign-in p50/p95 {p('sign_in', 'p50')}/{p('sign_in', 'p95')} s; errors {s['error_count']}"
              f"{worst_error(s)}; load generator {s['client_cpu_share']:.0%} of one core")
    return Row("replicas", f"{count(replicas, 'replica')}: {tabs(plan.viewers, plan.screens)}, "
               f"{plan.duration:.0f} s, opens over {plan.ramp:.0f} s",
               f"p50 {reruns['p50']:.2f} · p95 {reruns['p95']:.2f} s · {s['error_count']} errors", detail,
               f"p95 ≤ {P95_BUDGET_S:.0f} s, no errors", held(s),
               values={"replicas": replicas, "p50": reruns["p50"], "p95": reruns["p95"], "errors": s["error_count"],
                       "client_cpu_share": s["client_cpu_share"]})


def capacity_row(replicas: int, plan: Plan, stack: ProxyStack) -> Row:
    """Steps up the viewers until one step fails; the row says each step's outcome."""
    best, steps = 0, []
    for step in plan.steps:
        say(f"  {count(replicas, 'replica')}: {tabs(step, plan.screens)}, {plan.step_duration:.0f} s …")
        s = run_load(stack, plan, step, plan.step_duration, plan.step_ramp).summary
        ok = held(s)
        steps.append(f"{step}: p95 {s['reruns']['p95']:.2f} s, {s['error_count']} errors, "
                     f"load generator {s['client_cpu_share']:.0%}" + ("" if ok else " ✗"))
        if not ok:
            break
        best = step
    figure = f"{best} viewers" if best else f"fewer than {plan.steps[0]} viewers"
    return Row("capacity", f"{count(replicas, 'replica')}: most viewers held at p95 ≤ "
               f"{P95_BUDGET_S:.0f} s, no errors (+ {count(plan.screens, 'screen')})", figure,
               f"steps of {plan.steps[1] - plan.steps[0]} from {plan.steps[0]}, {plan.step_duration:.0f} s each, "
               f"opens over {plan.step_ramp:.0f} s, stop at the first step that fails: " + "; ".join(steps),
               f"aim ≥ {AIM_VIEWERS}", best >= AIM_VIEWERS, values={"replicas": replicas, "viewers": best})


# -- replica kill --------------------------------------------------------------------------

@dataclass
class Kill:
    server: str
    pid: int
    new_pid: int | None = None
    down_after: float | None = None
    up_after: float | None = None


async def kill_midway(stack: ProxyStack, after: float, server: str, watch: float) -> Kill:
    """SIGKILL the replica `server` after `after` s; then up to `watch` s for the proxy to mark it
    down and, once serve.sh has started it again, up."""
    await asyncio.sleep(after)
    port = stack.replica_port(server)
    kill = Kill(server, stack.replica_pid(port))
    os.kill(kill.pid, signal.SIGKILL)
    t0 = time.monotonic()
    while time.monotonic() - t0 < watch and kill.up_after is None:
        status = stack.server_status().get(server, "").split(" ")[0]
        if status == "DOWN" and kill.down_after is None:
            kill.down_after = time.monotonic() - t0
        elif status == "UP" and kill.down_after is not None:
            kill.up_after = time.monotonic() - t0
        await asyncio.sleep(0.2)
    try:
        kill.new_pid = stack.replica_pid(port)
    except (OSError, ValueError):
        kill.new_pid = None
    return kill


def kill_rows(replicas: int, plan: Plan, stack: ProxyStack) -> list[Row]:
    server = "board1"
    after = plan.kill_duration / 2
    say(f"  {count(replicas, 'replica')}: kill -9 {server} at {after:.0f} s under {tabs(plan.viewers, plan.screens)} …")
    load = run_load(stack, plan, plan.viewers, plan.kill_duration, min(plan.ramp, plan.kill_duration / 4),
                    during=kill_midway(stack, after, server, after + 60))
    item = (f"{count(replicas, 'replica')}, {tabs(plan.viewers, plan.screens)}: kill -9 {server} at "
            f"{after:.0f} s of {plan.kill_duration:.0f} s")
    return kill_outcome(item, load.viewers, load.screens, load.during)


def kill_outcome(item: str, viewer_tallies: list, screen_tallies: list, kill: Kill) -> list[Row]:
    """The kill's rows from each tab's tally: the killed replica's viewers back signed in (a
    reconnect and no reconnect that landed on the sign-in form), the other tabs' errors, and
    whether the replica was replaced."""
    server = kill.server
    on_killed = [t for t in viewer_tallies if t.replica == server]
    screens_killed = [t for t in screen_tallies if t.replica == server]
    others = [t for t in viewer_tallies + screen_tallies if t.replica != server]
    back = [t for t in on_killed if t.seconds.get("reconnect") and not _errors(t, "reconnect")]
    signed_out = sum(_errors(t, "reconnect") for t in on_killed)
    lost = sum(n for t in on_killed + screens_killed for reason, n in t.errors.items()
               if reason.endswith(": connection lost"))
    other_errors = viewers.merged(others).errors
    screens_back = sum(1 for t in screens_killed if t.seconds.get("reconnect") and not _errors(t, "reconnect"))
    replaced = kill.up_after is not None and kill.new_pid not in (None, kill.pid)
    return [
        Row("replica kill", f"{item}: its tabs", f"{len(back)} of {len(on_killed)} viewers back signed in",
            f"{lost} runs lost their connection (the kill); {signed_out} reconnects landed on the sign-in form; "
            f"{screens_back} of {len(screens_killed)} screens back", "every viewer back signed in",
            bool(on_killed) and len(back) == len(on_killed) and signed_out == 0,
            values={"viewers": len(on_killed), "back": len(back), "signed_out": signed_out}),
        Row("replica kill", f"{item}: the other replicas' tabs", f"{sum(other_errors.values())} errors",
            f"{len(others)} tabs" + (": " + "; ".join(f"{n} × {r[:80]}" for r, n in other_errors.most_common(3))
                                     if other_errors else ""), "no errors", not other_errors,
            values={"tabs": len(others), "errors": sum(other_errors.values())}),
        Row("replica kill", f"{item}: the replica replaced",
            "down after " + _secs(kill.down_after) + ", up after " + _secs(kill.up_after),
            f"HAProxy's health check (admin socket); serve.sh started it again: pid {kill.pid} → {kill.new_pid}",
            "marked down, started again, back up", replaced,
            values={"down_after": kill.down_after, "up_after": kill.up_after}),
    ]


def _errors(tally, kind: str) -> int:
    return sum(n for reason, n in tally.errors.items() if reason.startswith(kind + ":"))


def _secs(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


# -- rerun cost, the city screen, city alarms ----------------------------------------------

def rerun_cost_rows(plan: Plan) -> list[Row]:
    names, results = rerun_cost.measure_trees(plan.rerun_runs, plan.rerun_rounds, BEFORE_LIGHTER_RERUNS,
                                              None if plan.rerun_paths is None else list(plan.rerun_paths), say=say)
    before, after = names
    rows = []
    for name, by_server in results.items():
        old_runs, new_runs = by_server.get(before, []), by_server.get(after, [])
        if not old_runs or not new_runs:  # a fragment one of the trees does not have
            tree = BEFORE_LIGHTER_RERUNS if old_runs else "this tree"
            rows.append(Row("rerun cost", name, f"{rerun_cost.cell(old_runs or new_runs)} CPU ms ({tree} only)",
                            f"no such fragment in {'this tree' if old_runs else BEFORE_LIGHTER_RERUNS}"))
            continue
        old, new = rerun_cost.cell(old_runs), rerun_cost.cell(new_runs)
        failed = not (old.isdigit() and new.isdigit())
        rows.append(Row("rerun cost", name, f"{old} → {new} CPU ms" if not failed else "FAILED",
                        (f"{old} → {new}" if failed else
                         f"{BEFORE_LIGHTER_RERUNS} → this tree, board process CPU per rerun, median of "
                         f"{plan.rerun_rounds} interleaved rounds × {plan.rerun_runs} reruns, sign-in off"),
                        values={"before_ms": old, "after_ms": new}))
    return rows


def city_database(city_work: Path):
    """The city database bench/build.py built under `city_work` (None when there is none)."""
    from . import build
    if not (city_work / "city" / f"seed-{CITY_SEED}" / "manifest.json").exists():
        return None
    return build.ensure_database("city", CITY_SEED, work_root=city_work, reuse_stale=True, say=say)


def city_screen_rows(plan: Plan, built) -> list[Row]:
    from . import screen_speed
    quiet_streamlit()
    settings = {**built.environment(), "BOARD_AUDIT": str(WORK / "city-audit.sqlite")}
    settings.setdefault("BOARD_REFERENCE", None)
    with env(**settings):
        return [replace(row, item=f"{row.item} (city)") for row in screen_speed.screen_rows(plan.screen_repeat, say=say)]


def city_alarm_rows(db: Path, quick: bool) -> list[Row]:
    """The city alarm latency (bench/alarm_latency.py, on a scratch copy of the city database)."""
    from . import alarm_latency
    try:
        return alarm_latency.measure(db, **({"files": 3, "posts": 3} if quick else {}))
    except Exception as problem:   # one section's failure must not lose the others
        return [Row("alarms", "city alarm latency: dropped file or POST → queryable", "FAILED",
                    f"{type(problem).__name__}: {str(problem)[:200]}", "p95 ≤ 5 s", False, "city")]


# -- the run -------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="例：.venv/bin/python -m bench.serving --replicas 1,2,3 "
                                            "--city-work /work/citybench/bench/work\n"
                                            "    .venv/bin/python -m bench.serving --quick --replicas 1,2 --skip-city "
                                            "--no-results\n\n" + __doc__.split("\n\n", 2)[2])
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke test that every section works")
    parser.add_argument("--replicas", default="1,2,3", help="replica counts, comma-separated (default 1,2,3)")
    parser.add_argument("--duration", type=float, help="seconds of the replica table's load (default 180; quick 20)")
    parser.add_argument("--steps", help="capacity steps, viewers, comma-separated (default 40,60,…,140)")
    parser.add_argument("--step-duration", type=float, help="seconds of each capacity step (default 90)")
    parser.add_argument("--skip-city", action="store_true", help="no city screen and no city alarm latency")
    parser.add_argument("--skip-rerun-cost", action="store_true", help="no per-page rerun cost")
    parser.add_argument("--city-work", type=Path, default=WORK_ROOT,
                        help="the benchmark folder holding city/seed-2020 (default bench/work)")
    parser.add_argument("--no-results", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    try:
        args.replica_counts = [int(n) for n in args.replicas.split(",")]
    except ValueError:
        parser.error("--replicas: whole numbers, comma-separated (1,2,3)")
    if not args.replica_counts or min(args.replica_counts) < 1:
        parser.error("--replicas: at least one count, each ≥ 1")
    try:
        args.step_counts = tuple(int(n) for n in args.steps.split(",")) if args.steps else None
    except ValueError:
        parser.error("--steps: whole numbers, comma-separated (40,60,80)")
    if args.step_counts is not None and (len(args.step_counts) < 2 or min(args.step_counts) < 1):
        parser.error("--steps: at least two counts, each ≥ 1")
    return args


def section_text(rows: list[Row], plan: Plan, command: str, started: dt.datetime, seconds: float,
                 info: dict) -> str:
    head = (f"## serving (issue 24) · {started:%Y-%m-%d %H:%M} · commit {info.get('commit', 'unknown')}\n\n"
            f"- command: `{command}`\n"
            + report.machine_line(info) +
            f"- load: `scripts/serve.sh --replicas N` on the sub-district demo, sign-in on; viewers signed in as "
            f"{USER} act every {plan.think[0]:g}-{plan.think[1]:g} s (page or filter), screens rerun their "
            f"fragments when asked; tabs open one after another over the ramp; the load generator (this "
            f"process) shares the machine. Wall time {seconds / 60:.1f} min.\n\n")
    return head + report.table(rows, "city") + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.duration:
        plan = replace(plan, duration=args.duration)
    if args.step_counts:
        plan = replace(plan, steps=args.step_counts)
    if args.step_duration:
        plan = replace(plan, step_duration=args.step_duration)
    started, t0 = dt.datetime.now(), time.perf_counter()
    os.chdir(REPO_ROOT)
    commit_at_start = report.machine()["commit"]
    WORK.mkdir(parents=True, exist_ok=True)
    say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(figures are only comparable on a quiet machine)")
    environment = serving_environment()
    kill_at = next((n for n in args.replica_counts if n >= 2), None)
    table, capacity, kill = [], [], []
    for n in args.replica_counts:
        say(f"{count(n, 'replica')}: starting scripts/serve.sh …")
        stack = ProxyStack(n, WORK / f"serve-{n}", environment, WORK / f"serve-{n}.log").start()
        try:
            say(f"  {tabs(plan.viewers, plan.screens)}, {plan.duration:.0f} s …")
            load = run_load(stack, plan, plan.viewers, plan.duration, plan.ramp)
            viewers.print_report(load.summary)
            table.append(replica_row(n, plan, load))
            capacity.append(capacity_row(n, plan, stack))
            if n == kill_at:
                kill = kill_rows(n, plan, stack)
        finally:
            stack.stop()
    rows = table + capacity + (kill or [Row("replica kill", "kill -9 one replica under load", "not measured",
                                            "needs a replica count of 2 or more in --replicas")])
    if not args.skip_rerun_cost:
        say(f"rerun cost: {BEFORE_LIGHTER_RERUNS} against this tree …")
        rows += rerun_cost_rows(plan)
    if not args.skip_city:
        built = city_database(args.city_work)
        if built is None:
            reason = f"no city database under {args.city_work} (python -m bench --scale city builds one)"
            rows += [Row("screen", "wall screen panels (city)", "not measured", reason, "warm ≤ 300", None, "city"),
                     Row("alarms", "city alarm latency", "not measured", reason, "p95 ≤ 5 s", None, "city")]
        else:
            say("the wall screen at city scale …")
            rows += city_screen_rows(plan, built)
            say("city alarm latency …")
            rows += city_alarm_rows(built.db, args.quick)

    python = os.path.relpath(sys.executable, REPO_ROOT) if sys.executable.startswith(str(REPO_ROOT)) else "python"
    command = f"{python} -m bench.serving " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    info = report.machine()
    if info["commit"] != commit_at_start:
        info["commit"] = f"{commit_at_start} (HEAD moved to {info['commit']} during the run)"
    text = section_text(rows, plan, command, started, time.perf_counter() - t0, info)
    print(text)
    if not args.no_results:
        report.append_results(text)
        say(f"appended to {report.RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
