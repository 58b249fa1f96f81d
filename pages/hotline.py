"""12345工单: volume and topics, where, what kind, how well it is handled, what is open."""
import datetime as dt

import streamlit as st

from boardkit.render import charts
from boardkit.app import clicks, filters
from boardkit import labels
from boardkit.app.auth import audited_table
from boardkit.metrics.faq import questions_by_day
from boardkit.metrics.figures import overview_figures
from boardkit.render.markup import md
from boardkit.data.clock import moment_text, state_words
from boardkit.app.page import cached, chart, context, kpi
from boardkit.app.panels import surge_panel
from boardkit.queries import hotline as q
from boardkit.queries import overview as oq
from etl import corrections
from etl.classify_tickets import explain


def review_frame(unsure, names):
    """The clerk's list: the page shows it and the download is it, with 更正话题 left blank."""
    return unsure.assign(topic=unsure["topic"].map(lambda v: labels.label(labels.TOPIC, v)),
                         confidence=unsure["topic_confidence"].map(lambda v: f"{v:.0%}"),
                         why=explain(unsure["content"]), corrected="")[
        ["ticket_id", "received_at", "neighbourhood", "content", "topic", "confidence", "why", "corrected"]
    ].rename(columns={"ticket_id": corrections.TICKET_ID, "received_at": corrections.RECEIVED,
                      "neighbourhood": "居民区", "content": corrections.CONTENT, "topic": corrections.MODEL_TOPIC,
                      "confidence": corrections.CONFIDENCE, "why": "依据", "corrected": corrections.CORRECTED})


ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope)
series = cached(oq.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)

st.title(f"12345工单 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}；状态数字{moment_text(ctx.clock)}；"
           f"趋势区间 {ctx.start:%m-%d} 至 {ctx.end:%m-%d}。悬停 ⓘ 查看统计口径。")

SPARK = {"hotline_received": "hotline_received", "epidemic_share": "epidemic_share"}
for keys in (["hotline_received", "epidemic_share", "hotline_open", "hotline_overdue"],
             ["on_time_rate", "first_contact_rate", "satisfaction_rate", "satisfaction_score"]):
    for column, key in zip(st.columns(len(keys)), keys):
        kpi(column, key, figures[key], charts.sparkline_values(series, SPARK[key]) if key in SPARK else None)

st.subheader("筛选")
f1, f2, f3 = st.columns(3)
topic = filters.choice(f1, "话题", "topic", labels.TOPIC, help="按“社区防控25问”目录的四类话题及非涉疫分类")
request_type = filters.choice(f2, "诉求类型", "type", labels.REQUEST_TYPE)
view = filters.choice(f3, "工单状态（明细表）", "status", labels.TICKET_VIEW, all_label=None, default="open",
                      help=f"在办：已受理、{moment_text(ctx.clock)}未办结且未退单；超期在办：在办且已过办理时限")
st.caption("以下图表和明细按所选话题、诉求类型统计；页首指标不受本页筛选影响（与总览一致）。")
args = (topic, request_type)

st.subheader("每日工单量（按话题）与涉疫占比")
by_topic = cached(q.daily_received_by_topic)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args)
share = cached(q.daily_epidemic_share)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args)
# With one topic chosen the share is 0% or 100% every day: leave the line out.
chart(charts.stacked_daily, by_topic, "topic", labels.TOPIC_COLOURS, labels.TOPIC, None,
                           share=None if topic else share, click=clicks.DAY)
st.caption(f"按受理时间统计每日工单数，颜色为话题；折线为当日涉疫工单占比。区间合计 {int(share['received'].sum()):,} 件，"
           f"其中涉疫 {int(share['epidemic'].sum()):,} 件。点击某日可将其设为统计日。")

left, right = st.columns(2)
with left:
    st.subheader("各居民区工单量")
    by_nb = cached(q.received_by_neighbourhood)(ctx.gen, ctx.scope, ctx.start, ctx.end, ctx.clock.at, *args)
    by_nb["居民区"] = [filters.neighbourhood_name(c, n) for c, n in zip(by_nb["neighbourhood_code"], by_nb["neighbourhood"])]
    parts = by_nb.assign(涉疫=by_nb["epidemic"], 非涉疫=by_nb["received"] - by_nb["epidemic"])
    parts, areas = filters.busiest(parts, "居民区", "received")
    stacked = parts.melt(id_vars=["居民区", "neighbourhood_code"], value_vars=["涉疫", "非涉疫"], var_name="kind",
                         value_name="n")
    chart(charts.stacked_bars, stacked, "居民区", "kind", {"涉疫": labels.TOPIC_COLOURS["quarantine"],
                                                                   "非涉疫": labels.TOPIC_COLOURS["non_epidemic"]},
                                        {}, None, horizontal=True, height=max(320, 22 * len(parts) + 60),
                              ids="neighbourhood_code", click=clicks.NEIGHBOURHOOD)
    st.caption("趋势区间内按受理时间统计；地址无法对应居民区的工单单列为“未识别居民区”。点击居民区只看该居民区。"
               + filters.busiest_note(len(parts), areas))
with right:
    st.subheader("诉求类型")
    types = cached(q.received_by_request_type)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args)
    types["类型"] = types["request_type"].map(lambda v: labels.label(labels.REQUEST_TYPE, v))
    chart(charts.grouped_bars, types.assign(non=types["n"] - types["epidemic"]), "类型",
                                        {"epidemic": "涉疫", "non": "非涉疫"}, None,
                                        colours={"epidemic": labels.TOPIC_COLOURS["quarantine"],
                                                 "non": labels.TOPIC_COLOURS["non_epidemic"]})
    st.caption("趋势区间内受理的工单按诉求类型（咨询、投诉、求助……）计数。")
    st.markdown("**各居民区在办与超期（点击跳转到该居民区）**")
    # Each row opens this page for that neighbourhood with the same page filters.
    keep = {"topic": topic, "type": request_type, "status": None if view == "open" else view}
    table = by_nb[by_nb["neighbourhood_code"].notna()].assign(
        链接=[filters.link("hotline", nb=c, **keep) for c in by_nb["neighbourhood_code"].dropna()])
    audited_table(st, "按居民区", table[["居民区", "received", "open_now", "overdue_now", "链接"]].rename(columns={
        "received": "区间受理", "open_now": f"{state_words(ctx.clock)}在办", "overdue_now": "超期在办"}),
        hide_index=True, width="stretch", height=260,
        column_config={"链接": st.column_config.LinkColumn("筛选", display_text="只看本居民区 →")})

st.subheader("办理时效与服务质量")
rates = cached(q.daily_service_rates)(ctx.gen, ctx.scope, ctx.start, ctx.end, ctx.clock.at, *args)
a, b = st.columns(2)
with a:
    chart(charts.bars, rates, "day", "overdue_open", "每日日终超期在办工单", colour=labels.STATUS_COLOURS["red"],
          click=clicks.DAY)
    st.caption("每日24:00（当天取当前时刻）时在办且已过办理时限的工单数；办理时限按工作日计，涉疫1个工作日。")
with b:
    chart(charts.lines, rates, "day", {"on_time_rate": "按时办结率"}, "每日按时办结率", percent=True,
                                 colours={"on_time_rate": labels.STATUS_COLOURS["green"]}, click=clicks.DAY)
    st.caption("当日办结的工单中，办结时间不晚于办理时限的占比；当日无办结则不画点。")
st.markdown("**先行联系率与满意率（市级考核重点）**")
chart(charts.lines, rates, "day", {"first_contact_rate": "先行联系率", "satisfaction_rate": "满意率",
                                  "satisfaction_score": "满意度得分"}, None, percent=True,
                   colours={"first_contact_rate": "#1a73e8", "satisfaction_rate": labels.STATUS_COLOURS["green"],
                            "satisfaction_score": "#9aa0a6"}, click=clicks.DAY)
st.caption("先行联系率：当日受理且已记录先行联系情况的工单中已先行联系的占比。满意率：当日办结且有评价的工单中"
           "满意+基本满意的占比；满意度得分按满意1、基本满意0.8、一般0.6、不满意0加权。")

counts = cached(q.ticket_counts_by_view)(ctx.gen, ctx.scope, ctx.clock.at, *args)
st.subheader(f"工单明细：{labels.TICKET_VIEW[view]} {counts[view]:,} 件")
st.caption("按受理时间从早到晚排列（最久的在前）。" + "　".join(f"{labels.TICKET_VIEW[v]} {counts[v]:,}" for v in q.TICKET_VIEWS)
           + "。判定词：决定话题的关键词，可据此核对分类。")
tickets = cached(q.tickets_oldest_first)(ctx.gen, ctx.scope, ctx.clock.at, view, *args)
if tickets.empty:
    st.info("没有符合条件的工单。")
else:
    shown = tickets.assign(
        status=tickets["status"].map(lambda v: labels.label(labels.TICKET_STATUS, v)),
        request_type=tickets["request_type"].map(lambda v: labels.label(labels.REQUEST_TYPE, v)),
        topic=tickets["topic"].map(lambda v: labels.label(labels.TOPIC, v)),
        due_flag=tickets["due_flag"].map(lambda v: labels.DUE_FLAG.get(v, "")),
        neighbourhood=tickets["neighbourhood"].fillna(labels.UNKNOWN_NEIGHBOURHOOD),
        hours_overdue=tickets["hours_overdue"].map(lambda v: "" if v != v or v is None else f"{v:.1f}"),
        closed_on_time=tickets["closed_on_time"].map({True: "是", False: "否"}).fillna(""))
    names = {"ticket_id": "工单编号", "received_at": "受理时间", "due_at": "办理时限", "due_flag": "时限",
             "hours_overdue": "已超期(小时)", "status": "状态", "request_type": "诉求类型", "topic": "话题",
             "topic_words": "判定词", "neighbourhood": "居民区", "address": "地址", "room": "室号",
             "content": "诉求内容（已脱敏）", "closed_at": "办结时间", "closed_on_time": "按时办结"}
    columns = [c for c in names if c in shown.columns]
    audited_table(st, "工单列表", filters.as_text(shown[columns].rename(columns=names), times=("受理时间", "办理时限", "办结时间")),
                 hide_index=True, width="stretch", height=420)
    if len(tickets) < counts[view]:
        st.caption(f"仅显示最早的 {len(tickets):,} 件；可用上方筛选或侧栏居民区缩小范围。")

st.subheader("待确认话题：统计日把握不大的工单")
unsure = cached(q.low_confidence_tickets)(ctx.gen, ctx.scope, ctx.clock.day)
st.caption(f"话题模型把握低于 {q.LOW_CONFIDENCE:.0%} 的工单，把握最小的在前；依据：决定话题的字词及其占比"
           "（“目录：”为25问目录的判定）。下载清单（CSV 或 Excel）、在“更正话题”一列填写正确的话题（与模型相同即为确认），"
           "交数据管理员运行 python -m etl corrections add <文件> 收回：更正即时生效，并在下次训练模型时并入。")
if unsure.empty:
    st.info("统计日没有需要确认话题的工单。")
else:
    review = review_frame(unsure, labels.TOPIC)
    audited_table(st, "待确认话题", filters.as_text(review, times=(corrections.RECEIVED,)), hide_index=True,
                  width="stretch", height=300)

st.subheader("社区防控25问：市民问得最多的问题")
faq = cached(q.faq_questions_by_volume)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args)
st.caption(f"趋势区间（{ctx.start:%m-%d} 至 {ctx.end:%m-%d}）内受理、按关键词归入目录问题的工单数，从多到少；"
           "展开可查看标准答复口径。")
if faq.empty:
    st.info("区间内没有归入25问的工单。")
else:
    halves = st.columns(2)
    for i, row in enumerate(faq.itertuples(index=False)):
        with halves[i % 2].expander(f"第{row.no}问　{md(row.question)}　（{row.n:,} 件）"):
            st.caption(f"话题：{labels.label(labels.TOPIC, row.topic)}")
            st.markdown(md(row.answer))

st.subheader("25问：各问题每日工单量")
matrix = cached(questions_by_day)(ctx.gen, ctx.scope, ctx.start, ctx.end)
st.caption("行：目录中的问题（悬停看全文），按区间内工单量从多到少；列：受理日期。")
chart(charts.faq_heatmap, matrix)

surge_panel(ctx)
