"""提醒静默: a leader silences the group-robot notices of a neighbourhood or a device (a
device under repair, a doorbell) for a while, with a reason; listed with who, why and until
when, and ended early. Robot notices only: figures, status, the lists and the screen stay
as they are. Kept in the notification store (core.notify_log), every change audited."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from core import settings
from core.localtime import local_now
from core import notify_log

from .. import labels
from ..render.markup import md
from . import audit
from .auth import Viewer, audited_table
from .page import Context

PAGE = "门磁报警"
ANY_NEIGHBOURHOOD = "（不限居民区，按设备编号）"


def silence_panel(ctx: Context, viewer: Viewer) -> None:
    """The list of silences in force and, for a leader, the form to add or end one."""
    if not viewer.is_leader:
        return
    st.subheader("提醒静默（群机器人）")
    longest = int(settings.get("notify.silence_max_hours"))
    st.caption("只静默发往居民区群机器人的提醒（离线、低电量、门铃：设备检修中、门铃误触等）；数字、状态、报警列表与大屏照常。"
               "开门、防拆报警不能静默（隔离户开门须立即送达）。被静默的提醒在推送记录中标为“已静默”。"
               f"静默至多 {longest} 小时，须写明原因，可提前结束。")
    path = notify_log.log_path()
    now = local_now()
    active = notify_log.active_silences(now, path)
    if active.empty:
        st.caption("当前没有生效的静默。")
    else:
        shown = active.assign(alarm_types=active["alarm_types"].map(
            lambda v: "、".join(labels.label(labels.ALARM_TYPE, t) for t in v.split(","))))
        audited_table(st, "生效的静默", shown.rename(columns={
            "silence_id": "编号", "neighbourhood": "居民区", "device_id": "设备编号", "alarm_types": "报警类型",
            "reason": "原因", "created_by": "设置人", "created_at": "设置时间", "ends_at": "结束时间"}),
            hide_index=True, width="stretch")
    names = {name: code for code, name in ctx.neighbourhoods}
    with st.form("silence_add", clear_on_submit=True):
        st.markdown("**新增静默**")
        left, middle, right = st.columns(3)
        neighbourhood = left.selectbox("居民区", [ANY_NEIGHBOURHOOD] + list(names))
        device_id = middle.text_input("设备编号（可留空）")
        hours = right.number_input("静默小时数", min_value=1, max_value=longest, value=min(24, longest), step=1)
        types = st.multiselect("报警类型", list(notify_log.SILENCEABLE),
                               format_func=lambda t: labels.label(labels.ALARM_TYPE, t), placeholder="请选择（可多选）")
        reason = st.text_input("原因（必填）", max_chars=200)
        added = st.form_submit_button("静默提醒")
    if added:
        code = names.get(neighbourhood)
        try:
            silence_id = notify_log.add_silence(
                path, neighbourhood_code=code, neighbourhood=neighbourhood if code else None, device_id=device_id,
                alarm_types=types, reason=reason, by=viewer.name, now=now, until=now + dt.timedelta(hours=hours))
        except notify_log.SilenceRefused as exc:
            st.error(str(exc))
        else:
            audit.record("silence", viewer.name, viewer.role, PAGE,
                         {"silence": silence_id, "neighbourhood": code, "device": device_id, "types": types,
                          "hours": hours, "reason": reason})
            st.success(f"已设置静默 #{silence_id}，至 {now + dt.timedelta(hours=hours):%m-%d %H:%M}")
            st.rerun()
    if not active.empty:
        with st.form("silence_end"):
            ids = [int(i) for i in active["silence_id"]]
            chosen = st.selectbox("提前结束静默", ids, format_func=lambda i: f"#{i}")
            ended = st.form_submit_button("结束所选静默")
        if ended:
            if notify_log.end_silence(path, chosen, by=viewer.name, now=local_now()):
                audit.record("silence_end", viewer.name, viewer.role, PAGE, {"silence": chosen})
                st.rerun()
            st.warning(f"静默 #{md(str(chosen))} 已经结束")
