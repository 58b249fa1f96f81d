"""Working days: the 2020 Spring Festival extension, weekends, the 2027 fallback, overrides."""
from __future__ import annotations

import datetime as dt

import pytest

from etl.workdays import add_working_days, calendar_frame, uncovered_years

D = dt.date


@pytest.fixture
def no_overrides(tmp_path):
    return tmp_path / "absent.csv"


def by_day(frame):
    return frame.set_index("day")


def test_2020_spring_festival_extension(no_overrides):
    cal = by_day(calendar_frame(D(2020, 1, 18), D(2020, 2, 10), no_overrides))
    for day in (D(2020, 1, 24), D(2020, 1, 31), D(2020, 2, 1), D(2020, 2, 2)):
        assert not cal.loc[day, "is_workday"], day
    assert cal.loc[D(2020, 2, 3), "is_workday"]
    assert cal.loc[D(2020, 1, 19), "is_workday"]  # a Sunday made a working day for the holiday
    assert set(cal["source"]) == {"chinese_calendar"}
    # Thursday 23 January: the next working day is Monday 3 February.
    assert add_working_days(dt.datetime(2020, 1, 23, 10, 5), 1, cal.reset_index()) == dt.datetime(2020, 2, 3, 10, 5)


def test_weekend_and_workday_seq(no_overrides):
    frame = calendar_frame(D(2020, 3, 2), D(2020, 3, 15), no_overrides)
    cal = by_day(frame)
    assert not cal.loc[D(2020, 3, 7), "is_workday"] and not cal.loc[D(2020, 3, 8), "is_workday"]
    assert cal.loc[D(2020, 3, 6), "workday_seq"] == 5
    assert cal.loc[D(2020, 3, 8), "workday_seq"] == 5  # a weekend keeps Friday's count
    assert cal.loc[D(2020, 3, 9), "workday_seq"] == 6
    assert list(frame.columns) == ["day", "is_workday", "workday_seq", "source"]
    # Received on Saturday: Monday is the first working day, Tuesday the second.
    received = dt.datetime(2020, 3, 7, 22, 30)
    assert add_working_days(received, 1, frame) == dt.datetime(2020, 3, 9, 22, 30)
    assert add_working_days(received, 2, frame) == dt.datetime(2020, 3, 10, 22, 30)
    # Friday + 1 is Monday; + 5 is the next Friday.
    assert add_working_days(dt.datetime(2020, 3, 6, 9), 1, frame) == dt.datetime(2020, 3, 9, 9)
    assert add_working_days(dt.datetime(2020, 3, 6, 9), 5, frame) == dt.datetime(2020, 3, 13, 9)
    assert add_working_days(received, 0, frame) == received


def test_add_working_days_agrees_with_workday_seq(no_overrides):
    """The loader computes due dates in SQL from workday_seq; both ways must agree."""
    frame = calendar_frame(D(2020, 1, 1), D(2020, 5, 31), no_overrides)
    seq = dict(zip(frame["day"], frame["workday_seq"]))
    workday_by_seq = {s: d for d, s, w in zip(frame["day"], frame["workday_seq"], frame["is_workday"]) if w}
    for day in frame["day"][:100]:
        for n in (1, 5):
            expected = workday_by_seq[seq[day] + n]
            assert add_working_days(dt.datetime.combine(day, dt.time(8)), n, frame).date() == expected


def test_add_working_days_without_a_calendar():
    assert add_working_days(dt.datetime(2020, 2, 1, 14, 0), 1) == dt.datetime(2020, 2, 3, 14, 0)


def test_2027_falls_back_to_weekends(no_overrides):
    frame = calendar_frame(D(2026, 12, 28), D(2027, 1, 10), no_overrides)
    cal = by_day(frame)
    assert cal.loc[D(2026, 12, 31), "source"] == "chinese_calendar"
    assert set(cal.loc[D(2027, 1, 1):, "source"]) == {"weekend_fallback"}
    assert cal.loc[D(2027, 1, 1), "is_workday"]  # a Friday: the fallback does not know New Year
    assert not cal.loc[D(2027, 1, 2), "is_workday"]
    assert uncovered_years(D(2026, 1, 1), D(2027, 12, 31), no_overrides) == [2027]
    assert uncovered_years(D(2020, 1, 1), D(2026, 12, 31), no_overrides) == []


def test_override_file_beats_library_and_fallback(tmp_path):
    override = tmp_path / "holidays_override.csv"
    override.write_text("date,is_workday,note\n"
                        "2027-01-01,0,元旦\n"
                        "2027-01-02,1,调休上班\n"
                        "2020-02-03,0,示例：中心自定休息\n", encoding="utf-8")
    cal = by_day(calendar_frame(D(2020, 2, 1), D(2027, 1, 4), override))
    assert not cal.loc[D(2027, 1, 1), "is_workday"] and cal.loc[D(2027, 1, 1), "source"] == "override"
    assert cal.loc[D(2027, 1, 2), "is_workday"] and cal.loc[D(2027, 1, 2), "source"] == "override"
    assert cal.loc[D(2027, 1, 4), "source"] == "weekend_fallback"
    assert not cal.loc[D(2020, 2, 3), "is_workday"] and cal.loc[D(2020, 2, 3), "source"] == "override"
    # Once the centre has entered a year's schedule, that year is no longer reported missing.
    assert uncovered_years(D(2026, 1, 1), D(2027, 12, 31), override) == []
    assert add_working_days(dt.datetime(2026, 12, 31, 9), 1, cal.reset_index()) == dt.datetime(2027, 1, 2, 9)


def test_unreadable_override_row_names_the_line(tmp_path):
    override = tmp_path / "holidays_override.csv"
    override.write_text("date,is_workday,note\n2027-01-01,maybe,元旦\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第2行"):
        calendar_frame(D(2027, 1, 1), D(2027, 1, 3), override)


def test_calendar_too_short_is_an_error(no_overrides):
    frame = calendar_frame(D(2020, 3, 2), D(2020, 3, 6), no_overrides)
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2020, 3, 5, 9), 3, frame)
