"""Streamlit panels shared by several pages (the overview, the hotline page)."""
from __future__ import annotations

import streamlit as st

from ..metrics.faq import answer_for
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
