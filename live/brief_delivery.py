"""The daily brief's summary delivered to the leaders' group robot (notify.toml's [leaders]).

At `brief.send_time` (07:30) each day the notifier queues the summary of yesterday's brief
(boardkit/brief/summary.py, from the same figures as the printed brief) in the notification
log; from there it goes like any notice: the robot's rate limit, retries with backoff, a
give-up after `notify.give_up_minutes`, every attempt recorded. The log keeps one summary
per report day (a unique index), so a second run, a restart or the manual command
`python -m etl brief --send` never sends a day twice. The database is read read-only,
through the board's queries; the brief's files themselves are written by
`python -m etl brief --out` (cron), and the summary says where (`brief.files_location`).
"""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

from core import settings
from etl import privacy
from core import notify_log
from live.webhook import LEADERS, NotifyConfig

log = logging.getLogger("etl.notify")


def send_time() -> dt.time | None:
    """`brief.send_time` as a time of day; None when it is blank (off)."""
    text = str(settings.get("brief.send_time") or "").strip()
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"设置 brief.send_time 应为 HH:MM（如 07:30），而不是“{text}”") from None


def due_day(now: dt.datetime, config: NotifyConfig) -> dt.date | None:
    """The report day whose summary is due at `now` (yesterday, once the send time has
    passed today), or None: no leaders' group, no send time, or too early."""
    at = send_time() if config.leaders is not None else None
    if at is None or now.time() < at:
        return None
    return now.date() - dt.timedelta(days=1)


def queued(con: sqlite3.Connection, day: dt.date) -> bool:
    return con.execute("SELECT 1 FROM notices WHERE kind = 'brief' AND report_day = ?",
                       [day.isoformat()]).fetchone() is not None


def default_day(db_path: Path) -> dt.date:
    """The brief's own default report day (yesterday, or the replay's last full day)."""
    from boardkit.data.clock import make_clock
    from boardkit.data.db import current_generation
    return make_clock(current_generation(db_path)).day


def compose(db_path: Path, day: dt.date) -> tuple[str, str, str]:
    """(sub-district, title, markdown) of the day's summary, from the live generation."""
    from boardkit.brief.build import build_brief
    from boardkit.brief.summary import summary_markdown
    from boardkit.data.db import check_ready, current_generation
    gen = current_generation(db_path)
    check_ready(gen)
    brief = build_brief(gen, day)
    title, text = summary_markdown(brief, str(settings.get("brief.files_location") or "").strip())
    return brief.subdistrict, title, privacy.mask_free_text(text)


def queue(con: sqlite3.Connection, db_path: Path, config: NotifyConfig, day: dt.date,
          now: dt.datetime, clock: float) -> bool:
    """Queues the summary of `day` for the leaders' group unless the log already has it;
    True when it was queued now."""
    if config.leaders is None or queued(con, day):
        return False
    subdistrict, title, text = compose(db_path, day)
    try:
        at = now.isoformat(sep=" ", timespec="seconds")
        notify_log.enqueue(con, "brief", clock, neighbourhood=subdistrict or "街道", first_raised=at, alarm_count=0,
                           target=LEADERS, channel=config.leaders.channel, created_at=at, report_day=day.isoformat(),
                           title=title, body=text)
    except sqlite3.IntegrityError:
        return False  # another process queued it meanwhile
    log.info("已将 %s 的日报摘要排入领导群发送队列", day)
    return True
