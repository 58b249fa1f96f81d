"""Vega-Lite (Altair) builders for the overview, whose first view must be drawn within 3 s:
the browser loads Vega for the KPI sparklines anyway, while loading and starting plotly's
bundle alone would take a large part of that budget (bench/RESULTS.md). Pure functions from
small frames to charts."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .charts import CLICK_FIELD, FONT

# The point selection a click on a day's bar makes (st.altair_chart(on_select=…) reads it).
DAY_SELECTION = "clicked_day"


def stacked_daily_with_share(frame: pd.DataFrame, category: str, colours: dict, names: dict,
                             share: pd.DataFrame | None = None, height: int = 320) -> alt.LayerChart:
    """Daily counts stacked by category (day, <category>, n) and, on a right-hand 0–100% axis,
    the share line (day, share): what charts.stacked_daily draws with plotly. A click on a
    bar selects its day (DAY_SELECTION, the day as YYYY-MM-DD in CLICK_FIELD)."""
    order = [names.get(k, k) for k in colours]
    days = pd.to_datetime(frame["day"])
    data = frame.assign(day=days, label=frame[category].map(lambda k: names.get(k, k)),
                        rank=frame[category].map({k: i for i, k in enumerate(colours)}),
                        **{CLICK_FIELD: days.dt.strftime("%Y-%m-%d")})
    # One band a day: bars as wide as the day, the share line through their middles.
    x = alt.X("yearmonthdate(day):T", title=None, axis=alt.Axis(format="%m月%d日", labelAngle=0, tickCount=8))
    bars = alt.Chart(data).mark_bar(width=alt.RelativeBandSize(0.8)).encode(
        x=x, y=alt.Y("sum(n):Q", title="工单（件）"),
        color=alt.Color("label:N", title=None, sort=order,
                        scale=alt.Scale(domain=order, range=list(colours.values())),
                        legend=alt.Legend(orient="top", direction="horizontal")),
        order=alt.Order("rank:Q"), detail=alt.Detail(f"{CLICK_FIELD}:N"),  # kept through the sum
        tooltip=[alt.Tooltip("day:T", title="日期", format="%Y年%m月%d日"), alt.Tooltip("label:N", title="类别"),
                 alt.Tooltip("sum(n):Q", title="件数")]).add_params(
        alt.selection_point(name=DAY_SELECTION, fields=[CLICK_FIELD], on="click", clear=False))
    layers = [bars]
    if share is not None and not share.empty:
        line_data = share.assign(day=pd.to_datetime(share["day"]), pct=share["share"] * 100)
        layers.append(alt.Chart(line_data).mark_line(color="#202124", strokeWidth=2).encode(
            x=alt.X("yearmonthdate(day):T", bandPosition=0.5, title=None), y=alt.Y("pct:Q", title="涉疫占比（%）", scale=alt.Scale(domain=[0, 100]),
                         axis=alt.Axis(orient="right", values=[0, 25, 50, 75, 100])),
            tooltip=[alt.Tooltip("day:T", title="日期", format="%Y年%m月%d日"),
                     alt.Tooltip("pct:Q", title="涉疫占比（%）", format=".1f")]))
    return (alt.layer(*layers).resolve_scale(y="independent")
            .properties(height=height).configure(font=FONT).configure_view(stroke=None))
