"""The report day and the trend range a page may ask for: within the data and at most
MAX_TREND_DAYS long, whether they come from a link, a widget or a forged widget value.

Pages build grids of days × keys (the 25问 heat map is days × 25 questions), so an unbounded
range in a URL (`?from=1900-01-01&to=2100-12-31`) would let any signed-in user keep the
server busy for seconds to hours and fill its memory; the wall screen shares that process.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .db import Generation, scalar

# A trend longer than a year and a month is not read day by day.
MAX_TREND_DAYS = 400
# The shared filters' default trend: the 30 days ending on the report day.
DEFAULT_TREND_DAYS = 30


def data_first_day(gen: Generation) -> dt.date | None:
    """The first day any source has a record on (None for an empty database)."""
    first = scalar(gen, """
        SELECT least((SELECT CAST(min(received_at) AS DATE) FROM hotline_tickets),
                     (SELECT min(arrived_on) FROM roster_reports),
                     (SELECT CAST(min(raised_at) AS DATE) FROM alarms),
                     (SELECT min(least(applied_on, reviewed_on, resumed_on)) FROM enterprises))""")
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


@dataclass(frozen=True)
class Ranges:
    day: dt.date                       # report day
    start: dt.date                     # trend range, both ends included
    end: dt.date
    day_limits: tuple[dt.date, dt.date]   # what a report day may be
    span_limits: tuple[dt.date, dt.date]  # what the trend's ends may be
    notes: tuple[str, ...]             # what was changed, in Chinese (empty when nothing was)


def default_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=DEFAULT_TREND_DAYS - 1)


def bounded(day: dt.date, start: dt.date | None, end: dt.date | None, default_day: dt.date,
            first: dt.date | None, last: dt.date) -> Ranges:
    """The report day within [first day of the data, `last`], and the trend range (None: the
    default 30 days ending on the report day) within the data or the 30 days before it, at
    most MAX_TREND_DAYS long, ending on the asked end. `default_day` is always allowed: it is
    what a page shows unasked."""
    low = min(first or default_day, default_day)
    high = max(last, default_day)
    notes = []
    kept_day = min(max(day, low), high)
    if kept_day != day:
        notes.append(f"统计日 {day} 不在数据范围（{low} 至 {high}）内，已改为 {kept_day}。")
    # The default trend of the first data day starts 29 days before it: always allowed.
    span_low = default_start(low)
    asked = (start or default_start(kept_day), end or kept_day)
    start, end = sorted(asked)
    start, end = min(max(start, span_low), high), min(max(end, span_low), high)
    if (end - start).days + 1 > MAX_TREND_DAYS:
        start = end - dt.timedelta(days=MAX_TREND_DAYS - 1)
    if (start, end) != asked:
        notes.append(f"趋势区间 {asked[0]} 至 {asked[1]} 已改为 {start} 至 {end}："
                     f"区间须在数据范围（{span_low} 至 {high}）内，最长 {MAX_TREND_DAYS} 天。")
    return Ranges(kept_day, start, end, (low, high), (span_low, high), tuple(notes))
