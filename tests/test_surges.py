"""新热点: the count model on synthetic series, and the queries on a tiny database."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from board_helpers import ticket, tiny_db
from boardkit.metrics import surges
from boardkit.data.db import ALL, Scope
from boardkit.queries.surges import daily_counts, examples
from boardkit.metrics.surges import SurgeRules, score, upper_tail

RULES = SurgeRules(baseline_days=14, p_value=0.001, min_count=5, min_ratio=1.5)
DAY = dt.date(2020, 2, 15)


def poisson_tail_exact(k: int, mean: float) -> float:
    return 1 - math.fsum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k))


# ------------------------------------------------------------------ the model

def test_poisson_tail_matches_the_textbook():
    assert upper_tail(5, 1.0) == pytest.approx(0.0036598468, rel=1e-8)
    assert upper_tail(0, 3.0) == 1.0 and upper_tail(3, 0.0) == 0.0
    for k, mean in ((1, 0.5), (3, 3.0), (10, 4.2), (40, 20.0)):
        assert upper_tail(k, mean) == pytest.approx(poisson_tail_exact(k, mean), rel=1e-9, abs=1e-15)
    # Far in the tail the direct upward sum keeps its precision (1 − cdf would give 0).
    tiny = upper_tail(60, 5.0)
    assert 0 < tiny < 1e-30
    assert tiny == pytest.approx(math.exp(-5) * 5 ** 60 / math.factorial(60), rel=0.1)


def test_over_dispersion_makes_the_tail_heavier():
    poisson = upper_tail(20, 8.0)
    assert upper_tail(20, 8.0, 1.0 + 1e-12) == pytest.approx(poisson, rel=1e-6)
    assert upper_tail(20, 8.0, 2.0) > 20 * poisson
    assert upper_tail(20, 8.0, 4.0) > upper_tail(20, 8.0, 2.0)


def test_known_jump_is_flagged():
    baseline = [4, 6, 5, 3, 5, 7, 4, 6, 5, 4, 6, 5, 3, 5]
    result = score(baseline, 25, RULES)
    assert result["flagged"]
    assert result["baseline_mean"] == pytest.approx(68 / 14)
    assert result["ratio"] == pytest.approx(25 / (68 / 14))
    assert result["p_value"] < 1e-6
    # The day before the jump, an ordinary value, is not.
    assert not score(baseline, 7, RULES)["flagged"]


def test_noisy_flat_series_is_not_flagged():
    # Busy and noisy (weekday swings, news days): 30 is above every baseline day and 2×
    # the mean, but within what such a series does; a plain Poisson would flag it.
    baseline = [9, 21, 6, 16, 25, 8, 14, 19, 7, 23, 12, 17, 10, 20]
    result = score(baseline, 30, RULES)
    assert result["dispersion"] > 2
    assert not result["flagged"] and result["p_value"] > 0.01
    assert upper_tail(30, result["expected"]) < RULES.p_value  # the Poisson-only verdict
    # A long simulated over-dispersed flat series: no day is flagged.
    rng = np.random.default_rng(2020)
    series = rng.negative_binomial(n=8, p=8 / (8 + 15), size=200)   # mean 15, variance ~43
    flags = [score(series[i - 14:i], int(series[i]), RULES)["flagged"] for i in range(14, len(series))]
    assert sum(flags) == 0


def test_small_counts_short_baselines_and_small_ratios_are_not_flagged():
    # A question nobody asked about, then 4 calls: surprising but too few to act on.
    assert not score([0] * 14, 4, RULES)["flagged"]
    assert score([0] * 14, 6, RULES)["flagged"]       # new and several: a new hotspot
    # Three days of data are no baseline.
    assert not score([1, 2, 1], 30, RULES)["flagged"]
    # 100 → 140 on a steady question: certain, but not a new hotspot.
    steady = [100] * 14
    assert score(steady, 140, RULES)["p_value"] < RULES.p_value
    assert not score(steady, 140, RULES)["flagged"]
    assert score(steady, 160, RULES)["flagged"]


def test_rules_come_from_settings():
    rules = SurgeRules.from_settings()
    assert rules == SurgeRules(14, 0.001, 5, 1.5)


# ------------------------------------------------------------------ on a database

def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture
def gen(tmp_path):
    rows, n = [], 0

    def add(*args, **kwargs):
        nonlocal n
        n += 1
        rows.append(ticket(n, *args, **kwargs))

    first = dt.date(2020, 2, 3)   # the load starts here: 12 baseline days before DAY
    for offset in range(12):
        day = first + dt.timedelta(days=offset)
        add(_at(day, 9), "health", 20)                      # question 20: 2 a day in NB01
        add(_at(day, 15), "health", 20, content=f"口罩预约{offset}")
        add(_at(day, 10), "quarantine", 3, code="NB02")    # question 3: 1 a day in NB02
        add(_at(day, 11), None)                            # non-epidemic, never counted
    for hour in range(8, 20):                              # 12 of question 20 on the day
        add(_at(DAY, hour), "health", 20, content="口罩预约登记在哪里" if hour < 14 else f"药店口罩{hour}")
    add(_at(DAY, 12), "community", None)                   # epidemic, no question: topic only
    add(dt.datetime(2020, 2, 16, 0, 0), "health", 20)       # the next day: outside
    return tiny_db(tmp_path / "tiny.duckdb", rows)


def test_daily_counts_are_dense_and_start_with_the_data(gen):
    frame = daily_counts(gen, ALL, DAY, 14)
    keys = set(zip(frame["kind"], frame["key"]))
    assert keys == {("question", "20"), ("question", "3"), ("topic", "health"), ("topic", "quarantine"),
                    ("topic", "community")}
    q20 = frame[(frame["kind"] == "question") & (frame["key"] == "20")]
    # From the first ticket of the load (3 Feb), not 14 days back (1 Feb).
    assert q20["day"].dt.date.tolist() == [dt.date(2020, 2, 3) + dt.timedelta(days=i) for i in range(13)]
    assert q20["n"].tolist() == [2] * 12 + [12]
    community = frame[(frame["kind"] == "topic") & (frame["key"] == "community")]
    assert community["n"].sum() == 1 and len(community) == 13


def test_daily_counts_respect_scope(gen):
    frame = daily_counts(gen, Scope(codes=("NB02",)), DAY, 14)
    assert set(frame["key"]) == {"3", "quarantine"}
    assert frame[frame["key"] == "3"]["n"].tolist() == [1] * 12 + [0]
    assert daily_counts(gen, Scope(codes=("NB99",)), DAY, 14).empty


def test_detect_flags_the_jump_with_examples(gen):
    found = surges.detect(gen, ALL, DAY, RULES)
    flagged = found.flagged
    assert set(zip(flagged["kind"], flagged["key"])) == {("question", "20"), ("topic", "health")}
    row = flagged[flagged["kind"] == "question"].iloc[0]
    assert row["today"] == 12 and row["baseline_mean"] == 2 and row["baseline_days"] == 12
    assert row["label"].startswith("第20问")
    q20 = found.examples[(found.examples["kind"] == "question") & (found.examples["key"] == "20")]
    assert len(q20) == 3 and q20["content"].is_unique           # latest, one per wording
    assert q20["received_at"].dt.date.eq(DAY).all()
    # Question 3 went quiet on the day: scored, not flagged.
    assert not found.table[(found.table["kind"] == "question") & (found.table["key"] == "3")]["flagged"].any()


def test_panel_rows_are_chinese_and_scoped(gen):
    rows = surges.panel_rows(surges.detect(gen, ALL, DAY, RULES))
    assert [r["类型"] for r in rows] and {r["类型"] for r in rows} == {"25问", "类别"}
    question = next(r for r in rows if r["类型"] == "25问")
    assert question["问题编号"] == 20 and question["统计日件数"] == 12 and question["近期日均"] == 2.0
    assert question["基线天数"] == 12
    assert "6.0 倍" == question["倍数"] and "2月15日 12 件，近12日日均 2.0 件" in question["说明"]
    assert len(question["示例工单"]) == 3 and question["示例工单"][0].startswith("19:00 居民区NB01：")
    assert surges.surge_panel_rows(gen, Scope(codes=("NB02",)), DAY) == []
    assert "新热点" in surges.rules_caption(RULES)


def test_examples_without_keys_skip_the_database(gen):
    assert examples(gen, ALL, DAY, []).empty
