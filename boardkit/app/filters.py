"""Page filters of the stream pages, kept in st.query_params like board.py's shared filters,
so that a filtered view is a link that can be sent to a colleague or opened from a row."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from .. import labels

# The shared filters of board.py; a link from one view to another keeps them.
SHARED_PARAMS = ("d", "from", "to", "nb")


def choice(container, label: str, param: str, options: dict, *, all_label: str | None = labels.ALL_OPTION,
           default: str | None = None, help: str | None = None) -> str | None:
    """A selectbox over `options` ({code: Chinese label}); None stands for "all" when
    `all_label` is given. The URL parameter `param` sets its first value and follows it."""
    codes = ([None] if all_label is not None else []) + list(options)
    wanted = st.query_params.get(param, default)
    index = codes.index(wanted) if wanted in codes else 0
    value = container.selectbox(label, codes, index=index, key=f"pf_{param}", help=help,
                                format_func=lambda c: all_label if c is None else options.get(c, str(c)))
    if value is None or value == default:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value
    return value


def link(url_path: str, **params) -> str:
    """A relative link to a page with the current shared filters and `params` (None drops one)."""
    merged = {k: st.query_params[k] for k in SHARED_PARAMS if k in st.query_params}
    merged.update({k: v for k, v in params.items()})
    query = urlencode({k: v for k, v in merged.items() if v is not None and v != ""})
    return f"{url_path}?{query}" if query else url_path


# A bar chart of neighbourhoods shows this many at most: a district has 1,000, the city
# 6,000 (a chart 130,000 pixels tall that takes seconds to build and nobody reads).
CHART_AREAS = 30


def busiest(frame, label: str, value: str, n: int = CHART_AREAS):
    """(rows of the n labels with the largest total `value`, how many labels there are)."""
    totals = frame.groupby(label, dropna=False)[value].sum().sort_values(ascending=False, kind="stable")
    return frame[frame[label].isin(totals.index[:n])], len(totals)


def busiest_note(shown: int, total: int) -> str:
    return f"（共 {total:,} 个居民区，图中为数量最多的 {shown} 个）" if total > shown else ""


def neighbourhood_name(code, name) -> str:
    return labels.UNKNOWN_NEIGHBOURHOOD if code is None or code != code or not name else str(name)


def as_text(frame, dates=(), times=()):
    """Date and time columns of a table as text (2020-03-14, 03-14 09:30) with blanks where a
    value is missing: the grid would otherwise print an English "None"."""
    import pandas as pd
    out = frame.copy()
    for columns, pattern in ((dates, "%Y-%m-%d"), (times, "%m-%d %H:%M")):
        for column in columns:
            if column in out.columns:
                out[column] = pd.to_datetime(out[column]).dt.strftime(pattern).astype(object).where(
                    out[column].notna(), "")
    return out
