"""Working days for hotline due dates (metrics.md: "due date").

A day's status comes from, in order of precedence:

1. `holidays_override.csv` in the reference pack (columns `date,is_workday,note`): the
   centre's own entries, e.g. next year's schedule before the library knows it;
2. the `chinese_calendar` library (official holidays and adjusted working days, which
   includes the 2020 Spring Festival extension to 2 February);
3. weekends only, for years the library does not cover yet (it raises
   NotImplementedError); `uncovered_years` names them so the caller can warn.

Due dates are counted the way `etl.derive.DUE_AT_SQL` counts them: the n-th working
day after the day received, so a ticket received on a non-working day has the next
working day as its first.
"""
from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import pandas as pd

from core import settings

SOURCE_LIBRARY = "chinese_calendar"
SOURCE_OVERRIDE = "override"
SOURCE_FALLBACK = "weekend_fallback"

_TRUE = {"1", "true", "yes", "y", "是", "上班", "工作日", "班"}
_FALSE = {"0", "false", "no", "n", "否", "休息", "休息日", "节假日", "休"}


def default_override_path() -> Path:
    return settings.reference_dir() / "holidays_override.csv"


def read_overrides(path: Path | None = None) -> dict[dt.date, bool]:
    """The override file as {day: is_workday}; a missing file means no overrides.
    A row that cannot be read stops with a message naming it, because a silently
    skipped holiday would move due dates without anyone noticing."""
    path = Path(path) if path is not None else default_override_path()
    if not path.exists():
        return {}
    overrides: dict[dt.date, bool] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            raw_date = (row.get("date") or "").strip()
            raw_flag = (row.get("is_workday") or "").strip().lower()
            if not raw_date and not raw_flag:
                continue
            try:
                day = dt.date.fromisoformat(raw_date.replace("/", "-"))
            except ValueError:
                raise ValueError(f"{path} 第{line_no}行：日期“{raw_date}”无法识别，应写成 2027-01-01") from None
            if raw_flag in _TRUE:
                overrides[day] = True
            elif raw_flag in _FALSE:
                overrides[day] = False
            else:
                raise ValueError(f"{path} 第{line_no}行：is_workday“{raw_flag}”无法识别，应填 1（上班）或 0（休息）")
    return overrides


@lru_cache(maxsize=64)
def library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _years(start: dt.date, end: dt.date) -> range:
    return range(start.year, end.year + 1)


def uncovered_years(start: dt.date, end: dt.date, override_path: Path | None = None) -> list[int]:
    """Years in [start, end] that the library does not know and the override file has
    no entries for: their working days are weekdays only, which is wrong around holidays.
    Once the centre enters a year's schedule in the override file, the year counts as covered."""
    override_years = {day.year for day in read_overrides(override_path)}
    return [y for y in _years(start, end) if not library_covers(y) and y not in override_years]


def calendar_frame(start: dt.date, end: dt.date, override_path: Path | None = None) -> pd.DataFrame:
    """One row per day from start to end inclusive: day, is_workday, workday_seq (working
    days on or before the day, counted from start), source."""
    if end < start:
        raise ValueError(f"日历结束日期 {end} 早于开始日期 {start}")
    overrides = read_overrides(override_path)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    is_workday, source = [], []
    for day in days:
        if day in overrides:
            is_workday.append(overrides[day])
            source.append(SOURCE_OVERRIDE)
        elif library_covers(day.year):
            is_workday.append(bool(chinese_calendar.is_workday(day)))
            source.append(SOURCE_LIBRARY)
        else:
            is_workday.append(day.weekday() < 5)
            source.append(SOURCE_FALLBACK)
    frame = pd.DataFrame({"day": days, "is_workday": is_workday, "source": source})
    frame["workday_seq"] = frame["is_workday"].cumsum().astype("int64")
    return frame[["day", "is_workday", "workday_seq", "source"]]


def add_working_days(ts: dt.datetime, n: int, cal: pd.DataFrame | None = None) -> dt.datetime:
    """The n-th working day after ts's date, at ts's time of day (n = 0 returns ts).
    `cal` is a calendar_frame to reuse across many calls; without one, a frame long
    enough for n is built with the default override file."""
    if n < 0:
        raise ValueError("n 必须大于等于 0")
    if n == 0:
        return ts
    received = ts.date()
    if cal is None:
        # Even the longest Chinese break (Spring Festival, 2020's extension) stays
        # well within 3 calendar days per working day plus a month.
        cal = calendar_frame(received, received + dt.timedelta(days=3 * n + 31))
    workdays = cal.loc[cal["is_workday"] & (cal["day"] > received), "day"]
    if cal.empty or cal["day"].iloc[0] > received or len(workdays) < n:
        raise ValueError(f"工作日日历未覆盖 {received} 之后的第 {n} 个工作日")
    due_day = workdays.iloc[n - 1]
    return dt.datetime.combine(due_day, ts.time())
