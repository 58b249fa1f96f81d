"""Every named query: found with `inspect`, called with standard arguments.

The functions: the public functions of boardkit/queries/*.py (each module's own), plus
boardkit.metrics.figures.overview_figures and stream_figures, and boardkit.metrics.status.neighbourhood_status. Arguments are
built from parameter names (STANDARD); a parameter with a default keeps it; a required
parameter nobody knows how to fill makes the query skipped with a note.

Timing: `first` is the query's first call in this process. `cold` is the median of
calls with no connection open, so each call opens the database afresh — what every board
query pays while boardkit.data.db opens and closes a connection per query. `warm` is the
median with one read-only connection to the generation held open by the benchmark, so
DuckDB keeps the database instance and its buffers between calls (the tech notes'
"warm connection").
"""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

from .common import Row, fmt_ms, median, timed

BUDGET_WARM_MS = 100.0   # issue 9: any single query ≤ 100 ms warm at city scale


def discover_queries() -> list[tuple[str, Callable]]:
    import boardkit.queries as package
    from boardkit.metrics.figures import overview_figures, stream_figures
    from boardkit.metrics.status import neighbourhood_status

    # stream_figures: every registry figure, the blind spot's stream included (the brief's).
    found = [("figures.overview_figures", overview_figures), ("figures.stream_figures", stream_figures),
             ("status.neighbourhood_status", neighbourhood_status)]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found.append((f"queries.{info.name}.{name}", fn))
    return found


@dataclass
class Standard:
    """The values behind the standard parameter names, for one scope."""
    gen: object
    clock: object
    scope: object

    def namespace(self) -> SimpleNamespace:
        return SimpleNamespace(gen=self.gen, clock=self.clock, scope=self.scope)


def _setting(name):
    from core import settings
    return settings.get(name)


def _explore_spec(ns):
    from boardkit.data import datasets as explore
    return explore.Spec("hotline", group_by=("received_at",), grain="day")   # tickets per day


def _surge_keys(ns):
    """The report day's largest (kind, key) pairs, as the surge panel would pass them."""
    from boardkit.queries import surges
    daily = surges.daily_counts(ns.gen, ns.scope, ns.clock.day, int(_setting("surge.baseline_days")))
    import pandas as pd
    today = daily[pd.to_datetime(daily["day"]).dt.date == ns.clock.day]
    top = today.sort_values("n", ascending=False).head(5)
    return list(zip(top["kind"].astype(str), top["key"].astype(str)))


def _first_code(ns):
    from boardkit.data.db import query
    frame = query(ns.gen, "SELECT code FROM ref_neighbourhoods WHERE ($scope_all OR list_contains($scope_codes, code)) "
                          "ORDER BY code LIMIT 1", ns.scope.params)
    return frame["code"].iat[0]


# Parameter name -> how to make its value from (gen, clock, scope). The trend range and
# "today" follow the pages (30 days ending on the report day; the day of "now").
STANDARD: dict[str, Callable] = {
    "gen": lambda ns: ns.gen,
    "clock": lambda ns: ns.clock,
    "scope": lambda ns: ns.scope,
    "start": lambda ns: ns.clock.day - dt.timedelta(days=29),
    "end": lambda ns: ns.clock.day,
    "day": lambda ns: ns.clock.day,
    "today": lambda ns: ns.clock.now.date(),
    "now": lambda ns: ns.clock.now,
    "days": lambda ns: int(_setting("enterprise_pending_days")),
    "pending_days": lambda ns: int(_setting("enterprise_pending_days")),
    "k": lambda ns: int(_setting("ending_soon_days")),
    "baseline_days": lambda ns: int(_setting("surge.baseline_days")),
    "catering": lambda ns: __import__("boardkit.labels", fromlist=["CATERING"]).CATERING,
    "dataset": lambda ns: "hotline",
    "column": lambda ns: "request_type",
    "spec": _explore_spec,
    "keys": _surge_keys,
    "code": _first_code,
    "neighbourhood_code": _first_code,
}


def build_arguments(fn: Callable, ns: SimpleNamespace) -> tuple[dict | None, str]:
    """Keyword arguments for fn, or (None, why not)."""
    kwargs = {}
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is not p.empty and name not in ("gen", "clock", "scope"):
            continue   # the function's own default is what the page passes most often
        if name not in STANDARD:
            return None, f"skipped: no standard value for parameter `{name}`"
        try:
            kwargs[name] = STANDARD[name](ns)
        except Exception as exc:   # e.g. no data for the surge keys
            return None, f"skipped: could not build `{name}` ({type(exc).__name__}: {exc})"
    return kwargs, ""


def count_rows(result) -> int:
    if result is None:
        return 0
    if isinstance(result, tuple) and result and hasattr(result[0], "shape"):
        return len(result[0])   # (frame, truncated) from explore.run
    try:
        return len(result)
    except TypeError:
        return 1


def query_rows(standard: Standard, repeat: int, *, label: str = "", queries=None, say=print) -> list[Row]:
    from boardkit.data.db import connect

    ns = standard.namespace()
    rows = []
    for name, fn in queries or discover_queries():
        item = name + (f" ({label})" if label else "")
        kwargs, note = build_arguments(fn, ns)
        if kwargs is None:
            rows.append(Row("query", item, "—", note, values={"skipped": True}))
            continue
        try:
            first, result = timed(fn, **kwargs)
            cold = median(timed(fn, **kwargs)[0] for _ in range(repeat))
            held = connect(standard.gen)   # keeps the database instance open between calls
            try:
                warm = median(timed(fn, **kwargs)[0] for _ in range(repeat))
            finally:
                held.close()
        except Exception as exc:
            rows.append(Row("query", item, "error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:140]}",
                            values={"error": True}))
            continue
        n = count_rows(result)
        say(f"  query {item}: cold {fmt_ms(cold)} ms, warm {fmt_ms(warm)} ms, {n:,} rows")
        rows.append(Row("query", item, f"cold {fmt_ms(cold)} · warm {fmt_ms(warm)} ms",
                        f"{n:,} rows; first call {fmt_ms(first)} ms", f"warm ≤ {BUDGET_WARM_MS:.0f}",
                        warm <= BUDGET_WARM_MS, "city",
                        values={"first_ms": first, "cold_ms": cold, "warm_ms": warm, "rows": n}))
    return rows
