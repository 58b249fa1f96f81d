"""日报: the daily prevention-meeting brief for the report day, previewed and downloadable."""
import streamlit as st

from boardkit.app.auth import audited_download
from boardkit.brief.build import build_brief, workbook_bytes
from boardkit.brief.printable import render_html
from boardkit.app.page import cached, context
from boardkit.render.markup import md
from core.notify_log import brief_delivery

ctx = context()
brief = cached(build_brief)(ctx.gen, ctx.clock.day, ctx.scope)
html_text = render_html(brief)
stem = brief.file_stem


def workbook() -> bytes:
    """Made when the button is pressed, not on every view (seconds for a city's day)."""
    return cached(_workbook)(ctx.gen, ctx.clock.day, ctx.scope)


def _workbook(gen, day, scope) -> bytes:
    return workbook_bytes(cached(build_brief)(gen, day, scope))


st.title(f"防控例会日报 · {ctx.clock.day:%Y年%m月%d日}")
st.caption("与总览页同一统计日、同一口径；命令行生成：`python -m etl brief --date "
           f"{ctx.clock.day.isoformat()} --out 日报/`，可用 cron 每天 7:30 自动生成（见 README）。")
left, right = st.columns(2)
detail_rows = sum(len(frame) for frame in brief.details.values())
audited_download("下载 Excel 工作簿", workbook, f"{stem}.xlsx", detail_rows, container=left,
                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 icon=":material/table:", width="stretch")
audited_download("下载打印版（HTML，A4）", html_text.encode("utf-8"), f"{stem}.html", detail_rows, container=right,
                 mime="text/html", icon=":material/print:", width="stretch")
delivery = brief_delivery(ctx.clock.day)
record = st.container(border=True)
record.markdown("**领导群推送**（群机器人，日报摘要）")
if delivery is None:
    record.caption("领导群推送：本统计日的摘要尚未发送（在 notify.toml 中配置 [leaders] 后，每天 brief.send_time "
                   "自动发送昨天的摘要；手动：`python -m etl brief --send`）。")
else:
    settled = f"，{md(delivery['settled_at'][:16])} 结束" if delivery["settled_at"] else ""
    error = f"；最近错误：{md(delivery['last_error'])}" if delivery["last_error"] and delivery["status"] != "sent" else ""
    record.caption(f"领导群推送：{md(delivery['queued_at'][:16])} 排队，{md(delivery['status_label'])}{settled}，"
                   f"共尝试 {int(delivery['attempts'])} 次{error}")
st.html(html_text)
