"""总览: what changed since yesterday, where it is red, what to decide today."""
import datetime as dt
from dataclasses import replace

import streamlit as st

from boardkit.app import clicks
from boardkit.app.auth import audited_table
from boardkit.render import charts, light_charts, maps
from boardkit import labels
from boardkit.metrics import OVERVIEW
from boardkit.metrics.figures import overview_figures, summary
from boardkit.data.clock import moment_text
from boardkit.metrics import rules as status_rules
from boardkit.app.page import cached, context, kpi, shared
from boardkit.app.panels import camera_panel, duty_now_panel, surge_panel
from boardkit.queries import cameras as camera_q
from boardkit.queries import overview as q
from boardkit.metrics.status import by_subdistrict, neighbourhood_status, worst_first

# The status table at city scope: the neighbourhoods that most need attention, not 6,000 rows.
TABLE_ROWS = 200

ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope)
# Sparklines: the 30 days ending on the report day.
series = cached(q.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)

st.title(f"总览 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}（00:00–24:00）；状态数字{moment_text(ctx.clock)}。"
           "每个数字下方为较前日变化，悬停 ⓘ 查看统计口径。")
duty_now_panel(ctx)

GROUPS = [(labels.STREAM_TITLES[stream], f"pages/{stream}.py", keys) for stream, keys in summary(OVERVIEW)]
SPARK = {"hotline_received": "hotline_received", "epidemic_share": "epidemic_share", "arrivals": "arrivals",
         "alarm_alarms": "alarm_alarms", "median_response": "median_response"}

for title, target, keys in GROUPS:
    head, link = st.columns([5, 1])
    head.subheader(title)
    link.page_link(target, label="查看明细 →")
    columns = st.columns(len(keys))
    for column, key in zip(columns, keys):
        kpi(column, key, figures[key], charts.sparkline_values(series, SPARK[key]) if key in SPARK else None)

status = cached(neighbourhood_status)(ctx.gen, ctx.clock, ctx.scope)
areas = status[["subdistrict_code", "subdistrict_name"]].drop_duplicates()
pick = None  # a sub-district chosen on the map (district and city scale)
shown = status
left, right = st.columns([3, 2])
with left:
    st.subheader("居民区状态")
    if len(areas) > 1:  # district or city: choose a sub-district to see its neighbourhoods
        names = dict(zip(areas["subdistrict_code"], areas["subdistrict_name"]))
        pick = st.selectbox("街道", [None, *sorted(names, key=names.get)], key="ov_subdistrict",
                            format_func=lambda c: f"全部 {len(names)} 个街道" if c is None else names[c])
        if pick is not None:
            shown = status[status["subdistrict_code"] == pick]
    counts = shown["status"].value_counts()
    st.caption(f"红 {counts.get('red', 0)}　黄 {counts.get('amber', 0)}　绿 {counts.get('green', 0)}；"
               + status_rules.legend())
    outlines = cached(q.subdistrict_polygons)(ctx.gen, ctx.scope) if pick is None and len(areas) > 1 else None
    if outlines is not None and not outlines.empty:
        # A city's thousands of neighbourhood polygons are slow to send and to draw: the
        # whole area shows its sub-districts, each coloured by its worst neighbourhood.
        st.caption("按街道着色（取街道内最需关注的居民区）；选择街道可查看其居民区")
        frame = by_subdistrict(status).merge(outlines, on="subdistrict_code")
        st.pydeck_chart(maps.status_map(frame, text=len(frame) <= 40), height=430)
    else:
        one = ctx.scope if pick is None else replace(ctx.scope, codes=tuple(shown["neighbourhood_code"]))
        polygons = cached(q.neighbourhood_polygons)(ctx.gen, one)
        cameras = cached(camera_q.camera_points)(ctx.gen, one)
        event = clicks.pydeck_chart(maps.status_map(shown.merge(polygons, on="neighbourhood_code"),
                                                    ids="neighbourhood_code", cameras=cameras),
                                    clicks.NEIGHBOURHOOD, "ov_map", height=430)
        st.caption("点击居民区只看该居民区（侧栏“居民区”可清除）。")
        camera_panel(cameras, event)
with right:
    st.subheader("状态与原因")
    table = worst_first(shown, TABLE_ROWS)
    if len(shown) > TABLE_ROWS:
        st.caption(f"共 {len(shown):,} 个居民区，按需关注程度列出前 {TABLE_ROWS} 个")
    table = table.assign(状态=table["status"].map(labels.STATUS_LABELS))
    audited_table(st, "居民区状态", table[["name", "状态", "reason"]].rename(columns={"name": "居民区", "reason": "原因"}),
                 hide_index=True, height=430, width="stretch")

st.subheader("近30日12345工单（按话题）与涉疫占比")
by_topic = cached(q.daily_by_topic)(ctx.gen, ctx.scope, ctx.start, ctx.end)
trend = cached(q.daily_series)(ctx.gen, ctx.scope, ctx.start, ctx.end)
clicks.altair_chart(shared(light_charts.stacked_daily_with_share, by_topic, "topic", labels.TOPIC_COLOURS, labels.TOPIC,
                           share=trend.rename(columns={"epidemic_share": "share"})),
                    clicks.DAY, "ov_trend", width="stretch")
st.caption("点击某日的柱可将其设为统计日。")

surge_panel(ctx)

st.subheader("今日关注清单")
attention = cached(q.attention_list)(ctx.gen, ctx.clock, ctx.scope)
if attention.empty:
    st.success("当前没有需要关注的事项。")
else:
    st.caption(f"共 {len(attention)} 项：开门报警超时 → 涉疫工单超期 → 隔离即将解除 → 复工审核超期")
    audited_table(st, "需关注事项", attention.drop(columns=["priority"]).rename(columns={
        "kind": "事项", "neighbourhood": "居民区", "since": "起始时间", "detail": "说明"}),
        hide_index=True, width="stretch")
