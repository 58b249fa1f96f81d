"""`python -m etl demo --live`: a feed of new alarm files (and now and then 12345
tickets) into the inbox every few seconds, with handling following minutes later, so
the wall screen can be watched moving without a real vendor feed.

Devices are the active quarantine flats of the current database (persons.device_id)
when there are enough of them, else made up from the reference pack's address index.
Each alarm gets a fate when it is raised (handled, false alarm, pre-reported, or left
open long enough to be escalated); the row is re-sent, whole, when its status changes,
as a vendor's export would. If no watcher holds the inbox, one runs in this process
(with the robot notices, if configured).
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import random
import threading
from contextlib import ExitStack
from pathlib import Path

import duckdb
import numpy as np

from demo import model as M
from demo.text import ALARM_NOTES, TOPICS, render_pool
from etl.reference import load_pack
from live.spool import ALARM_HEADERS, HOTLINE_HEADERS, atomic_write, csv_bytes, local_now, unique_name

log = logging.getLogger("etl.live_demo")

TYPE_WORDS = {"door_open": "开门", "offline": "离线", "low_battery": "低电量", "tamper": "防拆", "doorbell": "门铃"}
STATUS_WORDS = {"open": "未处置", "in_progress": "处置中", "handled": "已处置", "false_alarm": "误报",
                "pre_reported": "已报备"}
# By device kind: door sensor, video doorbell (the shares of demo_model's season).
TYPE_P = {False: [0.80, 0.07, 0.08, 0.05, 0.0], True: [0.25, 0.12, 0.08, 0.0, 0.55]}
FATE_P = {"door_open": [0.80, 0.07, 0.13], "offline": [0.85, 0.15, 0.0], "low_battery": [0.97, 0.03, 0.0],
          "tamper": [0.80, 0.20, 0.0], "doorbell": [0.90, 0.10, 0.0]}
RESPONSE_MEDIAN_MIN = {"door_open": 6.0, "offline": 30.0, "low_battery": 60.0, "tamper": 6.0, "doorbell": 5.0}
STAFF = ["陈敏", "王磊", "李娜", "张伟", "刘洋", "周静", "徐丽", "孙强", "朱琳", "马超"]


class LiveFeed:
    """Rows for the next file: new alarms now, and the status changes now due."""

    def __init__(self, seed: int, db: Path | None = None, pack_dir: Path | None = None):
        self.rng = random.Random(seed)
        self.devices = _devices_from_db(db) if db else []
        if len(self.devices) < 20:
            self.devices = _made_up_devices(seed, pack_dir)
        # A few restless residents open the door far more often than the rest.
        self.weights = [self.rng.paretovariate(1.5) for _ in self.devices]
        self.updates: list[tuple[dt.datetime, int, dict]] = []   # (when, seq, row) heap
        self.tickets: list[tuple[dt.datetime, int, dict]] = []
        self.seq = itertools.count(1)
        self.texts = {t: render_pool(seed, t, 40)[0] for t in TOPICS}

    def alarms(self, now: dt.datetime, interval: float) -> list[dict]:
        rows = []
        for _ in range(_poisson(self.rng, 1.2)):
            device = self.rng.choices(self.devices, self.weights)[0]
            kind = self.rng.choices(list(TYPE_WORDS), TYPE_P[device["doorbell"]])[0]
            raised = now - dt.timedelta(seconds=self.rng.uniform(0, interval))
            burst = 1 + (kind == "door_open" and self.rng.random() < 0.12) * self.rng.randint(1, 3)
            for k in range(burst):  # the resident keeps opening the door: one device, a burst
                rows.append(self._raise(device, kind, raised - dt.timedelta(seconds=40 * k)))
        while self.updates and self.updates[0][0] <= now:
            rows.append(heapq.heappop(self.updates)[2])
        return rows

    def _raise(self, device: dict, kind: str, raised: dt.datetime) -> dict:
        raised = raised.replace(microsecond=0)
        n = next(self.seq)
        row = {"alarm_id": f"SS{raised:%Y%m%d%H%M%S}{n % 1000:03d}", "device_id": device["device_id"],
               "device_type": "可视门铃" if device["doorbell"] else "门磁", "alarm_type": TYPE_WORDS[kind],
               "raised_at": raised, "neighbourhood": device["neighbourhood"], "address": device["address"],
               "status": STATUS_WORDS["open"]}
        fate = self.rng.choices(["handled", "false_alarm", "pre_reported"], FATE_P[kind])[0]
        if self.rng.random() < 0.06:
            return row  # forgotten: stays open and is escalated
        minutes = self.rng.lognormvariate(np.log(RESPONSE_MEDIAN_MIN[kind]), 0.7)
        staff = self.rng.choice(STAFF)
        if minutes > 4:  # someone picks it up first
            self._later(raised + dt.timedelta(minutes=minutes / 3),
                        {**row, "status": STATUS_WORDS["in_progress"], "handled_by": staff})
        notes = ALARM_NOTES.get((kind, fate), [""])
        self._later(raised + dt.timedelta(minutes=minutes),
                    {**row, "status": STATUS_WORDS[fate], "handled_by": staff,
                     "handled_at": (raised + dt.timedelta(minutes=minutes)).replace(microsecond=0),
                     "note": self.rng.choice(notes)})
        return row

    def _later(self, when: dt.datetime, row: dict) -> None:
        heapq.heappush(self.updates, (when, next(self.seq), row))

    def hotline(self, now: dt.datetime) -> list[dict]:
        rows = []
        if self.rng.random() < 0.15:
            for _ in range(self.rng.randint(1, 2)):
                device = self.rng.choice(self.devices)  # any address of the sub-district
                topic = self.rng.choices(TOPICS, [3, 3, 1, 2, 2])[0]
                n = next(self.seq)
                row = {"ticket_id": f"SS{now:%Y%m%d%H%M%S}{n % 1000:03d}", "received_at": now,
                       "request_type": self.rng.choice(["咨询", "咨询", "求助", "投诉"]),
                       "content": self.rng.choice(self.texts[topic]), "address": device["address"],
                       "neighbourhood": device["neighbourhood"], "handling_unit": "街道城运中心",
                       "status": "处理中", "channel": self.rng.choice(["电话", "电话", "微信"])}
                rows.append(row)
                if self.rng.random() < 0.5:
                    closed = now + dt.timedelta(minutes=self.rng.uniform(2, 20))
                    heapq.heappush(self.tickets, (closed, n, {**row, "status": "已办结",
                                                              "closed_at": closed.replace(microsecond=0)}))
        while self.tickets and self.tickets[0][0] <= now:
            rows.append(heapq.heappop(self.tickets)[2])
        return rows


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = np.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _devices_from_db(db: Path) -> list[dict]:
    target = Path(db).resolve()
    if not target.exists():
        return []
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            rows = con.execute("""SELECT device_id, neighbourhood, concat(address, coalesce(room, ''))
                FROM persons WHERE device_id IS NOT NULL AND status = 'active' AND address IS NOT NULL
                ORDER BY device_id LIMIT 400""").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return []
    return [{"device_id": d, "neighbourhood": nb, "address": addr, "doorbell": d.startswith("KS")}
            for d, nb, addr in rows]


def _made_up_devices(seed: int, pack_dir: Path | None) -> list[dict]:
    rng = np.random.default_rng(seed)
    geo = M.Geo.from_pack(load_pack(pack_dir), rng)
    nb = geo.pick(rng, 120)
    parts = geo.addresses(rng, nb)
    addresses = M.address_strings(geo, parts["road"], parts["lane"], parts["bldg"], parts["room"]).to_numpy()
    doorbell = rng.random(len(nb)) < 0.3
    ids = M.device_ids(90000 + np.arange(len(nb)), doorbell)
    return [{"device_id": ids[i], "neighbourhood": geo.names[nb[i]], "address": addresses[i],
             "doorbell": bool(doorbell[i])} for i in range(len(nb))]


def run_live(inbox: Path, db: Path, interval: float = 5.0, seed: int = 2020,
             stop: threading.Event | None = None, max_ticks: int | None = None, watch: bool = True) -> int:
    """Writes a file into the inbox every `interval` seconds until stopped (Ctrl+C)."""
    from live.notify import start_notifier
    from live.watch import InboxBusy, WatchConfig, Watcher
    stop = stop or threading.Event()
    feed = LiveFeed(seed, db)
    with ExitStack() as stack:
        if watch:
            watcher = Watcher(WatchConfig.from_settings(inbox, db))
            loop = start_notifier(db, stack)
            if loop:
                watcher.on_batch = lambda results: loop.wake()
            try:
                stack.enter_context(_background(watcher))
                log.info("本进程同时监视收件箱 %s 并导入 %s；打开看板观看：streamlit run board_server.py", inbox, db)
            except InboxBusy:
                log.info("已有监视进程处理收件箱 %s，本进程只写入文件", inbox)
        log.info("实时演示：每 %.0f 秒向 %s 写入新的报警文件，Ctrl+C 结束", interval, inbox)
        for tick in itertools.count(1):
            now = local_now()
            alarms, tickets = feed.alarms(now, interval), feed.hotline(now)
            if alarms:
                name = atomic_write(inbox, unique_name("门磁报警_实时"), csv_bytes(ALARM_HEADERS, alarms)).name
                log.info("写入 %s：%d 条报警记录", name, len(alarms))
            if tickets:
                name = atomic_write(inbox, unique_name("12345工单_实时"), csv_bytes(HOTLINE_HEADERS, tickets)).name
                log.info("写入 %s：%d 条工单", name, len(tickets))
            if (max_ticks and tick >= max_ticks) or stop.wait(interval):
                break
    return 0


class _background:
    """Runs a Watcher on a thread for the life of a `with` block, holding the inbox
    lock from the start, so a busy inbox is known before anything is written."""

    def __init__(self, watcher):
        self.watcher = watcher
        self.thread = None

    def __enter__(self):
        from live.watch import inbox_lock
        self._lock = inbox_lock(self.watcher.config.inbox)
        self._lock.__enter__()
        self.thread = threading.Thread(target=self.watcher.loop, name="watcher", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.watcher.stop_event.set()
        self.thread.join(timeout=30)
        self._lock.__exit__(None, None, None)
        return False
