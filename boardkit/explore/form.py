"""The 查询 page's form: widgets that build a boardkit.data.datasets.Spec, started from a link.

Every widget key carries the dataset, so switching datasets never meets a stored choice
that the new dataset does not have; a widget's first value comes from the link (query
parameters) and afterwards from the widget itself."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from ..data import datasets as ex
from . import link as explore_link
from ..app.page import Context, cached
from ..queries import explore as q

BLANK = explore_link.BLANK  # the multiselect option for "no value"


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _options(ctx: Context, dataset: str, name: str, column: ex.Column) -> list:
    if column.kind == "bool":
        return [True, False, BLANK]
    values = list(column.values) if column.values is not None else list(
        cached(q.distinct_values)(ctx.gen, ctx.scope, dataset, name))
    return values + [BLANK]


def _filter_widget(ctx: Context, dataset: str, name: str, column: ex.Column, linked) -> ex.Filter:
    key = f"ex_f_{dataset}_{name}"
    label = column.label
    if column.kind == "text":
        _init(key, str(linked or ""))
        return ex.Filter(name, st.text_input(f"{label} 包含", key=key, max_chars=100))
    if column.kind in ("enum", "bool"):
        options = _options(ctx, dataset, name, column)
        chosen = [BLANK if v is None else v for v in (linked or ())]
        _init(key, [v for v in chosen if v in options])
        picked = st.multiselect(label, options, key=key, placeholder="全部",
                                format_func=lambda v: v if v == BLANK else ex.value_label(column, v))
        return ex.Filter(name, tuple(None if v == BLANK else v for v in picked))
    low, high = tuple(linked or (None, None))
    if column.kind in ex.TIME_KINDS:
        end = ctx.clock.now.date()
        _init(key, (low or end - dt.timedelta(days=29), high or end))
        picked = st.date_input(f"{label} 区间", key=key)
        picked = tuple(picked) if isinstance(picked, (tuple, list)) else (picked, picked)
        return ex.Filter(name, (picked[0] if picked else None, picked[1] if len(picked) > 1 else None))
    left, right = st.columns(2)
    _init(key + "_lo", low)
    _init(key + "_hi", high)
    return ex.Filter(name, (left.number_input(f"{label} 不小于", key=key + "_lo"),
                            right.number_input(f"{label} 不大于", key=key + "_hi")))


def spec_form(ctx: Context, linked: ex.Spec) -> ex.Spec:
    """Draws the form; returns the spec it describes."""
    show_room = ctx.scope.show_room
    _init("ex_ds", linked.dataset)
    top = st.columns([1.2, 2, 1, 1, 1.4])
    dataset = top[0].selectbox("数据集", list(ex.DATASETS), key="ex_ds",
                               format_func=lambda k: ex.DATASETS[k].label)
    link = linked if linked.dataset == dataset else ex.Spec(dataset)
    columns = ex.visible_columns(dataset, show_room)
    label = lambda n: columns[n].label  # noqa: E731

    _init(f"ex_by_{dataset}", list(link.group_by))
    group_by = top[1].multiselect("分组（最多两个；不选则列出明细）", [n for n, c in columns.items() if c.dim],
                                  key=f"ex_by_{dataset}", max_selections=ex.MAX_DIMS, format_func=label,
                                  placeholder="不分组：列出明细")
    grain, measure, measure_column = "day", "count", None
    if any(columns[n].kind in ex.TIME_KINDS for n in group_by):
        _init(f"ex_grain_{dataset}", link.grain)
        grain = top[2].selectbox("时间粒度", list(ex.GRAINS), key=f"ex_grain_{dataset}",
                                 format_func=ex.GRAINS.get)
    if group_by:
        _init(f"ex_m_{dataset}", link.measure)
        measure = top[3].selectbox("指标", list(ex.MEASURES), key=f"ex_m_{dataset}", format_func=ex.MEASURES.get)
        if measure != "count":
            choices = list(ex.measure_columns(dataset, measure, show_room))
            if not choices:
                top[4].caption("此数据集没有可求和/平均的数值字段，按计数统计。")
                measure = "count"
            else:
                _init(f"ex_mc_{dataset}_{measure}", link.measure_column if link.measure_column in choices else choices[0])
                measure_column = top[4].selectbox("指标字段", choices, key=f"ex_mc_{dataset}_{measure}",
                                                  format_func=label)

    linked_filters = {f.column: f.value for f in link.filters}
    _init(f"ex_fcols_{dataset}", [n for n in linked_filters if n in columns])
    chosen = st.multiselect("筛选条件（选择字段后逐项设置；文字为“包含”，日期为闭区间）", list(columns),
                            key=f"ex_fcols_{dataset}", format_func=label, placeholder="不筛选")
    filters = []
    if chosen:
        cells = st.columns(min(3, len(chosen)))
        for i, name in enumerate(chosen):
            with cells[i % len(cells)]:
                filters.append(_filter_widget(ctx, dataset, name, columns[name], linked_filters.get(name)))
    return ex.Spec(dataset, tuple(filters), tuple(group_by), grain, measure, measure_column)


LINK_KEYS = ("ds", "by", "grain", "m", "mc")


def keep_in_link(spec: ex.Spec) -> None:
    """Writes the view to the URL, so that copying the address shares exactly this view."""
    wanted = explore_link.spec_to_params(spec)
    for key in list(st.query_params):
        if (key in LINK_KEYS or key.startswith("f.")) and key not in wanted:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
