"""门磁报警: what is unhandled now, when alarms come, how fast they are answered, where, and
which devices keep alarming."""
import datetime as dt

import streamlit as st

from boardkit.app.auth import audited_table
from boardkit.render import charts
from boardkit.app import clicks, filters
from boardkit import labels
from boardkit.data.predicates import thresholds
from boardkit.metrics.figures import overview_figures
from boardkit.data.clock import moment_text, state_words
from boardkit.app.page import cached, chart, context, kpi
from boardkit.queries import alarms as q
from boardkit.queries import overview as oq
from boardkit.app.silences import silence_panel
from core.notify_log import recent_notifications


ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope)
series = cached(oq.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)
limits = {key.removeprefix("t_"): value for key, value in thresholds().items()}

st.title(f"门磁报警 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}；状态数字{moment_text(ctx.clock)}；趋势区间 {ctx.start:%m-%d} 至 "
           f"{ctx.end:%m-%d}。超时阈值：" + "、".join(f"{labels.ALARM_TYPE[t]}{m:g}分钟" for t, m in limits.items()) + "。")

SPARK = {"alarm_alarms": "alarm_alarms", "alarm_door_open": "alarm_door_open", "median_response": "median_response"}
keys = ["alarm_alarms", "alarm_door_open", "alarm_unhandled", "alarm_past_threshold",
        "alarm_door_open_past_threshold", "median_response"]
for column, key in zip(st.columns(len(keys)), keys):
    kpi(column, key, figures[key], charts.sparkline_values(series, SPARK[key]) if key in SPARK else None)

alarm_type = filters.choice(st.columns(3)[0], "报警类型", "atype", labels.ALARM_TYPE,
                            help="开门、防拆、按铃、离线、低电量；已报备（住户事先报备开门）和误报不算未处置")
st.caption("以下图表和清单按所选报警类型统计；页首指标不受本页筛选影响（与总览一致）。")

unhandled = cached(q.unhandled_alarms_oldest_first)(ctx.gen, ctx.scope, ctx.clock.at, alarm_type)
late = int(unhandled["past_threshold"].sum()) if not unhandled.empty else 0
when = state_words(ctx.clock)
st.subheader(f"{when}未处置报警 {len(unhandled):,} 条，其中超时 {late:,} 条")
st.caption(f"{moment_text(ctx.clock)}已报警、尚未处置（或处置时间晚于该时刻）的报警，等待最久的在前；"
           "已等待分钟数超过该类型阈值即为超时。")
if unhandled.empty:
    st.success(f"{when}没有未处置的报警。")
else:
    shown = unhandled.assign(alarm_type=unhandled["alarm_type"].map(lambda v: labels.label(labels.ALARM_TYPE, v)),
                             device_type=unhandled["device_type"].map(lambda v: labels.label(labels.DEVICE_TYPE, v)),
                             status=unhandled["status"].map(lambda v: labels.label(labels.ALARM_STATUS, v)),
                             neighbourhood=unhandled["neighbourhood"].fillna(labels.UNKNOWN_NEIGHBOURHOOD),
                             past_threshold=unhandled["past_threshold"].map({True: "超时", False: ""}))
    names = {"raised_at": "报警时间", "minutes_open": "已等待(分钟)", "past_threshold": "是否超时",
             "threshold": "阈值(分钟)", "alarm_type": "报警类型", "neighbourhood": "居民区", "address": "地址",
             "room": "室号", "device_id": "设备编号", "device_type": "设备类型", "status": "状态", "alarm_id": "报警编号"}
    audited_table(st, "报警列表", shown[[c for c in names if c in shown.columns]].rename(columns=names), hide_index=True,
                 width="stretch", height=min(420, 38 + 35 * len(shown)),
                 column_config={"报警时间": st.column_config.DatetimeColumn(format="MM-DD HH:mm")})

left, right = st.columns(2)
with left:
    st.subheader("报警时段分布")
    by_hour = cached(q.alarms_by_hour_and_type)(ctx.gen, ctx.scope, ctx.start, ctx.end, alarm_type)
    chart(charts.stacked_bars, by_hour, "hour", "alarm_type", labels.ALARM_COLOURS, labels.ALARM_TYPE, None,
                                        x_title="时（0–23点）")
    st.caption(f"趋势区间内报警按报警时间的小时与类型计数，共 {int(by_hour['n'].sum()):,} 条。")
with right:
    shown_type = alarm_type or "door_open"
    limit = limits[shown_type]
    width = max(1, round(limit * 4 / 60))
    st.subheader(f"{labels.ALARM_TYPE[shown_type]}报警响应时长")
    binned = cached(q.response_minutes_binned)(ctx.gen, ctx.scope, ctx.start, ctx.end, shown_type,
                                               int(width * 60), width)
    summary = cached(q.response_summary)(ctx.gen, ctx.scope, ctx.start, ctx.end, shown_type).iloc[0]
    chart(charts.binned_histogram, binned, None, threshold=limit, last_label=f"≥{width * 60}",
                                            bin_width=width)
    median = "—" if summary["median_minutes"] != summary["median_minutes"] else f"{summary['median_minutes']:.1f}"
    st.caption(f"趋势区间内已处置（含误报）的{labels.ALARM_TYPE[shown_type]}报警，响应时长 = 处置时间 − 报警时间；"
               f"共 {int(summary['answered']):,} 条，中位数 {median} 分钟，超过阈值 {limit:g} 分钟的 "
               f"{int(summary['over_threshold']):,} 条。" + ("" if alarm_type else "选择报警类型可查看其他类型。"))

st.subheader("各居民区报警")
by_nb = cached(q.alarms_by_neighbourhood)(ctx.gen, ctx.scope, ctx.start, ctx.end, ctx.clock.at, alarm_type)
by_nb["居民区"] = [filters.neighbourhood_name(c, n) for c, n in zip(by_nb["neighbourhood_code"], by_nb["neighbourhood"])]
totals = by_nb.groupby("居民区", as_index=False, dropna=False).agg(
    code=("neighbourhood_code", "first"), n=("n", "sum"), unhandled_now=("unhandled_now", "sum"))
rank = {name: i for i, name in enumerate(totals.sort_values("n", ascending=False, kind="stable")["居民区"])}
stacked, areas = filters.busiest(by_nb, "居民区", "n")
stacked = stacked.assign(rank=stacked["居民区"].map(rank)).sort_values("rank")
shown_areas = stacked["居民区"].nunique()
a, b = st.columns(2)
with a:
    chart(charts.stacked_bars, stacked, "居民区", "alarm_type", labels.ALARM_COLOURS, labels.ALARM_TYPE, None,
                                        horizontal=True, height=max(320, 22 * shown_areas + 60),
                              ids="neighbourhood_code", click=clicks.NEIGHBOURHOOD)
    st.caption("趋势区间内各居民区报警数，按类型着色；点击居民区只看该居民区。" + filters.busiest_note(shown_areas, areas))
with b:
    door = by_nb[by_nb["alarm_type"] == "door_open"].set_index("居民区")["median_response"]
    table = totals.assign(door_median=totals["居民区"].map(door).round(1),
                          链接=[filters.link("alarms", nb=c, atype=alarm_type) if isinstance(c, str) else None
                                for c in totals["code"]])
    table = table.sort_values("n", ascending=False)
    audited_table(st, "按居民区", table[["居民区", "n", "unhandled_now", "door_median", "链接"]].rename(columns={
        "n": "区间报警", "unhandled_now": f"{when}未处置", "door_median": "开门响应(分钟)"}),
        hide_index=True, width="stretch", height=max(320, min(22 * shown_areas + 60, 720)),
        column_config={"开门响应(分钟)": st.column_config.NumberColumn(help="趋势区间内开门报警响应时长的中位数"),
                       "链接": st.column_config.LinkColumn("筛选", display_text="只看本居民区 →")})

st.subheader("反复报警的设备")
devices = cached(q.devices_alarming_repeatedly)(ctx.gen, ctx.scope, ctx.start, ctx.end, alarm_type)
st.caption("趋势区间内报警次数最多的设备（前20台）：反复开门的住户需上门提醒，反复离线、低电量、误报的设备需检修。")
if devices.empty:
    st.info("区间内没有报警超过一次的设备。")
else:
    audited_table(st, "设备", devices.assign(device_type=devices["device_type"].map(lambda v: labels.label(labels.DEVICE_TYPE, v)),
                                neighbourhood=devices["neighbourhood"].fillna(labels.UNKNOWN_NEIGHBOURHOOD)).rename(columns={
        "device_id": "设备编号", "device_type": "设备类型", "neighbourhood": "居民区", "address": "地址",
        "alarms": "报警次数", "door_open": "其中开门", "false_alarm": "误报", "pre_reported": "已报备",
        "days": "报警天数", "last_raised_at": "最近报警"}), hide_index=True, width="stretch",
        column_config={"最近报警": st.column_config.DatetimeColumn(format="MM-DD HH:mm")})

st.subheader("推送记录（企业微信/钉钉群机器人）")
notices = recent_notifications(100, codes=ctx.scope.codes)
if notices.empty:
    st.caption("尚无推送记录：在参考数据包的 notify.toml 中为居民区配置群机器人地址后，开门报警与超时升级会推送到居民区负责人手机。")
else:
    st.caption("最近 100 次发送尝试（内容已脱敏：只含居民区、楼号、报警类型与已开时长）。")
    audited_table(st, "提醒记录", notices[["attempted_at", "kind_label", "neighbourhood", "building", "alarm_types", "alarm_count",
                          "channel", "attempt", "notice_status", "http_status", "error"]].rename(columns={
        "attempted_at": "发送时间", "kind_label": "类型", "neighbourhood": "居民区", "building": "楼号",
        "alarm_types": "报警类型", "alarm_count": "报警数", "channel": "渠道", "attempt": "第几次",
        "notice_status": "状态", "http_status": "HTTP", "error": "错误"}), hide_index=True, width="stretch")

silence_panel(ctx, st.session_state["viewer"])
