"""Streamlit glue shared by board.py and the pages: the page context (generation,
clock, scope, filters), shared filters kept in st.query_params, cached queries."""
from __future__ import annotations

import datetime as dt
import functools
import inspect
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core import settings

from .. import labels
from ..data.clock import Clock, make_clock
from ..data.freshness import source_freshness
from ..metrics import REGISTRY, change_text, value_text
from ..data.db import (
    ALL,
    DatabaseTrouble,
    Generation,
    NoDatabase,
    Scope,
    check_ready,
    current_generation,
    query,
)
from ..render import charts
from . import clicks
from ..render.markup import md
from ..data.ranges import bounded, data_first_day, default_start


def cached(fn):
    """st.cache_data keyed by the arguments: the generation is always one of them, so a
    new load is picked up on the next run, however long the TTL. Pages call it inline
    (`cached(q.x)(gen, …)`) on every run: the wrapper is made once per function and TTL,
    since making one reads and hashes the function's source. A function a page script
    defines is a new object on every run, so it gets a new wrapper (nothing kept per run)."""
    ttl = int(settings.get("cache_ttl_seconds"))
    return _cache_data(fn, ttl) if fn.__module__ == "__main__" else _kept_wrapper(fn, ttl)


def _frame_bytes(frame) -> bytes:
    """A frame or series argument, for a cache key: its column names and types, index and
    every value (numbers and times as their bytes, other values by repr, which tells None
    from "None" and NaN from "nan"). Equal frames give equal keys however they were made (a
    pickle does not: a frame fresh from DuckDB and its copy from st.cache_data pickle
    differently), at a fraction of Streamlit's own frame hashing, which also samples frames
    of 50,000 rows or more."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    parts = [repr((frame.columns.tolist(), frame.columns.names, frame.index.names, frame.index.tolist(),
                   frame.index.dtype, frame.dtypes.tolist())).encode()]
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biufmM":
            parts.append(column.to_numpy().tobytes())
        else:
            parts.append(repr(column.tolist()).encode())
    return b"".join(len(part).to_bytes(8, "little") + part for part in parts)


# How cached() and shared() hash frame arguments.
HASH_FUNCS = {pd.DataFrame: _frame_bytes, pd.Series: _frame_bytes}


def _cache_data(fn, ttl: int):
    return st.cache_data(ttl=ttl, show_spinner=False, max_entries=512, hash_funcs=HASH_FUNCS)(fn)


_kept_wrapper = functools.cache(_cache_data)


@dataclass(frozen=True)
class Context:
    gen: Generation
    clock: Clock
    scope: Scope          # what this viewer may see, narrowed by the neighbourhood filter
    start: dt.date        # trend range
    end: dt.date
    neighbourhoods: tuple  # ((code, name), …) in the viewer's scope


@cached
def _ready(gen: Generation) -> bool:
    """check_ready once per generation (a generation file never changes): a run whose
    queries are all cached then opens no database at all. A failed check is not cached."""
    check_ready(gen)
    return True


@cached
def _clock(gen: Generation, day: dt.date | None) -> Clock:
    return make_clock(gen, day)


@cached
def neighbourhood_names(gen: Generation, scope: Scope) -> tuple:
    frame = query(gen, "SELECT code, name FROM ref_neighbourhoods WHERE "
                       "($scope_all OR list_contains($scope_codes, code)) ORDER BY code", scope.params)
    return tuple(frame.itertuples(index=False, name=None))


@cached
def freshness(gen: Generation) -> dict:
    return source_freshness(gen)


def _param_date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def build_context(access: Scope = ALL, with_filters: bool = True) -> Context:
    """Reads the database, draws the shared filters in the sidebar, keeps them in the URL.
    Shows a friendly page and stops when there is no database. The wall screen takes no
    filters: it always shows the default report day and the whole area."""
    try:
        gen = current_generation()
        _ready(gen)
    except NoDatabase as exc:
        no_database_page(exc)
        st.stop()
    data_clock = _clock(gen, None)
    names = neighbourhood_names(gen, access)
    if not with_filters:
        day = data_clock.day
        return Context(gen, data_clock, access, default_start(day), day, names)
    code_by_name = {name: code for code, name in names}
    # Dates from the link, then from the widgets, kept within the data and a bounded length.
    limits = (data_clock.day, cached(data_first_day)(gen), data_clock.now.date())
    linked = bounded(_param_date("d") or data_clock.day, _param_date("from"), _param_date("to"), *limits)
    clicked = clicks.take_pending(names, linked.day_limits)  # a chart clicked since the last run
    if clicked and clicked.codes:
        st.session_state["f_nb"] = [dict(names)[c] for c in clicked.codes]
    if clicked and clicked.day:
        st.session_state["f_day"] = clicked.day
    with st.sidebar:
        st.caption(labels.SLOGAN)
        if data_clock.replay:  # "now" is not the wall clock (docs/metrics.md, Time)
            st.badge(labels.REPLAY_BADGE, color="orange")
            st.caption(f"“现在”为数据中的最新时刻 {data_clock.now:%Y-%m-%d %H:%M}")
        day = st.date_input("统计日", value=linked.day, key="f_day", min_value=linked.day_limits[0],
                            max_value=linked.day_limits[1],
                            help="日报口径：统计日 00:00–24:00；默认昨天（重放历史数据时为数据最后一天的前一天）")
        span = st.date_input("趋势区间", value=(linked.start, linked.end), key="f_span",
                             min_value=linked.span_limits[0], max_value=linked.span_limits[1])
        chosen_codes = [c for c in st.query_params.get("nb", "").split(",") if c in dict(names)]
        chosen = st.multiselect("居民区", options=list(code_by_name), key="f_nb",
                                default=[dict(names)[c] for c in chosen_codes], placeholder="全部居民区")
    dates = bounded(day, *(span if isinstance(span, tuple) and len(span) == 2 else (None, None)), *limits)
    _range_notes(linked, dates)
    day, start, end = dates.day, dates.start, dates.end
    scope = access
    if chosen:
        codes = tuple(code_by_name[n] for n in chosen)
        scope = replace(access, codes=codes)
    _sync_params(day, data_clock.day, start, end, default_start(day), scope, access)
    clock = _clock(gen, day)
    return Context(gen, clock, scope, start, end, names)


def _range_notes(linked, dates) -> None:
    """Says what was changed in the dates a link or the widgets asked for. The link's note
    stays while the view shows the dates it was changed to: the link's first run hands over
    to another (board.py, then the page), and the link itself is rewritten to those dates."""
    if linked.notes:
        st.session_state["range_notes"] = (linked.notes, (linked.day, linked.start, linked.end))
    notes, shown_for = st.session_state.get("range_notes", ((), None))
    if shown_for != (dates.day, dates.start, dates.end):
        notes = ()
    for note in dict.fromkeys(notes + dates.notes):
        st.warning(note, icon=":material/date_range:")


def _sync_params(day, default_day, start, end, default_start, scope, access) -> None:
    wanted = {}
    if day != default_day:
        wanted["d"] = day.isoformat()
    if start != default_start or end != day:
        wanted["from"], wanted["to"] = start.isoformat(), end.isoformat()
    if scope.codes and scope.codes != access.codes:
        wanted["nb"] = ",".join(scope.codes)
    for key in ("d", "from", "to", "nb"):
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def context() -> Context:
    """The context board.py built for this run.

    Streamlit decides at server start that a `pages/` folder means its older multipage
    mode; until board.py has run once (st.navigation switches the mode for good), a deep
    link such as /alarms runs the page alone. Then hand over to board.py, which signs in
    and forwards to the page that was asked for, with its query parameters."""
    _hand_over_unless_routed(Path(sys._getframe(1).f_globals["__file__"]))
    return st.session_state["ctx"]


def leader_viewer():
    """The page guard of leader-only pages (审计): the viewer board.py set in this run, a
    leader, or the page stops before it shows anything."""
    _hand_over_unless_routed(Path(sys._getframe(1).f_globals["__file__"]))
    viewer = st.session_state["viewer"]
    if not viewer.is_leader:
        st.error("此页仅限领导账号。")
        st.stop()
    return viewer


def _hand_over_unless_routed(page_file: Path) -> None:
    """A page run that board.py did not route (no viewer, no context in this run) goes to
    board.py instead: the sign-in form, or the page once signed in."""
    if "ctx" not in st.session_state or "viewer" not in st.session_state:
        st.session_state["_deep_link"] = f"pages/{page_file.name}"
        st.switch_page("board.py", query_params=st.query_params.to_dict())


def forward_deep_link(pages: dict | None = None) -> None:
    """In board.py, after st.navigation: go on to a page a deep link asked for. `pages`: the
    page standing for a page file in this navigation, where it is not the file itself
    (signed out, every address shows the sign-in form)."""
    target = st.session_state.pop("_deep_link", None)
    if target:
        st.switch_page((pages or {}).get(target, target), query_params=st.query_params.to_dict())


def freshness_line(gen: Generation) -> str:
    parts = []
    for source, latest in freshness(gen).items():
        when = latest.strftime("%m-%d %H:%M") if latest is not None else "无数据"
        parts.append(f"{labels.SOURCES[source]}数据截至 {when}")
    return "　".join(parts) + f"　（数据第 {gen.number} 代）"


def no_database_page(problem: NoDatabase) -> None:
    """The friendly page: what is wrong and what to do. Loading the demo is the advice for
    an empty install only, not for a database that is locked, damaged or of another version."""
    st.title(labels.APP_TITLE)
    st.warning(f"暂无可显示的数据：{md(str(problem))}")
    if not isinstance(problem, DatabaseTrouble):
        st.markdown(labels.NO_DATABASE_HELP)
        st.code(labels.NO_DATABASE_FIX, language="bash")
    _wait_for_database()


@st.fragment(run_every=10)
def _wait_for_database() -> None:
    """An unattended screen opened before the first load shows the data once it exists."""
    try:
        check_ready(current_generation())
    except NoDatabase:
        return
    st.rerun(scope="app")


def kpi(column, key: str, figure, spark: list | None = None) -> None:
    """One st.metric following docs/metrics.md: value, change against t(D-1), how it is counted
    (label, help and format from the registry, boardkit/metrics)."""
    metric = REGISTRY[key]
    column.metric(metric.label, value_text(metric, figure.value), change_text(metric, figure.change),
                  help=f"{metric.help}。较前日：与前一日同口径相比。",
                  chart_data=spark or None, chart_type="area", border=True,
                  delta_color={"neutral": "off", "worse": "inverse"}.get(metric.rise, "normal"))


def chart(build, *args, click: str | None = None, **kwargs) -> None:
    """A Plotly figure as every page shows one: `build(*args, **kwargs)` (a builder of
    boardkit.render.charts), Chinese date ticks, full width. Keyed by the page line that
    draws it: with no data yet two charts can be identical, and Streamlit refuses two
    identical elements without keys (a traceback on a new database). `click`
    (clicks.NEIGHBOURHOOD or clicks.DAY): a click on a mark filters the page."""
    if not callable(build):
        raise TypeError("chart() takes a builder and its arguments, e.g. chart(charts.bars, frame, …), "
                        "so that the figure is built once for every session")
    caller = inspect.currentframe().f_back
    place = f"{Path(caller.f_code.co_filename).stem}_{caller.f_lineno}"
    fig = _shared(f"{_name(build)} (readable)", args, kwargs, lambda *a, **k: charts.readable(build(*a, **k)))
    if click:
        clicks.plotly_chart(fig, click, f"chart_{place}", width="stretch")
    else:
        st.plotly_chart(fig, width="stretch", key=f"chart_{place}")


def shared(build, *args, **kwargs):
    """`build(*args, **kwargs)` (a chart builder: a plotly figure, an Altair chart) made once
    per arguments, its data included, and shared by every session: building a chart costs
    far more than hashing its small input frames. One object for all sessions, so it is
    read only once built (st.plotly_chart and st.altair_chart only read it)."""
    return _shared(_name(build), args, kwargs, build)


def _name(build) -> str:
    return f"{build.__module__}.{build.__qualname__}"


@st.cache_resource(ttl=int(settings.get("cache_ttl_seconds")), max_entries=256, show_spinner=False,
                   hash_funcs=HASH_FUNCS)
def _shared(name: str, args: tuple, kwargs: dict, _build):
    return _build(*args, **kwargs)
