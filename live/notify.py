"""Notices to phones through group-robot webhooks (WeCom / DingTalk markdown).

- An arrival notice when an alarm of `notify.arrival_types` (door_open) arrives, and an
  escalation when an alarm is still open or in progress after
  `notify.escalate_minutes.<type>` minutes. handled / false_alarm / pre_reported alarms
  are never escalated (nor announced).
- Alarms of one device within `notify.burst_window_seconds` of a notice's first alarm
  join that notice: one message per burst, not one per door opening.
- Masked content only: neighbourhood, building (never the room), alarm type, minutes
  (the wording is live/notice_text.py's).
- Each neighbourhood's robot URL comes from the pack's `notify.toml`; with no URL
  nothing is sent (off until configured), and such alarms are not recorded, so a
  neighbourhood configured later still gets what is recent.
- Delivery goes through the notification log (core.notify_log), which is the queue: a
  notice waits there for its robot's token bucket (the robots take about 20 messages a
  minute), through a pause after the robot refused for sending too fast (DingTalk then
  refuses for 10 minutes), and through retries with exponential backoff after a failure,
  until it is sent or, after `notify.give_up_minutes`, given up. When more notices of a
  robot are due than it may be sent now, each neighbourhood's are folded into one
  digest. Every attempt, fold and give-up is in the log with its time. The database is
  read READ-ONLY on a short-lived connection to the generation the live link points
  at: the notifier never writes DuckDB.
- Silences (set by a leader on the board, kept in the log): a notice an active silence
  covers is recorded as `silenced` and not sent. Door-open and tamper alarms are never
  silenced.
- A follow-up: an escalation that was delivered and whose alarms are all closed since
  gets one short "已处置" message to the same group (building only, no room, no names).
- The daily brief's summary for the leaders' group (live.brief_delivery) is queued here
  at `brief.send_time` and delivered through the same queue.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from core import notify_log
from live import brief_delivery
from live.notice_text import building_of, compose, compose_digest, compose_follow_up
from etl import live_alarms
from etl.sources import SOURCES
from core import settings
from core.lock import file_lock
from live.spool import SHANGHAI, local_now
from live.webhook import Delivery, NotifyConfig, Target, payload, post

log = logging.getLogger("etl.notify")

TYPE_LABELS = {"door_open": "开门报警", "offline": "设备离线", "low_battery": "低电量",
               "tamper": "防拆报警", "doorbell": "门铃"}
# Closed alarms (handled, false alarm, pre-reported): the statuses a load never reopens.
TERMINAL = SOURCES["alarms"].terminal_status
KINDS = ("arrival", "escalation")
# Notices about alarms still open: withdrawn when their alarms are handled first, folded
# into a digest when too many are due. A follow-up or the brief's summary is neither.
ALARM_KINDS = KINDS + ("digest",)
# A robot that refused for sending too fast is paused, doubling on each refusal in a row,
# up to DingTalk's 10-minute ban.
MAX_PAUSE_SECONDS = 600.0
# A brief's summary that could not be built (no database yet, a bad moment) is tried again
# after this long, not on every poll: building it reads the whole day's figures.
BRIEF_RETRY_SECONDS = 300.0


@dataclass
class Policy:
    arrival_types: tuple[str, ...] = ("door_open",)
    arrival_max_age: dt.timedelta = dt.timedelta(minutes=60)
    escalate_minutes: dict[str, int] = field(default_factory=dict)
    escalate_max_age: dt.timedelta = dt.timedelta(hours=24)
    burst_window: dt.timedelta = dt.timedelta(minutes=5)
    give_up: dt.timedelta = dt.timedelta(minutes=120)
    retry_base: float = 2.0
    retry_max_seconds: float = 300.0
    refused_pause: float = 60.0
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
            give_up=dt.timedelta(minutes=g("notify.give_up_minutes")), retry_base=float(g("notify.retry_base_seconds")),
            retry_max_seconds=float(g("notify.retry_max_seconds")),
            refused_pause=float(g("notify.refused_pause_seconds")), timeout=float(g("notify.timeout_seconds")))
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
    """Alarms raised since `since` that are not closed, from the live generation.
    None when the database cannot be read just now."""
    rows = _read_alarms(db_path, """SELECT alarm_id, device_id, alarm_type, raised_at, neighbourhood,
                    neighbourhood_code, address, status FROM alarms
                    WHERE raised_at >= ? AND NOT list_contains(?, coalesce(status, 'open'))
                    ORDER BY device_id, raised_at, alarm_id""", [since, list(TERMINAL)])
    return None if rows is None else [Alarm(*row[:7], row[7] or "open") for row in rows]


def closed_alarms(db_path: Path, alarm_ids: list[str]) -> dict[str, tuple[str, dt.datetime | None]] | None:
    """alarm_id -> (status, handled_at) of those of `alarm_ids` now closed (handled, false
    alarm, pre-reported); None when the database cannot be read just now."""
    if not alarm_ids:
        return {}
    rows = _read_alarms(db_path, """SELECT alarm_id, status, handled_at FROM alarms
                                    WHERE list_contains(?, alarm_id) AND list_contains(?, status)""",
                        [list(alarm_ids), list(TERMINAL)])
    return None if rows is None else {alarm_id: (status, handled_at) for alarm_id, status, handled_at in rows}


def _read_alarms(db_path: Path, sql: str, params: list) -> list[tuple] | None:
    """The rows of a query on the live generation, on a short-lived read-only connection
    (never blocks or waits for the loader); none before there is a database or an alarms
    table, None when the database cannot be read just now."""
    if not Path(db_path).resolve().exists():
        return []
    try:
        return live_alarms.read(db_path, sql, params)
    except duckdb.CatalogException:
        return []  # a database without alarms yet
    except duckdb.IOException as exc:
        log.warning("暂时无法读取数据库，稍后重试：%s", str(exc).splitlines()[0][:160])
        return None


class Notifier:
    """Plans notices from the database and delivers them; one per notification log."""

    def __init__(self, db_path: Path, config: NotifyConfig | None = None, policy: Policy | None = None,
                 log_file: Path | None = None, now: Callable[[], dt.datetime] = local_now,
                 clock: Callable[[], float] | None = None):
        """`now` dates alarms (a replay's clock in the live demo); `clock` (epoch
        seconds, default time.time) times sending: retries, robot budgets and pauses,
        give-ups."""
        self.db_path = Path(db_path)
        self.config = config if config is not None else NotifyConfig.load()
        self.policy = policy or Policy.from_settings()
        self.log_file = Path(log_file or notify_log.log_path(self.db_path))
        self.now = now
        self.clock = clock or time.time
        self._con = notify_log.connect(self.log_file)
        self._brief_retry_at = 0.0  # after a brief that could not be built: when to try again

    def close(self) -> None:
        self._con.close()

    def run_once(self) -> int:
        """Plans new notices (and the brief's summary when due), then sends what is due;
        returns the messages delivered."""
        if not self.config.enabled:
            return 0
        if self.config.targets:  # with the leaders' group alone there is no alarm to plan for
            self.plan()
        if self.clock() >= self._brief_retry_at:
            try:
                self.queue_brief()
            except Exception:  # the alarm notices below must not wait for the brief
                self._brief_retry_at = self.clock() + BRIEF_RETRY_SECONDS
                log.exception("日报摘要暂时无法生成，%.0f 分钟后重试", BRIEF_RETRY_SECONDS / 60)
        return self.deliver_due()

    def queue_brief(self, day: dt.date | None = None) -> bool:
        """Queues the brief's summary of `day` (default: the one due now, if any) for the
        leaders' group, once per report day; True when queued now."""
        day = day or brief_delivery.due_day(self.now(), self.config)
        if day is None:
            return False
        # No transaction around it: building the brief takes seconds, and the board may be
        # writing a silence meanwhile; the insert is one statement, unique per report day.
        return brief_delivery.queue(self._con, self.db_path, self.config, day, self.now(), self.clock())

    def drain(self, max_seconds: float = 60.0, plan: bool = True) -> int:
        """run_once (with `plan` False: only what is queued already is sent, nothing new is
        planned), then keeps retrying until nothing is pending or time is up."""
        sent = self.run_once() if plan else (self.deliver_due() if self.config.enabled else 0)
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
        with self._transaction():
            for kind in KINDS:
                for alarm in alarms:
                    if self._due(kind, alarm, now):
                        created += self._assign(kind, alarm, now)
        return created + self.plan_follow_ups()

    def plan_follow_ups(self) -> int:
        """One "已处置" follow-up for each delivered escalation (sent, or folded into a sent
        digest) of the last `notify.escalate_max_age_hours` whose alarms are all closed now."""
        now = self.now()
        escalations = self._select(
            """SELECT e.* FROM notices e WHERE e.kind = 'escalation' AND e.created_at >= ?
                 AND (e.status = 'sent' OR (e.status = 'folded' AND e.digest_id IN
                      (SELECT notice_id FROM notices WHERE kind = 'digest' AND status = 'sent')))
                 AND NOT EXISTS (SELECT 1 FROM notices f WHERE f.kind = 'resolved' AND f.follows_id = e.notice_id)""",
            [(now - self.policy.escalate_max_age).isoformat(sep=" ")])
        if not escalations:
            return 0
        covers: dict[int, list[str]] = {notice["notice_id"]: [] for notice in escalations}
        for notice_id, alarm_id in self._con.execute(
                """SELECT notice_id, alarm_id FROM notice_alarms WHERE kind = 'escalation'
                   AND notice_id IN (SELECT value FROM json_each(?)) ORDER BY rowid""", [json.dumps(list(covers))]):
            covers[notice_id].append(alarm_id)
        closed = closed_alarms(self.db_path, sorted({a for ids in covers.values() for a in ids}))
        if closed is None:
            return 0
        created = 0
        queued = self.clock()
        with self._transaction():
            for notice in escalations:
                ids = covers[notice["notice_id"]]
                if not ids or any(a not in closed for a in ids):
                    continue
                status, handled_at = max((closed[a] for a in ids), key=lambda c: c[1] or dt.datetime.min)
                title, text = compose_follow_up(notice, status, handled_at)
                notify_log.enqueue(
                    self._con, "resolved", queued, created_at=now.isoformat(sep=" "), follows_id=notice["notice_id"],
                    title=title, body=text, **{c: notice[c] for c in (
                        "device_id", "neighbourhood", "neighbourhood_code", "building", "alarm_types", "first_raised",
                        "alarm_count", "target", "channel")})
                created += 1
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
        silence = notify_log.silence_covering(con, alarm.neighbourhood_code, alarm.device_id, alarm.alarm_type, now)
        label = TYPE_LABELS.get(alarm.alarm_type or "", alarm.alarm_type or "报警")
        window = self.policy.burst_window.total_seconds()
        # A burst joins a notice silenced as it is, or one not silenced: an alarm no silence
        # covers (a door opening) never disappears into a silenced notice.
        burst = con.execute(
            """SELECT notice_id, alarm_types FROM notices WHERE kind = ? AND device_id = ?
               AND abs(julianday(first_raised) - julianday(?)) * 86400 < ? AND (status = 'silenced') = ?
               ORDER BY first_raised DESC LIMIT 1""",
            [kind, alarm.device_id, alarm.raised_at.isoformat(sep=" "), window, int(silence is not None)]).fetchone()
        if burst:
            notice_id, types = burst
            merged = "、".join(dict.fromkeys(types.split("、") + [label]))
            con.execute("UPDATE notices SET alarm_count = alarm_count + 1, alarm_types = ? WHERE notice_id = ?",
                        [merged, notice_id])
            created = 0
        else:
            queued = self.clock()
            # A silenced notice is kept, settled at once, never sent: the log shows it as 已静默.
            settled = {"status": "silenced", "next_attempt": None, "silence_id": silence,
                       "settled_at": now.isoformat(sep=" ", timespec="seconds")} if silence else {}
            notice_id = notify_log.enqueue(
                con, kind, queued, device_id=alarm.device_id, neighbourhood=alarm.neighbourhood or "未识别居民区",
                neighbourhood_code=alarm.neighbourhood_code, building=building_of(alarm.address), alarm_types=label,
                first_raised=alarm.raised_at.isoformat(sep=" "), alarm_count=1, target=target.key,
                channel=target.channel, created_at=now.isoformat(sep=" "), **settled)
            if silence:
                log.info("%s %s 的提醒已静默（静默 #%d）", notify_log.KIND_LABELS.get(kind, kind), alarm.neighbourhood, silence)
            created = 1
        con.execute("INSERT INTO notice_alarms VALUES (?, ?, ?)", [alarm.alarm_id, kind, notice_id])
        return created

    def deliver_due(self) -> int:
        """Sends what is due, robot by robot within each one's budget; returns the
        messages delivered. What cannot go now stays queued with its next time."""
        now = self.clock()
        due = self._select("SELECT * FROM notices WHERE status = 'pending' AND next_attempt <= ? ORDER BY notice_id",
                           [now])
        still_open = self._open_ids() if due else set()
        robots: dict[str, tuple[Target, list[dict]]] = {}
        for notice in due:
            target = self.config.target(notice["target"])
            if notice["kind"] in ALARM_KINDS and not self._still_open(notice, still_open):
                # Handled (or reported) while the notice waited: say nothing.
                self._settle(notice["notice_id"], "cancelled", now)
            elif target is None:
                self._give_up(notice, now, "该居民区的群机器人配置已被删除")
            elif now >= self._deadline(notice):
                self._give_up(notice, now, f"{self.policy.give_up.total_seconds() / 60:.0f} 分钟内未能送达")
            else:
                robots.setdefault(target.robot, (target, []))[1].append(notice)
        return sum(self._deliver_to(target, notices, now) for target, notices in robots.values())

    def _deliver_to(self, target: Target, notices: list[dict], now: float) -> int:
        bucket = RobotBudget.load(self._con, target, now)
        if bucket.paused_until > now:
            self._postpone(notices, bucket.paused_until)
            return 0
        if len(notices) > int(bucket.tokens):
            notices = self._fold(notices, now)
        delivered = 0
        for i, notice in enumerate(notices):
            if bucket.tokens < 1:
                self._postpone(notices[i:], bucket.next_token_at(now))
                break
            bucket.tokens -= 1
            attempt = notice["attempts"] + 1
            t0 = time.perf_counter()
            title, text = self._compose(notice)
            sent = post(target, payload(target.channel, title, text), self.policy.timeout)
            error = sent.error
            if sent.refused:
                bucket.pause(now, max(sent.retry_after or 0.0,
                                      min(MAX_PAUSE_SECONDS, self.policy.refused_pause * 2 ** bucket.refusals)))
                error += f"（发送过快被拒收，暂停至 {_at(bucket.paused_until):%H:%M:%S}）"
            elif sent.ok:
                bucket.refusals = 0
            with self._transaction():  # the attempt and the notice's new state together
                self._record(notice, attempt, sent, error, now, time.perf_counter() - t0)
                if sent.ok:
                    self._settle(notice["notice_id"], "sent", now, attempt)
                elif sent.refused:
                    self._postpone(notices[i:], bucket.paused_until, {notice["notice_id"]: attempt})
                else:
                    retry_at = now + min(self.policy.retry_max_seconds, self.policy.retry_base * 2 ** (attempt - 1))
                    if retry_at >= self._deadline(notice):
                        self._give_up(notice, now, error, attempt)
                    else:
                        self._postpone([notice], retry_at, {notice["notice_id"]: attempt})
            delivered += sent.ok
            log.log(logging.INFO if sent.ok else logging.WARNING, "%s %s（%s）第 %d 次发送：%s",
                    notice_log_label(notice), notice["neighbourhood"], notice["channel"], attempt,
                    "成功" if sent.ok else f"失败，{error}")
            if sent.refused:
                break
        bucket.save(self._con, now)
        return delivered

    @contextmanager
    def _transaction(self):
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def _fold(self, notices: list[dict], now: float) -> list[dict]:
        """More notices due than the robot may take now: each neighbourhood's become one
        digest (a pending digest of that neighbourhood takes the newcomers in)."""
        groups: dict[str, list[dict]] = {}
        out = []
        for notice in notices:
            if notice["kind"] in ALARM_KINDS:
                groups.setdefault(notice["neighbourhood"], []).append(notice)
            else:
                out.append(notice)
        con = self._con
        for neighbourhood, group in groups.items():
            if len(group) == 1:
                out.append(group[0])
                continue
            digest = next((n for n in group if n["kind"] == "digest"), None)
            with self._transaction():
                if digest is None:
                    digest_id = notify_log.enqueue(  # its queued_at: its members' earliest, set below
                        con, "digest", now, neighbourhood=neighbourhood, alarm_count=0,
                        created_at=self.now().isoformat(sep=" "),
                        **{c: group[0][c] for c in ("neighbourhood_code", "first_raised", "target", "channel")})
                else:
                    digest_id = digest["notice_id"]
                folded = [n["notice_id"] for n in group if n["notice_id"] != digest_id]
                con.executemany("""UPDATE notices SET status = 'folded', digest_id = ?, settled_at = ?,
                                       next_attempt = NULL WHERE notice_id = ?""",
                                [(digest_id, _at_text(now), notice_id) for notice_id in folded])
                members = self._select("SELECT * FROM notices WHERE digest_id = ?", [digest_id])
                types = "、".join(dict.fromkeys(t for m in members for t in (m["alarm_types"] or "").split("、") if t))
                con.execute("""UPDATE notices SET alarm_count = ?, first_raised = ?, building = ?, alarm_types = ?,
                                   queued_at = ? WHERE notice_id = ?""",
                            [sum(m["alarm_count"] for m in members), min(m["first_raised"] for m in members),
                             f"{len({m['building'] for m in members})} 处楼栋", types,
                             min(m["queued_at"] if m["queued_at"] is not None else now for m in members), digest_id])
            log.info("%s：%d 条提醒同时待发，超出群机器人的发送频率，并为一条汇总", neighbourhood, len(folded))
            out.append(self._select("SELECT * FROM notices WHERE notice_id = ?", [digest_id])[0])
        return sorted(out, key=lambda n: n["first_raised"])

    def _compose(self, notice: dict) -> tuple[str, str]:
        if notice["body"] is not None:  # a follow-up or the brief's summary: made when queued
            return notice["title"], notice["body"]
        if notice["kind"] != "digest":
            return compose(notice["kind"], notice, self.now())
        members = self._select("SELECT * FROM notices WHERE digest_id = ? ORDER BY first_raised, notice_id",
                               [notice["notice_id"]])
        return compose_digest(notice["neighbourhood"], members, self.now())

    def _deadline(self, notice: dict) -> float:
        queued = notice["queued_at"] if notice["queued_at"] is not None else notice["next_attempt"]
        return queued + self.policy.give_up.total_seconds()

    def _record(self, notice: dict, attempt: int, sent: Delivery, error: str, now: float, seconds: float) -> None:
        self._con.execute("INSERT INTO attempts (notice_id, attempted_at, attempt, ok, http_status, error, seconds) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)", [notice["notice_id"], _at_text(now), attempt, int(sent.ok),
                                                           sent.status, error or None, seconds])

    def _settle(self, notice_id: int, status: str, now: float, attempts: int | None = None) -> None:
        self._con.execute("""UPDATE notices SET status = ?, settled_at = ?, next_attempt = NULL,
                                 attempts = coalesce(?, attempts) WHERE notice_id = ?""",
                          [status, _at_text(now), attempts, notice_id])

    def _give_up(self, notice: dict, now: float, reason: str, attempts: int | None = None) -> None:
        self._settle(notice["notice_id"], "failed", now, attempts)
        log.warning("%s %s 放弃发送：%s", notice_log_label(notice), notice["neighbourhood"], reason)

    def _postpone(self, notices: list[dict], when: float, attempts: dict[int, int] | None = None) -> None:
        for notice in notices:
            attempt = (attempts or {}).get(notice["notice_id"], notice["attempts"])
            self._con.execute("UPDATE notices SET next_attempt = ?, attempts = ? WHERE notice_id = ?",
                              [when, attempt, notice["notice_id"]])

    def _select(self, sql: str, params: list) -> list[dict]:
        self._con.row_factory = _dict_row
        try:
            return self._con.execute(sql, params).fetchall()
        finally:
            self._con.row_factory = None

    def _open_ids(self) -> set[str] | None:
        oldest = self.now() - max(self.policy.arrival_max_age, self.policy.escalate_max_age)
        alarms = open_alarms(self.db_path, oldest)
        return None if alarms is None else {a.alarm_id for a in alarms}

    def _still_open(self, notice: dict, open_ids: set[str] | None) -> bool:
        if open_ids is None:
            return True  # cannot tell just now: send rather than stay silent
        ids = self._con.execute("""SELECT alarm_id FROM notice_alarms WHERE notice_id = ?1
                                   OR notice_id IN (SELECT notice_id FROM notices WHERE digest_id = ?1)""",
                                [notice["notice_id"]]).fetchall()
        return any(alarm_id in open_ids for (alarm_id,) in ids)

    def next_due_in(self) -> float | None:
        row = self._con.execute("SELECT min(next_attempt) FROM notices WHERE status = 'pending'").fetchone()
        return None if row[0] is None else max(0.0, row[0] - self.clock())


@dataclass
class RobotBudget:
    """A robot's token bucket in the notification log: `burst` tokens at most, refilled
    at `per_minute`; one token per message. A refusal for sending too fast empties it
    and pauses the robot."""
    robot: str
    per_minute: float
    burst: int
    tokens: float
    paused_until: float = 0.0
    refusals: int = 0

    @classmethod
    def load(cls, con, target: Target, now: float) -> "RobotBudget":
        row = con.execute("SELECT tokens, refilled_at, paused_until, refusals FROM robots WHERE robot = ?",
                          [target.robot]).fetchone()
        if row is None:
            return cls(target.robot, target.per_minute, target.burst, float(target.burst))
        tokens, refilled_at, paused_until, refusals = row
        tokens = min(float(target.burst), tokens + max(0.0, now - refilled_at) * target.per_minute / 60)
        return cls(target.robot, target.per_minute, target.burst, tokens, paused_until or 0.0, refusals)

    def next_token_at(self, now: float) -> float:
        return now + (1 - self.tokens) * 60 / self.per_minute

    def pause(self, now: float, seconds: float) -> None:
        self.tokens = 0.0
        self.paused_until = now + seconds
        self.refusals += 1

    def save(self, con, now: float) -> None:
        con.execute("""INSERT INTO robots (robot, tokens, refilled_at, paused_until, refusals) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (robot) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at,
                           paused_until = excluded.paused_until, refusals = excluded.refusals""",
                    [self.robot, self.tokens, now, self.paused_until or None, self.refusals])


def notice_log_label(notice: dict) -> str:
    return notify_log.KIND_LABELS.get(notice["kind"], notice["kind"])


def _dict_row(cursor, row) -> dict:
    return {d[0]: v for d, v in zip(cursor.description, row)}


@contextmanager
def notifier_lock(log_file: Path):
    """One notifier per log: two would send the same pending notice twice."""
    with file_lock(log_file.with_name(log_file.name + ".lock"), NotifierBusy(f"另一个提醒进程正在使用 {log_file}")):
        yield


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


def _at(epoch: float) -> dt.datetime:
    """An epoch time of the sending clock as Shanghai local time."""
    return dt.datetime.fromtimestamp(epoch, SHANGHAI).replace(tzinfo=None)


def _at_text(epoch: float) -> str:
    return _at(epoch).isoformat(sep=" ")


def start_notifier(db: Path, stack: ExitStack, config_file: Path | None = None):
    """A notifier thread for `watch`, or None when no robot is configured or another
    notifier already runs on this log."""
    config = NotifyConfig.load(config_file)
    if not config.enabled:
        log.info("未配置群机器人（%s），不发送报警提醒", config_file or "notify.toml")
        return None
    try:
        stack.enter_context(notifier_lock(notify_log.log_path(db)))
    except NotifierBusy as exc:
        log.info("%s，本进程不发送提醒", exc)
        return None
    notifier = Notifier(db, config)
    stack.callback(notifier.close)
    loop = NotifierLoop(notifier)
    stack.callback(loop.stop)
    loop.start_thread()
    log.info("群机器人提醒已开启：%d 个居民区（或默认群）%s", len(config.targets),
             "，日报摘要发往领导群" if config.leaders else "")
    return loop
