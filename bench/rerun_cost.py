"""What one rerun of each page costs the board process in CPU, server-side.

    .venv/bin/python -m bench.rerun_cost --runs 20                 # this tree
    .venv/bin/python -m bench.rerun_cost --runs 20 --base 60c4210  # that commit vs this tree
    .venv/bin/python -m bench.rerun_cost --sign-in                 # as a signed-in viewer

Starts `streamlit run board.py` (sign-in off, loopback only; or with --sign-in on, each tab
signing in as the demo account leader) on the sub-district demo database (a replay of spring
2020, built once with its demo accounts, person key and audit into bench/work/rerun_cost/),
opens each page with a client that speaks the browser's websocket protocol (bench/streamlit_tab.py), runs it
once untimed (the cache fills), then reruns it `--runs` times as a browser does after a click
that changes nothing (same widgets, same query string, the large messages it already holds
named). The board process's CPU time (/proc/<pid>/stat: user + system, all its threads) is
read before and after: CPU ms per rerun. The wall screen is opened with its key, and each of
its self-refreshing fragments is rerun the same way. A run that did not finish cleanly (an
exception drawn, a compile error, no end) makes the row an error, not a time.

With --base, that commit's tree (git archive into bench/work/) is served by a second process
at the same time; each round measures a page on one server, then the other, so both see the
same machine load. CPU time, not wall time: other work on the machine does not count, except
what it does to caches.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlencode

from .browser import Server
from .common import REPO_ROOT, WORK_ROOT, env, median
from .streamlit_tab import GOOD_ENDS, RunFailed, Tab

WORK = WORK_ROOT / "rerun_cost"
DEMO_END = dt.date(2020, 3, 15)
SCREEN_KEY = "bench-screen-key"
# (row name, url path): every page of board.py's navigation, in its order.
PAGES = [("overview", ""), ("hotline 12345", "hotline"), ("roster", "roster"), ("alarms", "alarms"),
         ("enterprises", "enterprises"), ("neighbourhood", "neighbourhood"), ("explore 查询", "explore"),
         ("brief 日报", "brief"), ("data", "data"), ("screen (full run)", "screen")]
# The screen's fragments in the order pages/screen.py starts them (boardkit.screen.live.render).
SCREEN_FRAGMENTS = ["screen header (clock, freshness, duty)", "screen panels (KPIs, map, trend, lists)",
                    "screen alarm ticker"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of the process (all threads), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def board_env() -> dict[str, str]:
    """The board's files for the build and the servers, all under bench/work/rerun_cost/: the
    person key, the users (the demo accounts), the audit; never the real ones."""
    WORK.mkdir(parents=True, exist_ok=True)
    key_file = WORK / "person-key.secret"
    if not key_file.exists():
        key_file.write_text("5e" * 32)
    return {"BOARD_DB": str(WORK / "db" / "board.duckdb"), "BOARD_SECRET_KEY_FILE": str(key_file),
            "BOARD_USERS": str(WORK / "users.toml"), "BOARD_AUDIT": str(WORK / "audit.sqlite"),
            "BOARD_SCREEN_KEY": SCREEN_KEY, "BOARD_REFERENCE": None}


def demo_database(environment: dict[str, str], say=print) -> None:
    """The sub-district demo database (120 days ending 2020-03-15) and its demo accounts, built once."""
    db = Path(environment["BOARD_DB"])
    if db.exists():
        return
    from demo.load import run_demo
    say(f"building the sub-district demo database into {db.parent} …")
    with env(**environment):
        if run_demo("subdistrict", 2020, DEMO_END, None, WORK / "files", db) != 0:
            raise SystemExit("the demo database did not build")


def export_tree(commit: str) -> Path:
    """That commit's files (git archive), once, under bench/work/."""
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = WORK / f"tree-{sha}"
    if not (tree / "board.py").exists():
        archive = subprocess.run(["git", "archive", sha], cwd=REPO_ROOT, check=True, capture_output=True).stdout
        tree.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def _check(result, what: str) -> None:
    if result is None:
        raise RunFailed(f"{what}: the fragment is gone")
    if result.status not in GOOD_ENDS:
        raise RunFailed(f"{what}: run ended with status {result.status}")
    if result.exceptions:
        raise RunFailed(f"{what}: {result.exceptions[0][:200]}")


async def measure_page(server: Server, path: str, runs: int,
                       account: tuple[str, str] | None = None) -> dict[str, float | str]:
    """{row name: CPU ms per rerun, or the error}: the page's full reruns, and for the screen
    each fragment's reruns too. `account` (name, password): sign in first (not on the screen)."""
    query = urlencode({"key": SCREEN_KEY}) if path == "screen" else ""
    tab = Tab(server.url, path, query=query, timeout=120)
    rows: dict[str, float | str] = {}
    try:
        await tab.connect()
        _check(await tab.first_run(), "first run")
        if account and path != "screen":
            _check(await tab.sign_in(*account), "sign-in")
        _check(await tab.rerun(), "warm-up rerun")
        before = cpu_ms(server.proc.pid)
        for _ in range(runs):
            _check(await tab.rerun(), "rerun")
        rows["page"] = (cpu_ms(server.proc.pid) - before) / runs
        fragments = list(tab.auto_reruns)
        for number, fragment_id in enumerate(fragments):
            name = SCREEN_FRAGMENTS[number] if len(fragments) == len(SCREEN_FRAGMENTS) else f"fragment {number}"
            _check(await tab.rerun_fragment(fragment_id), f"{name} warm-up")
            before = cpu_ms(server.proc.pid)
            for _ in range(runs):
                _check(await tab.rerun_fragment(fragment_id), name)
            rows[name] = (cpu_ms(server.proc.pid) - before) / runs
    except (RunFailed, OSError) as problem:
        rows.setdefault("page", f"error: {problem}")
        rows["error"] = str(problem)
    finally:
        await tab.close()
    return rows


def measure_trees(runs: int, rounds: int, base: str | None = None, paths: list[str] | None = None,
                  sign_in: bool = False, say=print) -> tuple[list[str], dict[str, dict[str, list]]]:
    """(server names, {row: {server name: CPU ms per rerun (or an error) per round}}): this
    tree, and with `base` that commit's tree first; `paths`: only these pages' url paths."""
    environment = board_env()
    demo_database(environment, say=say)
    served = {k: v for k, v in {**os.environ, **environment}.items() if v is not None}
    if sign_in:
        served.pop("BOARD_AUTH", None)
    else:
        served["BOARD_AUTH"] = "off"
    account = ("leader", "leader-2020") if sign_in else None
    trees = ([("base " + base, export_tree(base))] if base else []) + [("this tree", REPO_ROOT)]
    servers = [Server(tree / "board.py", served, WORK / f"server-{i}.log", cwd=tree) for i, (_, tree) in enumerate(trees)]
    names = [name for name, _ in trees]
    pages = PAGES if paths is None else [(n, p) for n, p in PAGES if p in paths]
    results: dict[str, dict[str, list]] = {}   # row -> server name -> values per round
    try:
        for server in servers:
            server.wait_healthy(90)
        for round_number in range(rounds):
            for label, path in pages:
                for name, server in zip(names, servers):
                    rows = asyncio.run(measure_page(server, path, runs, account))
                    for row, value in rows.items():
                        if row == "error":
                            continue
                        row_name = label if row == "page" else row
                        results.setdefault(row_name, {}).setdefault(name, []).append(value)
                    say(f"  round {round_number + 1} {name}: {label}: "
                        + ", ".join(f"{r} {v:.0f} ms" if isinstance(v, float) else f"{r} {v}"
                                    for r, v in rows.items() if r != "error"))
    finally:
        for server in servers:
            server.stop()
    return names, results


def cell(values: list) -> str:
    """A row's figure on one server: the median of its rounds, or its first error."""
    errors = [v for v in values if isinstance(v, str)]
    return errors[0] if errors else f"{median(values):.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rerun_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="reruns measured per page and round (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the table shows the median (default 3)")
    parser.add_argument("--base", help="also serve this commit's tree and measure it interleaved")
    parser.add_argument("--pages", help="only these url paths, comma-separated (overview is '', screen is screen)")
    parser.add_argument("--sign-in", action="store_true",
                        help="sign-in on, each page's tab signs in as the demo account leader (default: BOARD_AUTH=off)")
    args = parser.parse_args(argv)

    names, results = measure_trees(args.runs, args.rounds, args.base,
                                   None if args.pages is None else args.pages.split(","), args.sign_in,
                                   say=lambda text: print(text, file=sys.stderr))
    print(f"CPU ms per rerun, board process, median of {args.rounds} rounds × {args.runs} reruns "
          f"(sub-district demo, {'signed in as leader' if args.sign_in else 'sign-in off'}, {os.cpu_count()} cores)")
    width = max(len(r) for r in results) + 2
    print(f"{'page':<{width}}" + "".join(f"{n:>18}" for n in names))
    for row, by_server in results.items():
        print(f"{row:<{width}}" + "".join(f"{cell(by_server.get(name, []))[:17]:>18}" for name in names))
    failed = any(isinstance(v, str) for by in results.values() for vs in by.values() for v in vs)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
