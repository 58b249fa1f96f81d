"""Inline SVG for the wall screen: the neighbourhood map and the 30-day hotline trend.

Why SVG and not pydeck/plotly here: the screen must fill any 16:9 wall exactly, and
both widgets take their height in pixels, fixed on the server. An SVG whose viewBox is
the panel's size in screen units (1 u = 1vh at 16:9) scales with the viewport, text
included, draws without WebGL and needs nothing from the internet. Pure functions: small
frames in, markup out; colours and names from boardkit.labels.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math

import pandas as pd

from .. import labels
from ..queries.cameras import camera_counts

TOPIC_ORDER = ("quarantine", "community", "enterprise", "health", "non_epidemic")
SHARE_COLOUR = "#fdd663"


def _f(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def short_name(name: str) -> str:
    return str(name).replace("居民区", "")


# Above this many sub-districts a name on each would overlap the others: the badges stay,
# the names go into the areas' tooltips (as on the overview's city map).
NAMED_AREAS_MAX = 40


def map_svg(frame: pd.DataFrame, width: float, height: float, cameras: pd.DataFrame | None = None,
            camera_url=None, area: str = "neighbourhood") -> str:
    """Areas filled by status — neighbourhoods, or at a scope of several sub-districts the
    sub-districts' outlines (`area="subdistrict"`, each coloured by its worst neighbourhood);
    at each area's centre its short name and, when there are any, the count of unhandled
    alarms in a badge. Each area's path says which kind it is in data-area.
    `frame`: name, polygon_json, centroid_lon, centroid_lat, status, reason, open_alarms.
    `cameras` (camera_id, camera_name, lon, lat, online): road cameras over them, online a small
    dot, offline a larger red diamond; each a link opening `camera_url(camera_id)` (the
    platform's page) in a new tab when that gives one; their online/offline counts in a legend
    line under the map."""
    if frame.empty:
        return _empty(width, height, "暂无居民区边界")
    rings = [json.loads(p)[0] for p in frame["polygon_json"]]
    lats = [y for ring in rings for _, y in ring]
    kx = math.cos(math.radians(sum(lats) / len(lats)))  # equirectangular, true to shape locally

    def xy(lon, lat):
        return lon * kx, -lat

    pts = [xy(x, y) for ring in rings for x, y in ring]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    pad = 1.0
    size = max(1.7, min(2.6, width / 30))  # label size follows the map's scale, within readable bounds (u)
    counts = camera_counts(cameras) if cameras is not None else {}
    legend = _camera_legend(counts, height, max(size, 2.1)) if sum(counts.values()) else ("", 0.0)
    room = height - legend[1]
    scale = min((width - 2 * pad) / max(x1 - x0, 1e-9), (room - 2 * pad) / max(y1 - y0, 1e-9))
    ox = (width - (x1 - x0) * scale) / 2
    oy = (room - (y1 - y0) * scale) / 2

    def place(lon, lat):
        x, y = xy(lon, lat)
        return ox + (x - x0) * scale, oy + (y - y0) * scale

    shapes, texts = [], []
    named = area == "neighbourhood" or len(frame) <= NAMED_AREAS_MAX
    for ring, row in zip(rings, frame.itertuples(index=False)):
        d = "M" + "L".join(f"{_f(px)} {_f(py)}" for px, py in (place(x, y) for x, y in ring)) + "Z"
        status = row.status if row.status in labels.STATUS_COLOURS else "none"
        shapes.append(f'<path class="nb nb-{status}" data-area="{area}" d="{d}"><title>{html.escape(str(row.name))}：'
                      f'{html.escape(str(row.reason))}</title></path>')
        cx, cy = place(float(row.centroid_lon), float(row.centroid_lat))
        name = html.escape(short_name(row.name))
        count = int(row.open_alarms or 0)
        if count:
            texts.append((f'<text class="nb-name" x="{_f(cx)}" y="{_f(cy - size * 0.35)}" font-size="{_f(size)}">'
                          f'{name}</text>' if named else '') +
                         f'<circle class="nb-badge" cx="{_f(cx)}" cy="{_f(cy + size * 0.95)}" r="{_f(size * 0.78)}"/>'
                         f'<text class="nb-count" data-nb="{name}" data-open-alarms="{count}" x="{_f(cx)}" y="{_f(cy + size * 0.95)}" '
                         f'font-size="{_f(size * 1.05)}">{count}</text>')
        elif named:
            texts.append(f'<text class="nb-name" x="{_f(cx)}" y="{_f(cy)}" font-size="{_f(size)}">{name}</text>')
    points = [] if cameras is None else [_camera(row, *place(float(row.lon), float(row.lat)), size, camera_url)
                                         for row in cameras.itertuples(index=False)]
    return (f'<svg class="scr-svg" viewBox="0 0 {_f(width)} {_f(height)}" preserveAspectRatio="xMidYMid meet">'
            + "".join(shapes) + "".join(texts) + "".join(points) + legend[0] + "</svg>")


def _camera_legend(counts: dict[str, int], height: float, font: float) -> tuple[str, float]:
    """The cameras' marks and counts on one line at the bottom: (markup, its height)."""
    y, r = height - font * 0.8, font * 0.35
    online = f"{labels.CAMERA_STATE['online']} {counts['online']}"
    x = 1.0 + font * (4.2 + sum(1.0 if ord(c) > 255 else 0.6 for c in online) + 0.9)
    return (f'<text class="legend" x="1" y="{_f(y)}" font-size="{_f(font)}">摄像头</text>'
            f'<circle class="cam cam-online" cx="{_f(1 + font * 3.6)}" cy="{_f(y)}" r="{_f(r * 0.7)}"/>'
            f'<text class="legend cam-count" data-online="{counts["online"]}" data-offline="{counts["offline"]}" '
            f'x="{_f(1 + font * 4.2)}" y="{_f(y)}" font-size="{_f(font)}">{online}</text>'
            + _offline_mark(x, y, r) +
            f'<text class="legend" x="{_f(x + font * 0.7)}" y="{_f(y)}" font-size="{_f(font)}">'
            f'{labels.CAMERA_STATE["offline"]} {counts["offline"]}</text>', font * 1.8)


def _offline_mark(x: float, y: float, r: float, title: str = "") -> str:
    """An offline camera's mark: a diamond of half-width `r` centred on (x, y)."""
    return (f'<path class="cam cam-offline" d="M{_f(x)} {_f(y - r)}L{_f(x + r)} {_f(y)}L{_f(x)} {_f(y + r)}'
            f'L{_f(x - r)} {_f(y)}Z">{title}</path>')


def _camera(row, x: float, y: float, size: float, camera_url) -> str:
    offline = row.online == "offline"
    r = size * (0.42 if offline else 0.24)
    title = f"<title>{html.escape(str(row.camera_name))}（{labels.CAMERA_STATE.get(row.online, '')}）</title>"
    if offline:
        mark = _offline_mark(x, y, r, title)
    else:
        mark = f'<circle class="cam cam-online" cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}">{title}</circle>'
    url = camera_url(row.camera_id) if camera_url else None
    if not url:
        return mark
    return (f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer" '
            f'data-camera="{html.escape(str(row.camera_id))}">{mark}</a>')


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 10 ** math.floor(math.log10(value))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def trend_svg(by_topic: pd.DataFrame, series: pd.DataFrame, start: dt.date, end: dt.date,
              width: float, height: float) -> str:
    """Daily tickets stacked by topic (by_topic: day, topic, n) and the epidemic share as
    a line on the right axis (series: day, epidemic_share)."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    counts = {(pd.Timestamp(r.day).date(), r.topic): int(r.n) for r in by_topic.itertuples(index=False)}
    shares = {pd.Timestamp(r.day).date(): (None if pd.isna(r.epidemic_share) else float(r.epidemic_share))
              for r in series.itertuples(index=False)}
    totals = [sum(counts.get((d, t), 0) for t in TOPIC_ORDER) for d in days]
    top = _nice_max(max(totals, default=0))
    font = 2.0
    axis_b, axis_l, axis_r = 3.0, 5.0, 5.5
    legend, legend_h = _legend(axis_l, width - axis_r, font)
    px0, px1, py0, py1 = axis_l, width - axis_r, legend_h + 1.0, height - axis_b
    slot = (px1 - px0) / max(len(days), 1)
    bar_w = slot * 0.72
    out = []
    # Grid and axes: 0, half, top on the left; 0/50/100 % on the right.
    for frac in (0, 0.5, 1):
        y = py1 - (py1 - py0) * frac
        out.append(f'<line class="grid" x1="{_f(px0)}" x2="{_f(px1)}" y1="{_f(y)}" y2="{_f(y)}"/>')
        out.append(f'<text class="axis" text-anchor="end" x="{_f(px0 - 0.6)}" y="{_f(y)}" '
                   f'font-size="{_f(font)}">{_f(top * frac)}</text>')
        out.append(f'<text class="axis share" text-anchor="start" x="{_f(px1 + 0.6)}" y="{_f(y)}" '
                   f'font-size="{_f(font)}">{int(frac * 100)}%</text>')
    for i, d in enumerate(days):
        x = px0 + i * slot + (slot - bar_w) / 2
        y = py1
        for topic in TOPIC_ORDER:
            n = counts.get((d, topic), 0)
            if not n:
                continue
            h = (py1 - py0) * n / top
            y -= h
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(bar_w)}" height="{_f(h)}" '
                       f'fill="{labels.TOPIC_COLOURS[topic]}"/>')
        if i % 7 == (len(days) - 1) % 7:  # label the last day and every 7th before it
            out.append(f'<text class="axis" text-anchor="middle" x="{_f(px0 + (i + 0.5) * slot)}" '
                       f'y="{_f(height - axis_b / 2)}" font-size="{_f(font)}">{d:%m-%d}</text>')
    # The share line, broken where a day had no tickets.
    segments, current = [], []
    for i, d in enumerate(days):
        share = shares.get(d)
        if share is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{_f(px0 + (i + 0.5) * slot)},{_f(py1 - (py1 - py0) * share)}")
    if current:
        segments.append(current)
    for seg in segments:
        out.append(f'<polyline class="share-line" points="{" ".join(seg)}" stroke="{SHARE_COLOUR}"/>')
    out.extend(legend)
    return (f'<svg class="scr-svg" viewBox="0 0 {_f(width)} {_f(height)}" preserveAspectRatio="xMidYMid meet">'
            + "".join(out) + "</svg>")


def _legend(x0: float, x1: float, font: float) -> tuple[list[str], float]:
    """Topic colours and the share line's, wrapping onto a second row on narrow panels."""
    items = [(labels.TOPIC_COLOURS[t], labels.TOPIC[t]) for t in TOPIC_ORDER] + [(SHARE_COLOUR, "涉疫占比")]
    out, x, row, line_h = [], x0, 0, font * 1.5
    for colour, name in items:
        w = font * (1.8 + len(name))
        if x + w > x1 and x > x0:
            x, row = x0, row + 1
        y = line_h * row + line_h / 2
        out.append(f'<rect x="{_f(x)}" y="{_f(y - font * 0.4)}" width="{_f(font * 0.8)}" '
                   f'height="{_f(font * 0.8)}" fill="{colour}"/>')
        out.append(f'<text class="legend" x="{_f(x + font)}" y="{_f(y)}" font-size="{_f(font)}">'
                   f'{html.escape(name)}</text>')
        x += w
    return out, line_h * (row + 1)


def _empty(width: float, height: float, text: str) -> str:
    return (f'<svg class="scr-svg" viewBox="0 0 {_f(width)} {_f(height)}">'
            f'<text class="axis" x="{_f(width / 2)}" y="{_f(height / 2)}" text-anchor="middle" '
            f'font-size="2.4">{html.escape(text)}</text></svg>')
