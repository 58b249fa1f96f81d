"""Who is on duty at a moment (a night shift crossing midnight covers the small hours of
the next day, and ends where the day shift begins), and the configured shifts a role is
missing from, today and the 7 days after."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit.data.db import ALL, current_generation
from boardkit.queries.duty import on_duty, uncovered_shifts
from etl_helpers import D, DAY, load, override_settings

SHIFTS = "白班 08:30-17:30；夜班 17:30-08:30"


def two_shifts(monkeypatch):
    override_settings(monkeypatch, {"duty_shifts": SHIFTS, "duty_roles": "白班：带班领导、值班员；夜班：值班员"})


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    """One load for the module (a load is a new database generation: seconds)."""
    folder = tmp_path_factory.mktemp("duty")
    db_path = folder / "db" / "board.duckdb"
    path = folder / "duty.csv"
    path.write_text("日期,班次,时段,岗位,姓名,值班电话\n"
                    "2026-12-02,白班,,带班领导,冯军,13900000003\n"
                    "2026-12-02,白班,,值班员,周杰,021-58880001\n"
                    "2026-12-02,夜班,17:30-次日08:30,值班员,郑重,13900000009\n"
                    "2026-12-03,白班,,值班员,孙丽,021-58880001\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        two_shifts(patch)
        load("duty", [path], db_path, D(2026, 12, 1))
    return current_generation(db_path)


def names_at(gen, now):
    return [(r.shift, r.role, r.name, r.name_masked) for r in on_duty(gen, ALL, now).itertuples()]


@pytest.mark.parametrize("now, expected", [
    (D(2026, 12, 2, 8, 29), []),
    (D(2026, 12, 2, 16, 0), [("白班", "lead", "冯军", "冯*"), ("白班", "officer", "周杰", "周*")]),
    (D(2026, 12, 2, 23, 0), [("夜班", "officer", "郑重", "郑*")]),
    (D(2026, 12, 3, 8, 29), [("夜班", "officer", "郑重", "郑*")]),   # the next day's small hours
    (D(2026, 12, 3, 8, 30), [("白班", "officer", "孙丽", "孙*")]),   # the night ends as the day begins
    (D(2026, 12, 3, 17, 30), []),
])
def test_on_duty_across_midnight(roster, now, expected):
    assert names_at(roster, now) == expected


def test_duty_phone_is_the_desk_before_the_leader(roster):
    assert set(on_duty(roster, ALL, D(2026, 12, 2, 16, 0))["duty_phone"]) == {"021-58880001"}
    assert set(on_duty(roster, ALL, D(2026, 12, 2, 23, 0))["duty_phone"]) == {"13900000009"}
    assert on_duty(roster, ALL, D(2026, 12, 3, 20, 0)).empty


def test_uncovered_shifts_today_and_the_next_days(roster, monkeypatch):
    two_shifts(monkeypatch)
    frame = uncovered_shifts(roster, ALL, DAY(2026, 12, 2), days=1)
    assert [(r.duty_date.date(), r.shift, r.role) for r in frame.itertuples()] == [
        (DAY(2026, 12, 3), "白班", "lead"), (DAY(2026, 12, 3), "夜班", "officer")]
    # Eight days from the 2nd: the 4th to the 9th lack every role of both shifts.
    week = uncovered_shifts(roster, ALL, DAY(2026, 12, 2))
    assert len(week) == 2 + 6 * 3
    assert set(week["duty_date"].dt.date) == {DAY(2026, 12, 3)} | {DAY(2026, 12, 3) + dt.timedelta(days=k)
                                                                   for k in range(1, 7)}
