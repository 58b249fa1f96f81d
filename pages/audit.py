"""审计: sign-ins, page views with their filters, downloads with row counts (leaders only)."""
import streamlit as st

from boardkit import audit

st.title("审计日志")
EVENTS = {"全部": None, "登录": "sign_in", "登录失败": "sign_in_failed", "查看": "view", "下载": "download",
          "大屏拒绝": "screen_refused", "退出": "sign_out"}
choice = st.segmented_control("事件", list(EVENTS), default="全部")
log = audit.recent(1000, EVENTS.get(choice or "全部"))
st.caption(f"最近 {len(log)} 条（审计日志保存在 SQLite 文件中，与分析数据库分开）")
st.dataframe(log.rename(columns={"at": "时间", "user": "用户", "role": "角色", "event": "事件", "page": "页面",
                                 "detail": "筛选/文件", "rows": "行数"}), hide_index=True, width="stretch")
