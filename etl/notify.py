"""Notices to phones through group-robot webhooks (WeCom / DingTalk markdown).

- An arrival notice when an alarm of `notify.arrival_types` (door_open) arrives, and an
  escalation when an alarm is still open or in progress after
  `notify.escalate_minutes.<type>` minutes. handled / false_alarm / pre_reported alarms
  are never escalated (nor announced).
- Alarms of one device within `notify.burst_window_seconds` of a notice's first alarm
  join that notice: one message per burst, not one per door opening.
- Masked content only: neighbourhood, building (never the room), alarm type, minutes.
- Each neighbourhood's robot URL comes from the pack's `notify.toml`; with no URL
  nothing is sent (off until configured), and such alarms are not recorded, so a
  neighbourhood configured later still gets what is recent.
- Delivery retries with exponential backoff; every attempt goes to the notification
  log (etl.notify_log). The database is read READ-ONLY on a short-lived connection to
  the generation the live link points at: the notifier never writes DuckDB.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from . import notify_log, privacy, settings
from .spool import local_now
from .webhook import NotifyConfig, payload, post

log = logging.getLogger("etl.notify")

TYPE_LABELS = {"door_open": "开门报警", "offline": "设备离线", "low_battery": "低电量",
               "tamper": "防拆报警", "doorbell": "门铃"}
TERMINAL = ("handled", "false_alarm", "pre_reported")
KINDS = ("arrival", "escalation")


@dataclass
class Policy:
    arrival_types: tuple[str, ...] = ("door_open",)
    arrival_max_age: dt.timedelta = dt.timedelta(minutes=60)
    escalate_minutes: dict[str, int] = field(default_factory=dict)
    escalate_max_age: dt.timedelta = dt.timedelta(hours=24)
    burst_window: dt.timedelta = dt.timedelta(minutes=5)
    retry_max: int = 5
    retry_base: float = 2.0
    timeout: float = 5.0

    @classmethod
    def from_settings(cls, **overrides) -> "Policy":
        g = settings.get
        values = dict(
            arrival_types=tuple(t.strip() for t in g("notify.arrival_types").split(",") if t.strip()),
            arrival_max_age=dt.timedelta(minutes=g("notify.arrival_max_age_minutes")),
            escalate_minutes={t: int(g(f"notify.escalate_minutes.{t}")) for t in TYPE_LABELS},
            escalate_max_age=dt.timedelta(hours=g("notify.escalate_max_age_hours")),
            burst_window=dt.timedelta(seconds=g("notify.burst_window_seconds")),
            retry_max=int(g("notify.retry_max_attempts")), retry_base=float(g("notify.retry_base_seconds")),
            timeout=float(g("notify.timeout_seconds")))
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class Alarm:
    alarm_id: str
    device_id: str
    alarm_type: str | None
    raised_at: dt.datetime
    neighbourhood: str | None
    neighbourhood_code: str | None
    address: str | None
    status: str


def open_alarms(db_path: Path, since: dt.datetime) -> list[Alarm] | None:
    """Alarms raised since `since` that are not closed, from the live generation,
    on a short-lived read-only connection (never blocks or waits for the loader).
    None when the database cannot be read just now."""
    target = Path(db_path).resolve()
    if not target.exists():
        return []
    terminal = ", ".join(f"'{s}'" for s in TERMINAL)
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            rows = con.execute(f"""SELECT alarm_id, device_id, alarm_type, raised_at, neighbourhood,
                    neighbourhood_code, address, status FROM alarms
                    WHERE raised_at >= ? AND coalesce(status, 'open') NOT IN ({terminal})
                    ORDER BY device_id, raised_at, alarm_id""", [since]).fetchall()
        finally:
            con.close()
    except duckdb.CatalogException:
        return []  # a database without alarms yet
    except duckdb.IOException as exc:
        log.warning("暂时无法读取数据库，稍后重试：%s", str(exc).splitlines()[0][:160])
        return None
    return [Alarm(*row[:7], row[7] or "open") for row in rows]


def building_of(address: str | None) -> str:
    """Road, lane and building only: the address is cut where a room number that slipped into
    it begins (etl/privacy.py's room pattern: 5幢301室, 5-301, 3号楼502), phones masked."""
    marked = privacy.mark_rooms(privacy.redact(address or ""))
    return marked.split(privacy.ROOM_MARK, 1)[0].rstrip(" -－").strip() or "（地址不详）"


def compose(kind: str, notice: dict, now: dt.datetime) -> tuple[str, str]:
    """(title, markdown) of a notice: masked content only."""
    first = dt.datetime.fromisoformat(notice["first_raised"])
    minutes = max(0, int((now - first).total_seconds() // 60))
    count = notice["alarm_count"]
    times = f"（{count} 次）" if count > 1 else ""
    title = "门磁报警提醒" if kind == "arrival" else "报警超时未处置"
    lines = [f"### {title}",
             f"> 居民区：{notice['neighbourhood']}",
             f"> 楼栋：{notice['building']}",
             f"> 类型：{notice['alarm_types']}{times}",
             f"> 报警时间：{first:%m-%d %H:%M}"]
    if kind == "arrival":
        lines.append(f"> 已 {minutes} 分钟，请及时核实处置")
    else:
        lines.append(f"> 已 {minutes} 分钟未处置，请居民区负责人跟进")
    return title, privacy.mask_free_text("\n".join(lines))


class Notifier:
    """Plans notices from the database and delivers them; one per notification log."""

    def __init__(self, db_path: Path, config: NotifyConfig | None = None, policy: Policy | None = None,
                 log_file: Path | None = None, now: Callable[[], dt.datetime] = local_now):
        self.db_path = Path(db_path)
        self.config = config if config is not None else NotifyConfig.load()
        self.policy = policy or Policy.from_settings()
        self.log_file = Path(log_file or notify_log.log_path(self.db_path))
        self.now = now
        self._con = notify_log.connect(self.log_file)

    def close(self) -> None:
        self._con.close()

    def run_once(self) -> int:
        """Plans new notices, then sends what is due; returns the messages delivered."""
        if not self.config.enabled:
            return 0
        self.plan()
        return self.deliver_due()

    def drain(self, max_seconds: float = 60.0) -> int:
        """run_once, then keeps retrying until nothing is pending or time is up."""
        sent = self.run_once()
        deadline = time.monotonic() + max_seconds
        while (wait := self.next_due_in()) is not None and time.monotonic() + wait < deadline:
            time.sleep(wait)
            sent += self.deliver_due()
        return sent

    def plan(self) -> int:
        now, p = self.now(), self.policy
        oldest = now - max(p.arrival_max_age, p.escalate_max_age)
        alarms = open_alarms(self.db_path, oldest) or []
        created = 0
        con = self._con
        con.execute("BEGIN IMMEDIATE")
        try:
            for kind in KINDS:
                for alarm in alarms:
                    if self._due(kind, alarm, now):
                        created += self._assign(kind, alarm, now)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return created

    def _due(self, kind: str, alarm: Alarm, now: dt.datetime) -> bool:
        age = now - alarm.raised_at
        if kind == "arrival":  # one already overdue when it arrives gets the escalation alone
            return (alarm.alarm_type in self.policy.arrival_types and age <= self.policy.arrival_max_age
                    and not self._due("escalation", alarm, now))
        minutes = self.policy.escalate_minutes.get(alarm.alarm_type or "", 0)
        return minutes > 0 and age >= dt.timedelta(minutes=minutes) and age <= self.policy.escalate_max_age

    def _assign(self, kind: str, alarm: Alarm, now: dt.datetime) -> int:
        """Records the alarm against a notice: the device's burst notice if it has one
        within the window, else a new pending notice. Returns 1 for a new notice."""
        con = self._con
        if con.execute("SELECT 1 FROM notice_alarms WHERE alarm_id = ? AND kind = ?",
                       [alarm.alarm_id, kind]).fetchone():
            return 0
        target = self.config.target_for(alarm.neighbourhood, alarm.neighbourhood_code)
        if target is None:
            return 0
        label = TYPE_LABELS.get(alarm.alarm_type or "", alarm.alarm_type or "报警")
        window = self.policy.burst_window.total_seconds()
        burst = con.execute(
            """SELECT notice_id, alarm_types FROM notices WHERE kind = ? AND device_id = ?
               AND abs(julianday(first_raised) - julianday(?)) * 86400 < ? ORDER BY first_raised DESC LIMIT 1""",
            [kind, alarm.device_id, alarm.raised_at.isoformat(sep=" "), window]).fetchone()
        if burst:
            notice_id, types = burst
            merged = "、".join(dict.fromkeys(types.split("、") + [label]))
            con.execute("UPDATE notices SET alarm_count = alarm_count + 1, alarm_types = ? WHERE notice_id = ?",
                        [merged, notice_id])
            created = 0
        else:
            notice_id = con.execute(
                """INSERT INTO notices (kind, device_id, neighbourhood, building, alarm_types, first_raised,
                       alarm_count, target, channel, created_at, status, next_attempt)
                   VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'pending', ?)""",
                [kind, alarm.device_id, alarm.neighbourhood or "未识别居民区", building_of(alarm.address), label,
                 alarm.raised_at.isoformat(sep=" "), target.key, target.channel, now.isoformat(sep=" "),
                 time.time()]).lastrowid
            created = 1
        con.execute("INSERT INTO notice_alarms VALUES (?, ?, ?)", [alarm.alarm_id, kind, notice_id])
        return created

    def deliver_due(self) -> int:
        con = self._con
        con.row_factory = _dict_row
        try:
            due = con.execute("""SELECT * FROM notices WHERE status = 'pending' AND next_attempt <= ?
                                 ORDER BY notice_id""", [time.time()]).fetchall()
        finally:
            con.row_factory = None
        delivered = 0
        still_open = self._open_ids() if due else set()
        for notice in due:
            if not self._still_open(notice["notice_id"], still_open):
                # Handled (or reported) while the notice waited for a retry: say nothing.
                con.execute("UPDATE notices SET status = 'cancelled', next_attempt = NULL WHERE notice_id = ?",
                            [notice["notice_id"]])
                continue
            target = self.config.targets.get(notice["target"])
            attempt = notice["attempts"] + 1
            t0 = time.perf_counter()
            if target is None:
                ok, status, error = False, None, "该居民区的群机器人配置已被删除"
            else:
                title, text = compose(notice["kind"], notice, self.now())
                ok, status, error = post(target, payload(target.channel, title, text), self.policy.timeout)
            final = ok or target is None or attempt >= self.policy.retry_max
            state = "sent" if ok else ("failed" if final else "pending")
            retry_at = None if final else time.time() + self.policy.retry_base * 2 ** (attempt - 1)
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO attempts (notice_id, attempted_at, attempt, ok, http_status, error, seconds) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", [notice["notice_id"], _wall_clock(), attempt,
                                                         int(ok), status, error or None, time.perf_counter() - t0])
            con.execute("UPDATE notices SET status = ?, attempts = ?, next_attempt = ? WHERE notice_id = ?",
                        [state, attempt, retry_at, notice["notice_id"]])
            con.execute("COMMIT")
            delivered += ok
            level = logging.INFO if ok else logging.WARNING
            log.log(level, "%s %s（%s）第 %d 次发送：%s", notice_log_label(notice), notice["neighbourhood"],
                    notice["channel"], attempt, "成功" if ok else f"失败，{error}")
        return delivered

    def _open_ids(self) -> set[str] | None:
        oldest = self.now() - max(self.policy.arrival_max_age, self.policy.escalate_max_age)
        alarms = open_alarms(self.db_path, oldest)
        return None if alarms is None else {a.alarm_id for a in alarms}

    def _still_open(self, notice_id: int, open_ids: set[str] | None) -> bool:
        if open_ids is None:
            return True  # cannot tell just now: send rather than stay silent
        ids = self._con.execute("SELECT alarm_id FROM notice_alarms WHERE notice_id = ?", [notice_id]).fetchall()
        return any(alarm_id in open_ids for (alarm_id,) in ids)

    def next_due_in(self) -> float | None:
        row = self._con.execute("SELECT min(next_attempt) FROM notices WHERE status = 'pending'").fetchone()
        return None if row[0] is None else max(0.0, row[0] - time.time())


def notice_log_label(notice: dict) -> str:
    return notify_log.KIND_LABELS.get(notice["kind"], notice["kind"])


def _dict_row(cursor, row) -> dict:
    return {d[0]: v for d, v in zip(cursor.description, row)}


@contextmanager
def notifier_lock(log_file: Path):
    """One notifier per log: two would send the same pending notice twice."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file.with_name(log_file.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotifierBusy(f"另一个提醒进程正在使用 {log_file}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class NotifierBusy(RuntimeError):
    pass


class NotifierLoop:
    """Runs a Notifier every `poll` seconds, at once when woken (after a load), and
    when a retry falls due; in a thread inside `watch` or in the main thread."""

    def __init__(self, notifier: Notifier, poll: float | None = None):
        self.notifier = notifier
        self.poll = float(poll or settings.get("notify.poll_seconds"))
        self.wake_event = threading.Event()
        self.stop_event = threading.Event()

    def wake(self) -> None:
        self.wake_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake_event.set()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.notifier.run_once()
            except Exception:  # the feed to phones must outlive a bad moment
                log.exception("提醒检查出错，稍后重试")
            due = self.notifier.next_due_in()
            self.wake_event.wait(self.poll if due is None else min(self.poll, max(0.05, due)))
            self.wake_event.clear()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="notifier", daemon=True)
        thread.start()
        return thread


def _wall_clock() -> str:
    """When an attempt was made: real Shanghai time to the microsecond (the planning
    clock `now` may be a replay's)."""
    from .spool import SHANGHAI
    return dt.datetime.now(SHANGHAI).replace(tzinfo=None).isoformat(sep=" ")
