"""Group robots that refuse for sending too fast: a local robot keeps the
real rule, 20 messages in any 60 seconds and then a 10-minute refusal, answered the way
WeCom (errcode 45009) or DingTalk (errcode 130101, or HTTP 429) answers it. Every notice
of a burst reaches the group later, folded into one digest per neighbourhood, none
lost, and the notification log says what was sent, folded and refused, and when. The
sending clock is the test's: ten minutes pass in a fraction of a second."""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import live.notify
from etl.load import LoadOptions, load_files
from live.notify import Notifier, Policy
from core.notify_log import notice_outcomes, recent_notifications
from live.webhook import NotifyConfig
from live_helpers import alarm_csv

NOW = dt.datetime(2020, 2, 3, 23, 0)
T0 = 1_580_742_000.0  # the sending clock's start (any epoch second)
NEIGHBOURHOODS = ("八一居民区", "港机居民区", "东盛居民区")
# 30 door openings on 30 devices, 20-49 minutes ago, all still open: 30 escalations at once.
ROWS = [f"B{i:02d},MD{i:02d},门磁,开门,2020-02-03 22:{10 + i:02d}:00,{NEIGHBOURHOODS[i % 3]},"
        f"浦东路{i + 1}弄{i + 1}号{i + 1}01室,未处置,," for i in range(30)]
REFUSALS = {  # (HTTP status, body) of each robot's "too many requests"
    "wecom-45009": (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
    "dingtalk-130101": (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
    "dingtalk-429": (429, {"errcode": 130101, "errmsg": "send too fast"}),
}


class Clock:
    """The sending clock, standing in for the `time` module inside live.notify."""

    def __init__(self):
        self.now = T0

    def time(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class LimitedRobot(ThreadingHTTPServer):
    """Takes 20 messages in any 60 s of the test's clock; the 21st, and every message
    for the next 10 minutes, is refused in the style given."""

    def __init__(self, clock: Clock, style: str, blocked_until: float = 0.0):
        self.clock, self.refusal = clock, REFUSALS[style]
        self.blocked_until, self.accepted, self.refused = blocked_until, [], []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), LimitedRobotHandler)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/robot/send?access_token=t"

    def take(self, message: dict) -> bool:
        now = self.clock.now
        with self.lock:
            recent = [t for t, _ in self.accepted if now - t < 60]
            if now < self.blocked_until or len(recent) >= 20:
                if now >= self.blocked_until:
                    self.blocked_until = now + 600
                self.refused.append(now)
                return False
            self.accepted.append((now, message))
            return True


class LimitedRobotHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, body = (200, {"errcode": 0, "errmsg": "ok"}) if self.server.take(message) else self.server.refusal
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def alarms_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robot-limits")
    source = folder / "门磁报警_0203.csv"
    source.write_text(alarm_csv(ROWS), encoding="utf-8")
    db = folder / "db" / "board.duckdb"
    [result] = load_files("alarms", [source], db, LoadOptions(now=NOW))
    assert (result.status, result.rows_loaded) == ("loaded", 30), result.line()
    return db


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(live.notify, "time", clock)
    return clock


def run(alarms_db, tmp_path, clock, robot, limits: str = "") -> Notifier:
    """One notifier for every neighbourhood's robot ("*"), run until nothing is pending:
    each round sends what is due, then the clock jumps to the next due time."""
    config = tmp_path / "notify.toml"
    config.write_text(f'{limits}[webhooks]\n"*" = {{ url = "{robot.url()}", format = "dingtalk" }}\n',
                      encoding="utf-8")
    notifier = Notifier(alarms_db, NotifyConfig.load(config), Policy.from_settings(), log_file=tmp_path / "n.sqlite",
                        now=lambda: NOW + dt.timedelta(seconds=clock.now - T0))
    for _ in range(200):
        notifier.run_once()
        wait = notifier.next_due_in()
        if wait is None:
            break
        clock.now += wait
    return notifier


@pytest.fixture
def robot(request, clock):
    style, blocked_for = request.param
    server = LimitedRobot(clock, style, blocked_until=T0 + blocked_for)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def buildings_in(messages) -> set[str]:
    text = "\n".join(m["markdown"]["text"] for _, m in messages)
    return {m[0] for m in re.finditer(r"浦东路(\d+)弄\1号(?!\d)", text)}


@pytest.mark.parametrize("robot", [(style, 600) for style in REFUSALS], indirect=True, ids=list(REFUSALS))
def test_a_burst_to_a_refusing_robot_arrives_later_folded_none_lost(alarms_db, tmp_path, clock, robot):
    """The robot refuses for its first 10 minutes (another sender used it up): the 30
    escalations wait in the queue and then arrive as one digest per neighbourhood."""
    notifier = run(alarms_db, tmp_path, clock, robot)
    assert len(robot.accepted) == 3 and robot.refused  # three digests, after the refusals
    assert all(t >= T0 + 600 for t, _ in robot.accepted) and clock.now - T0 < 1200
    assert buildings_in(robot.accepted) == {f"浦东路{i + 1}弄{i + 1}号" for i in range(30)}
    assert sorted(m["markdown"]["text"].split("\n")[1] for _, m in robot.accepted) == \
        sorted(f"> 居民区：{n}" for n in NEIGHBOURHOODS)
    assert "室" not in json.dumps([m for _, m in robot.accepted], ensure_ascii=False)

    outcomes = notice_outcomes(100, tmp_path / "n.sqlite")
    folded, digests = outcomes[outcomes["kind"] == "escalation"], outcomes[outcomes["kind"] == "digest"]
    assert len(folded) == 30 and set(folded["status_label"]) == {"已并入汇总"}
    assert set(digests["status_label"]) == {"已送达"} and sorted(digests["alarm_count"]) == [10, 10, 10]
    assert set(folded["digest_id"]) == set(digests["notice_id"]) and folded["settled_at"].notna().all()
    attempts = recent_notifications(100, tmp_path / "n.sqlite")
    refused = attempts[~attempts["ok"]]
    assert len(refused) == len(robot.refused) and refused["error"].str.contains("发送过快被拒收，暂停至").all()
    assert attempts["ok"].sum() == 3
    notifier.close()


@pytest.mark.parametrize("robot", [("dingtalk-130101", 0)], indirect=True)
def test_a_rate_set_too_high_outlasts_the_10_minute_refusal(alarms_db, tmp_path, clock, robot):
    """notify.toml allows more than the robot takes: after 20 messages it refuses for 10
    minutes; the other 10 notices wait it out and are sent, none given up."""
    notifier = run(alarms_db, tmp_path, clock, robot, limits="[limits]\nper_minute = 100\nburst = 40\n")
    assert len(robot.accepted) == 30 and len(buildings_in(robot.accepted)) == 30
    assert robot.accepted[20][0] >= T0 + 600  # after the refusal
    outcomes = notice_outcomes(100, tmp_path / "n.sqlite")
    assert set(outcomes["status"]) == {"sent"} and len(outcomes) == 30
    notifier.close()


@pytest.mark.parametrize("robot", [("wecom-45009", 0)], indirect=True)
def test_the_default_rate_never_provokes_a_refusal(alarms_db, tmp_path, clock, robot):
    """With the default budget (5 at once, 15 a minute) the robot never refuses: the
    burst goes out as three digests at once."""
    notifier = run(alarms_db, tmp_path, clock, robot)
    assert robot.refused == [] and len(robot.accepted) == 3 and clock.now == T0
    assert len(buildings_in(robot.accepted)) == 30
    notifier.close()
