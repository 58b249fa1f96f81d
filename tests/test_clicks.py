"""Click to filter and ?refresh=N: what a chart's selection asks for, what the viewer may get,
and what the page then shows; the refresh interval from the URL. (AppTest cannot click a
chart — the selection state of a chart cannot be set from Session State — so the pages take a
click left in the session as the chart's callback leaves it; tests/test_clicks_browser.py
clicks for real.)"""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from boardkit.app import clicks, refresh
from boardkit.app.clicks import Change, clicked_values, filter_change
from boardkit.app.refresh import refresh_seconds
from page_helpers import COMMITTEE, neighbourhoods, open_page, report_day, rerun, sign_in_required, table_with

# Selection states as Streamlit 1.67 hands them to a callback, recorded in Chromium.
PLOTLY_BARS = {"points": [{"curve_number": 0, "point_number": 0, "point_index": 0, "x": 3, "y": "甲",
                           "label": "甲", "value": 3, "customdata": "N1"}],
               "point_indices": [0], "box": [], "lasso": []}
PLOTLY_TWO_BARS = {"points": [{"curve_number": 1, "point_index": 1, "x": 2, "y": "乙", "customdata": "N2"},
                              {"curve_number": 0, "point_index": 0, "x": 3, "y": "甲", "customdata": "N1"},
                              {"curve_number": 1, "point_index": 0, "x": 1, "y": "甲", "customdata": "N1"}],
                   "point_indices": [1, 0], "box": [], "lasso": []}
PLOTLY_UNKNOWN_BAR = {"points": [{"curve_number": 0, "point_index": 4, "x": 7, "y": "未识别居民区",
                                  "customdata": None}], "point_indices": [4], "box": [], "lasso": []}
PLOTLY_DAY = {"points": [{"curve_number": 1, "point_number": 2, "point_index": 2, "x": "2020-02-03", "y": 3}],
              "point_indices": [2], "box": [], "lasso": []}
PYDECK = {"indices": {"areas": [0]}, "objects": {"areas": [{"click_id": "N1", "name": "甲", "polygon": [[121, 31]]}]}}
VEGA_DAY = {"clicked_day": [{"click_id": "2020-02-04"}]}

ALL = (("N1", "甲居民区"), ("N2", "乙居民区"), ("N3", "丙居民区"))
LIMITS = (dt.date(2020, 1, 1), dt.date(2020, 3, 14))


@pytest.mark.parametrize("selection, kind, expected", [
    (PLOTLY_BARS, clicks.NEIGHBOURHOOD, ["N1"]),
    (PLOTLY_TWO_BARS, clicks.NEIGHBOURHOOD, ["N2", "N1", "N1"]),
    (PLOTLY_UNKNOWN_BAR, clicks.NEIGHBOURHOOD, []),
    (PLOTLY_DAY, clicks.DAY, ["2020-02-03"]),
    (PLOTLY_BARS, clicks.DAY, []),       # a bar chart of neighbourhoods has no day on its x
    (PYDECK, clicks.NEIGHBOURHOOD, ["N1"]),
    (VEGA_DAY, clicks.DAY, ["2020-02-04"]),
    ({"points": [], "point_indices": [], "box": [], "lasso": []}, clicks.NEIGHBOURHOOD, []),
    ({"indices": {}, "objects": {}}, clicks.NEIGHBOURHOOD, []),
    ({"clicked_day": {}}, clicks.DAY, []),
])
def test_a_selection_names_what_was_clicked(selection, kind, expected):
    assert clicked_values(selection, kind) == expected


@pytest.mark.parametrize("kind, values, scope, expected", [
    (clicks.NEIGHBOURHOOD, ["N2"], ALL, Change(codes=("N2",))),
    (clicks.NEIGHBOURHOOD, ["N2", "N1", "N1"], ALL, Change(codes=("N2", "N1"))),
    # A committee of 甲 sees 甲 only: a click on (or a forged message naming) 乙 changes nothing.
    (clicks.NEIGHBOURHOOD, ["N2"], ALL[:1], None),
    (clicks.NEIGHBOURHOOD, ["N2", "N1"], ALL[:1], Change(codes=("N1",))),
    (clicks.NEIGHBOURHOOD, ["N9"], ALL, None),
    (clicks.DAY, ["2020-02-03"], ALL, Change(day=dt.date(2020, 2, 3))),
    (clicks.DAY, ["2020-02-03 00:00:00"], ALL, Change(day=dt.date(2020, 2, 3))),
    (clicks.DAY, ["2020-02-03", "2020-02-05"], ALL, Change(day=dt.date(2020, 2, 5))),  # the last clicked
    (clicks.DAY, ["2020-03-15"], ALL, None),   # after the last report day
    (clicks.DAY, ["2019-12-31"], ALL, None),   # before the data
    (clicks.DAY, ["not a day"], ALL, None),
])
def test_a_click_changes_only_what_the_viewer_may_ask_for(kind, values, scope, expected):
    assert filter_change(kind, values, scope, LIMITS) == expected


@pytest.mark.parametrize("raw, expected", [
    ("60", 60), ("10", 10), ("2", 10), (" 30 ", 30), ("86400", 86400),
    ("0", None), ("-5", None), ("86401", None), ("9999999", None), ("abc", None), ("1e3", None),
    ("６０", None), ("", None), (None, None),
])
def test_the_refresh_interval_from_the_url(raw, expected):
    assert refresh_seconds(raw, 10) == expected


def _click(at, page: str, kind: str, values: list[str]):
    """What a chart's on_select callback leaves for the next run, then that run: board.py
    (it takes the click up; AppTest runs a switched-to page alone, on the context board.py
    built last), then the page."""
    at.session_state[clicks.PENDING] = (kind, values)
    at.switch_page("board.py")
    rerun(at)
    toasts = [t.value for t in at.toast]
    at.switch_page(f"pages/{page}.py")
    return rerun(at), toasts


def test_a_clicked_neighbourhood_filters_the_page_like_the_sidebar(board_env):
    code, name = neighbourhoods()[1]
    at = open_page("hotline")
    at, toasts = _click(at, "hotline", clicks.NEIGHBOURHOOD, [code])
    assert toasts == []
    # (AppTest lists no sidebar under st.navigation: the URL and the page say what the sidebar chose.)
    assert at.query_params["nb"] == code
    assert table_with(at, "区间受理")["居民区"].tolist() == [name]


def test_a_clicked_day_becomes_the_report_day(board_env):
    day = report_day() - dt.timedelta(days=5)
    at = open_page("overview")
    at, toasts = _click(at, "overview", clicks.DAY, [day.isoformat()])

    assert at.query_params["d"] == day.isoformat()
    assert at.title[0].value == f"总览 · {day:%Y年%m月%d日}"


def test_a_committee_cannot_click_its_way_to_another_neighbourhood(board_env, monkeypatch, tmp_path):
    sign_in_required(monkeypatch, tmp_path)
    other_code = neighbourhoods()[1][0]
    at = open_page("hotline", user=COMMITTEE)
    at, toasts = _click(at, "hotline", clicks.NEIGHBOURHOOD, [other_code])

    assert "nb" not in at.query_params
    assert toasts == ["所点的居民区不在您的查看范围内。"]
    assert table_with(at, "区间受理")["居民区"].tolist() == [neighbourhoods()[0][1]]  # its own, as before


def test_refresh_is_kept_in_the_url(board_env):
    at = open_page("hotline", {"refresh": "3"})
    assert at.query_params["refresh"] == "10"  # raised to page_refresh_min_seconds
    assert at.session_state[refresh.INTERVAL] == 10
    at = open_page("hotline", {"refresh": "soon"})
    assert "refresh" not in at.query_params
    assert at.session_state[refresh.INTERVAL] is None


def test_an_automatic_refresh_does_not_keep_a_sign_in_alive(board_env, monkeypatch, tmp_path):
    sign_in_required(monkeypatch, tmp_path)
    at = open_page("hotline", {"refresh": "60"}, user=COMMITTEE)
    store = tmp_path / "sessions.sqlite"

    def last_seen():
        con = sqlite3.connect(store)
        try:
            return con.execute("SELECT last_seen FROM sessions").fetchall()
        finally:
            con.close()
    before = last_seen()
    at.session_state[refresh.AUTOMATIC] = True  # what the timer sets before it reruns the app
    at.switch_page("board.py")  # (AppTest runs a switched-to page alone: board.py checks the sign-in)
    rerun(at)
    assert last_seen() == before
    rerun(at)  # the viewer's own run counts
    assert last_seen()[0][0] > before[0][0]


def test_a_neighbourhood_bar_carries_its_code_and_hovers_by_row():
    """A click takes the points of the hover: on horizontal bars a hover across values (x)
    picked the bar of another row whose count was level with the pointer, so a click filtered
    to the wrong neighbourhood."""
    import pandas as pd

    from boardkit.render import charts
    frame = pd.DataFrame({"居民区": ["甲居民区", "乙居民区", "未识别居民区", "甲居民区"],
                          "code": ["N1", "N2", None, "N1"], "kind": ["a", "a", "a", "b"], "n": [5, 3, 2, 1]})
    fig = charts.stacked_bars(frame, "居民区", "kind", {"a": "#111111", "b": "#222222"}, {}, None,
                              horizontal=True, ids="code")
    assert fig.layout.hovermode == "y unified"
    assert [list(t.customdata) for t in fig.data] == [["N1", "N2", None], ["N1"]]
    assert charts.bars(frame, "居民区", "n", None).layout.hovermode == "closest"
