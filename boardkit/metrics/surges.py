"""新热点: FAQ questions and topics whose epidemic tickets on the report day are far
above their recent level.

Daily counts are over-dispersed (weekdays, news, a trend), so a fixed threshold or a
plain Poisson test would flag too much on busy questions and too little on quiet ones.
The model, per key:

- baseline: the `surge.baseline_days` days before the report day (the day itself is
  not part of it), only days on which the load has any ticket at all;
- expected = the baseline mean, but at least EXPECTED_FLOOR, so that a question nobody
  asked about for two weeks can still surface when several people suddenly do;
- p-value = P(X ≥ today's count) under a negative binomial with that mean and the
  baseline's variance (a Poisson when the baseline varies no more than a Poisson);
- flagged when p < `surge.p_value`, today ≥ `surge.min_count` and today / expected ≥
  `surge.min_ratio` — the last two keep tiny counts and statistically-sure but
  operationally-small rises (a busy question going 100 → 130) off the wall.

DuckDB counts (queries/surges.py); Python only scores a series of ~15 numbers per key.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from core import settings

from .. import labels
from ..data.db import Generation, Scope
from ..queries import surges as q

SURGE_LABEL = "新热点"
KIND_LABELS = {"question": "25问", "topic": "类别"}
# A baseline of zeros would make any single ticket infinitely surprising.
EXPECTED_FLOOR = 0.5
# Fewer comparable days than this (the first days of a load) say too little about "usual".
MIN_BASELINE_DAYS = 7
EXAMPLES_PER_ITEM = 3
COLUMNS = ["kind", "key", "label", "today", "baseline_mean", "baseline_days", "dispersion",
           "expected", "p_value", "ratio", "flagged"]


@dataclass(frozen=True)
class SurgeRules:
    baseline_days: int = 14
    p_value: float = 0.001
    min_count: int = 5
    min_ratio: float = 1.5

    @classmethod
    def from_settings(cls) -> "SurgeRules":
        return cls(int(settings.get("surge.baseline_days")), float(settings.get("surge.p_value")),
                   int(settings.get("surge.min_count")), float(settings.get("surge.min_ratio")))


# ------------------------------------------------------------------ the count model

def _tail(log_pmf, k: int, mean: float) -> float:
    """P(X ≥ k) for a unimodal count distribution given by its log pmf. Above the mean the
    tail is summed upward directly, so p-values like 1e-12 keep their precision; below
    it, 1 − P(X < k) loses nothing that matters (the answer is large)."""
    if k <= 0:
        return 1.0
    if k <= mean:
        return min(1.0, max(0.0, 1.0 - sum(math.exp(log_pmf(i)) for i in range(k))))
    total, i = 0.0, k
    while True:
        term = math.exp(log_pmf(i))
        total += term
        i += 1
        # Terms only shrink past the mode (≤ mean < k); stop once they stop counting.
        if term <= total * 1e-15 or i - k > 100_000:
            return min(1.0, total)


def upper_tail(k: int, mean: float, dispersion: float = 1.0) -> float:
    """P(X ≥ k) for X with the given mean and variance = dispersion × mean: Poisson when
    dispersion ≤ 1, else negative binomial with size mean / (dispersion − 1)."""
    k = int(k)
    if mean <= 0:
        return 1.0 if k <= 0 else 0.0
    if dispersion <= 1.0 + 1e-9:
        log_mean = math.log(mean)

        def log_pmf(i: int) -> float:
            return -mean + i * log_mean - math.lgamma(i + 1)
    else:
        size = mean / (dispersion - 1.0)
        log_p, log_q = math.log(size / (size + mean)), math.log(mean / (size + mean))
        base = -math.lgamma(size)

        def log_pmf(i: int) -> float:
            return math.lgamma(i + size) + base - math.lgamma(i + 1) + size * log_p + i * log_q
    return _tail(log_pmf, k, mean)


def score(baseline: Sequence[float], today: int, rules: SurgeRules = SurgeRules()) -> dict:
    """The surge figures for one key: its baseline daily counts (oldest first, report day
    excluded) and the report day's count."""
    values = [float(v) for v in baseline]
    days = len(values)
    mean = sum(values) / days if days else 0.0
    variance = sum((v - mean) ** 2 for v in values) / (days - 1) if days > 1 else 0.0
    expected = max(mean, EXPECTED_FLOOR)
    # Variance relative to the mean; below 1 is noise around a Poisson, not under-dispersion.
    dispersion = max(1.0, variance / expected)
    p_value = upper_tail(today, expected, dispersion)
    ratio = today / expected
    flagged = (days >= MIN_BASELINE_DAYS and p_value < rules.p_value
               and today >= rules.min_count and ratio >= rules.min_ratio)
    return {"today": int(today), "baseline_mean": mean, "baseline_days": days, "dispersion": dispersion,
            "expected": expected, "p_value": p_value, "ratio": ratio, "flagged": bool(flagged)}


def score_series(daily: pd.DataFrame, day: dt.date, rules: SurgeRules = SurgeRules()) -> pd.DataFrame:
    """One scored row per (kind, key) of a dense (kind, key, day, n) frame."""
    rows = []
    for (kind, key), part in daily.groupby(["kind", "key"], sort=False):
        days = pd.to_datetime(part["day"]).dt.date
        today = int(part.loc[(days == day).to_numpy(), "n"].sum())
        baseline = part.loc[(days < day).to_numpy(), "n"].tolist()[-rules.baseline_days:]
        rows.append({"kind": kind, "key": str(key), **score(baseline, today, rules)})
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "label"])
    # With no tickets at all the frame is empty and `flagged` has no type: a boolean mask of
    # object dtype would be read as a list of column names (KeyError on a new database).
    return frame.astype({"flagged": bool})


# ------------------------------------------------------------------ from the database

def key_label(kind: str, key: str, catalogue=None) -> str:
    if kind == "topic":
        return labels.label(labels.TOPIC, key)
    from .faq import question_label
    return question_label(int(key), catalogue)


@dataclass(frozen=True)
class Surges:
    day: dt.date
    rules: SurgeRules
    table: pd.DataFrame      # COLUMNS, flagged first, most surprising first
    examples: pd.DataFrame   # kind, key, ticket_id, received_at, neighbourhood, content, topic_words

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flagged"]]


def detect(gen: Generation, scope: Scope, day: dt.date, rules: SurgeRules | None = None,
           catalogue=None) -> Surges:
    """Scores every question and topic for the report day and fetches example tickets
    for the flagged ones."""
    rules = rules or SurgeRules.from_settings()
    daily = q.daily_counts(gen, scope, day, rules.baseline_days)
    table = score_series(daily, day, rules)
    table.insert(2, "label", [key_label(k, v, catalogue) for k, v in zip(table["kind"], table["key"])])
    table = table.sort_values(["flagged", "p_value", "ratio"], ascending=[False, True, False],
                              ignore_index=True)
    flagged = table[table["flagged"]]
    examples = q.examples(gen, scope, day, list(zip(flagged["kind"], flagged["key"])), EXAMPLES_PER_ITEM)
    return Surges(day, rules, table, examples)


def _p_text(p: float) -> str:
    return "p<0.0001" if p < 1e-4 else f"p={p:.4f}"


def _example_text(row) -> str:
    text = str(row.content or "").strip().replace("\n", " ")
    text = text if len(text) <= 60 else text[:59] + "…"
    place = row.neighbourhood or "未定位"
    return f"{pd.Timestamp(row.received_at):%H:%M} {place}：{text}"


def panel_rows(surges: Surges) -> list[dict]:
    """The flagged items of `surges` as display rows (Chinese keys), most surprising
    first; `问题编号` links a question to its answer (boardkit.metrics.faq.answer_for)."""
    rows = []
    for item in surges.flagged.itertuples():
        mine = surges.examples[(surges.examples["kind"] == item.kind) & (surges.examples["key"] == item.key)]
        rows.append({
            "类型": KIND_LABELS[item.kind],
            SURGE_LABEL: item.label,
            "统计日件数": item.today,
            # Fixed column names (the day count is in 说明), so rows stack into one table.
            "近期日均": round(item.baseline_mean, 1),
            "基线天数": item.baseline_days,
            "倍数": f"{item.ratio:.1f} 倍",
            "显著性": _p_text(item.p_value),
            "说明": (f"{item.label}：{surges.day.month}月{surges.day.day}日 {item.today} 件，"
                   f"近{item.baseline_days}日日均 {item.baseline_mean:.1f} 件，约为平时的 {item.ratio:.1f} 倍"),
            "示例工单": [_example_text(r) for r in mine.itertuples()],
            "问题编号": int(item.key) if item.kind == "question" else None,
        })
    return rows


def surge_panel_rows(gen: Generation, scope: Scope, day: dt.date) -> list[dict]:
    """新热点 for the overview, the hotline page and the brief: display rows of the flagged
    questions and topics (empty when nothing stands out). Arguments are hashable, so
    pages can wrap it in boardkit.app.page.cached."""
    return panel_rows(detect(gen, scope, day))


def rules_caption(rules: SurgeRules | None = None) -> str:
    """How an item earns the label, for a caption under the panel."""
    rules = rules or SurgeRules.from_settings()
    return (f"{SURGE_LABEL}：统计日某问题或类别的涉疫工单数明显高于前{rules.baseline_days}日的日均"
            f"（计入日常波动后出现概率低于 {rules.p_value:g}），且不少于 {rules.min_count} 件、"
            f"至少为日均的 {rules.min_ratio:g} 倍。")
