"""Report day D and "now" (metrics.md, Time)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from etl.localtime import local_now

from .db import Generation, scalar


@dataclass(frozen=True)
class Clock:
    now: dt.datetime      # current time, or the latest record in a replay
    day: dt.date          # report day D (default yesterday)

    @property
    def day_start(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time())

    @property
    def day_end(self) -> dt.datetime:
        return self.day_start + dt.timedelta(days=1)


def data_now(gen: Generation, wall: dt.datetime | None = None) -> dt.datetime:
    """The wall clock, or the latest record's time when the data ends earlier."""
    wall = wall or local_now()
    latest = scalar(gen, """SELECT greatest((SELECT max(received_at) FROM hotline_tickets),
                                            (SELECT max(raised_at) FROM alarms))""")
    if latest is None or str(latest) == "NaT":
        return wall.replace(microsecond=0)
    latest = latest.to_pydatetime() if hasattr(latest, "to_pydatetime") else latest
    return min(wall, latest).replace(microsecond=0)


def make_clock(gen: Generation, day: dt.date | None = None, wall: dt.datetime | None = None) -> Clock:
    now = data_now(gen, wall)
    default_day = now.date() - dt.timedelta(days=1)
    return Clock(now=now, day=day or default_day)
