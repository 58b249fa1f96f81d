"""The brief's summary delivered to the leaders' group robot (a local server on 127.0.0.1):
exactly the brief's figures (recomputed independently by metrics_oracle) with their changes,
the red neighbourhoods with reasons, the attention list's count and where the files are;
sent once per report day across a retry, a restart and the manual command; nothing
personal in the body; the 日报 page shows the delivery record."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from core import settings
from live.notify import Notifier, Policy
from core.notify_log import brief_delivery
from live.webhook import NotifyConfig
from etl_helpers import override_settings
from live_helpers import Robot, assert_nothing_personal, serving
from metrics_oracle import data_now, figures as oracle_figures, load_tables
from page_helpers import direct, open_page

BRIEF_DAY = dt.date(2020, 3, 10)
FILES = "http://10.1.2.3/日报/"


@pytest.fixture
def leaders(tmp_path, monkeypatch):
    """A robot for the leaders' group, the notification log in tmp_path, the files' location set."""
    overrides = {"notify.log_file": str(tmp_path / "notify.sqlite"), "brief.files_location": FILES,
                 "notify.retry_base_seconds": 0.05}
    override_settings(monkeypatch, overrides)
    with serving(Robot({"/leaders": 1})) as robot:  # the first call fails: the queue retries
        config = tmp_path / "notify.toml"
        config.write_text(f'[leaders]\nurl = "{robot.url("/leaders?key=k")}"\n', encoding="utf-8")
        yield robot, config, tmp_path / "notify.sqlite"


def roster_names(files) -> list[str]:
    """The people's full names in the demo's latest roster workbooks (the raw files)."""
    import openpyxl
    names = set()
    for path in sorted(files.glob("*2020031*.xlsx")):
        for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
            column = None
            for row in sheet.iter_rows(values_only=True):
                if column is None:
                    column = next((i for i, c in enumerate(row) if isinstance(c, str) and "姓名" in c), None)
                elif column < len(row) and isinstance(row[column], str) and row[column].strip():
                    names.add(row[column].strip())
    return sorted(names)


def expected_summary(db, brief) -> str:
    """The summary as it must read, each figure from the independent oracle, written in the
    registry's formats (value_text, change_text)."""
    from boardkit import labels
    from boardkit.data.predicates import ALARM_TYPES
    from boardkit.metrics import BRIEF, REGISTRY, change_text, value_text
    from boardkit.metrics.figures import summary
    tables = load_tables(db)
    limits = {t: float(settings.get(f"alarm_threshold_minutes.{t}")) for t in ALARM_TYPES}
    now = data_now(tables)
    today, before = (oracle_figures(tables, day, now, limits) for day in (BRIEF_DAY, BRIEF_DAY - dt.timedelta(1)))
    lines = [f"### {brief.subdistrict}疫情防控日报 · 03月10日",
             f"> 统计日 2020-03-10；数据第 {brief.generation} 代；{labels.REPLAY_BADGE}"]
    for stream, keys in summary(BRIEF):
        lines.append(f"**{labels.STREAM_TITLES[stream]}**")
        for key in keys:
            metric, value, previous = REGISTRY[key], today[key], before[key]
            change = None if value is None or previous is None else change_text(metric, value - previous)
            lines.append(f"- {metric.label}：**{value_text(metric, value)}**" + (f"（较前日 {change}）" if change else ""))
    status = brief.tables["居民区状态"]
    red = status[status["状态"] == "红"]
    lines.append(f"**红色居民区：{len(red)} 个**")
    lines += [f"- {name}：{reason}" for name, reason in zip(red["居民区"], red["原因"])]
    lines += [f"**今日关注清单：{len(brief.tables['关注清单'])} 项**（明细见看板与日报文件）", f"> 日报文件：{FILES}"]
    return "\n".join(lines)


def test_the_summary_goes_once_with_the_briefs_figures_and_nothing_personal(demo_db, board_env, leaders):
    from boardkit.brief.build import build_brief
    from boardkit.data.db import current_generation
    from etl.__main__ import main
    robot, config_file, log_file = leaders
    clock = {"now": dt.datetime(2020, 3, 11, 7, 0)}

    def notifier():
        return Notifier(demo_db, NotifyConfig.load(config_file), Policy.from_settings(retry_base=0.05),
                        log_file=log_file, now=lambda: clock["now"])

    first = notifier()
    first.drain(5)
    assert robot.messages == [] and brief_delivery(BRIEF_DAY, log_file) is None  # before 07:30
    clock["now"] = dt.datetime(2020, 3, 11, 8, 0)
    first.drain(5)
    first.close()
    [(path, body)] = robot.messages
    assert path == "/leaders" and body["msgtype"] == "markdown"
    text = body["markdown"]["content"]
    brief = build_brief(current_generation(demo_db), BRIEF_DAY)
    assert text == expected_summary(demo_db, brief)
    record = brief_delivery(BRIEF_DAY, log_file)
    assert (record["status"], record["status_label"], record["attempts"]) == ("sent", "已送达", 2)
    assert record["queued_at"].startswith("2020-03-11 08:00")

    # A restart at 09:00 and the manual command: the day is not sent again.
    clock["now"] = dt.datetime(2020, 3, 11, 9, 0)
    second = notifier()
    second.drain(5)
    second.close()
    assert main(["brief", "--send", "--date", "2020-03-10", "--db", str(demo_db),
                 "--notify-config", str(config_file)]) == 0
    assert len(robot.messages) == 1

    names = roster_names(demo_db.parent / "files")
    contents = [c for (c,) in direct("SELECT content FROM hotline_tickets WHERE CAST(received_at AS DATE) = ?",
                                     [BRIEF_DAY])]
    assert len(names) > 50 and contents
    assert_nothing_personal(text, names + [c[:12] for c in contents if c and len(c) >= 12])


def test_the_manual_command_sends_another_day_and_the_page_shows_the_record(demo_db, board_env, leaders):
    from etl.__main__ import main
    robot, config_file, log_file = leaders
    assert main(["brief", "--send", "--date", BRIEF_DAY.isoformat(), "--db", str(demo_db),
                 "--notify-config", str(config_file)]) == 0
    assert len(robot.messages) == 1 and "03月10日" in json.dumps(robot.messages, ensure_ascii=False)
    at = open_page("pages/brief.py", {"d": BRIEF_DAY.isoformat()})
    record = [c.value for c in at.caption if c.value.startswith("领导群推送")]
    assert record and "已送达" in record[0] and "共尝试 2 次" in record[0], record
    other = open_page("pages/brief.py", {"d": "2020-03-09"})
    assert any("尚未发送" in c.value for c in other.caption if c.value.startswith("领导群推送"))
