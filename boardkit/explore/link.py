"""A 查询 view as a link: query parameters <-> boardkit.data.datasets.Spec.

Unknown or invalid parts are dropped, so an old or hand-edited link still opens (with less
applied) and never fails; a name outside the allow-list never reaches the SQL builder."""
from __future__ import annotations

import datetime as dt

from ..data.datasets import (
    DATASETS,
    GRAINS,
    MAX_DIMS,
    MEASURES,
    TIME_KINDS,
    Column,
    Filter,
    Spec,
    is_time,
    measure_columns,
    visible_columns,
)


def parse_range(text: str, kind: str):
    """'low~high' from a link into typed bounds (either side may be blank)."""
    low, _, high = (text or "").partition("~")

    def one(part: str):
        part = part.strip()
        if not part:
            return None
        try:
            return dt.date.fromisoformat(part) if kind in TIME_KINDS else float(part)
        except ValueError:
            return None
    return one(low), one(high)


BLANK = "(未填)"


def _encode(column: Column, value) -> str:
    if column.kind == "text":
        return str(value or "")
    if column.kind in ("enum", "bool"):
        def one(v):
            return BLANK if v is None else ("1" if v is True else "0" if v is False else str(v))
        return ",".join(one(v) for v in value or ())
    low, high = tuple(value or (None, None))

    def side(v):
        return "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else f"{v:g}")
    return f"{side(low)}~{side(high)}"


def _decode(column: Column, text: str):
    if column.kind == "text":
        return text
    if column.kind in ("enum", "bool"):
        values = []
        for part in (p for p in text.split(",") if p):
            if part == BLANK:
                values.append(None)
            elif column.kind == "bool":
                values.append(part == "1")
            else:
                values.append(part)
        return tuple(values)
    return parse_range(text, column.kind)


def spec_to_params(spec: Spec) -> dict[str, str]:
    columns = DATASETS[spec.dataset].columns
    params = {"ds": spec.dataset}
    if spec.group_by:
        params["by"] = ",".join(spec.group_by)
        if any(is_time(spec.dataset, n) for n in spec.group_by) and spec.grain != "day":
            params["grain"] = spec.grain
    if spec.measure != "count":
        params["m"], params["mc"] = spec.measure, spec.measure_column or ""
    for f in spec.filters:
        encoded = _encode(columns[f.column], f.value)
        if encoded and encoded != "~":
            params[f"f.{f.column}"] = encoded
    return params


def spec_from_params(params: dict, show_room: bool = False, default: str = "hotline") -> Spec:
    dataset = params.get("ds") if params.get("ds") in DATASETS else default
    columns = visible_columns(dataset, show_room)
    group_by = tuple(dict.fromkeys(n for n in str(params.get("by", "")).split(",")
                                   if n in columns and columns[n].dim))[:MAX_DIMS]
    grain = params.get("grain") if params.get("grain") in GRAINS else "day"
    measure = params.get("m") if params.get("m") in MEASURES else "count"
    measure_column = params.get("mc")
    if measure != "count" and measure_column not in measure_columns(dataset, measure, show_room):
        measure, measure_column = "count", None
    filters = tuple(Filter(key[2:], _decode(columns[key[2:]], str(value)))
                    for key, value in params.items()
                    if key.startswith("f.") and key[2:] in columns)
    return Spec(dataset, filters, group_by, grain, measure, measure_column if measure != "count" else None)
