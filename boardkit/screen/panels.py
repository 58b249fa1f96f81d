"""The wall screen's panels as HTML: pure functions from figures and small frames to markup.

Each panel is a `<section class="scr-panel" data-panel="…">` placed by boardkit.screen.layout
(the browser test finds panels by data-panel). Only neighbourhood-level aggregates reach
this module (boardkit.queries.screen); every string from the data is escaped.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import struct
import time
import wave
from functools import lru_cache

import pandas as pd

from etl.sources import FRESH_ORDER

from .. import labels
from ..data.clock import Clock
from ..metrics.figures import Figure
from ..metrics import REGISTRY, change_text, value_text
from .layout import Box
from .svg import short_name

WEEKDAYS = "一二三四五六日"
FRESH_SOURCES = FRESH_ORDER


def panel(name: str, box: Box, body: str, title: str, note: str = "", css: str = "") -> str:
    """A titled panel; `note` is markup (a legend or a one-line summary) beside the title."""
    return (f'<section class="scr-panel scr-{name} {css}" data-panel="{name}" style="{box.style}">'
            f'<div class="scr-h"><span>{html.escape(title)}</span><small>{note}</small></div>'
            f'<div class="scr-body">{body}</div></section>')


def untitled_panel(name: str, css: str, box: Box, inner: str) -> str:
    """A panel without a title bar (the freshness chips, the KPI cards)."""
    return f'<section class="scr-panel scr-{css}" data-panel="{name}" style="{box.style}">{inner}</section>'


def error_panel(name: str, box: Box, title: str, message: str) -> str:
    return panel(name, box, f'<p class="scr-error">{html.escape(message)}</p>', title)


# ---- header: title, clock, freshness -------------------------------------------------------

def title_html(box: Box, subtitle: str) -> str:
    return (f'<section class="scr-panel scr-title scr-plain" data-panel="title" style="{box.style}">'
            f'<div class="scr-h1">{html.escape(labels.SLOGAN)}</div><div class="scr-sub">{html.escape(subtitle)}</div></section>')


# Shown by CSS only while Streamlit's "Connection error" dialog exists (which CSS hides).
OFFLINE_HTML = '<div class="scr-offline" data-offline="1">与服务器的连接中断，正在自动重连……画面为中断前的数据</div>'


def clock_html(box: Box, wall: dt.datetime, clock: Clock | None) -> str:
    """The wall clock (HH:MM, colon blinking by CSS), the date, and "now" of the figures
    ("回放" when it is not the wall clock: docs/metrics.md, Time)."""
    if clock is None:
        data = '<span class="replay">数据暂不可用</span>'
    elif clock.replay:
        data = f'<span class="replay">{labels.REPLAY_BADGE} {clock.now:%Y-%m-%d %H:%M}</span>'
    else:
        data = f"<span>数据 {clock.now:%m-%d %H:%M}</span>"
    return (f'<section class="scr-panel scr-clock scr-plain" data-panel="clock" style="{box.style}">'
            f'<div class="scr-time">{wall:%H}<span class="colon">:</span>{wall:%M}</div>'
            f'<div class="scr-date"><span>{wall:%m月%d日} 星期{WEEKDAYS[wall.weekday()]}</span>{data}</div></section>')


def _age_text(hours: float) -> str:
    if hours < 1:
        return f"{max(int(hours * 60), 0)}分钟前"
    if hours < 48:
        return f"{hours:.0f}小时前"
    return f"{hours / 24:.0f}天前"


def freshness_html(box: Box, latest: dict, reference: dt.datetime, limits: dict) -> str:
    """One chip per source: the latest record's time and its age, red past the threshold."""
    chips = []
    for source in FRESH_SOURCES:
        when = latest.get(source)
        if when is None:
            stale, when_text, age = True, "", "无数据"
        else:
            when = when.to_pydatetime() if hasattr(when, "to_pydatetime") else when
            hours = (reference - when).total_seconds() / 3600
            stale = hours > limits[source]
            when_text, age = f"{when:%m-%d %H:%M}", _age_text(hours)
        chips.append(f'<div class="scr-chip{" stale" if stale else ""}" data-source="{source}" '
                     f'data-stale="{int(stale)}" title="超过 {limits[source]:g} 小时未更新即标红">'
                     f'<div><b>{html.escape(labels.SOURCES[source])}</b><span class="age">{age}</span></div>'
                     f'<span class="when">{when_text}</span></div>')
    return untitled_panel("freshness", "fresh", box, "".join(chips))


# ---- the duty line -------------------------------------------------------------------------

def duty_html(box: Box, people, uncovered) -> str:
    """Who is on duty now (boardkit/queries/duty.py), role and surname only (the wall is
    public), and the duty phone; a red mark when a configured shift lacks a role today or
    in the next days."""
    parts = [f'<span class="label">{labels.DUTY["title"]}</span>']
    for role, label in labels.DUTY_ROLES.items():
        names = list(dict.fromkeys(people.loc[people["role"] == role, "name_masked"]))
        if names:
            parts.append(f'<span><span class="role">{label}</span>{html.escape("、".join(names))}</span>')
    if people.empty:
        parts.append(f'<span class="nobody">{labels.DUTY["nobody"]}</span>')
    phone = None if people.empty else people["duty_phone"].iloc[0]
    if phone:
        parts.append(f'<span class="phone">{labels.DUTY["phone"]} {html.escape(phone)}</span>')
    if len(uncovered):
        first = uncovered.iloc[0]
        more = f" 等 {len(uncovered)} 处" if len(uncovered) > 1 else ""
        parts.append(f'<span class="gap" data-uncovered="{len(uncovered)}">{labels.DUTY["gap"]} '
                     f'{first["duty_date"]:%m-%d} {html.escape(first["shift"])} {labels.DUTY_ROLES[first["role"]]}{more}</span>')
    return untitled_panel("duty", "duty", box, "".join(parts))


# ---- KPI counters -------------------------------------------------------------------------

def format_value(figure: Figure) -> str:
    """The registry's format, without the minutes word (the card carries it small)."""
    return value_text(REGISTRY[figure.key], figure.value, unit_word=False)


def format_change(figure: Figure) -> str:
    return f"较前日 {change_text(REGISTRY[figure.key], figure.change) or '—'}"


def _digits(text: str) -> str:
    # One card per digit; separators and units ride small beside them.
    return "".join(f'<span class="flip">{ch}</span>' if ch.isdigit() or ch == "—"
                   else f'<span class="flip sep">{html.escape(ch)}</span>' for ch in text)


def kpis_html(box: Box, figures: dict[str, Figure], keys: tuple) -> str:
    cards = []
    for key in keys:
        fig = figures[key]
        metric = REGISTRY[key]
        name, how = metric.label, metric.help
        unit = '<span class="flip sep">分钟</span>' if fig.kind == "minutes" else ""
        tone = ""
        if fig.change and metric.rise != "neutral":
            worse = metric.worse_when_up
            tone = ("up-bad" if worse else "up-good") if fig.change > 0 else ("down-good" if worse else "down-bad")
        value = "" if fig.value is None else format(float(fig.value), ".10g")  # for tests and tools
        cards.append(f'<div class="scr-kpi" data-kpi="{key}" data-value="{value}" title="{html.escape(how)}">'
                     f'<div class="label">{html.escape(name)}</div>'
                     f'<div class="value">{_digits(format_value(fig))}{unit}</div>'
                     f'<div class="change {tone}">{html.escape(format_change(fig))}</div></div>')
    return untitled_panel("kpis", "kpis", box, "".join(cards))


# ---- map, trend ---------------------------------------------------------------------------

def map_note(status: pd.DataFrame, by_subdistrict: bool = False) -> str:
    """The neighbourhoods' counts by colour; over several sub-districts, also that each area is
    a sub-district coloured by its worst neighbourhood and that cameras are not drawn."""
    counts = status["status"].value_counts()
    parts = [f'<span class="dot" style="background:{labels.STATUS_COLOURS[s]}"></span>'
             f'{labels.STATUS_LABELS[s]} {int(counts.get(s, 0))}' for s in ("red", "amber", "green")]
    areas = '　按街道着色（取最需关注的居民区）· 摄像头不在全区图上显示' if by_subdistrict else ''
    return "　".join(parts) + '　圈内数字=未处置报警' + areas


def trend_note(series: pd.DataFrame) -> str:
    if series.empty:
        return ""
    last = series.iloc[-1]
    share = "—" if pd.isna(last["epidemic_share"]) else f"{float(last['epidemic_share']) * 100:.1f}%"
    return f"{pd.Timestamp(last['day']):%m-%d} 受理 {int(last['hotline_received'])} 件 · 涉疫 {share}"


# ---- alarm ticker -------------------------------------------------------------------------

# The board's alarm colours, lightened to read on the dark screen (grey is unreadable there).
ALARM_COLOURS_DARK = {"door_open": "#ff6b5f", "tamper": "#c9a3ff", "doorbell": "#4fd8ff",
                      "offline": "#c3ccd8", "low_battery": "#e8e36a"}

def _minutes_cell(row) -> tuple[str, str]:
    """(text, tone) for the minutes column; the tone follows the type's threshold."""
    minutes = None if pd.isna(row.minutes) else float(row.minutes)
    if row.status in ("open", "in_progress"):
        m = int(minutes or 0)
        tone = "red" if minutes and minutes > row.threshold else "amber" if minutes and minutes > row.threshold / 2 else ""
        return f"{m} 分钟{'处置中' if row.status == 'in_progress' else '未处置'}", tone
    if row.status == "pre_reported":
        return "已报备", ""
    label = "误报" if row.status == "false_alarm" else "处置"
    return (f"{int(round(minutes))} 分钟{label}" if minutes is not None else labels.label(labels.ALARM_STATUS, row.status)), ""


def _row(row, css: str = "row") -> str:
    text, tone = _minutes_cell(row)
    fresh = " fresh" if row.status == "open" and (row.minutes or 0) < 10 else ""
    kind = labels.label(labels.ALARM_TYPE, row.alarm_type)
    colour = ALARM_COLOURS_DARK.get(row.alarm_type, "#8fa6c7")
    raised = pd.Timestamp(row.raised_at)
    return (f'<div class="scr-{css}{fresh}" data-alarm-time="{raised:%Y-%m-%d %H:%M:%S}">'
            f'<span class="t">{raised:%H:%M}</span><span class="n">{html.escape(short_name(row.neighbourhood))}</span>'
            f'<span class="k" style="color:{colour}">{html.escape(kind)}</span>'
            f'<span class="m {tone}">{html.escape(text)}</span></div>')


def ticker_html(box: Box, frame: pd.DataFrame, large: bool = False, now: float | None = None) -> str:
    """Newest alarm pinned on top; the rest scroll upwards when they do not fit. The scroll
    phase comes from the wall clock, so a refreshed panel carries on where it was."""
    title = "实时报警"
    if frame.empty:
        return panel("ticker", box, '<p class="scr-note">暂无报警</p>', title)
    rows = list(frame.itertuples(index=False))
    newest = rows[0]
    text, tone = _minutes_cell(newest)
    latest = (f'<div class="scr-latest" data-alarm-time="{pd.Timestamp(newest.raised_at):%Y-%m-%d %H:%M:%S}">'
              f'<span class="t">{pd.Timestamp(newest.raised_at):%H:%M}</span>'
              f'<span>{html.escape(short_name(newest.neighbourhood))} · '
              f'{html.escape(labels.label(labels.ALARM_TYPE, newest.alarm_type))}</span>'
              f'<span class="m {tone}">{html.escape(text)}</span></div>')
    rest = "".join(_row(r) for r in rows[1:])
    font = 2.5 if large else 2.2
    fits = int((box.height - 2 - 4.2 - 2.6 * font) / (1.7 * font))  # rows that fit below the pinned one
    if len(rows) - 1 > fits:
        period = 2.5 * (len(rows) - 1)
        phase = (now if now is not None else time.time()) % period
        loop = f'<div class="scr-loop">以上为最近 {len(rows)} 条</div>'
        track = (f'<div class="scr-track scrolling" style="animation-duration:{period:.1f}s;'
                 f'animation-delay:-{phase:.2f}s">{rest}{loop}{rest}{loop}</div>')
    else:
        track = f'<div class="scr-track">{rest}</div>'
    body = f'{latest}<div class="scr-rows">{track}</div>'
    return panel("ticker", box, body, title, note="时间 · 居民区 · 类型 · 时长",
                 css="scr-ticker large" if large else "scr-ticker")


# ---- quarantine, enterprises ----------------------------------------------------------------

MEASURE_COLOURS = {"home_quarantine": "#ff8a3d", "central_quarantine": "#ff5a4f", "health_observation": "#4fd8ff"}


def quarantine_html(box: Box, frame: pd.DataFrame, rows: int) -> str:
    placed = frame[frame["neighbourhood_code"].notna()]
    unplaced = int(frame.loc[frame["neighbourhood_code"].isna(), "total"].sum())
    top = max(int(placed["total"].max()) if not placed.empty else 0, 1)
    bars = []
    for r in placed.head(rows).itertuples(index=False):
        parts = "".join(f'<i style="width:{100 * getattr(r, m) / top:.1f}%;background:{c}"></i>'
                        for m, c in MEASURE_COLOURS.items() if getattr(r, m))
        bars.append(f'<div class="scr-bar" data-nb="{html.escape(short_name(r.name))}" data-total="{int(r.total)}">'
                    f'<span>{html.escape(short_name(r.name))}</span><span class="track">{parts}</span>'
                    f'<span class="n">{int(r.total)}</span></div>')
    legend = "".join(f'<span><span class="dot" style="background:{c}"></span>{labels.MEASURE[m]}</span>'
                     for m, c in MEASURE_COLOURS.items())
    more = len(placed) - min(rows, len(placed))
    foot = []
    if more > 0:
        foot.append(f"另有 {more} 个居民区")
    if unplaced:
        foot.append(f"{unplaced} 人未定位居民区")
    body = (f'<div class="scr-legend">{legend}</div><div class="scr-bars">{"".join(bars) or "暂无在管人员"}</div>'
            + (f'<div class="scr-note">{"；".join(foot)}</div>' if foot else ""))
    total = int(frame["total"].sum())
    return panel("quarantine", box, body, "居民区在管隔离与观察", note=f"合计 {total} 人")


def enterprises_html(box: Box, frame: pd.DataFrame, figures: dict[str, Figure], detail: int) -> str:
    """Resumption progress: approved of all enterprises; counts by status; optionally the
    neighbourhoods furthest behind."""
    total = int(frame["total"].sum())
    sums = {k: int(frame[k].sum()) for k in ("approved", "pending", "returned", "not_applied")}
    share = sums["approved"] / total if total else 0
    bar = "".join(f'<i style="width:{100 * sums[k] / total if total else 0:.1f}%;'
                  f'background:{labels.APPLICATION_COLOURS[k]}"></i>'
                  for k in ("approved", "pending", "returned", "not_applied"))
    late = figures["enterprise_pending_past_threshold"].value
    stats = "".join(f'<span><span class="dot" style="background:{labels.APPLICATION_COLOURS[k]}"></span>'
                    f'{labels.APPLICATION_STATUS[k]} <b>{sums[k]}</b></span>'
                    for k in ("approved", "pending", "returned", "not_applied"))
    if late:
        stats += f'<span style="color:var(--red)">审核超期 <b>{int(late)}</b></span>'
    body = (f'<div><span class="scr-big" data-share="{share:.4f}">{share * 100:.1f}%</span>'
            f'<span class="scr-note">　已通过 {sums["approved"]} / 共 {total} 家</span></div>'
            f'<div class="scr-progress">{bar}</div><div class="scr-stats">{stats}</div>')
    if detail:
        placed = frame[frame["neighbourhood_code"].notna() & (frame["total"] > 0)].copy()
        placed["share"] = placed["approved"] / placed["total"]
        placed = placed.sort_values(["share", "total"], ascending=[True, False]).head(detail)
        bars = "".join(
            f'<div class="scr-bar"><span>{html.escape(short_name(r.name))}</span><span class="track">'
            f'<i style="width:{100 * r.share:.1f}%;background:{labels.APPLICATION_COLOURS["approved"]}"></i></span>'
            f'<span class="n">{r.share * 100:.0f}%</span></div>' for r in placed.itertuples(index=False))
        body += f'<div class="scr-note" style="margin-top:.6em">复工进度较慢的居民区</div><div class="scr-bars">{bars}</div>'
    return panel("enterprises", box, body, "企业复工进度", note="按复工申请状态")


# ---- chime --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def chime_wav() -> str:
    """A soft two-note chime (0.6 s, 16 kHz mono), generated here so the screen needs no
    sound file; returned as a data: URI for an <audio> element."""
    rate, out = 16000, io.BytesIO()
    frames = bytearray()
    for i in range(int(rate * 0.6)):
        t = i / rate
        freq = 880.0 if t < 0.25 else 660.0
        env = math.exp(-6 * (t if t < 0.25 else t - 0.25))
        frames += struct.pack("<h", int(12000 * env * math.sin(2 * math.pi * freq * t)))
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return "data:audio/wav;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def chime_html(raised: dt.datetime) -> str:
    return (f'<audio class="scr-chime" data-chime="{raised:%Y-%m-%d %H:%M:%S}" autoplay '
            f'src="{chime_wav()}"></audio>')
