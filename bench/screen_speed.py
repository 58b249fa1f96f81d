"""The wall screen's panels, drawn for real: AppTest of board.py switched to the screen with
its key, every panel checked drawn, each panel's run timed cold and warm.

Each repeat: a new AppTest, `st.cache_data.clear()`, one run (cold: every query runs), a second
run (warm: what every refresh of a fragment pays within the cache's TTL). AppTest runs the
script in this process, so each panel is timed by wrapping boardkit.screen.live.show_panel
(its build and its markdown element), and each fragment (what a browser's timer reruns, with
what its panels share: the live clock, the KPI figures) by wrapping st.fragment, for the two
runs; the product carries no timing code. Fragment refreshes themselves do not run under
AppTest: a fragment's run inside the page run is the same code.

A panel counts only when its markup is there and is not an error panel; a screen that was
refused (no key, wrong key) or raised gives rows that say FAILED and why, never a time.
At scales with several sub-districts the screen is also run at one sub-district (its map
then draws that sub-district's neighbourhoods): the screen has no filter in its URL, so the
scope is handed to boardkit.screen.live.render by wrapping it for those runs.
"""
from __future__ import annotations

import contextlib
import functools
import re
import secrets
import time

from .common import Row, env, fmt_ms, median
from .page_speed import BOARD, SCREEN as PAGE

# Issue 24: each panel's run ≤ 300 ms warm at city scale.
BUDGET_WARM_MS = 300.0
_AREA = re.compile(r'<path class="nb [^"]*" data-area="(\w+)"')
RUN = "whole screen run"
# What each fragment of boardkit.screen.live reruns (its row is "fragment <function name>").
WHAT_RUNS = {"fragment header": "clock, freshness, duty and chime: reruns every screen_alarm_refresh_seconds",
             "fragment slow": "live clock, KPI figures, then kpis, map, trend, quarantine, enterprises: "
                              "reruns every screen_refresh_seconds",
             "fragment fast": "the alarm ticker: reruns every screen_alarm_refresh_seconds",
             RUN: "board.py and every fragment once, as a browser's first load"}
AREAS = {"subdistrict": "sub-district outlines", "neighbourhood": "neighbourhood polygons"}  # the map's data-area


@contextlib.contextmanager
def _timing_panels(times: dict[str, float]):
    """While open, every panel the screen shows adds its run's milliseconds to `times[name]`."""
    from boardkit.screen import live
    original = live.show_panel

    def timed(name, box, build):
        t0 = time.perf_counter()
        try:
            return original(name, box, build)
        finally:
            times[name] = times.get(name, 0.0) + (time.perf_counter() - t0) * 1000

    live.show_panel = timed
    try:
        yield
    finally:
        live.show_panel = original


@contextlib.contextmanager
def _timing_fragments(times: dict[str, float]):
    """While open, every fragment the screen starts adds its run's milliseconds to
    `times[its function's name]`: what the browser's timer reruns (the panels, and what
    they share: the live clock, the KPI figures)."""
    import streamlit as st
    original = st.fragment

    def fragment(func=None, **options):
        def decorate(f):
            @functools.wraps(f)
            def timed(*args, **kwargs):
                t0 = time.perf_counter()
                try:
                    return f(*args, **kwargs)
                finally:
                    name = "fragment " + f.__name__.strip("_")
                    times[name] = times.get(name, 0.0) + (time.perf_counter() - t0) * 1000
            return original(**options)(timed)
        return decorate if func is None else decorate(func)

    st.fragment = fragment
    try:
        yield
    finally:
        st.fragment = original


@contextlib.contextmanager
def _scoped(scope):
    """While open, the screen shows `scope` instead of the whole area (None: unchanged)."""
    from boardkit.screen import live
    if scope is None:
        yield
        return
    original = live.render
    live.render = lambda _whole, rotate: original(scope, rotate)
    try:
        yield
    finally:
        live.render = original


def screen_markup(at) -> str:
    return "\n".join(str(e.value) for e in list(at.markdown) + list(at.html))


def panel_problems(at, panels) -> dict[str, str]:
    """Why each panel did not draw ({} when every one did): the run raised, the screen was
    refused (its error page, or a sign-in page: no panel at all), a panel is missing or
    shows its error."""
    if at.exception:
        reason = "raised: " + str(at.exception[0].value).splitlines()[0][:120]
        return {name: reason for name in panels}
    text = screen_markup(at)
    if "data-panel=" not in text:
        shown = " ".join(str(e.value) for e in at.error)[:120] or "no panel drawn (a sign-in or refusal page)"
        return {name: f"not the screen: {shown}" for name in panels}
    problems = {}
    for name in panels:
        section = re.search(rf'<section class="scr-panel[^"]*" data-panel="{name}".*?</section>', text, re.S)
        if section is None:
            problems[name] = "panel not drawn"
        elif 'class="scr-error"' in section.group(0):
            message = re.search(r'class="scr-error">([^<]*)<', section.group(0)).group(1)
            problems[name] = f"error panel: {message[:120]}"
    return problems


def run_screen(key: str, scope=None) -> tuple[dict, dict, object]:
    """One cold and one warm run of a new screen session: (cold ms, warm ms, the AppTest after
    the warm run); the times by panel name, by fragment ("fragment <name>") and of the whole
    run (RUN)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(BOARD), default_timeout=120)
    at.query_params["key"] = key
    at.switch_page(PAGE)
    cold, warm = {}, {}
    with _scoped(scope):
        st.cache_data.clear()
        for times in (cold, warm):
            with _timing_panels(times), _timing_fragments(times):
                t0 = time.perf_counter()
                at.run()
                times[RUN] = (time.perf_counter() - t0) * 1000
    return cold, warm, at


def screen_rows(repeat: int, *, key: str | None = None, scope=None, label: str = "", say=print) -> list[Row]:
    """A row per panel of the screen, then one per fragment and one for the whole run. `key`:
    the screen key to open it with (default: the configured one, else a key of this run's own)."""
    from core import settings
    from boardkit.screen.layout import PANELS

    own = None if settings.screen_key() else secrets.token_urlsafe(16)
    with env(BOARD_SCREEN_KEY=own) if own else contextlib.nullcontext():
        key = settings.screen_key() if key is None else key
        run_screen(key, scope)   # untimed: imports and first-use costs of the process
        colds, warms, problems, areas = {}, {}, {}, {}
        for _ in range(repeat):
            cold, warm, at = run_screen(key, scope)
            for name, problem in panel_problems(at, PANELS).items():
                problems.setdefault(name, problem)
            for name in dict.fromkeys([*PANELS, *cold, *warm]):
                colds.setdefault(name, []).append(cold.get(name))
                warms.setdefault(name, []).append(warm.get(name))
            areas = {kind: _AREA.findall(screen_markup(at)).count(kind) for kind in AREAS}

    suffix = f" ({label})" if label else ""
    drawn = "; ".join(f"{areas[kind]} {what}" for kind, what in AREAS.items() if areas.get(kind))
    failed = "; ".join(sorted(set(problems.values())))
    rows = []
    for name in [*PANELS, *(n for n in colds if n not in PANELS)]:
        panel = name in PANELS
        budget = f"warm ≤ {BUDGET_WARM_MS:.0f}" if panel else ""
        problem = problems.get(name, "") if panel else ("see the panels' rows" if failed else "")
        values = {"panel": name if panel else None, "problem": problems.get(name, "") if panel else failed}
        if problem:
            say(f"  screen {name}{suffix}: FAILED ({problem})")
            rows.append(Row("screen", f"{name}{suffix}", "FAILED", problem, budget, False, "city", values=values))
            continue
        cold, warm = median(colds[name]), median(warms[name])
        say(f"  screen {name}{suffix}: cold {fmt_ms(cold)} ms, warm {fmt_ms(warm)} ms")
        if panel:
            detail = "build and markdown element, st.cache_data cleared before the cold run"
            detail += f"; drew {drawn}" if name == "map" and drawn else ""
            detail += "; its figures are computed in the slow fragment, before the panels" if name == "kpis" else ""
        else:
            detail = WHAT_RUNS.get(name, "")
        rows.append(Row("screen", f"{name}{suffix}", f"cold {fmt_ms(cold)} · warm {fmt_ms(warm)} ms", detail,
                        budget, warm <= BUDGET_WARM_MS if panel else None, "city",
                        values={**values, "cold_ms": cold, "warm_ms": warm, **areas}))
    return rows
