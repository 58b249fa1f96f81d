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
- A notice of kind `brief` is the daily brief's summary for the leaders' group, one per
  report day (`report_day`, unique); one of kind `resolved` is the "已处置" follow-up of
  an escalation (`follows_id`, unique). Both carry their text (`title`, `body`), made when
  queued; alarm notices are composed when sent.
- `silences`: robot notices a leader silenced on the board (scope, alarm types, reason,
  who, until, ended early by whom). A notice an active silence covers is recorded with
  status `silenced` (and `silence_id`) and not sent. Door-open and tamper alarms are
  never silenced: `add_silence` refuses them and the notifier does not apply a silence to
  them.
Nothing personal is stored: neighbourhood, building (no room), device and alarm type.
"""
from __future__ import annotations

import datetime as dt
import json
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
CREATE TABLE IF NOT EXISTS silences (
    silence_id INTEGER PRIMARY KEY, neighbourhood_code TEXT, neighbourhood TEXT, device_id TEXT,
    alarm_types TEXT NOT NULL, reason TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
    ends_at TEXT NOT NULL, ended_by TEXT, ended_at TEXT);
"""
# Columns of `notices` added after the first release; added to an older log on opening.
# queued_at: when the notice was queued (epoch seconds), from which it is given up.
NOTICE_COLUMNS_ADDED = {"digest_id": "INTEGER", "settled_at": "TEXT", "queued_at": "REAL",
                        "report_day": "TEXT", "follows_id": "INTEGER", "title": "TEXT", "body": "TEXT",
                        "silence_id": "INTEGER", "neighbourhood_code": "TEXT"}
# Once per report day, once per escalation: what makes a second run or a restart send nothing twice.
ONCE = """
CREATE UNIQUE INDEX IF NOT EXISTS notices_brief_day ON notices (report_day) WHERE kind = 'brief';
CREATE UNIQUE INDEX IF NOT EXISTS notices_follow_up ON notices (follows_id) WHERE kind = 'resolved';
"""

KIND_LABELS = {"arrival": "报警提醒", "escalation": "超时升级", "digest": "汇总提醒", "resolved": "已处置",
               "brief": "日报摘要"}
STATUS_LABELS = {"pending": "待发送", "sent": "已送达", "folded": "已并入汇总", "failed": "已放弃（未能送达）",
                 "cancelled": "已撤销（报警已处置）", "silenced": "已静默"}
# The alarm types a leader may silence: a device under repair (offline, low battery) or a
# doorbell. A door opened or a sensor torn off at a flat under quarantine must reach the
# neighbourhood at once; door sensors are fitted to quarantined flats, so these two never are.
SILENCEABLE = ("offline", "low_battery", "doorbell")
NEVER_SILENCED = ("door_open", "tamper")
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
    con.executescript(ONCE)
    return con


# The columns a notice is queued with: the identifiers `enqueue` writes (never data).
QUEUED_COLUMNS = ("device_id", "neighbourhood", "neighbourhood_code", "building", "alarm_types", "first_raised",
                  "alarm_count", "target", "channel", "created_at", "status", "next_attempt", "queued_at",
                  "silence_id", "settled_at", "report_day", "follows_id", "title", "body")


def enqueue(con: sqlite3.Connection, kind: str, queued_at: float, **columns) -> int:
    """Puts a notice of `kind` in the queue and returns its id: pending and due at once
    from `queued_at` (the sending clock's epoch seconds, from which it is given up),
    unless `columns` say otherwise (a silenced notice: settled, never due)."""
    row = {"status": "pending", "next_attempt": queued_at, "queued_at": queued_at, **columns}
    unknown = set(row) - set(QUEUED_COLUMNS)
    if unknown:
        raise ValueError(f"not a column of a queued notice: {sorted(unknown)}")
    names = ["kind", *row]
    return con.execute(f"INSERT INTO notices ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                       [kind, *row.values()]).lastrowid


def recent_notifications(limit: int = 50, path: Path | None = None,
                         codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The latest send attempts, newest first, for the board's alarms page.

    Columns: attempted_at, kind ('arrival'/'escalation'), kind_label (Chinese),
    neighbourhood, building (no room), alarm_types (Chinese), alarm_count, first_raised,
    channel ('wecom'/'dingtalk'), attempt (1, 2, …; 0 for a silenced notice, never sent), ok
    (bool), http_status, error, notice_status (Chinese: 待发送/已送达/已静默/…). Empty when
    nothing was sent yet. `codes`: only the notices of these neighbourhoods (a viewer's scope;
    None = all); a notice of no known neighbourhood, and the leaders' brief, only for all."""
    frame = _read(path, """SELECT * FROM (
                 SELECT a.attempted_at, n.kind, n.neighbourhood, n.building, n.alarm_types, n.alarm_count,
                        n.first_raised, n.channel, a.attempt, a.ok, a.http_status, a.error, n.status AS notice_status,
                        a.attempt_id AS seq,
                        n.neighbourhood_code
                 FROM attempts a JOIN notices n USING (notice_id)
                 UNION ALL  -- a silenced notice is never attempted: its line is when it was silenced
                 SELECT settled_at, kind, neighbourhood, building, alarm_types, alarm_count, first_raised, channel,
                        0, 0, NULL, NULL, status, NULL, neighbourhood_code FROM notices WHERE status = 'silenced')
               WHERE ? OR neighbourhood_code IN (SELECT value FROM json_each(?))
               ORDER BY attempted_at DESC, seq DESC LIMIT ?""",
                  [codes is None, json.dumps(list(codes or ())), int(limit)])
    if frame is None:
        return pd.DataFrame(columns=COLUMNS)
    frame["kind_label"] = frame["kind"].map(KIND_LABELS)
    frame["notice_status"] = frame["notice_status"].map(STATUS_LABELS)
    frame["ok"] = frame["ok"].astype(bool)
    for col in ("attempted_at", "first_raised"):
        frame[col] = pd.to_datetime(frame[col], format="ISO8601")
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


DELIVERY_COLUMNS = ["report_day", "queued_at", "status", "status_label", "settled_at", "attempts", "last_error"]


def brief_delivery(day, path: Path | None = None) -> dict | None:
    """The delivery record of the brief's summary for report day `day` (date or ISO text):
    queued_at (local time), status and its label, settled_at, attempts, last_error; None
    when it was never queued (or there is no log)."""
    frame = _read(path, """SELECT report_day, created_at AS queued_at, status, settled_at, attempts,
                             (SELECT error FROM attempts a WHERE a.notice_id = n.notice_id AND NOT a.ok
                              ORDER BY attempt_id DESC LIMIT 1) AS last_error
                           FROM notices n WHERE kind = 'brief' AND report_day = ?""", [str(day)])
    if frame is None or frame.empty:
        return None
    record = frame.iloc[0].to_dict()
    record["status_label"] = STATUS_LABELS.get(record["status"], record["status"])
    return {k: record[k] for k in DELIVERY_COLUMNS}


class SilenceRefused(ValueError):
    """A silence the store does not keep: its message says why, for the form."""


def add_silence(path: Path, *, neighbourhood_code: str | None, neighbourhood: str | None, device_id: str | None,
                alarm_types: list[str], reason: str, by: str, now, until) -> int:
    """Keeps a leader's silence of robot notices (the board's one write to this store,
    with `end_silence`); returns its id. Refused: no scope, no reason, a type that may not
    be silenced (door_open, tamper), an end in the past or beyond `notify.silence_max_hours`."""
    reason = (reason or "").strip()
    device_id = (device_id or "").strip() or None
    types = list(dict.fromkeys(alarm_types))
    barred = [t for t in types if t not in SILENCEABLE]
    if barred:
        raise SilenceRefused("开门、防拆报警不可静默（隔离户开门须立即送达）；只可静默：离线、低电量、门铃"
                             if set(barred) <= set(NEVER_SILENCED) else f"未知的报警类型：{'、'.join(barred)}")
    if not types:
        raise SilenceRefused("请选择要静默的报警类型")
    if not neighbourhood_code and not device_id:
        raise SilenceRefused("请指定居民区或设备编号（不能静默全部居民区）")
    if not reason:
        raise SilenceRefused("请填写静默原因")
    longest = float(settings.get("notify.silence_max_hours"))
    if not now < until <= now + dt.timedelta(hours=longest):
        raise SilenceRefused(f"结束时间须晚于现在、且不超过 {longest:g} 小时之后")
    con = connect(path)
    try:
        return con.execute("""INSERT INTO silences (neighbourhood_code, neighbourhood, device_id, alarm_types, reason,
                                  created_by, created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                           [neighbourhood_code or None, neighbourhood, device_id, ",".join(types), reason, by,
                            _text(now), _text(until)]).lastrowid
    finally:
        con.close()


def end_silence(path: Path, silence_id: int, *, by: str, now) -> bool:
    """Ends a silence early; False when it had already ended."""
    con = connect(path)
    try:
        return con.execute("""UPDATE silences SET ended_by = ?, ended_at = ? WHERE silence_id = ?
                                  AND ended_at IS NULL AND ends_at > ?""",
                           [by, _text(now), int(silence_id), _text(now)]).rowcount == 1
    finally:
        con.close()


SILENCE_COLUMNS = ["silence_id", "neighbourhood", "device_id", "alarm_types", "reason", "created_by", "created_at",
                   "ends_at"]


def active_silences(now, path: Path | None = None) -> pd.DataFrame:
    """The silences in force at `now`, latest end last: who set them, why, until when."""
    frame = _read(path, """SELECT silence_id, neighbourhood, device_id, alarm_types, reason, created_by, created_at,
                             ends_at FROM silences WHERE ended_at IS NULL AND created_at <= ?1 AND ends_at > ?1
                           ORDER BY ends_at, silence_id""", [_text(now)])
    return pd.DataFrame(columns=SILENCE_COLUMNS) if frame is None else frame[SILENCE_COLUMNS]


def silence_covering(con: sqlite3.Connection, neighbourhood_code: str | None, device_id: str,
                     alarm_type: str | None, now) -> int | None:
    """The id of a silence in force at `now` that covers this alarm's notices, or None.
    Door-open and tamper alarms are never covered, whatever a silence says."""
    if alarm_type not in SILENCEABLE:
        return None
    row = con.execute("""SELECT silence_id FROM silences
                         WHERE ended_at IS NULL AND created_at <= ?1 AND ends_at > ?1
                           AND (neighbourhood_code IS NULL OR neighbourhood_code = ?2)
                           AND (device_id IS NULL OR device_id = ?3)
                           AND instr(',' || alarm_types || ',', ',' || ?4 || ',') > 0
                         ORDER BY silence_id LIMIT 1""", [_text(now), neighbourhood_code, device_id, alarm_type]).fetchone()
    return row[0] if row else None


def _text(moment) -> str:
    """Local times as the log keeps them: ISO text with a space, to the second."""
    return moment.replace(microsecond=0).isoformat(sep=" ")
