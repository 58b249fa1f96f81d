"""Local Shanghai time. Stored times are naive Asia/Shanghai (data-contract.md), and the
machine may run on UTC: every "now" compared with stored times comes from here."""
from __future__ import annotations

import datetime as dt
import logging
import sys

try:
    from zoneinfo import ZoneInfo
    SHANGHAI = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database on the machine: China has kept UTC+8 without DST since 1991
    SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def local_now() -> dt.datetime:
    """Shanghai wall-clock time as a naive datetime, to the second."""
    return dt.datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def local_today() -> dt.date:
    return local_now().date()


def log_in_local_time() -> None:
    """Log lines of the long-running commands (watch, intake, notify, live demo) on stderr,
    stamped in Shanghai time whatever the machine's zone."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    formatter.converter = lambda secs: dt.datetime.fromtimestamp(secs, SHANGHAI).timetuple()
    handler.setFormatter(formatter)
    root = logging.getLogger("etl")
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
