"""The wall screen's Streamlit glue: the stylesheet once per page run, then fragments.

Fragments rerun alone (`st.fragment(run_every=…)`), so the generation and the clock that
board.py resolved for the page run would be stale in them: every fragment run re-reads
`current_generation()` and the clock, and a new load shows up at the next tick. Queries are
cached by generation. Nothing accumulates per session: the only session value is the time
of the newest door_open alarm (for the chime), overwritten on every run.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

import streamlit as st

from core import settings
from core.localtime import local_now

from .. import labels
from . import panels as html_panels
from . import layout as style
from ..data.clock import live_clock
from ..data.db import Generation, Scope, current_generation
from ..metrics.figures import overview_figures
from ..app.page import cached, freshness
from ..queries import cameras as cq
from ..queries import duty as dq
from ..queries import overview as oq
from ..queries import screen as sq
from .svg import map_svg, trend_svg
from ..metrics.status import by_subdistrict, neighbourhood_status

log = logging.getLogger(__name__)
CHIME_KEY = "screen_last_door_open"


def _live() -> tuple[Generation, object]:
    """The generation and clock as of this run (not the page run's): the screen is live,
    its report day is today and its state figures are taken now."""
    gen = current_generation()
    return gen, cached(live_clock)(gen)


def show_panel(name: str, box: style.Box, build) -> None:
    """One panel, one markdown element (unchanged markup leaves the DOM alone, so a
    refresh does not flash). A failing panel shows its error and the others carry on.
    Every panel but a fragment's own fallback goes through here: bench/screen_speed.py
    times each `build` by wrapping this function."""
    try:
        markup = build()
    except Exception as exc:  # noqa: BLE001 - a wall screen must keep showing the rest
        log.exception("screen panel %s failed", name)
        markup = html_panels.error_panel(name, box, "数据暂不可用", f"{type(exc).__name__}: {str(exc)[:120]}")
    st.markdown(markup, unsafe_allow_html=True)


# ---- panels -------------------------------------------------------------------------------

def _map(box, opts, gen, clock, scope, figures) -> str:
    status = cached(neighbourhood_status)(gen, clock, scope)
    width, height = box.inner()
    if status["subdistrict_code"].nunique() > 1:
        # A district's or a city's thousands of neighbourhoods would be thousands of paths
        # every refresh: the whole area shows its sub-districts, as the overview's map does,
        # and its cameras (thousands too) are left out.
        outlines = cached(oq.subdistrict_polygons)(gen, scope)
        areas = by_subdistrict(status).merge(outlines, on="subdistrict_code")
        return html_panels.panel("map", box, map_svg(areas, width, height, area="subdistrict"), "街道状态",
                                 note=html_panels.map_note(status, by_subdistrict=True))
    polygons = cached(oq.neighbourhood_polygons)(gen, scope)
    cameras = cached(cq.camera_points)(gen, scope)
    try:
        settings.camera_page_template()
        camera_url = settings.camera_page_url
    except ValueError:  # a bad template: the points without links (the overview says why)
        log.warning("camera_page_url refused: no camera links on the screen")
        camera_url = None
    svg = map_svg(status.merge(polygons, on="neighbourhood_code"), width, height, cameras, camera_url)
    return html_panels.panel("map", box, svg, "居民区状态", note=html_panels.map_note(status))


def _trend(box, opts, gen, clock, scope, figures) -> str:
    start = clock.day - dt.timedelta(days=29)
    by_topic = cached(oq.daily_by_topic)(gen, scope, start, clock.day)
    series = cached(oq.daily_series)(gen, scope, start, clock.day)
    width, height = box.inner()
    return html_panels.panel("trend", box, trend_svg(by_topic, series, start, clock.day, width, height),
                             "12345工单 · 近30日", note=html_panels.trend_note(series))


def _quarantine(box, opts, gen, clock, scope, figures) -> str:
    frame = cached(sq.quarantine_by_neighbourhood)(gen, clock, scope)
    return html_panels.quarantine_html(box, frame, opts.get("rows", 8))


def _enterprises(box, opts, gen, clock, scope, figures) -> str:
    frame = cached(sq.enterprises_by_neighbourhood)(gen, clock, scope)
    return html_panels.enterprises_html(box, frame, figures, opts.get("detail", 0))


def _ticker(box, opts, gen, clock, scope, large) -> str:
    frame = cached(sq.alarm_ticker)(gen, clock, scope, opts.get("rows", 20))
    return html_panels.ticker_html(box, frame, large=large)


SLOW = {"map": _map, "trend": _trend, "quarantine": _quarantine, "enterprises": _enterprises}


# ---- fragments ----------------------------------------------------------------------------

def _header(scope: Scope) -> None:
    """Title, clock, freshness per source, who is on duty, and the chime for a new door_open alarm."""
    boxes = style.HEADER
    subtitle = labels.APP_TITLE.split("·")[-1].strip() + " · 大屏"
    st.markdown(html_panels.title_html(boxes["title"], subtitle), unsafe_allow_html=True)
    wall = local_now()  # stored times are Shanghai time; the server may run on UTC
    try:
        gen, clock = _live()
    except Exception as exc:  # noqa: BLE001 - the clock goes on even without data
        st.markdown(html_panels.clock_html(boxes["clock"], wall, None), unsafe_allow_html=True)
        st.markdown(html_panels.error_panel("freshness", boxes["freshness"], "数据暂不可用", str(exc)[:120]),
                    unsafe_allow_html=True)
        return
    reference = clock.now if clock.replay else wall
    limits = {s: float(settings.get(f"screen_freshness_hours.{s}")) for s in html_panels.FRESH_SOURCES}
    show_panel("clock", boxes["clock"], lambda: html_panels.clock_html(boxes["clock"], wall, clock))
    show_panel("freshness", boxes["freshness"],
         lambda: html_panels.freshness_html(boxes["freshness"], freshness(gen), reference, limits))
    show_panel("duty", boxes["duty"], lambda: _duty(boxes["duty"], gen, scope, reference))
    _chime(gen, scope)


def _duty(box, gen, scope, now: dt.datetime) -> str:
    people = cached(dq.on_duty)(gen, scope, now.replace(second=0, microsecond=0))
    uncovered = cached(dq.uncovered_shifts)(gen, scope, now.date())
    return html_panels.duty_html(box, people, uncovered)


def _chime(gen: Generation, scope: Scope) -> None:
    try:
        latest = cached(sq.latest_door_open)(gen, scope)
    except Exception:  # noqa: BLE001 - no chime is better than a broken header
        return
    previous = st.session_state.get(CHIME_KEY, "unset")
    st.session_state[CHIME_KEY] = latest  # one value, overwritten: bounded whatever the uptime
    if previous != "unset" and latest is not None and (previous is None or latest > previous):
        st.markdown(html_panels.chime_html(latest), unsafe_allow_html=True)


def _slow(view: str, scope: Scope) -> None:
    _, keys, layout = style.VIEWS[view]
    try:
        gen, clock = _live()
        figures = cached(overview_figures)(gen, clock, scope)
    except Exception as exc:  # noqa: BLE001
        st.markdown(html_panels.error_panel("kpis", style.KPI_BOX, "数据暂不可用", str(exc)[:120]),
                    unsafe_allow_html=True)
        return
    show_panel("kpis", style.KPI_BOX, lambda: html_panels.kpis_html(style.KPI_BOX, figures, keys))
    for name, (box, opts) in layout.items():
        if name in SLOW:
            show_panel(name, box, lambda b=box, o=opts, f=SLOW[name]: f(b, o, gen, clock, scope, figures))


def _fast(view: str, scope: Scope) -> None:
    box, opts = style.VIEWS[view][2]["ticker"]
    try:
        gen, clock = _live()
    except Exception as exc:  # noqa: BLE001
        st.markdown(html_panels.error_panel("ticker", box, "数据暂不可用", str(exc)[:120]), unsafe_allow_html=True)
        return
    show_panel("ticker", box, lambda: _ticker(box, opts, gen, clock, scope, large=view != "overview"))


def render(scope: Scope, rotate: bool) -> None:
    """The whole screen. `rotate`: cycle the views by CSS at screen_rotate_seconds."""
    views = list(style.VIEWS) if rotate else ["overview"]
    st.html(f"<style>{style.BASE_CSS}{style.rotation_hold_css(views) if rotate else ''}</style>")
    st.markdown(html_panels.OFFLINE_HTML, unsafe_allow_html=True)
    slow_every = float(settings.get("screen_refresh_seconds"))
    fast_every = float(settings.get("screen_alarm_refresh_seconds"))
    st.fragment(run_every=fast_every)(_header)(scope)
    for view in views:
        with st.container(key=f"screen-view-{view}"):
            st.fragment(run_every=slow_every)(_slow)(view, scope)
            if "ticker" in style.VIEWS[view][2]:
                st.fragment(run_every=fast_every)(_fast)(view, scope)
    if rotate:
        # Last, when every view exists (see rotation_css).
        seconds = int(settings.get("screen_rotate_seconds"))
        phase = time.time() % (seconds * len(views))
        st.html(f"<style>{style.rotation_css(views, seconds, phase)}</style>")
