"""Report day D, the moment t(D) and "now" (docs/metrics.md, Time)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import settings
from core.localtime import local_now

from .db import Generation, scalar

# Data whose newest record is this far behind the wall clock is a replay (a 2020 season).
REPLAY_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class Clock:
    now: dt.datetime      # the wall clock, or in a replay the newest time in the data
    day: dt.date          # report day D (default yesterday)
    replay: bool = False  # now is not the wall clock: the board shows a 回放 badge

    @property
    def day_start(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time())

    @property
    def day_end(self) -> dt.datetime:
        return self.day_start + dt.timedelta(days=1)

    @property
    def at(self) -> dt.datetime:
        """t(D): the end of D (24:00), or now when D is today (or later)."""
        return self.now if self.day >= self.now.date() else self.day_end

    @property
    def previous(self) -> "Clock":
        """The same clock for D-1: 较前日 is every figure at t(D-1)."""
        return Clock(self.now, self.day - dt.timedelta(days=1), self.replay)


def moment_text(clock: Clock) -> str:
    """t(D) in words, for captions: the end of D, or the time now for today."""
    return f"截至{clock.day:%m月%d日}24时" if clock.at == clock.day_end else f"截至 {clock.at:%m-%d %H:%M}"


def state_words(clock: Clock) -> str:
    """Where a state list or column is taken, as its heading's first words: "当前" for a live
    day, "截至D日24时" for a past one."""
    return moment_text(clock) if clock.at == clock.day_end else "当前"


def newest_record(gen: Generation) -> dt.datetime | None:
    """The newest time of any kind in the data (received, closed, raised, handled)."""
    latest = scalar(gen, """SELECT greatest((SELECT max(received_at) FROM hotline_tickets),
                                            (SELECT max(closed_at) FROM hotline_tickets),
                                            (SELECT max(raised_at) FROM alarms),
                                            (SELECT max(handled_at) FROM alarms))""")
    if latest is None or str(latest) == "NaT":
        return None
    return latest.to_pydatetime() if hasattr(latest, "to_pydatetime") else latest


def data_now(gen: Generation, wall: dt.datetime | None = None,
             replay_at: dt.datetime | None = None) -> tuple[dt.datetime, bool]:
    """(now, is it a replay): the wall clock; in a replay declared by `replay_at` (--now) or
    the setting `replay_at`, that moment; in data ending more than REPLAY_AFTER before the
    clock, the newest time in the data."""
    wall = (wall or local_now()).replace(microsecond=0)
    declared = replay_at or _setting_moment()
    if declared is not None:
        return declared.replace(microsecond=0), True
    latest = newest_record(gen)
    if latest is not None and wall - latest > REPLAY_AFTER:
        return latest.replace(microsecond=0), True
    return wall, False


def _setting_moment() -> dt.datetime | None:
    text = str(settings.get("replay_at") or "").strip()
    return dt.datetime.fromisoformat(text) if text else None


def make_clock(gen: Generation, day: dt.date | None = None, wall: dt.datetime | None = None,
               replay_at: dt.datetime | None = None) -> Clock:
    now, replay = data_now(gen, wall, replay_at)
    return Clock(now=now, day=day or now.date() - dt.timedelta(days=1), replay=replay)


def live_clock(gen: Generation, wall: dt.datetime | None = None) -> Clock:
    """A live screen's clock: report day today, so every state figure is taken now."""
    clock = make_clock(gen, None, wall)
    return Clock(now=clock.now, day=clock.now.date(), replay=clock.replay)
