"""Report day and trend range are bounded to the data and to MAX_TREND_DAYS:
`/hotline?from=1900-01-01&to=2100-12-31` answers with a bounded grid and says what it changed."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from page_helpers import BOARD, lure_database, open_page, rerun
from streamlit.testing.v1 import AppTest

from boardkit.data.ranges import MAX_TREND_DAYS, bounded

D = dt.date
FIRST, LAST, DEFAULT = D(2019, 1, 1), D(2020, 3, 15), D(2020, 3, 14)


def test_the_default_view_is_left_alone():
    ranges = bounded(DEFAULT, None, None, DEFAULT, FIRST, LAST)
    assert (ranges.day, ranges.start, ranges.end, ranges.notes) == (DEFAULT, D(2020, 2, 14), DEFAULT, ())
    # Data of one day: its default 30-day trend reaches before the data, and is allowed.
    one = bounded(D(2020, 3, 14), None, None, D(2020, 3, 14), D(2020, 3, 15), D(2020, 3, 15))
    assert (one.start, one.end, one.notes) == (D(2020, 2, 14), D(2020, 3, 14), ())


def test_a_range_beyond_the_data_is_cut_to_the_data_and_to_its_length():
    ranges = bounded(DEFAULT, D(1900, 1, 1), D(2100, 12, 31), DEFAULT, FIRST, LAST)
    assert (ranges.start, ranges.end) == (LAST - dt.timedelta(days=MAX_TREND_DAYS - 1), LAST)
    assert ranges.notes == ("趋势区间 1900-01-01 至 2100-12-31 已改为 2019-02-10 至 2020-03-15："
                            "区间须在数据范围（2018-12-03 至 2020-03-15）内，最长 400 天。",)
    # A year ago to yesterday is within both bounds: kept as asked.
    kept = bounded(DEFAULT, D(2019, 3, 14), DEFAULT, DEFAULT, FIRST, LAST)
    assert (kept.start, kept.end, kept.notes) == (D(2019, 3, 14), DEFAULT, ())
    swapped = bounded(DEFAULT, D(2020, 3, 1), D(2020, 2, 1), DEFAULT, FIRST, LAST)
    assert (swapped.start, swapped.end) == (D(2020, 2, 1), D(2020, 3, 1)) and len(swapped.notes) == 1


def test_a_report_day_outside_the_data_is_moved_into_it():
    early = bounded(D(1, 1, 1), None, None, DEFAULT, FIRST, LAST)
    assert (early.day, early.start, early.end) == (FIRST, D(2018, 12, 3), FIRST)
    assert early.notes == ("统计日 0001-01-01 不在数据范围（2019-01-01 至 2020-03-15）内，已改为 2019-01-01。",)
    late = bounded(D(9999, 12, 31), None, None, DEFAULT, FIRST, LAST)
    assert late.day == LAST and late.day_limits == (FIRST, LAST)
    empty = bounded(D(2100, 1, 1), None, None, DEFAULT, None, LAST)
    assert empty.day == LAST and empty.day_limits == (DEFAULT, LAST)


@pytest.fixture(scope="module")
def small_db(isolated_board_env, tmp_path_factory):
    db = lure_database(tmp_path_factory.mktemp("ranges"))  # hotline tickets 2020-02-01 to 02-16 01:00
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOARD_DB", str(db))
        yield db


def test_a_century_in_the_url_is_answered_for_the_data_with_a_message(small_db):
    link = {"from": "1900-01-01", "to": "2100-12-31", "d": "0001-01-01"}
    at = AppTest.from_file(str(BOARD), default_timeout=90)
    at.query_params.update(link)
    rerun(at)  # board.py: the shared filters, and what it changed in them
    assert [w.value for w in at.warning] == [
        "统计日 0001-01-01 不在数据范围（2020-02-01 至 2020-02-16）内，已改为 2020-02-01。",
        "趋势区间 1900-01-01 至 2100-12-31 已改为 2020-01-03 至 2020-02-16："
        "区间须在数据范围（2020-01-03 至 2020-02-16）内，最长 400 天。"]
    assert (at.query_params["d"], at.query_params["from"], at.query_params["to"]) == (
        "2020-02-01", "2020-01-03", "2020-02-16")
    at = open_page("pages/hotline.py", link)
    ctx = at.session_state["ctx"]
    assert (ctx.clock.day, ctx.start, ctx.end) == (D(2020, 2, 1), D(2020, 1, 3), D(2020, 2, 16))
    heatmap = json.loads(at.get("plotly_chart")[-1].proto.spec)["data"][0]  # 25问 × days
    assert len(heatmap["x"]) == (ctx.end - ctx.start).days + 1 == 45
