"""Plotly figure builders: pure functions from small frames to figures, no Streamlit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import labels
from .markup import chart_text

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
# The field through which a map row or a Vega-Lite mark names what a click on it selects (a
# neighbourhood code, a day); plotly marks carry it as their customdata (boardkit/app/clicks.py).
CLICK_FIELD = "click_id"


def _layout(fig: go.Figure, title: str | None = None, height: int = 320, dark: bool = False) -> go.Figure:
    _plain_text(fig)
    fig.update_layout(
        title=dict(text=title, x=0, font=dict(size=15)) if title else None,
        height=height, margin=dict(l=8, r=8, t=40 if title else 10, b=8),
        font=dict(family=FONT, size=12, color="#e8eaed" if dark else None),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        # A builder's own hover mode stands (a horizontal bar chart hovers by row, not by value).
        hovermode=fig.layout.hovermode or "x unified")
    return fig


# Trace properties that may carry text from data (categories, series names, hover data).
TEXT_PROPERTIES = ("x", "y", "text", "customdata", "name")


def _plain_text(fig: go.Figure) -> None:
    """Every builder ends here: plotly draws its pseudo-HTML, links included, from category
    labels, legends and hover data, so their text is escaped (the look is unchanged)."""
    for trace in fig.data:
        for prop in TEXT_PROPERTIES:
            if prop in trace and trace[prop] is not None:
                trace[prop] = _plain(trace[prop])
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        if axis.categoryarray is not None:
            axis.categoryarray = _plain(axis.categoryarray)


def _plain(value):
    if isinstance(value, str):
        return chart_text(value)
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return value  # numbers and dates
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def stacked_daily(frame: pd.DataFrame, category: str, colours: dict, names: dict,
                  title: str, share: pd.DataFrame | None = None, dark: bool = False) -> go.Figure:
    """Daily counts stacked by category (day, <category>, n); optional share line (day, share)."""
    fig = go.Figure()
    for key, colour in colours.items():
        part = frame[frame[category] == key]
        if part.empty:
            continue
        fig.add_bar(x=part["day"], y=part["n"], name=names.get(key, key), marker_color=colour)
    if share is not None and not share.empty:
        fig.add_scatter(x=share["day"], y=share["share"] * 100, name="涉疫占比(%)", yaxis="y2",
                        mode="lines", line=dict(color="#202124" if not dark else "#fdd663", width=2))
        fig.update_layout(yaxis2=dict(overlaying="y", side="right", range=[0, 100], ticksuffix="%",
                                      showgrid=False))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, dark=dark)


def bars(frame: pd.DataFrame, x: str, y: str, title: str, colour: str = "#1a73e8",
         horizontal: bool = False, colours: list | None = None, height: int = 320) -> go.Figure:
    marker = dict(color=colours or colour)
    if horizontal:
        fig = go.Figure(go.Bar(x=frame[y], y=frame[x], orientation="h", marker=marker))
        fig.update_yaxes(autorange="reversed")
    else:
        fig = go.Figure(go.Bar(x=frame[x], y=frame[y], marker=marker))
    fig.update_layout(hovermode="closest")
    return _layout(fig, title, height=height)


def grouped_bars(frame: pd.DataFrame, x: str, series: dict[str, str], title: str,
                 colours: dict | None = None) -> go.Figure:
    """One bar series per column name in `series` (column -> legend label)."""
    fig = go.Figure()
    for column, name in series.items():
        fig.add_bar(x=frame[x], y=frame[column], name=name,
                    marker_color=(colours or {}).get(column))
    fig.update_layout(barmode="group")
    return _layout(fig, title)


def lines(frame: pd.DataFrame, x: str, series: dict[str, str], title: str, percent: bool = False,
          colours: dict | None = None) -> go.Figure:
    fig = go.Figure()
    for column, name in series.items():
        values = frame[column] * (100 if percent else 1)
        fig.add_scatter(x=frame[x], y=values, name=name, mode="lines+markers",
                        line=dict(color=(colours or {}).get(column)))
    if percent:
        fig.update_yaxes(ticksuffix="%", range=[0, 105])
    return _layout(fig, title)


def histogram(values: pd.Series, title: str, threshold: float | None = None, unit: str = "分钟") -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=40, marker_color="#1a73e8"))
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dash", line_color=labels.STATUS_COLOURS["red"],
                      annotation_text=f"阈值 {threshold:g} {unit}")
    fig.update_layout(hovermode="closest", bargap=0.05)
    fig.update_xaxes(title=unit)
    return _layout(fig, title)


def funnel(frame: pd.DataFrame, title: str) -> go.Figure:
    """(stage label, n) top to bottom."""
    fig = go.Figure(go.Funnel(y=frame["stage"], x=frame["n"], textinfo="value+percent initial",
                              marker=dict(color=["#bdbdbd", "#f29900", "#188038", "#d93025"][:len(frame)])))
    return _layout(fig, title)


def heatmap(frame: pd.DataFrame, x: str, y: str, z: str, title: str) -> go.Figure:
    pivot = frame.pivot_table(index=y, columns=x, values=z, aggfunc="sum", fill_value=0)
    fig = go.Figure(go.Heatmap(z=pivot.values, x=pivot.columns, y=pivot.index, colorscale="Reds"))
    fig.update_layout(hovermode="closest")
    return _layout(fig, title, height=360)


def sparkline_values(frame: pd.DataFrame, column: str) -> list[float]:
    """A KPI's last 30 days for st.metric(chart_data=…)."""
    return [float(v) if pd.notna(v) else 0.0 for v in frame[column].tolist()] if column in frame else []


def stacked_bars(frame: pd.DataFrame, x: str, category: str, colours: dict, names: dict, title: str | None,
                 horizontal: bool = False, height: int = 320, x_title: str | None = None,
                 ids: str | None = None) -> go.Figure:
    """Counts (x, <category>, n) stacked by category in the order of `colours`, so a topic or
    status keeps its colour and its place on every page. `ids`: a column whose value each bar
    carries as its customdata (a neighbourhood code, read back when the bar is clicked)."""
    fig = go.Figure()
    for key, colour in colours.items():
        part = frame[frame[category] == key]
        if part.empty:
            continue
        carried = dict(customdata=part[ids].astype(object).where(part[ids].notna(), None).tolist()) if ids else {}
        if horizontal:
            fig.add_bar(y=part[x], x=part["n"], name=names.get(key, key), marker_color=colour, orientation="h",
                        **carried)
        else:
            fig.add_bar(x=part[x], y=part["n"], name=names.get(key, key), marker_color=colour, **carried)
    fig.update_layout(barmode="stack", hovermode="y unified" if horizontal else "x unified")
    if horizontal:
        fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(dict.fromkeys(frame[x])))
    elif x_title:
        fig.update_xaxes(title=x_title)
    return _layout(fig, title, height=height)


def binned_histogram(frame: pd.DataFrame, title: str | None, threshold: float | None = None,
                     unit: str = "分钟", last_label: str | None = None, bin_width: float = 1,
                     threshold_label: str | None = None, centred: bool = False) -> go.Figure:
    """A histogram binned in SQL: (bin, n), `bin` the lower edge of a bin `bin_width` wide, or
    with `centred` a whole value (days) drawn centred on its tick; `last_label` names an
    open-ended last bin (e.g. "≥60") so long tails do not flatten it."""
    ticks = [f"{b:g}–{b + bin_width:g}" if bin_width != 1 else f"{b:g}" for b in frame["bin"]]
    if last_label and ticks:
        ticks[-1] = last_label
    fig = go.Figure(go.Bar(x=frame["bin"] + (0 if centred else bin_width / 2), y=frame["n"], width=bin_width * 0.95,
                           marker_color="#1a73e8",
                           customdata=ticks, hovertemplate=f"%{{customdata}} {unit}：%{{y}}<extra></extra>"))
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dash", line_color=labels.STATUS_COLOURS["red"],
                      annotation_text=threshold_label or f"阈值 {threshold:g} {unit}", annotation_position="top right")
    fig.update_layout(hovermode="closest", bargap=0.05)
    fig.update_xaxes(title=unit)
    fig.update_yaxes(title="个数")
    return _layout(fig, title)


# ------------------------------------------------------------------ 25问 (boardkit/metrics/faq.py frames)

def faq_heatmap(matrix: pd.DataFrame, title: str | None = None, dark: bool = False) -> go.Figure:
    """Question × day heatmap of a faq.volume_matrix frame (day, faq_question, label,
    question, n), busiest question on top; the hover carries the full question so the
    short row labels can stay short."""
    order = list(dict.fromkeys(matrix["label"]))
    days = sorted(matrix["day"].unique())
    z = matrix.pivot_table(index="label", columns="day", values="n", aggfunc="sum", fill_value=0)
    z = z.reindex(index=order, columns=days, fill_value=0)
    full = matrix.drop_duplicates("label").set_index("label")["question"].reindex(order).fillna("")
    hover = [[full[label]] * len(days) for label in order]
    fig = go.Figure(go.Heatmap(z=z.values, x=days, y=order, customdata=hover, colorscale="Reds",
                               xgap=1, ygap=1, colorbar=dict(title="件", thickness=10),
                               hovertemplate="%{x|%m-%d} %{customdata}<br>%{z} 件<extra></extra>"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_layout(hovermode="closest")
    return _layout(fig, title, height=max(260, 60 + 22 * len(order)), dark=dark)


def faq_small_multiples(matrix: pd.DataFrame, title: str | None = None, columns: int = 4,
                        dark: bool = False) -> go.Figure:
    """One small daily bar chart per question of a faq.volume_matrix frame, in its order
    (pass top= to volume_matrix to keep it to a screenful), coloured by category, on a
    shared y axis so that panels compare."""
    from plotly.subplots import make_subplots
    order = list(dict.fromkeys(matrix["label"]))
    rows = max(1, -(-len(order) // columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[chart_text(o) for o in order], shared_xaxes=True,
                        shared_yaxes=True, vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.03)
    for i, label in enumerate(order):
        part = matrix[matrix["label"] == label]
        colour = labels.TOPIC_COLOURS.get(part["topic"].iloc[0], "#1a73e8")
        fig.add_bar(x=part["day"], y=part["n"], marker_color=colour, showlegend=False,
                    hovertemplate="%{x|%m-%d}：%{y} 件<extra></extra>", row=i // columns + 1, col=i % columns + 1)
    fig.update_annotations(font=dict(size=11))
    fig.update_xaxes(tickformat="%m-%d", nticks=4)
    fig.update_layout(hovermode="closest", bargap=0.1)
    return _layout(fig, title, height=60 + 150 * rows, dark=dark)


# ------------------------------------------------------------------ 查询 (boardkit/tables.explore_result frames)

def explore_chart(frame: pd.DataFrame, x: str, y: str, colour: str | None = None, title: str | None = None,
                  time_axis: bool = False, stack: bool = True, max_categories: int = 30,
                  colours: dict | None = None) -> go.Figure:
    """The 查询 result as bars: over time when `x` is a date (vertical), else the largest
    `max_categories` values of `x` (horizontal, largest on top); one series per value of
    `colour`, stacked when the measure adds up (counts, sums), side by side otherwise.
    `colours` (value -> colour) keeps a topic or status in its board-wide colour and order."""
    frame = frame.copy()
    if not time_axis:
        totals = frame.groupby(x, sort=False, dropna=False)[y].sum().sort_values(ascending=False)
        keep = list(totals.index[:max_categories])
        frame = frame[frame[x].isin(keep)]
    fig = go.Figure()
    groups = [(None, frame)] if colour is None else list(frame.groupby(colour, sort=False, dropna=False))
    if colours:
        rank = {name: i for i, name in enumerate(colours)}
        groups.sort(key=lambda g: rank.get(g[0], len(rank)))
    for name, part in groups:
        label = None if name is None else str(name)
        marker = dict(color=(colours or {}).get(label)) if colours and label in colours else None
        if time_axis:
            fig.add_bar(x=part[x], y=part[y], name=label, marker=marker)
        else:
            fig.add_bar(y=part[x].astype(str), x=part[y], name=label, orientation="h", marker=marker)
    fig.update_layout(barmode="stack" if stack else "group", showlegend=colour is not None,
                      hovermode="x unified" if time_axis else "y unified")
    if colour is None:
        fig.update_traces(marker_color="#1a73e8")
    if time_axis:
        fig.update_yaxes(title=y)
        fig.update_xaxes(tickformat="%m月%d日", hoverformat="%Y年%m月%d日")  # not plotly's "Jan 13"
        return _layout(fig, title, height=360)
    order = [str(v) for v in dict.fromkeys(frame[x])]
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=order)
    fig.update_xaxes(title=y)
    return _layout(fig, title, height=max(260, 70 + 24 * len(order)))



def readable(fig: go.Figure) -> go.Figure:
    """Chinese date ticks and hover labels instead of plotly's English ones ("Feb 16"), and
    round 0–100% ticks on a share axis (plotly otherwise syncs them to the count axis: 22.6%)."""
    if _dates_on(fig):
        fig.update_xaxes(tickformat="%m月%d日", hoverformat="%Y年%m月%d日")
    if "yaxis2" in fig.layout and fig.layout["yaxis2"].overlaying:
        fig.update_layout(yaxis2=dict(tickmode="linear", tick0=0, dtick=25))
    return fig


def _dates_on(fig: go.Figure) -> bool:
    """Whether the first trace's x values are dates (plotly types the axis only in the browser)."""
    for trace in fig.data:
        values = getattr(trace, "x", None)
        if values is not None and len(values):
            first = values[0]
            return hasattr(first, "isoformat") or pd.api.types.is_datetime64_any_dtype(pd.Series(values))
    return False
