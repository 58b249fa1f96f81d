"""Now and t(D) (docs/metrics.md, Time): the wall clock on live data, the newest record in a
replay, a declared moment; a door left open at 02:00 with nothing after it passes its
threshold on the wall clock; state figures of a past day at its 24:00."""
from __future__ import annotations

import datetime as dt

from etl_helpers import load

WALL = dt.datetime(2020, 2, 10, 2, 20)


def _files(tmp_path):
    hotline = tmp_path / "12345_20200209.csv"
    hotline.write_text("工单编号,受理时间,诉求内容,所属居委,办理时限,工单状态,办结时间\n"
                       "T1,2020-02-09 09:00,咨询,八一,2020-02-09 18:00,已办结,2020-02-10 01:00\n"
                       "T2,2020-02-09 10:00,咨询,八一,2020-02-09 12:00,处理中,\n", encoding="utf-8")
    alarms = tmp_path / "门磁_20200210.csv"
    alarms.write_text("报警编号,设备编号,报警类型,报警时间,处置状态,处置时间,居民区\n"
                      "A1,MC1,开门,2020-02-10 02:00,未处置,,八一\n", encoding="utf-8")
    return hotline, alarms


def test_live_replay_and_declared_now(db_path, tmp_path):
    from boardkit.data.clock import make_clock
    from boardkit.data.db import ALL, current_generation
    from boardkit.metrics.figures import overview_figures
    hotline, alarms = _files(tmp_path)
    load("hotline", [hotline], db_path, now=WALL)
    load("alarms", [alarms], db_path, now=WALL)
    gen = current_generation(db_path)

    live = make_clock(gen, wall=WALL)  # data end at 02:00, the clock says 02:20: live
    assert (live.now, live.replay, live.day) == (WALL, False, dt.date(2020, 2, 9))
    today = overview_figures(gen, make_clock(gen, WALL.date(), WALL), ALL)
    assert today["alarm_unhandled"].value == 1 and today["alarm_door_open_past_threshold"].value == 1

    later = make_clock(gen, wall=WALL + dt.timedelta(days=30))  # a season replayed a month on
    assert (later.now, later.replay) == (dt.datetime(2020, 2, 10, 2, 0), True)  # the newest time of any kind

    declared = make_clock(gen, wall=WALL, replay_at=dt.datetime(2020, 2, 10, 0, 30))
    assert (declared.now, declared.replay, declared.day) == (dt.datetime(2020, 2, 10, 0, 30), True,
                                                            dt.date(2020, 2, 9))

    # D = 02-09, a past day: t(D) = 02-10 00:00. T1 closed at 01:00 was still open then,
    # T2 too; both past their due times. 较前日 is 02-08 at its 24:00: nothing yet.
    figures = overview_figures(gen, live, ALL)
    assert live.at == dt.datetime(2020, 2, 10)
    assert (figures["hotline_open"].value, figures["hotline_overdue"].value) == (2, 2)
    assert (figures["hotline_open"].previous, figures["hotline_open"].change) == (0, 2)
    assert figures["alarm_unhandled"].value == 0  # raised after t(D)
