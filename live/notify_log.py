"""The notification log: notices to phones and every attempt to send them.

Its own small store, not the analytical database (data-contract.md, bookkeeping): a
SQLite file in WAL mode beside the database (`data/notify.sqlite`), appended to by the
one notifier and read by the board's alarms page while it runs.

- `notices`: one message to one group robot (an arrival or an escalation), covering one
  or more alarms of one device (a burst); its delivery state and next retry time. It is
  the notifier's durable queue: a pending notice waits here (not in a sleeping thread)
  for its robot, across restarts, until it is sent, folded into a digest, withdrawn
  (its alarms handled) or given up, and `settled_at` says when that happened.
- A digest (kind `digest`) is one message for the notices of one neighbourhood that
  came due together faster than their robot may be sent to; those notices are `folded`
  and name it in `digest_id`.
- `notice_alarms`: which alarms a notice covers; the key (alarm_id, kind) is what makes
  "exactly one escalation per alarm" hold across runs and restarts.
- `attempts`: every call of a webhook with its outcome.
- `robots`: each robot's sending budget (a token bucket) and the pause after it refused
  for sending too fast; keyed by a hash of its URL, never the URL (it carries the key).
Nothing personal is stored: neighbourhood, building (no room), device and alarm type.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from core import settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    notice_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, device_id TEXT, neighbourhood TEXT,
    building TEXT, alarm_types TEXT, first_raised TEXT NOT NULL, alarm_count INTEGER NOT NULL,
    target TEXT, channel TEXT, created_at TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL);
CREATE INDEX IF NOT EXISTS notices_device ON notices (kind, device_id, first_raised);
CREATE INDEX IF NOT EXISTS notices_due ON notices (status, next_attempt);
CREATE TABLE IF NOT EXISTS notice_alarms (
    alarm_id TEXT NOT NULL, kind TEXT NOT NULL, notice_id INTEGER NOT NULL,
    PRIMARY KEY (alarm_id, kind));
CREATE TABLE IF NOT EXISTS attempts (
    attempt_id INTEGER PRIMARY KEY, notice_id INTEGER NOT NULL, attempted_at TEXT NOT NULL,
    attempt INTEGER NOT NULL, ok INTEGER NOT NULL, http_status INTEGER, error TEXT, seconds REAL);
CREATE INDEX IF NOT EXISTS attempts_time ON attempts (attempted_at);
CREATE TABLE IF NOT EXISTS robots (
    robot TEXT PRIMARY KEY, tokens REAL NOT NULL, refilled_at REAL NOT NULL,
    paused_until REAL, refusals INTEGER NOT NULL DEFAULT 0);
"""
# Columns of `notices` added after the first release; added to an older log on opening.
# queued_at: when the notice was queued (epoch seconds), from which it is given up.
NOTICE_COLUMNS_ADDED = {"digest_id": "INTEGER", "settled_at": "TEXT", "queued_at": "REAL"}

KIND_LABELS = {"arrival": "报警提醒", "escalation": "超时升级", "digest": "汇总提醒"}
STATUS_LABELS = {"pending": "待发送", "sent": "已送达", "folded": "已并入汇总", "failed": "已放弃（未能送达）",
                 "cancelled": "已撤销（报警已处置）"}
COLUMNS = ["attempted_at", "kind", "kind_label", "neighbourhood", "building", "alarm_types", "alarm_count",
           "first_raised", "channel", "attempt", "ok", "http_status", "error", "notice_status"]


def log_path(db_path: Path | None = None) -> Path:
    """`notify.log_file` if set, else `notify.sqlite` beside the database link."""
    configured = settings.get("notify.log_file")
    if configured:
        return settings.repo_path(configured)
    return Path(db_path or settings.db_path()).parent / "notify.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    """A writer's connection: WAL, so the board reads while the notifier appends."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SCHEMA)
    present = {row[1] for row in con.execute("PRAGMA table_info(notices)")}
    for column, kind in NOTICE_COLUMNS_ADDED.items():
        if column not in present:
            con.execute(f"ALTER TABLE notices ADD COLUMN {column} {kind}")
    return con


def recent_notifications(limit: int = 50, path: Path | None = None) -> pd.DataFrame:
    """The latest send attempts, newest first, for the board's alarms page.

    Columns: attempted_at, kind ('arrival'/'escalation'), kind_label (Chinese),
    neighbourhood, building (no room), alarm_types (Chinese), alarm_count, first_raised,
    channel ('wecom'/'dingtalk'), attempt (1, 2, …), ok (bool), http_status, error,
    notice_status (Chinese: 待发送/已送达/发送失败). Empty when nothing was sent yet."""
    frame = _read(path, """SELECT a.attempted_at, n.kind, n.neighbourhood, n.building, n.alarm_types, n.alarm_count,
                      n.first_raised, n.channel, a.attempt, a.ok, a.http_status, a.error, n.status AS notice_status
               FROM attempts a JOIN notices n USING (notice_id)
               ORDER BY a.attempt_id DESC LIMIT ?""", [int(limit)])
    if frame is None:
        return pd.DataFrame(columns=COLUMNS)
    frame["kind_label"] = frame["kind"].map(KIND_LABELS)
    frame["notice_status"] = frame["notice_status"].map(STATUS_LABELS)
    frame["ok"] = frame["ok"].astype(bool)
    for col in ("attempted_at", "first_raised"):
        frame[col] = pd.to_datetime(frame[col])
    return frame[COLUMNS]


OUTCOME_COLUMNS = ["notice_id", "kind", "kind_label", "neighbourhood", "building", "alarm_types", "alarm_count",
                   "first_raised", "status", "status_label", "settled_at", "digest_id", "attempts"]


def notice_outcomes(limit: int = 200, path: Path | None = None) -> pd.DataFrame:
    """The latest notices, newest first, with what became of each: sent, folded into
    a digest (digest_id names it), given up, withdrawn or still pending, and when
    (settled_at; empty while pending). Empty when there is no log yet."""
    frame = _read(path, """SELECT notice_id, kind, neighbourhood, building, alarm_types, alarm_count, first_raised,
                             status, settled_at, digest_id, attempts FROM notices ORDER BY notice_id DESC LIMIT ?""",
                  [int(limit)])
    if frame is None:
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    frame["kind_label"] = frame["kind"].map(KIND_LABELS)
    frame["status_label"] = frame["status"].map(STATUS_LABELS)
    return frame[OUTCOME_COLUMNS]


def _read(path: Path | None, sql: str, params: list) -> pd.DataFrame | None:
    """A query on the log opened read-only; None when there is no log (yet) to read."""
    path = Path(path or log_path())
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return pd.read_sql_query(sql, con, params=params)
    except (sqlite3.Error, pd.errors.DatabaseError):
        return None
    finally:
        con.close()
