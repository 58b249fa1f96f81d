"""One neighbourhood against the sub-district: pure, from two sets of overview figures.

A count is compared with the mean per neighbourhood (the total over the viewer's
neighbourhoods ÷ their number); a rate or a median with the pooled figure of all of them
(averaging 22 rates would weigh a neighbourhood with 2 tickets like one with 200)."""
from __future__ import annotations

import pandas as pd

from . import REGISTRY
from .figures import Figure


def average(figure: Figure, n: int) -> float | None:
    if figure.value is None:
        return None
    return figure.value / n if figure.kind == "count" and n else figure.value


def basis(figure: Figure) -> str:
    return "街道平均（合计÷居民区数）" if figure.kind == "count" else "街道整体"


def fmt(kind: str, value: float | None) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "minutes":
        return f"{value:.1f} 分钟"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def versus(local: dict[str, Figure], whole: dict[str, Figure], n: int, keys: list[str]) -> pd.DataFrame:
    """key, 指标, 本居民区, 对比值, 对比口径, 差值 (numbers kept for charts: value, avg)."""
    rows = []
    for key in keys:
        mine, all_ = local[key], whole[key]
        avg = average(all_, n)
        diff = None if mine.value is None or avg is None else mine.value - avg
        rows.append({"key": key, "kind": mine.kind, "value": mine.value, "avg": avg,
                     "指标": REGISTRY[key].label, "本居民区": fmt(mine.kind, mine.value),
                     "对比值": fmt(mine.kind, avg), "对比口径": basis(all_),
                     "差值": "—" if diff is None else (f"{diff * 100:+.1f} 个百分点" if mine.kind == "rate"
                                                       else f"{diff:+,.1f}")})
    return pd.DataFrame(rows)


def caption(figure: Figure, n: int) -> str:
    """The grey line under a KPI: `街道平均 12.5` for counts, `街道整体 86.0%` for rates."""
    word = "街道平均" if figure.kind == "count" else "街道整体"
    return f"{word} {fmt(figure.kind, average(figure, n))}"
