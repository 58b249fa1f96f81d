"""审计: sign-ins, page views with their filters, downloads with row counts (leaders only)."""
import streamlit as st

from boardkit.app.auth import audited_table
from boardkit.app import audit
from boardkit.app.page import leader_viewer

leader_viewer()  # before anything is drawn: a run board.py did not route shows nothing
st.title("审计日志")
EVENTS = {"全部": None, "登录": "sign_in", "登录失败": "sign_in_failed", "登录限速": "sign_in_throttled",
          "查看": "view", "下载": "download", "大屏拒绝": "screen_refused", "退出": "sign_out",
          "设置静默": "silence", "结束静默": "silence_end"}
choice = st.segmented_control("事件", list(EVENTS), default="全部")
number = st.text_input("查号码：谁查询过这个手机号或证件号", placeholder="如 13812345678（筛选文字中的号码只以脱敏形式与带密钥的哈希保存）")
log = audit.recent(1000, EVENTS.get(choice or "全部"), number=number or None)
st.caption(f"最近 {len(log)} 条（审计日志保存在 SQLite 文件中，与分析数据库分开；"
           f"保留 {audit.retention_days()} 天）")
audited_table(st, "审计日志", log.drop(columns=["numbers"]).rename(columns={
    "at": "时间", "user": "用户", "role": "角色", "event": "事件", "page": "页面", "detail": "筛选/文件", "rows": "行数"}),
    hide_index=True, width="stretch")
