"""Pages that stay current: `?refresh=60` on any page runs it again every 60 seconds (as
Grafana's refresh does), for a duty desk's second monitor.

The whole page runs again, as after a click in it: new data, and the viewer's page, filters
and URL kept (they live in the session and the URL, not in the browser's page). A timer
fragment in the sidebar starts that run; such a run is not the viewer's activity, so it
does not keep a sign-in alive (setting session_minutes). The wall screen refreshes its own
panels (boardkit/screen/live.py) and takes no part in this.
"""
from __future__ import annotations

import re
import time

import streamlit as st

from core import settings
from core.localtime import local_now

PARAM = "refresh"
# Longer than a day is not "staying current": such a value is taken as a mistake and ignored.
LONGEST_SECONDS = 86400
# Session keys: this tab's interval (the navigation drops the URL's parameters on a page
# switch, the interval goes on), when the last full run began, and "the timer started this run".
INTERVAL = "refresh_interval"
STARTED = "refresh_started"
AUTOMATIC = "refresh_automatic"


def refresh_seconds(raw, minimum: int) -> int | None:
    """The interval a `refresh` parameter asks for: whole seconds, at least `minimum`; None
    (no refresh) for 0, a negative number, more than a day, or anything that is not a number."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{1,6}", raw.strip()):
        return None
    seconds = int(raw.strip())
    if seconds == 0 or seconds > LONGEST_SECONDS:
        return None
    return max(seconds, minimum)


def automatic_run() -> bool:
    """In board.py, before the sign-in check: whether the timer started this run."""
    return bool(st.session_state.pop(AUTOMATIC, False))


def keep_current() -> None:
    """In board.py, on every page but the screen: the interval from the URL (or, after a page
    switch, the tab's own), written back to the URL, said in the sidebar, and the timer."""
    if PARAM in st.query_params:
        st.session_state[INTERVAL] = refresh_seconds(st.query_params[PARAM],
                                                     int(settings.get("page_refresh_min_seconds")))
    seconds = st.session_state.get(INTERVAL)
    if seconds is None:
        if PARAM in st.query_params:  # not a usable interval: the link says what the page does
            del st.query_params[PARAM]
        return
    if st.query_params.get(PARAM) != str(seconds):
        st.query_params[PARAM] = str(seconds)
    st.session_state[STARTED] = time.monotonic()
    with st.sidebar:
        st.caption(f"每 {seconds} 秒自动刷新 · 本页刷新于 {local_now():%H:%M:%S}")
        st.fragment(run_every=seconds)(_tick)(seconds)


def _tick(seconds: int) -> None:
    """The timer: drawn with the page (nothing to do then), run alone every `seconds`."""
    if time.monotonic() - st.session_state.get(STARTED, 0.0) >= seconds / 2:
        st.session_state[AUTOMATIC] = True
        st.rerun(scope="app")
