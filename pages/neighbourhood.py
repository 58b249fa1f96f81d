"""居民区: one neighbourhood — its status and why, its figures against the sub-district,
where it is, and what is open there now."""
import streamlit as st

from boardkit.app.auth import audited_table
from boardkit.render import charts, maps, tables
from boardkit.metrics import compare
from boardkit import labels
from boardkit.data.db import Scope
from boardkit.metrics.figures import overview_figures
from boardkit.render.markup import md
from boardkit.data.clock import moment_text
from boardkit.metrics import rules as status_rules
from boardkit.app.page import cached, context, kpi
from boardkit.queries import neighbourhood as q
from boardkit.metrics.status import neighbourhood_status

ctx = context()
names = dict(ctx.neighbourhoods)  # code -> name, the viewer's neighbourhoods
if not names:
    st.info("当前账号没有可查看的居民区。")
    st.stop()

codes = list(names)
if "nb1_pick" not in st.session_state:
    linked = st.query_params.get("nb1")
    narrowed = list(ctx.scope.codes or ())
    st.session_state["nb1_pick"] = linked if linked in names else (narrowed[0] if narrowed else codes[0])
head, pick = st.columns([3, 1])
code = pick.selectbox("居民区", codes, key="nb1_pick", format_func=names.get)
if st.query_params.get("nb1") != code:
    st.query_params["nb1"] = code

one = Scope(codes=(code,), show_room=ctx.scope.show_room)
every = Scope(codes=tuple(codes), show_room=ctx.scope.show_room)
status = cached(neighbourhood_status)(ctx.gen, ctx.clock, one).iloc[0]
colour = status["status"]
head.title(md(names[code]))
compared = len(codes) > 1  # a viewer of one neighbourhood has nothing to compare it with
head.caption(f"统计日 {ctx.clock.day:%m月%d日}；状态数字{moment_text(ctx.clock)}。每个数字下方为较前日变化"
             + (f"，灰字为与 {len(codes)} 个居民区（街道）的对比：数量为平均每个居民区，比率为街道整体。" if compared else "。"))

left, right = st.columns([2, 3])
with left:
    badge = {"red": st.error, "amber": st.warning, "green": st.success}[colour]
    badge(f"**状态：{labels.STATUS_LABELS[colour]}**　{status['reason']}", icon=":material/flag:")
    st.caption(status_rules.legend(with_green=True))
    shape = cached(q.outline)(ctx.gen, one).assign(status=colour, reason=status["reason"])
    st.pydeck_chart(maps.status_map(shape, height=280), height=280)

local = cached(overview_figures)(ctx.gen, ctx.clock, one)
whole = cached(overview_figures)(ctx.gen, ctx.clock, every)
GROUPS = [(labels.STREAM_TITLES["hotline"], ["hotline_received", "hotline_open", "hotline_overdue", "on_time_rate"]),
          (labels.STREAM_TITLES["roster"], ["arrivals", "home_quarantine", "central_quarantine", "ending_soon"]),
          (labels.STREAM_TITLES["alarms"], ["alarm_alarms", "alarm_unhandled", "alarm_past_threshold", "median_response"]),
          (labels.STREAM_TITLES["enterprises"], ["enterprise_approved", "enterprise_pending", "enterprise_pending_past_threshold",
                                                 "pledge_coverage"])]
with right:
    for title, keys in GROUPS:
        st.markdown(f"**{title}**")
        for column, key in zip(st.columns(len(keys)), keys):
            kpi(column, key, local[key])
            if compared:
                column.caption(compare.caption(whole[key], len(codes)))

if compared:
    counts = compare.versus(local, whole, len(codes), [k for _, keys in GROUPS for k in keys])
    with st.expander("与街道对比（明细）"):
        audited_table(st, "指标对比", counts[["指标", "本居民区", "对比值", "对比口径", "差值"]], hide_index=True, width="stretch")
        plain = counts[counts["kind"] == "count"]
        st.plotly_chart(charts.grouped_bars(plain, "指标", {"value": "本居民区", "avg": "街道平均"}, None,
                                            {"value": "#1a73e8", "avg": "#9aa0a6"}), width="stretch")

st.subheader("待办事项")
room = {"room": "室号"} if ctx.scope.show_room else {}
ITEMS = [
    ("超期工单", q.overdue_tickets, {"ticket_id": "工单编号", "received_at": "受理时间", "due_at": "办理时限",
     "overdue_hours": "已超期（小时）", "epidemic_related": "涉疫", "topic": "话题", "request_type": "诉求类型",
     "status": "状态", "handling_unit": "承办部门", "content": "诉求内容（已脱敏）", "address": "地址", **room},
     {"epidemic_related": {True: "是", False: "否"}, "topic": labels.TOPIC, "request_type": labels.REQUEST_TYPE,
      "status": labels.TICKET_STATUS}, "在办且超过办理时限，涉疫在前"),
    ("未处置报警", q.unhandled_alarms, {"alarm_id": "报警编号", "device_id": "设备编号", "alarm_type": "报警类型",
     "raised_at": "报警时间", "waiting_minutes": "已等待（分钟）", "threshold_minutes": "阈值（分钟）",
     "past_threshold": "已超时", "status": "状态", "address": "地址", **room},
     {"alarm_type": labels.ALARM_TYPE, "past_threshold": {True: "是", False: "否"}, "status": labels.ALARM_STATUS},
     f"{moment_text(ctx.clock)}未处置或处置中，等待最久的在前"),
    ("即将解除隔离", q.ending_soon, {"name_masked": "姓名（脱敏）", "phone_masked": "电话（脱敏）", "measure": "措施",
     "quarantine_start": "隔离开始", "quarantine_end": "隔离结束", "days_after_d": "统计日后第几天",
     "address": "地址", **room, "device_id": "门磁设备"},
     {"measure": labels.MEASURE}, "在管、隔离结束日期在统计日后1至3天内"),
    ("待审核企业", q.pending_enterprises, {"name": "企业名称", "uscc": "统一社会信用代码", "industry": "行业",
     "applied_on": "申请日期", "waiting_days": "已等待（天）", "past_threshold": "审核超期", "employees_total": "员工总数",
     "employees_from_outside": "来沪员工", "contact_phone_masked": "联系电话（脱敏）", "address": "地址"},
     {"past_threshold": {True: "是", False: "否"}}, "复工申请待审核，等待最久的在前"),
]
frames = [cached(fn)(ctx.gen, ctx.clock, one) for _, fn, _, _, _ in ITEMS]
for tab, (title, _, headers, enums, how), frame in zip(
        st.tabs([f"{title}（{len(f)}）" for (title, *_), f in zip(ITEMS, frames)]), ITEMS, frames):
    with tab:
        st.caption(how)
        if frame.empty:
            st.success(f"没有{title}。")
        else:
            audited_table(st, title, tables.present(frame, headers, enums), hide_index=True, width="stretch")
