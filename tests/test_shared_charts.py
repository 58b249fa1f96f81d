"""Charts are built once per arguments and shared by every session (boardkit.app.page.shared);
cached() makes one st.cache_data wrapper per module function, not one per call."""
from __future__ import annotations

import pickle

import pandas as pd
import plotly.graph_objects as go
import pytest

from boardkit.app import page

BUILT: list[tuple] = []


def count_build(frame: pd.DataFrame, title: str, height: int = 300) -> dict:
    BUILT.append((title, height))
    return {"n": int(frame["n"].sum()), "title": title, "height": height}


def test_the_same_arguments_give_the_same_object_built_once():
    BUILT.clear()
    frame = pd.DataFrame({"day": ["03-01", "03-02"], "n": [3, 4]})
    first = page.shared(count_build, frame, "甲", height=320)
    again = page.shared(count_build, frame.copy(), "甲", height=320)
    assert again is first
    assert first == {"n": 7, "title": "甲", "height": 320}
    assert BUILT == [("甲", 320)]


def test_other_data_or_options_build_another_chart():
    BUILT.clear()
    frame = pd.DataFrame({"day": ["03-01", "03-02"], "n": [3, 4]})
    page.shared(count_build, frame, "乙")
    same_shape_other_values = pd.DataFrame({"day": ["03-01", "03-02"], "n": [3, 5]})
    assert page.shared(count_build, same_shape_other_values, "乙") == {"n": 8, "title": "乙", "height": 300}
    assert page.shared(count_build, frame, "乙", height=400)["height"] == 400
    assert page.shared(count_build, frame, "丙")["title"] == "丙"
    assert BUILT == [("乙", 300), ("乙", 300), ("乙", 400), ("丙", 300)]


def test_cached_makes_one_wrapper_per_module_function():
    assert page.cached(count_build) is page.cached(count_build)


def test_a_page_scripts_own_function_gets_a_fresh_wrapper():
    # A page script runs as module "__main__" and defines its functions anew on every run.
    def scripted(x):
        return x + 1
    scripted.__module__ = "__main__"
    first, second = page.cached(scripted), page.cached(scripted)
    assert first is not second
    assert first(1) == second(1) == 2


def test_one_changed_row_of_a_large_frame_builds_another_chart():
    # Streamlit's own frame hashing samples frames of 50,000 rows or more: a change in a row
    # it did not sample would have given the old chart.
    BUILT.clear()
    frame = pd.DataFrame({"day": range(60_000), "n": 1})
    changed = frame.copy()
    changed.loc[59_999, "n"] = 2
    assert page.shared(count_build, frame, "丁")["n"] == 60_000
    assert page.shared(count_build, changed, "丁")["n"] == 60_001
    assert BUILT == [("丁", 300), ("丁", 300)]


def test_chart_refuses_a_figure_built_in_the_page():
    with pytest.raises(TypeError, match="builder"):
        page.chart(go.Figure())


def test_equal_frames_made_differently_share_one_chart():
    # A query's frame on its first run is fresh from DuckDB, later runs get st.cache_data's
    # copy: equal data, not always the same pickle (here: two blocks of numbers, or one).
    BUILT.clear()
    added = pd.DataFrame({"day": ["03-01", "03-02"]})
    added["n"] = [3, 4]
    added["m"] = [5, 6]
    whole = pd.DataFrame({"day": ["03-01", "03-02"], "n": [3, 4], "m": [5, 6]})
    assert pickle.dumps(added) != pickle.dumps(whole)
    assert page.shared(count_build, added, "戊") is page.shared(count_build, whole, "戊")
    assert BUILT == [("戊", 300)]


def test_none_and_the_word_none_are_different_data():
    BUILT.clear()
    page.shared(count_build, pd.DataFrame({"n": [1], "who": [None]}), "己")
    page.shared(count_build, pd.DataFrame({"n": [1], "who": ["None"]}), "己")
    assert BUILT == [("己", 300), ("己", 300)]
