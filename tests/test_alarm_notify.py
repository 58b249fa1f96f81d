"""Notices to phones, against a local HTTP server standing in for the group robots
(WeCom for 八一, DingTalk as the default "*"): exactly one escalation per overdue alarm,
none for handled / false / pre-reported ones, bursts of one device grouped, retries
after a 500 with every attempt in the notification log, masked content only."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import duckdb
import pytest

from etl.load import LoadOptions, load_files
from live.notify import Notifier, Policy
from core.notify_log import recent_notifications
from live.webhook import NotifyConfig
from live_helpers import Robot, alarm_csv, assert_nothing_personal, scalar, serving

NOW = dt.datetime(2020, 2, 3, 23, 0)
ROWS = [
    "A1,MC1,门磁,开门,2020-02-03 22:20:00,八一居民区,浦三路1弄5号302室,未处置,,",      # overdue
    "A2,MC1,门磁,开门,2020-02-03 22:22:00,八一居民区,浦三路1弄5号302室,未处置,,",      # same burst
    "A3,MC2,门磁,开门,2020-02-03 22:10:00,八一居民区,浦三路3弄2号101室,已处置,陈敏,2020-02-03 22:30:00",
    "A4,MC3,门磁,防拆,2020-02-03 22:00:00,港机居民区,港机路1弄1号201室,误报,王芳,2020-02-03 22:05:00",
    "A5,MC4,门磁,开门,2020-02-03 22:05:00,港机居民区,港机路1弄2号202室,已报备,,",
    "A6,MC5,门磁,离线,2020-02-03 22:30:00,港机居民区,港机路1弄3号203室,未处置,,",      # 120 min: not yet
    "A7,MC6,门磁,开门,2020-02-03 22:35:00,港机居民区,港机路1弄4号204室,处置中,李娜,",  # overdue
    "A8,MC7,门磁,开门,2020-02-03 22:55:00,港机居民区,港机路1弄5号205室,未处置,,",      # 5 min: not yet
    "A9,MC8,门磁,开门,2020-02-02 10:00:00,港机居民区,港机路1弄6号206室,未处置,,",      # backlog > 24 h
]


def load_alarms(folder, rows=ROWS):
    source = folder / "门磁报警_0203.csv"
    source.write_text(alarm_csv(rows), encoding="utf-8")
    db = folder / "db" / "board.duckdb"
    [result] = load_files("alarms", [source], db, LoadOptions(now=NOW))
    assert (result.status, result.rows_loaded) == ("loaded", len(rows)), result.line()
    return db


@pytest.fixture(scope="module")
def alarms_db(tmp_path_factory):
    return load_alarms(tmp_path_factory.mktemp("notify"))


def make_notifier(db, robot, folder, clock):
    config_file = folder / "notify.toml"
    config_file.write_text(f'[webhooks]\n"八一" = "{robot.url("/wecom?key=k1")}"\n'
                           f'"*" = {{ url = "{robot.url("/ding?access_token=t")}", format = "dingtalk", '
                           f'secret = "SECtest" }}\n', encoding="utf-8")
    return Notifier(db, NotifyConfig.load(config_file), Policy.from_settings(retry_base=0.05),
                    log_file=folder / "notify.sqlite", now=lambda: clock["now"])


@pytest.fixture
def robot(request):
    with serving(Robot(getattr(request, "param", {}))) as server:
        yield server


@pytest.fixture
def setup(alarms_db, tmp_path, robot):
    clock = {"now": NOW}
    notifier = make_notifier(alarms_db, robot, tmp_path, clock)
    yield robot, notifier, clock
    notifier.close()


def covered(notifier, kind: str) -> list[tuple]:
    return notifier._con.execute("""SELECT alarm_id, notice_id FROM notice_alarms WHERE kind = ?
                                    ORDER BY alarm_id""", [kind]).fetchall()


def test_one_escalation_per_overdue_alarm_none_for_handled(setup):
    robot, notifier, clock = setup
    notifier.drain(10)
    escalated = covered(notifier, "escalation")
    assert [a for a, _ in escalated] == ["A1", "A2", "A7"]
    assert escalated[0][1] == escalated[1][1]  # A1 and A2: one burst, one notice
    assert len(robot.of("/wecom", "超时未处置")) == 1 and len(robot.of("/ding", "超时未处置")) == 1
    # Arrivals: open door openings of the last hour; one already overdue gets the escalation alone.
    assert [a for a, _ in covered(notifier, "arrival")] == ["A8"]
    assert len(robot.of("/wecom", "门磁报警提醒")) == 0 and len(robot.of("/ding", "门磁报警提醒")) == 1

    # Later runs: nothing twice; A8 becomes overdue and is escalated once, by itself.
    notifier.drain(10)
    clock["now"] = NOW + dt.timedelta(minutes=10)
    notifier.drain(10)
    notifier.drain(10)
    assert [a for a, _ in covered(notifier, "escalation")] == ["A1", "A2", "A7", "A8"]
    assert len(robot.messages) == 4


def test_content_is_masked_and_in_each_robot_format(setup):
    robot, notifier, _ = setup
    notifier.drain(10)
    [wecom] = robot.of("/wecom", "超时未处置")
    assert set(wecom) == {"msgtype", "markdown"} and wecom["msgtype"] == "markdown"
    content = wecom["markdown"]["content"]
    assert "八一居民区" in content and "浦三路1弄5号" in content and "开门报警（2 次）" in content
    assert "已 40 分钟未处置" in content
    ding = robot.of("/ding", "超时未处置")[0]["markdown"]
    assert ding["title"] == "报警超时未处置" and "港机路1弄4号" in ding["text"]
    everything = json.dumps(robot.messages, ensure_ascii=False)
    assert "室" not in everything and "MC" not in everything and "李娜" not in everything


@pytest.mark.parametrize("robot", [{"/wecom": 1}], indirect=True)
def test_retry_after_500_is_recorded(setup, tmp_path):
    robot, notifier, _ = setup
    notifier.drain(10)
    assert len(robot.of("/wecom", "八一居民区")) == 1  # the escalation, delivered in the end
    log = recent_notifications(50, tmp_path / "notify.sqlite")
    wecom = log[log["neighbourhood"] == "八一居民区"].sort_values("attempted_at")
    assert list(zip(wecom["attempt"], wecom["ok"], wecom["http_status"])) == [(1, False, 500), (2, True, 200)]
    assert set(wecom["notice_status"]) == {"已送达"}
    assert len(log) == 4 and set(log["channel"]) == {"wecom", "dingtalk"}
    assert list(log.columns[:4]) == ["attempted_at", "kind", "kind_label", "neighbourhood"]


def test_the_log_shows_a_scoped_viewer_only_their_neighbourhoods(setup, alarms_db, tmp_path):
    """The board's push log follows the viewer's scope like every query: a committee sees its
    own neighbourhood's notices, a scope of none sees none, the whole area sees all."""
    _robot, notifier, _ = setup
    notifier.drain(10)
    con = duckdb.connect(str(alarms_db), read_only=True)
    codes = dict(con.execute("SELECT DISTINCT neighbourhood, neighbourhood_code FROM alarms").fetchall())
    con.close()
    log_file = tmp_path / "notify.sqlite"
    everything = recent_notifications(50, log_file)
    assert set(everything["neighbourhood"]) == {"八一居民区", "港机居民区"}
    mine = recent_notifications(50, log_file, codes=(codes["八一居民区"],))
    assert set(mine["neighbourhood"]) == {"八一居民区"}
    assert len(mine) == (everything["neighbourhood"] == "八一居民区").sum()
    assert recent_notifications(50, log_file, codes=()).empty


def test_handled_while_waiting_for_retry_is_not_sent(robot, tmp_path):
    """A notice still pending when its alarm is handled is withdrawn, not sent late."""
    db = load_alarms(tmp_path, ROWS[:2])
    notifier = make_notifier(db, robot, tmp_path, {"now": NOW})
    robot.fail["/wecom"] = 99
    notifier.run_once()
    update = tmp_path / "门磁报警_处置.csv"
    update.write_text(alarm_csv([r.replace("未处置,,", "已处置,陈敏,2020-02-03 22:50:00")
                                 for r in ROWS[:2]]), encoding="utf-8")
    load_files("alarms", [update], db, LoadOptions(now=NOW))
    robot.fail["/wecom"] = 0
    notifier.drain(10)
    notifier.close()
    assert robot.messages == []
    log = recent_notifications(10, tmp_path / "notify.sqlite")
    assert len(log) == 1 and not log["ok"].any()  # the failed first attempt only
    assert set(log["notice_status"]) == {"已撤销（报警已处置）"}


def test_off_until_configured(alarms_db, tmp_path):
    notifier = Notifier(alarms_db, NotifyConfig.load(tmp_path / "missing.toml"), log_file=tmp_path / "n.sqlite",
                        now=lambda: NOW)
    assert notifier.run_once() == 0
    assert recent_notifications(10, tmp_path / "n.sqlite").empty
    notifier.close()


SILENCE_ROWS = [
    "S1,MC21,门磁,离线,2020-02-03 20:30:00,港机居民区,港机路1弄3号203室,未处置,,",   # 150 min: escalated, silenced
    "S2,MC22,门磁,开门,2020-02-03 22:30:00,港机居民区,港机路1弄4号204室,未处置,,",   # a quarantined flat's door
    "S3,MC21,门磁,开门,2020-02-03 20:31:00,港机居民区,港机路1弄3号203室,未处置,,",   # same device, same burst
]
NAMES = ["陈敏", "王芳", "李娜"]


def test_a_silence_keeps_back_a_device_notice_but_never_a_door_opening(robot, tmp_path):
    from core.notify_log import SilenceRefused, active_silences, add_silence, end_silence, notice_outcomes
    db = load_alarms(tmp_path, SILENCE_ROWS)
    log_file = tmp_path / "notify.sqlite"
    code = scalar(db, "SELECT neighbourhood_code FROM alarms WHERE alarm_id = 'S1'")
    since, hour = NOW - dt.timedelta(hours=3), dt.timedelta(hours=1)
    scope = dict(neighbourhood_code=code, neighbourhood="港机居民区", device_id=None, by="lead", now=since)
    for types, reason, until, words in ((["door_open"], "误报多", since + hour, "开门、防拆报警不可静默"),
                                        (["tamper", "offline"], "误报多", since + hour, "开门、防拆报警不可静默"),
                                        (["offline"], "  ", since + hour, "请填写静默原因"),
                                        (["offline"], "送修", since + dt.timedelta(hours=73), "不超过 72 小时")):
        with pytest.raises(SilenceRefused, match=words):
            add_silence(log_file, alarm_types=types, reason=reason, until=until, **scope)
    with pytest.raises(SilenceRefused, match="请指定居民区或设备编号"):
        add_silence(log_file, **{**scope, "neighbourhood_code": None}, alarm_types=["offline"], reason="送修",
                    until=since + hour)
    silence = add_silence(log_file, alarm_types=["offline"], reason="设备送修", until=NOW + hour, **scope)
    # A silence naming door openings written into the store by hand is not applied to them either.
    with sqlite3.connect(log_file) as con:
        con.execute("""INSERT INTO silences (neighbourhood_code, alarm_types, reason, created_by, created_at, ends_at)
                       VALUES (?, 'door_open,tamper', '手工写入', 'x', ?, ?)""",
                    [code, str(since), str(NOW + hour)])

    notifier = make_notifier(db, robot, tmp_path, {"now": NOW})
    notifier.drain(10)
    notifier.close()
    # S2's escalation, and S3's: a door opening of the silenced device is not silenced with it.
    doors = sorted(m["markdown"]["text"] for m in robot.of("/ding", "超时未处置"))
    assert len(robot.messages) == len(doors) == 2
    assert ["港机路1弄3号" in doors[0], "港机路1弄4号" in doors[1]] == [True, True]
    assert all("> 类型：开门报警\n" in text for text in doors) and not robot.of("/ding", "设备离线")
    outcomes = notice_outcomes(20, log_file)
    silenced = outcomes[outcomes["status"] == "silenced"]
    assert list(zip(silenced["alarm_types"], silenced["status_label"])) == [("设备离线", "已静默")]
    log = recent_notifications(20, log_file)
    assert list(log.loc[log["notice_status"] == "已静默", ["alarm_types", "attempt"]].itertuples(index=False,
                                                                                              name=None)) \
        == [("设备离线", 0)]
    assert_nothing_personal(json.dumps(robot.messages, ensure_ascii=False), NAMES)

    assert list(active_silences(NOW, log_file)["reason"]) == ["设备送修", "手工写入"]
    assert end_silence(log_file, silence, by="lead", now=NOW) and not end_silence(log_file, silence, by="lead", now=NOW)
    assert list(active_silences(NOW, log_file)["reason"]) == ["手工写入"]


def test_a_handled_escalation_gets_one_follow_up_to_the_same_group(robot, tmp_path):
    rows = [r.replace("2020-02-03 22:22:00", "2020-02-03 22:21:00") for r in ROWS[:2]]
    db = load_alarms(tmp_path, rows)
    clock = {"now": NOW}
    notifier = make_notifier(db, robot, tmp_path, clock)
    notifier.drain(10)
    assert len(robot.of("/wecom", "超时未处置")) == 1
    update = tmp_path / "门磁报警_处置.csv"
    update.write_text(alarm_csv([r.replace("未处置,,", "已处置,陈敏,2020-02-03 23:05:00") for r in rows]),
                      encoding="utf-8")
    load_files("alarms", [update], db, LoadOptions(now=NOW))
    clock["now"] = NOW + dt.timedelta(minutes=10)
    notifier.drain(10)
    notifier.drain(10)
    notifier.close()
    restarted = make_notifier(db, robot, tmp_path, clock)
    restarted.drain(10)
    restarted.close()
    [follow_up] = robot.of("/wecom", "报警已处置")
    assert follow_up["markdown"]["content"] == ("### 报警已处置\n> 居民区：八一居民区\n> 楼栋：浦三路1弄5号\n"
                                                "> 类型：开门报警\n> 报警时间：02-03 22:20\n"
                                                "> 已处置：02-03 23:05（报警后 45 分钟）")
    assert len(robot.messages) == 2
    assert_nothing_personal(json.dumps(robot.messages, ensure_ascii=False), NAMES)
