"""Streamlit panels shared by several pages (the overview, the hotline page, the data page)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import settings

from .. import labels
from ..metrics.faq import answer_for
from ..queries import cameras as camera_q
from ..queries import duty as duty_q
from ..render import maps
from ..render.markup import md
from .page import Context, cached
from ..metrics.surges import SURGE_LABEL, rules_caption, surge_panel_rows


def surge_panel(ctx: Context) -> None:
    """新热点: questions and topics far above their recent baseline on the report day."""
    rows = cached(surge_panel_rows)(ctx.gen, ctx.scope, ctx.clock.day)
    st.subheader(f"{SURGE_LABEL}（{ctx.clock.day:%m月%d日}）")
    st.caption(rules_caption())
    if not rows:
        st.success("统计日没有明显高于平时的问题或类别。")
        return
    for row in rows:
        with st.expander(f"{md(row['说明'])}（{row['显著性']}）", icon=":material/trending_up:"):
            for example in row["示例工单"]:
                st.markdown(f"- {md(example)}")
            if row["问题编号"]:
                entry = answer_for(row["问题编号"])
                if entry:
                    st.info(f"第{entry.no}问 {md(entry.question)}\n\n答复口径：{md(entry.answer)}")


def camera_panel(cameras: pd.DataFrame, event) -> None:
    """Under a map with cameras (maps.camera_layers): their online/offline counts, a refused
    camera_page_url said once, and for the camera clicked (`event`, the map's selection) a
    button opening the video platform's page in a new tab."""
    counts = camera_q.camera_counts(cameras)
    if not sum(counts.values()):
        return
    st.caption(f"道路摄像头：在线 {counts['online']}　离线 {counts['offline']}"
               "（蓝点在线，红点离线，为最近导入的设备清单；点击摄像头可打开视频平台页面）")
    try:
        settings.camera_page_template()
    except ValueError as exc:
        st.warning(md(str(exc)))
        return
    # The camera clicked, if it is one this viewer may see: the page it opens is made from
    # the configured template and the id, never from anything else the browser sent.
    picked = [str(o.get("camera_id")) for o in event.selection.objects.get(maps.CAMERA_LAYER, [])]
    chosen = cameras[cameras["camera_id"].isin(picked)]
    if chosen.empty:
        return
    camera = chosen.iloc[0]
    url = settings.camera_page_url(camera["camera_id"])
    if url:
        st.link_button(f"{labels.CAMERA_LINK}：{md(camera['camera_name'])}", url, icon=":material/videocam:")
    else:
        st.caption(labels.CAMERA_NO_LINK)


def duty_now_panel(ctx: Context) -> None:
    """Who is on duty now, with full names and phones: the pages are for signed-in users
    (the wall screen shows surnames only)."""
    now = ctx.clock.now.replace(second=0, microsecond=0)
    people = cached(duty_q.on_duty)(ctx.gen, ctx.scope, now)
    if people.empty and not cached(duty_q.roster_loaded)(ctx.gen, ctx.scope):
        st.caption(labels.DUTY["none_loaded"])  # a centre without its roster here: no alarm
        return
    if people.empty:
        st.warning(f"{labels.DUTY['now']}（{now:%m-%d %H:%M}）：{labels.DUTY['nobody']}")
        return
    parts = [f"{labels.DUTY_ROLES[r.role]} **{md(r.name)}** {md(r.phone or '')}" for r in people.itertuples()]
    phone = people["duty_phone"].iloc[0]
    st.info(f"{labels.DUTY['now']}（{now:%m-%d %H:%M}）：" + "　".join(parts)
            + (f"　｜　{labels.DUTY['phone']} **{md(phone)}**" if phone else ""), icon=":material/support_agent:")


def duty_gaps_panel(ctx: Context) -> None:
    """A warning listing the configured shifts a role is missing from, today and the next
    days (settings duty_shifts and duty_roles)."""
    today = ctx.clock.now.date()
    gaps = cached(duty_q.uncovered_shifts)(ctx.gen, ctx.scope, today)
    if gaps.empty:
        return
    columns = labels.DUTY["columns"]
    st.warning(f"{labels.DUTY['gaps_title']}：{len(gaps)} 处", icon=":material/warning:")
    st.dataframe(gaps.assign(duty_date=gaps["duty_date"].dt.strftime("%Y-%m-%d"),
                             role=gaps["role"].map(labels.DUTY_ROLES))
                 .rename(columns={k: columns[k] for k in ("duty_date", "shift", "role")}),
                 hide_index=True, width="content", key="duty_gaps")
