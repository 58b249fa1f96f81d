"""Plotly figure builders: pure functions from small frames to figures, no Streamlit."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import labels

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def _layout(fig: go.Figure, title: str | None = None, height: int = 320, dark: bool = False) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, font=dict(size=15)) if title else None,
        height=height, margin=dict(l=8, r=8, t=40 if title else 10, b=8),
        font=dict(family=FONT, size=12, color="#e8eaed" if dark else None),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="x unified")
    return fig


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
