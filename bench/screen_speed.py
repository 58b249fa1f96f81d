"""The wall screen's panels, drawn for real: AppTest of board.py switched to the screen with
its key, every panel checked drawn, each panel's run timed cold and warm.

Each repeat: a new AppTest, `st.cache_data.clear()`, one run (cold: every query runs), a second
run (warm: what every refresh of a fragment pays within the cache's TTL). AppTest runs the
script in this process, so each panel is timed by wrapping boardkit.screen.live.show_panel
(its build and its markdown element) for the two runs; the product carries no timing code.

A panel counts only when its markup is there and is not an error panel; a screen that was
refused (no key, wrong key) or raised gives rows that say FAILED and why, never a time.
At scales with several sub-districts the screen is also run at one sub-district (its map
then draws that sub-district's neighbourhoods): the screen has no filter in its URL, so the
scope is handed to boardkit.screen.live.render by wrapping it for those runs.
"""
from __future__ import annotations

import contextlib
import re
import secrets
import time

from .common import Row, env, fmt_ms, median
from .page_speed import BOARD

PAGE = "pages/screen.py"
# Issue 24: each panel's run ≤ 300 ms warm at city scale.
BUDGET_WARM_MS = 300.0
_AREA = re.compile(r'<path class="nb [^"]*" data-area="(\w+)"')
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


def run_screen(key: str, scope=None) -> tuple[dict, dict, float, float, object]:
    """One cold and one warm run of a new screen session: (cold ms per panel, warm ms per
    panel, cold ms of the whole run, warm ms of the whole run, the AppTest after the warm run)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(BOARD), default_timeout=120)
    at.query_params["key"] = key
    at.switch_page(PAGE)
    cold, warm = {}, {}
    with _scoped(scope):
        st.cache_data.clear()
        with _timing_panels(cold):
            t0 = time.perf_counter()
            at.run()
            cold_run = (time.perf_counter() - t0) * 1000
        with _timing_panels(warm):
            t0 = time.perf_counter()
            at.run()
            warm_run = (time.perf_counter() - t0) * 1000
    return cold, warm, cold_run, warm_run, at


def screen_rows(repeat: int, *, key: str | None = None, scope=None, label: str = "", say=print) -> list[Row]:
    """A row per panel of the screen and one for the whole run. `key`: the screen key to open
    it with (default: the configured one, else a key of this run's own)."""
    from core import settings
    from boardkit.screen.layout import PANELS

    own = None if settings.screen_key() else secrets.token_urlsafe(16)
    with env(BOARD_SCREEN_KEY=own) if own else contextlib.nullcontext():
        key = settings.screen_key() if key is None else key
        run_screen(key, scope)   # untimed: imports and first-use costs of the process
        colds, warms, runs, problems, areas = {}, {}, [], {}, {}
        for _ in range(repeat):
            cold, warm, cold_run, warm_run, at = run_screen(key, scope)
            for name, problem in panel_problems(at, PANELS).items():
                problems.setdefault(name, problem)
            for name in PANELS:
                colds.setdefault(name, []).append(cold.get(name))
                warms.setdefault(name, []).append(warm.get(name))
            runs.append((cold_run, warm_run))
            areas = {kind: _AREA.findall(screen_markup(at)).count(kind) for kind in AREAS}

    suffix = f" ({label})" if label else ""
    drawn = "; ".join(f"{areas[kind]} {what}" for kind, what in AREAS.items() if areas.get(kind))
    rows = []
    for name in PANELS:
        if name in problems:
            say(f"  screen {name}{suffix}: FAILED ({problems[name]})")
            rows.append(Row("screen", f"{name}{suffix}", "FAILED", problems[name], f"warm ≤ {BUDGET_WARM_MS:.0f}",
                            False, "city", values={"panel": name, "problem": problems[name]}))
            continue
        cold, warm = median(colds[name]), median(warms[name])
        say(f"  screen {name}{suffix}: cold {fmt_ms(cold)} ms, warm {fmt_ms(warm)} ms")
        detail = "build and markdown element, st.cache_data cleared before the cold run"
        if name == "map" and drawn:
            detail += f"; drew {drawn}"
        if name == "kpis":
            detail += "; its figures are computed before the panels (counted in the whole run)"
        rows.append(Row("screen", f"{name}{suffix}", f"cold {fmt_ms(cold)} · warm {fmt_ms(warm)} ms", detail,
                        f"warm ≤ {BUDGET_WARM_MS:.0f}", warm <= BUDGET_WARM_MS, "city",
                        values={"panel": name, "cold_ms": cold, "warm_ms": warm, "problem": "", **areas}))
    if problems:
        rows.append(Row("screen", f"whole screen run{suffix}", "FAILED", "see the panels' rows", "", False, "city",
                        values={"panel": None, "problem": "; ".join(sorted(set(problems.values())))}))
    else:
        cold, warm = median([c for c, _ in runs]), median([w for _, w in runs])
        rows.append(Row("screen", f"whole screen run{suffix}", f"cold {fmt_ms(cold)} · warm {fmt_ms(warm)} ms",
                        "board.py and every fragment once, as a browser's first load", "", None, "city",
                        values={"panel": None, "cold_ms": cold, "warm_ms": warm, "problem": ""}))
    return rows
