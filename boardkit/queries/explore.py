"""Queries of the 查询 page: run a spec (its SQL built by boardkit.data.datasets), list an
enum's values."""
from __future__ import annotations

import pandas as pd

from ..data.db import Generation, Scope, query
from ..data.datasets import Spec, build_sql, distinct_values_sql


def run(gen: Generation, scope: Scope, spec: Spec) -> tuple[pd.DataFrame, bool]:
    """The result and whether the row cap cut it (a tuple, because cached frames may lose
    their attrs)."""
    sql, params = build_sql(spec, scope)
    frame = query(gen, sql, params)
    return frame, bool(frame.attrs.get("truncated"))


def distinct_values(gen: Generation, scope: Scope, dataset: str, column: str) -> tuple:
    """Values found in the data, most frequent first, for an enum without a fixed list."""
    frame = query(gen, distinct_values_sql(dataset, column, scope.show_room), scope.params)
    return tuple(frame["value"].tolist())
