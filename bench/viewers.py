"""Simulated viewers and wall screens against a running board (one process or the replicas
behind the proxy), speaking the browser's websocket protocol (bench/streamlit_tab.py).

    .venv/bin/python -m bench.viewers --url https://127.0.0.1:8443 --cafile data/serve/self-signed.pem \
        --viewers 10 --screens 2 --duration 30 --user staff --password staff-2020

A viewer opens the board, signs in (the form's widgets, submitted over the websocket as a
browser submits them; or --cookie, a session cookie it already holds), then every 5-15 s
(--think) either switches to another page or changes one of the page's filters. A wall
screen opens /screen and reruns its panels' fragments when the server asks, as a browser
does. Every run is timed from the request to its end; a run counts when it finished without
an error (an exception drawn, a compile error, a lost connection, no end within --timeout).
A tab that lost its connection connects again through the proxy; a signed-in viewer that
then sees the sign-in form counts as an error (its sign-in did not survive).
Prints p50/p95/max per kind of run, the errors, and this process's own CPU share.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .proxy_stack import AFFINITY_COOKIE
from .streamlit_tab import GOOD_ENDS, RunFailed, RunResult, Tab, on_sign_in_form, ssl_context

# Kinds of run, in the order the report lists them.
KINDS = ("open", "sign_in", "page", "filter", "fragment", "reconnect")


@dataclass
class Tally:
    """Every run's time by kind, and every failure's reason; for one tab, also the replica
    the proxy first served it from (its affinity cookie; "" without the proxy)."""
    seconds: dict = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    replica: str = ""

    def add(self, other: Tally) -> None:
        for kind, values in other.seconds.items():
            self.seconds[kind].extend(values)
        self.errors.update(other.errors)

    def good(self, kind: str, result: RunResult) -> None:
        if result.status not in GOOD_ENDS:
            self.errors[f"{kind}: run ended with status {result.status}"] += 1
        elif result.exceptions:
            self.errors[f"{kind}: {result.exceptions[0]}"] += 1
        else:
            self.seconds[kind].append(result.seconds)

    def failed(self, kind: str, reason: str) -> None:
        self.errors[f"{kind}: {reason}"] += 1


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank rule; NaN when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


@dataclass
class Options:
    url: str
    viewers: int
    screens: int
    duration: float
    think: tuple[float, float]
    ramp: float
    user: str | None
    password: str | None
    cookie: str
    timeout: float
    seed: int
    context: object
    screen_key: str = ""


async def run_tab(tab: Tab, kind: str, call, tally: Tally) -> RunResult | None:
    """One run; a lost connection is followed by a reconnect, as the browser does."""
    try:
        result = await call()
    except RunFailed as problem:
        tally.failed(kind, str(problem))
        if str(problem) == "connection lost":
            try:
                again = await tab.reconnect()
                if again is not None and tab.signed_in and on_sign_in_form(again):
                    tally.failed("reconnect", "signed out: the sign-in form after reconnecting")
                elif again is not None:
                    tally.good("reconnect", again)
            except (RunFailed, OSError) as failure:
                tally.failed("reconnect", str(failure))
        return None
    except OSError as problem:
        tally.failed(kind, f"{type(problem).__name__}: {problem}")
        return None
    if result is not None:
        tally.good(kind, result)
    return result


async def fragments(tab: Tab, stop: float, tally: Tally) -> None:
    """Reruns each fragment the server asked to rerun every N seconds, until `stop`."""
    due: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    while loop.time() < stop:
        now = loop.time()
        due = {f: due.get(f, now + interval) for f, interval in tab.auto_reruns.items()}
        for fragment_id, when in due.items():
            if when <= now and fragment_id in tab.auto_reruns:
                await run_tab(tab, "fragment", lambda f=fragment_id: tab.rerun_fragment(f), tally)
                due[fragment_id] = loop.time() + tab.auto_reruns.get(fragment_id, 0)
        await asyncio.sleep(0.2)


async def open_tab(options: Options, path: str, tally: Tally, query: str = "") -> Tab | None:
    tab = Tab(options.url, path, context=options.context, cookies=options.cookie, timeout=options.timeout,
              query=query)
    try:
        await tab.connect()
    except (RunFailed, OSError) as problem:
        tally.failed("open", f"{type(problem).__name__}: {problem}")
        return None
    tally.replica = tally.replica or tab.cookies.get(AFFINITY_COOKIE, "")
    if await run_tab(tab, "open", tab.first_run, tally) is None:  # the error is counted
        await tab.close()
        return None
    return tab


async def viewer(options: Options, number: int, start: float, stop: float, tally: Tally) -> None:
    rng = random.Random(options.seed * 1000 + number)
    await asyncio.sleep(max(0.0, start - asyncio.get_running_loop().time()))
    tab = await open_tab(options, "", tally)
    if tab is None:
        return
    ticker = asyncio.create_task(fragments(tab, stop, tally))
    try:
        if options.user and await run_tab(tab, "sign_in",
                                          lambda: tab.sign_in(options.user, options.password), tally) is None:
            return
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(rng.uniform(*options.think), max(0.0, stop - loop.time())))
            if loop.time() >= stop:
                return
            pages = [p for p in tab.pages if p not in (tab.path, "screen")]
            change = tab.filter_change(rng)
            if pages and (change is None or rng.random() < 0.5):
                await run_tab(tab, "page", lambda: tab.switch_page(rng.choice(pages)), tally)
            elif change is not None:
                await run_tab(tab, "filter", lambda: tab.set_widgets([change]), tally)
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        await tab.close()


async def screen(options: Options, start: float, stop: float, tally: Tally) -> None:
    await asyncio.sleep(max(0.0, start - asyncio.get_running_loop().time()))
    tab = await open_tab(options, "screen", tally,
                         query=urlencode({"key": options.screen_key}) if options.screen_key else "")
    if tab is None:
        return
    try:
        if not tab.auto_reruns:
            # The refusal page ("address not allowed") has no self-refreshing panel.
            tally.failed("open", "the screen drew no self-refreshing panel (address refused?)")
            return
        await fragments(tab, stop, tally)
    finally:
        await tab.close()


async def simulate_tabs(options: Options) -> tuple[list[Tally], list[Tally]]:
    """(the screens' tallies, the viewers' tallies): one per tab; the tabs open one after
    another, evenly over `options.ramp` seconds."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    stop = t0 + options.duration
    tabs = options.viewers + options.screens
    starts = [t0 + options.ramp * i / max(1, tabs) for i in range(tabs)]
    screens = [Tally() for _ in range(options.screens)]
    viewers = [Tally() for _ in range(options.viewers)]
    jobs = [screen(options, starts[i], stop, screens[i]) for i in range(options.screens)]
    jobs += [viewer(options, i, starts[options.screens + i], stop, viewers[i]) for i in range(options.viewers)]
    await asyncio.gather(*jobs)
    return screens, viewers


def merged(tallies) -> Tally:
    whole = Tally()
    for tally in tallies:
        whole.add(tally)
    return whole


async def simulate(options: Options) -> Tally:
    screens, viewers = await simulate_tabs(options)
    return merged(screens + viewers)


def report(tally: Tally, wall: float, cpu: float) -> dict:
    rows = {}
    for kind in KINDS:
        values = tally.seconds.get(kind, [])
        errors = sum(n for reason, n in tally.errors.items() if reason.startswith(kind + ":"))
        if values or errors:
            rows[kind] = {"runs": len(values), "errors": errors, "p50": percentile(values, 50),
                          "p95": percentile(values, 95), "max": max(values, default=float("nan"))}
    every = [v for kind in ("page", "filter", "fragment") for v in tally.seconds.get(kind, [])]
    return {"kinds": rows, "reruns": {"runs": len(every), "p50": percentile(every, 50), "p95": percentile(every, 95),
                                      "mean": statistics.fmean(every) if every else float("nan")},
            "errors": dict(tally.errors), "error_count": sum(tally.errors.values()),
            "wall_seconds": wall, "client_cpu_share": cpu / wall if wall else float("nan"),
            "cores": os.cpu_count()}


def print_report(summary: dict) -> None:
    print(f"{'kind':<10}{'runs':>6}{'errors':>8}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for kind, row in summary["kinds"].items():
        print(f"{kind:<10}{row['runs']:>6}{row['errors']:>8}{row['p50']:>9.2f}{row['p95']:>9.2f}{row['max']:>9.2f}")
    reruns = summary["reruns"]
    print(f"reruns (page + filter + fragment): {reruns['runs']} runs, p50 {reruns['p50']:.2f} s, "
          f"p95 {reruns['p95']:.2f} s; errors: {summary['error_count']}")
    for reason, n in sorted(summary["errors"].items(), key=lambda item: -item[1]):
        print(f"  {n:>4} × {reason}")
    print(f"load generator: {summary['client_cpu_share']:.0%} of one core over {summary['wall_seconds']:.0f} s "
          f"({summary['cores']} cores on this machine)")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.viewers", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="例：python -m bench.viewers --url https://127.0.0.1:8443 "
                                            "--cafile data/serve/self-signed.pem --viewers 10 --screens 2 "
                                            "--duration 30 --user staff --password staff-2020")
    parser.add_argument("--url", default="https://127.0.0.1:8443", help="the board's address (the proxy's or one replica's)")
    parser.add_argument("--viewers", type=int, default=10, help="signed-in viewers (default 10)")
    parser.add_argument("--screens", type=int, default=0, help="wall screens at /screen (default 0)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--think", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"),
                        help="seconds between a viewer's actions (default 5 15)")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which tabs open (default a third of --duration, at most 10)")
    parser.add_argument("--user", help="sign in with this account through the sign-in form")
    parser.add_argument("--password", help="its password")
    parser.add_argument("--cookie", default="", help='cookies a signed-in browser holds ("name=value; …"), instead of --user')
    parser.add_argument("--cafile", help="trust this certificate (the proxy's self-signed PEM)")
    parser.add_argument("--insecure", action="store_true", help="do not check the proxy's certificate")
    parser.add_argument("--timeout", type=float, default=60, help="a run without its end within this many seconds is an error")
    parser.add_argument("--screen-key", default=os.environ.get("BOARD_SCREEN_KEY", ""),
                        help="the wall screen's key (/screen?key=…; default $BOARD_SCREEN_KEY)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--json", help="also write the summary to this file")
    args = parser.parse_args(argv)
    if args.user and args.password is None:
        parser.error("--user needs --password")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    options = Options(args.url, args.viewers, args.screens, args.duration, tuple(args.think),
                      args.ramp if args.ramp is not None else min(10.0, args.duration / 3), args.user, args.password,
                      args.cookie, args.timeout, args.seed,
                      ssl_context(args.cafile, args.insecure) if args.url.startswith("https") else None,
                      args.screen_key)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    tally = asyncio.run(simulate(options))
    summary = report(tally, time.perf_counter() - wall0, time.process_time() - cpu0)
    print_report(summary)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(summary, out, ensure_ascii=False, indent=2)
    return 0 if summary["error_count"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
