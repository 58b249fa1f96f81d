"""Click to filter: a neighbourhood clicked on a map or a bar chart becomes the shared
neighbourhood filter, a day clicked on a trend the report day.

These are the filters the sidebar sets (page.build_context), so the sidebar shows them, the
URL follows and the view can be shared. A click only leaves a wish in the session (a chart's
on_select callback runs before the next run); build_context takes it up before it draws the
sidebar, keeps what the viewer may ask for — neighbourhoods of their own scope, a report day
within the data — and sets the sidebar's widgets to it. Clearing is the sidebar's, as always.

The chart builders (boardkit/render) put what a mark stands for on it: plotly bars carry a
neighbourhood code as customdata, map areas and Vega-Lite bars carry charts.CLICK_FIELD;
a trend's marks are read by their day (x).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

import streamlit as st

from ..render.charts import CLICK_FIELD
from ..render.light_charts import DAY_SELECTION

# What a click on a chart chooses.
NEIGHBOURHOOD = "neighbourhood"
DAY = "day"
# The session keys: the click waiting for the next run, and how many clicks were taken up
# (part of every clickable chart's key: a new chart, with no selection left drawn on it).
PENDING = "clicked_filter"
ROUND = "clicked_round"


@dataclass(frozen=True)
class Change:
    """What a click changes in the shared filters: neighbourhood codes, or a report day."""
    codes: tuple[str, ...] = ()
    day: dt.date | None = None


def clicked_values(selection, kind: str) -> list[str]:
    """What the marks in a chart's selection state stand for, in the order clicked: plotly
    points (a neighbourhood chart's customdata, a trend's x), pydeck objects and Vega-Lite
    point selections (CLICK_FIELD). Anything else in the state is ignored."""
    values = []
    for point in selection.get("points") or []:
        value = point.get("customdata") if kind == NEIGHBOURHOOD else point.get("x")
        values.append(value[0] if isinstance(value, list) and value else value)
    for objects in (selection.get("objects") or {}).values():
        values.extend(obj.get(CLICK_FIELD) for obj in objects if isinstance(obj, dict))
    for picked in selection.get(DAY_SELECTION) or []:
        values.append(picked.get(CLICK_FIELD) if isinstance(picked, dict) else None)
    return [v for v in values if isinstance(v, str) and v]


def filter_change(kind: str, values: list[str], neighbourhoods: tuple, day_limits: tuple) -> Change | None:
    """The change a click asks for, kept to what the viewer may see: neighbourhood codes of
    `neighbourhoods` (the viewer's scope, ((code, name), …)), or a day within `day_limits`
    (first, last). None when nothing clicked is allowed (a committee cannot click its way
    to another neighbourhood, nor anyone to a day outside the data)."""
    if kind == NEIGHBOURHOOD:
        allowed = {code for code, _ in neighbourhoods}
        codes = tuple(dict.fromkeys(v for v in values if v in allowed))
        return Change(codes=codes) if codes else None
    if kind == DAY:
        for value in reversed(values):  # the last one clicked
            try:
                day = dt.date.fromisoformat(value[:10])
            except ValueError:
                continue
            if day_limits[0] <= day <= day_limits[1]:
                return Change(day=day)
        return None
    raise ValueError(f"unknown click kind {kind!r}")


def take_pending(neighbourhoods: tuple, day_limits: tuple) -> Change | None:
    """In build_context, before the sidebar is drawn: the click waiting since the last run,
    as the change it may make (a refused one is said in a toast)."""
    pending = st.session_state.pop(PENDING, None)
    if pending is None:
        return None
    change = filter_change(*pending, neighbourhoods, day_limits)
    if change is None:
        st.toast("所点的居民区不在您的查看范围内。" if pending[0] == NEIGHBOURHOOD else "所点日期不在数据范围内。",
                 icon=":material/block:")
    return change


def _remember(key: str, kind: str) -> None:
    """on_select callback: keep what was clicked for the next run (build_context)."""
    state = st.session_state.get(key)
    values = clicked_values(state.get("selection") or {}, kind) if state else []
    if values:
        st.session_state[PENDING] = (kind, values)
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1


def _selectable(key: str, kind: str) -> dict:
    keyed = f"{key}_{st.session_state.get(ROUND, 0)}"
    return {"key": keyed, "on_select": partial(_remember, keyed, kind)}


def plotly_chart(fig, kind: str, key: str, **options) -> None:
    """st.plotly_chart on which a click on a bar or a point filters the page (`kind`)."""
    st.plotly_chart(fig, selection_mode="points", **_selectable(key, kind), **options)


def pydeck_chart(deck, kind: str, key: str, **options):
    """st.pydeck_chart on which a click on an area filters the page (`kind`); returns the
    selection event, for the map's other layers (a camera clicked: app/panels.camera_panel)."""
    return st.pydeck_chart(deck, selection_mode="single-object", **_selectable(key, kind), **options)


def altair_chart(chart, kind: str, key: str, **options) -> None:
    """st.altair_chart on which a click on a bar filters the page (`kind`)."""
    st.altair_chart(chart, selection_mode=DAY_SELECTION, **_selectable(key, kind), **options)
