"""The overview's Vega-Lite trend chart (boardkit/render/light_charts.py): a pure function from the
day-by-topic counts and the daily share to a chart spec, testable without Streamlit."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from boardkit import labels
from boardkit.render.light_charts import stacked_daily_with_share


def test_stacked_daily_with_share_spec():
    days = [dt.date(2020, 2, 1), dt.date(2020, 2, 2)]
    by_topic = pd.DataFrame({"day": days * 2, "topic": ["quarantine"] * 2 + ["non_epidemic"] * 2,
                             "n": [3, 5, 7, 1]})
    share = pd.DataFrame({"day": days, "share": [0.3, 5 / 6]})
    spec = stacked_daily_with_share(by_topic, "topic", labels.TOPIC_COLOURS, labels.TOPIC, share=share).to_dict()
    bars, line = spec["layer"]
    assert bars["mark"]["type"] == "bar" and line["mark"]["type"] == "line"
    assert spec["resolve"]["scale"]["y"] == "independent"  # counts left, 0–100% right
    colour = bars["encoding"]["color"]["scale"]
    assert colour["domain"] == [labels.TOPIC[k] for k in labels.TOPIC_COLOURS]
    assert colour["range"] == list(labels.TOPIC_COLOURS.values())
    assert line["encoding"]["y"]["scale"]["domain"] == [0, 100]
    values = {name: data for name, data in spec["datasets"].items()}
    rows = [r for data in values.values() for r in data]
    assert sorted(r["n"] for r in rows if "n" in r) == [1, 3, 5, 7]
    assert sorted(round(r["pct"], 1) for r in rows if "pct" in r) == [30.0, 83.3]
    assert {r["label"] for r in rows if "label" in r} == {labels.TOPIC["quarantine"],
                                                         labels.TOPIC["non_epidemic"]}


def test_without_share_only_bars():
    by_topic = pd.DataFrame({"day": [dt.date(2020, 2, 1)], "topic": ["non_epidemic"], "n": [2]})
    spec = stacked_daily_with_share(by_topic, "topic", labels.TOPIC_COLOURS, labels.TOPIC).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar"]
