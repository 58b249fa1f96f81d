"""总览: what changed since yesterday, where it is red, what to decide today."""
import datetime as dt

import streamlit as st

from boardkit import charts, labels, maps
from boardkit.figures import overview_figures
from boardkit.page import cached, context, kpi
from boardkit.panels import surge_panel
from boardkit.queries import overview as q
from boardkit.status import neighbourhood_status

ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope)
# Sparklines: the 30 days ending on the report day.
series = cached(q.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)

st.title(f"总览 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}（00:00–24:00）；“当前”数字截至 {ctx.clock.now:%m-%d %H:%M}。"
           "每个数字下方为较前日变化，悬停 ⓘ 查看统计口径。")

GROUPS = [
    ("12345工单", "pages/hotline.py", ["hotline_received", "epidemic_share", "hotline_open", "hotline_overdue"]),
    ("人员与隔离", "pages/roster.py", ["arrivals", "home_quarantine", "central_quarantine", "ending_next_day", "ending_soon"]),
    ("门磁报警", "pages/alarms.py", ["alarm_alarms", "alarm_unhandled", "alarm_past_threshold", "median_response"]),
    ("企业复工", "pages/enterprises.py", ["enterprise_approved", "enterprise_pending", "enterprise_returned",
                                         "enterprise_pending_past_threshold"]),
]
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
polygons = cached(q.neighbourhood_polygons)(ctx.gen, ctx.scope)
left, right = st.columns([3, 2])
with left:
    st.subheader("居民区状态")
    counts = status["status"].value_counts()
    st.caption(f"红 {counts.get('red', 0)}　黄 {counts.get('amber', 0)}　绿 {counts.get('green', 0)}；"
               "红：开门报警超时未处置或涉疫工单超期；黄：明日解除隔离、复工审核超期、报警超过阈值一半、非涉疫工单超期")
    st.pydeck_chart(maps.status_map(status.merge(polygons, on="neighbourhood_code")), height=430)
with right:
    st.subheader("状态与原因")
    table = status.assign(状态=status["status"].map(labels.STATUS_LABELS))
    order = {"red": 0, "amber": 1, "green": 2}
    table = table.sort_values(by="status", key=lambda s: s.map(order))
    st.dataframe(table[["name", "状态", "reason"]].rename(columns={"name": "居民区", "reason": "原因"}),
                 hide_index=True, height=430, width="stretch")

st.subheader("近30日12345工单（按话题）与涉疫占比")
by_topic = cached(q.daily_by_topic)(ctx.gen, ctx.scope, ctx.start, ctx.end)
trend = cached(q.daily_series)(ctx.gen, ctx.scope, ctx.start, ctx.end)
st.plotly_chart(charts.readable(charts.stacked_daily(by_topic, "topic", labels.TOPIC_COLOURS, labels.TOPIC, None,
                                                    share=trend.rename(columns={"epidemic_share": "share"}))),
                width="stretch")

surge_panel(ctx)

st.subheader("今日关注清单")
attention = cached(q.attention_list)(ctx.gen, ctx.clock, ctx.scope)
if attention.empty:
    st.success("当前没有需要关注的事项。")
else:
    st.caption(f"共 {len(attention)} 项：开门报警超时 → 涉疫工单超期 → 隔离即将解除 → 复工审核超期")
    st.dataframe(attention.drop(columns=["priority"]).rename(columns={
        "kind": "事项", "neighbourhood": "居民区", "since": "起始时间", "detail": "说明"}),
        hide_index=True, width="stretch")
