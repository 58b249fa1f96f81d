"""The brief as one self-contained HTML page that prints on A4 portrait in one or two
pages. Charts are inline SVG drawn here: no JavaScript, nothing fetched, crisp in print."""
from __future__ import annotations

import html

import pandas as pd

from .. import labels
from ..metrics import BRIEF, REGISTRY, change_text, value_text
from ..metrics.figures import summary

CSS = """
@page { size: A4 portrait; margin: 12mm 11mm; }
* { box-sizing: border-box; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       font-size: 9.5pt; color: #202124; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 4mm 0 1.5mm;
     border-left: 3px solid #1a73e8; padding-left: 2mm; }
.meta { color: #5f6368; font-size: 8.5pt; margin-bottom: 1mm; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.5mm; }
.kpi { border: 1px solid #dadce0; border-radius: 2mm; padding: 1.2mm 2mm; }
.kpi .name { color: #5f6368; font-size: 8pt; } .kpi .value { font-size: 13pt; font-weight: bold; }
.kpi .delta { font-size: 7.5pt; color: #5f6368; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #e8eaed; padding: 0.6mm 1.2mm; text-align: left; vertical-align: top; }
th { background: #f1f3f4; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.red { color: #d93025; font-weight: bold; } .amber { color: #b06000; font-weight: bold; } .green { color: #188038; }
.page-break { break-before: page; }
.bar-row { display: flex; align-items: center; height: 4.2mm; font-size: 8pt; }
.bar-label { width: 24mm; flex: none; white-space: nowrap; overflow: hidden; }
.bar { display: inline-block; height: 2.6mm; min-width: 0.4mm; margin-right: 1mm;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
"""


def _fmt(figure) -> tuple[str, str]:
    metric = REGISTRY[figure.key]
    change = change_text(metric, figure.change)
    return value_text(metric, figure.value), "" if change is None else f"较前日 {change}"


def bars_html(items: list[tuple[str, float, str]]) -> str:
    """Horizontal bars (label, value, colour) as plain HTML: the board shows the brief through
    st.html, whose sanitiser drops inline SVG, and a printer draws these the same."""
    if not items:
        return "<p class='meta'>无数据</p>"
    top = max(v for _, v, _ in items) or 1
    rows = [f"<div class='bar-row'><span class='bar-label'>{html.escape(str(label))}</span>"
            f"<span class='bar' style='width:{60 * value / top:.1f}%;background:{colour}'></span>"
            f"<span class='bar-value'>{value:g}</span></div>" for label, value, colour in items]
    return "<div class='bars'>" + "".join(rows) + "</div>"


def _table(frame: pd.DataFrame, limit: int | None = None, status_column: str | None = None) -> str:
    if frame.empty:
        return "<p class='meta'>无</p>"
    shown = frame.head(limit) if limit else frame
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for record in shown.itertuples(index=False):
        cells = []
        for column, value in zip(shown.columns, record):
            text = "" if value is None or (isinstance(value, float) and value != value) else value
            if isinstance(text, pd.Timestamp):
                text = text.strftime("%m-%d %H:%M")
            css = ""
            if column == status_column:
                css = {"红": "red", "黄": "amber", "绿": "green"}.get(str(text), "")
            if len(str(text)) <= 12:
                css += " nowrap"
            cells.append(f"<td class='{css.strip()}'>{html.escape(str(text))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='meta'>另有 {len(frame) - len(shown)} 项，见工作簿</p>" if len(shown) < len(frame) else ""
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{more}"


GROUPS = [(labels.STREAM_TITLES[stream], keys) for stream, keys in summary(BRIEF)]


def render_html(brief) -> str:
    fresh = "；".join(f"{labels.SOURCES[k]}截至 {v:%m-%d %H:%M}" if v else f"{labels.SOURCES[k]}无数据"
                     for k, v in brief.freshness.items())
    out = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
           f"<title>{html.escape(brief.file_stem)}</title><style>{CSS}</style></head><body>",
           f"<h1>{html.escape(brief.subdistrict)}疫情防控日报 · {brief.clock.day:%Y年%m月%d日}</h1>",
           f"<div class='meta'>{html.escape(brief.meta_text)}</div>",
           f"<div class='meta'>数据时效：{html.escape(fresh)}</div>"]
    for title, keys in GROUPS:
        out.append(f"<h2>{title}</h2><div class='kpis'>")
        for key in keys:
            value, delta = _fmt(brief.figures[key])
            out.append(f"<div class='kpi' data-key='{key}'><div class='name'>{REGISTRY[key].label}</div>"
                       f"<div class='value'>{value}</div><div class='delta'>{delta}</div></div>")
        out.append("</div>")
    topics = brief.tables["工单话题"]
    colour_by_name = {labels.TOPIC[k]: c for k, c in labels.TOPIC_COLOURS.items()}
    topic_items = [(r["话题"], float(r["统计日"]), colour_by_name.get(r["话题"], "#9e9e9e"))
                   for r in topics.to_dict("records")]
    alarms = brief.tables["报警类型"]
    alarm_items = [(r["报警类型"], float(r["报警数"]), "#d62728") for r in alarms.to_dict("records")]
    out.append("<div class='cols'><div><h2>工单话题（统计日）</h2>" + bars_html(topic_items) +
               "<h2>热点问题（25问）</h2>" + _table(brief.tables["热点问题"]) + "</div>")
    out.append("<div><h2>报警类型（统计日）</h2>" + bars_html(alarm_items) +
               "<h2>3日内解除隔离（人数）</h2>" + _table(brief.tables["3日内解除隔离"], limit=12) + "</div></div>")
    surges = brief.tables.get("新热点")
    if surges is not None and not surges.empty:
        out.append("<h2>新热点</h2>" + _table(surges[["新热点", "说明", "显著性"]], limit=4))
    out.append("<h2 class='page-break'>居民区状态</h2>" + _table(brief.tables["居民区状态"], status_column="状态"))
    out.append("<h2>今日关注清单</h2>" + _table(brief.tables["关注清单"], limit=12))
    out.append("</body></html>")
    return "".join(out)
