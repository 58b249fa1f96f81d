"""The brief's summary as one group-robot markdown message for the leaders' group: the
day's key figures with their change on the day before, the red neighbourhoods with their
reasons, how many items the attention list holds, and where the files are.

A pure function of a built `Brief` (boardkit/brief/build.py): the same figures, names and
number formats as the printed brief (the metric registry), nothing computed again. Only
aggregates and neighbourhood names go in, never a row of the attention list: no names,
phones, identity numbers, rooms or ticket texts.
"""
from __future__ import annotations

from .. import labels
from ..metrics import BRIEF, REGISTRY, change_text, value_text
from ..metrics.figures import summary

# WeCom takes at most 4,096 bytes of markdown; the red list stops well before.
MAX_BYTES = 3500


def figure_line(key: str, figure) -> str:
    metric = REGISTRY[key]
    change = change_text(metric, figure.change)
    return f"- {metric.label}：**{value_text(metric, figure.value)}**" + (f"（较前日 {change}）" if change else "")


def summary_markdown(brief, files_location: str = "") -> tuple[str, str]:
    """(title, markdown) of the brief's summary for the leaders' group robot."""
    title = f"{brief.subdistrict}疫情防控日报 · {brief.clock.day:%m月%d日}"
    lines = [f"### {title}", f"> 统计日 {brief.clock.day:%Y-%m-%d}；数据第 {brief.generation} 代"
             + (f"；{labels.REPLAY_BADGE}" if brief.clock.replay else "")]
    for stream, keys in summary(BRIEF):
        lines.append(f"**{labels.STREAM_TITLES[stream]}**")
        lines += [figure_line(key, brief.figures[key]) for key in keys]
    status = brief.tables["居民区状态"]
    red = status[status["状态"] == labels.STATUS_LABELS["red"]]
    lines.append(f"**红色居民区：{len(red)} 个**")
    tail = [f"**今日关注清单：{len(brief.tables['关注清单'])} 项**（明细见看板与日报文件）"]
    if files_location:
        tail.append(f"> 日报文件：{files_location}")
    size = len("\n".join(lines + tail).encode("utf-8"))
    for shown, (name, reason) in enumerate(zip(red["居民区"], red["原因"])):
        line = f"- {name}：{reason}"
        size += len(line.encode("utf-8")) + 1
        if size > MAX_BYTES:
            lines.append(f"- ……另有 {len(red) - shown} 个，见日报")
            break
        lines.append(line)
    return title, "\n".join(lines + tail)
