"""查询 (explore): the allow-list of datasets and columns, and a pure SQL builder.

A query spec names a dataset, filters, up to two grouping columns and a measure. Every
identifier in the SQL comes from the allow-list below; every user value is a bound
`$param`. Only masked personal columns are listed; `person_key` and the keyed hashes are
never selectable, and `room` only when the viewer's scope may see it.

The four streams' datasets are written here, with the board's labels; any other source brings
its own in its registry entry (etl/sources/, `dataset`) and is listed after them.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.sources import BOARD_ORDER, SOURCES
from etl.sources.source import Dataset
from etl.sources.source import DatasetColumn as Column

from .. import labels
from .db import SCOPE_SQL, Scope


BOOL = {True: "是", False: "否"}
NB = Column("居民区", "enum", None, dim=True)

DATASETS: dict[str, Dataset] = {
    "hotline": Dataset("12345工单", "hotline_tickets", "件", {
        "ticket_id": Column("工单编号", "text"),
        "received_at": Column("受理时间", "timestamp", dim=True),
        "request_type": Column("诉求类型", "enum", labels.REQUEST_TYPE, dim=True),
        "topic": Column("话题", "enum", labels.TOPIC, dim=True),
        "epidemic_related": Column("涉疫", "bool", BOOL, dim=True),
        "content": Column("诉求内容（已脱敏）", "text"),
        "neighbourhood": NB,
        "address": Column("地址", "text"),
        "room": Column("室号", "text", room=True),
        "handling_unit": Column("承办部门", "enum", None, dim=True),
        "due_at": Column("办理时限", "timestamp", dim=True),
        "closed_at": Column("办结时间", "timestamp", dim=True),
        "status": Column("工单状态", "enum", labels.TICKET_STATUS, dim=True),
        "satisfaction": Column("满意度", "enum", labels.SATISFACTION, dim=True),
        "first_contact": Column("先行联系", "bool", BOOL, dim=True),
        "channel": Column("来源渠道", "enum", labels.CHANNEL, dim=True),
        "caller_phone_masked": Column("来电号码（脱敏）", "text"),
    }, "received_at"),
    "persons": Dataset("来沪人员", "persons", "人", {
        "name_masked": Column("姓名（脱敏）", "text"),
        "id_masked": Column("证件号（脱敏）", "text"),
        "phone_masked": Column("电话（脱敏）", "text"),
        "neighbourhood": NB,
        "address": Column("居住地址", "text"),
        "room": Column("室号", "text", room=True),
        "arrived_on": Column("抵沪日期", "date", dim=True),
        "measure": Column("管控措施", "enum", labels.MEASURE, dim=True),
        "quarantine_start": Column("隔离开始日期", "date", dim=True),
        "quarantine_end": Column("隔离结束日期", "date", dim=True),
        "status": Column("管控状态", "enum", labels.PERSON_STATUS, dim=True),
        "has_community_report": Column("有居委报送", "bool", BOOL, dim=True),
        "has_enterprise_report": Column("有企业报送", "bool", BOOL, dim=True),
        "id_valid": Column("证件号校验通过", "bool", BOOL, dim=True),
        "device_id": Column("门磁设备编号", "text"),
    }, "arrived_on"),
    "alarms": Dataset("门磁报警", "alarms", "条", {
        "alarm_id": Column("报警编号", "text"),
        "device_id": Column("设备编号", "text"),
        "device_type": Column("设备类型", "enum", labels.DEVICE_TYPE, dim=True),
        "alarm_type": Column("报警类型", "enum", labels.ALARM_TYPE, dim=True),
        "raised_at": Column("报警时间", "timestamp", dim=True),
        "neighbourhood": NB,
        "address": Column("地址", "text"),
        "room": Column("室号", "text", room=True),
        "status": Column("处置状态", "enum", labels.ALARM_STATUS, dim=True),
        "handled_by_masked": Column("处置人（脱敏）", "text"),
        "handled_at": Column("处置时间", "timestamp", dim=True),
        "response_minutes": Column("响应分钟", "number"),
        "note": Column("处置说明", "text"),
    }, "raised_at"),
    "enterprises": Dataset("企业复工", "enterprises", "家", {
        "uscc": Column("统一社会信用代码", "text"),
        "name": Column("企业名称", "text"),
        "industry": Column("行业", "enum", None, dim=True),
        "neighbourhood": NB,
        "address": Column("经营地址", "text"),
        "employees_total": Column("员工总数", "number"),
        "employees_from_outside": Column("来沪员工数", "number"),
        "employees_on_site": Column("在岗人数", "number"),
        "application_status": Column("复工审核状态", "enum", labels.APPLICATION_STATUS, dim=True),
        "applied_on": Column("申请日期", "date", dim=True),
        "reviewed_on": Column("审核日期", "date", dim=True),
        "resumed_on": Column("复工日期", "date", dim=True),
        "utensil_pledge": Column("公筷公勺承诺", "bool", BOOL, dim=True),
        "contact_phone_masked": Column("联系电话（脱敏）", "text"),
    }, "applied_on"),
    **{name: SOURCES[name].dataset for name in BOARD_ORDER if SOURCES[name].dataset},
}

MEASURES = {"count": "计数", "count_distinct": "去重计数", "sum": "合计", "avg": "平均", "median": "中位数"}
GRAINS = {"day": "按日", "week": "按周", "month": "按月"}
GRAIN_WORDS = {"day": "日", "week": "周", "month": "月"}
# Values that have a colour on every page keep it here too (labels.py).
COLOURS = {"topic": labels.TOPIC_COLOURS, "alarm_type": labels.ALARM_COLOURS,
           "application_status": labels.APPLICATION_COLOURS}
TIME_KINDS = ("date", "timestamp")
MAX_DIMS = 2


@dataclass(frozen=True)
class Filter:
    column: str
    value: object   # text: str; enum/bool: tuple of values (None = blank); date/number: (low, high)


@dataclass(frozen=True)
class Spec:
    dataset: str
    filters: tuple[Filter, ...] = ()
    group_by: tuple[str, ...] = ()   # empty: the rows themselves (masked columns, capped)
    grain: str = "day"               # for a date or time column in group_by
    measure: str = "count"
    measure_column: str | None = None


def visible_columns(dataset: str, show_room: bool) -> dict[str, Column]:
    """The columns a viewer may see, filter and group by in a dataset."""
    return {name: c for name, c in DATASETS[dataset].columns.items() if show_room or not c.room}


def measure_columns(dataset: str, measure: str, show_room: bool) -> dict[str, Column]:
    """The columns a measure may take: any column to count distinct, numbers to add up."""
    columns = visible_columns(dataset, show_room)
    if measure == "count":
        return {}
    if measure == "count_distinct":
        return columns
    return {n: c for n, c in columns.items() if c.kind == "number"}


def _check(spec: Spec, show_room: bool) -> dict[str, Column]:
    if spec.dataset not in DATASETS:
        raise ValueError(f"未知的数据集：{spec.dataset!r}")
    columns = visible_columns(spec.dataset, show_room)
    if len(spec.group_by) > MAX_DIMS or len(set(spec.group_by)) != len(spec.group_by):
        raise ValueError("最多按两个不同的字段分组")
    for name in spec.group_by:
        if name not in columns or not columns[name].dim:
            raise ValueError(f"不能按此字段分组：{name!r}")
    if spec.grain not in GRAINS:
        raise ValueError(f"未知的时间粒度：{spec.grain!r}")
    if spec.measure not in MEASURES:
        raise ValueError(f"未知的指标：{spec.measure!r}")
    if spec.measure != "count" and spec.measure_column not in measure_columns(spec.dataset, spec.measure, show_room):
        raise ValueError(f"此指标不能用于字段：{spec.measure_column!r}")
    for f in spec.filters:
        if f.column not in columns:
            raise ValueError(f"不能按此字段筛选：{f.column!r}")
    return columns


def _filter_sql(name: str, column: Column, value, i: int, params: dict) -> str | None:
    """One filter as SQL with bound values; None when the filter is empty (no condition)."""
    key = f"f{i}"
    if column.kind == "text":
        text = str(value or "").strip()
        if not text:
            return None
        params[key] = text.lower()
        return f"contains(lower(coalesce(CAST({name} AS VARCHAR), '')), ${key})"
    if column.kind in ("enum", "bool"):
        chosen = tuple(value or ())
        if not chosen:
            return None
        known = [v for v in chosen if v is not None]
        parts = []
        if known:
            params[key] = known
            parts.append(f"list_contains(${key}, {name})")
        if len(known) < len(chosen):
            parts.append(f"{name} IS NULL")
        return "(" + " OR ".join(parts) + ")"
    low, high = tuple(value or (None, None))
    parts = []
    if column.kind == "timestamp":  # the upper bound's whole day
        cast, upper, upper_end = "TIMESTAMP", "<", " + INTERVAL 1 DAY"
    else:  # date, number: inclusive bounds
        cast, upper, upper_end = ("DATE" if column.kind == "date" else "DOUBLE"), "<=", ""
    for bound, end, op, tail in ((low, "lo", ">=", ""), (high, "hi", upper, upper_end)):
        if bound is not None:
            params[f"{key}_{end}"] = bound
            parts.append(f"{name} {op} CAST(${key}_{end} AS {cast}){tail}")
    return " AND ".join(parts) or None


def _dim_sql(name: str, column: Column, grain: str) -> str:
    if column.kind in TIME_KINDS:
        return f"CAST(date_trunc('{grain}', {name}) AS DATE)"  # grain is from GRAINS
    return name


def _measure_sql(spec: Spec) -> str:
    col = spec.measure_column
    return {"count": "count(*)", "count_distinct": f"count(DISTINCT {col})", "sum": f"sum({col})",
            "avg": f"round(avg({col}), 2)", "median": f"round(median({col}), 2)"}[spec.measure]


def build_sql(spec: Spec, scope: Scope) -> tuple[str, dict]:
    """(sql, params) for a spec within the viewer's scope. Raises ValueError on any name
    outside the allow-list. Grouped: columns g1[, g2], value. Detail: the visible columns."""
    columns = _check(spec, scope.show_room)
    dataset = DATASETS[spec.dataset]
    params = dict(scope.params)
    where = [SCOPE_SQL]
    for i, f in enumerate(spec.filters):
        condition = _filter_sql(f.column, columns[f.column], f.value, i, params)
        if condition:
            where.append(condition)
    where_sql = " AND ".join(where)
    if not spec.group_by:
        select = ", ".join(columns)
        return (f"SELECT {select} FROM {dataset.table} WHERE {where_sql} "
                f"ORDER BY {dataset.order_by} DESC NULLS LAST"), params
    dims = [f"{_dim_sql(n, columns[n], spec.grain)} AS g{i + 1}" for i, n in enumerate(spec.group_by)]
    aliases = ", ".join(f"g{i + 1}" for i in range(len(dims)))
    first_is_time = columns[spec.group_by[0]].kind in TIME_KINDS
    order = f"{aliases}" if first_is_time else f"value DESC NULLS LAST, {aliases}"
    sql = (f"SELECT {', '.join(dims)}, {_measure_sql(spec)} AS value FROM {dataset.table} "
           f"WHERE {where_sql} GROUP BY {aliases} ORDER BY {order}")
    return sql, params


def distinct_values_sql(dataset: str, column: str, show_room: bool = False) -> str:
    """The values of an enum column found in the data (for columns without a fixed list)."""
    columns = visible_columns(dataset, show_room)
    if column not in columns or columns[column].kind != "enum":
        raise ValueError(f"不是可选值字段：{column!r}")
    table = DATASETS[dataset].table
    return (f"SELECT {column} AS value, count(*) AS n FROM {table} WHERE {SCOPE_SQL} "
            f"AND {column} IS NOT NULL GROUP BY ALL ORDER BY n DESC, value LIMIT 300")


def measure_label(spec: Spec) -> str:
    if spec.measure == "count":
        return f"数量（{DATASETS[spec.dataset].unit}）"
    return f"{MEASURES[spec.measure]}：{DATASETS[spec.dataset].columns[spec.measure_column].label}"


def value_label(column: Column, value) -> str:
    """How a stored value reads on screen and in exports."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "未填"
    if column.values is not None:
        return str(column.values.get(value, value))
    return str(value)


def describe(spec: Spec) -> list[str]:
    """Short Chinese words naming the view, for titles and file names."""
    dataset = DATASETS[spec.dataset]
    words = [dataset.label]
    if spec.group_by:
        by = "与".join(dataset.columns[n].label + (f"（{GRAIN_WORDS[spec.grain]}）" if is_time(spec.dataset, n) else "")
                      for n in spec.group_by)
        words.append(f"按{by}")
        if spec.measure != "count":
            words.append(dataset.columns[spec.measure_column].label + MEASURES[spec.measure])
    else:
        words.append("明细")
    for f in spec.filters:
        column = dataset.columns[f.column]
        text = _filter_words(column, f.value)
        if text:
            words.append(f"{column.label}{text}")
    return words


def _filter_words(column: Column, value) -> str:
    if column.kind == "text":
        return f"含{value}" if str(value or "").strip() else ""
    if column.kind in ("enum", "bool"):
        chosen = [value_label(column, v) for v in (value or ())]
        return "=" + "、".join(chosen[:3]) + ("等" if len(chosen) > 3 else "") if chosen else ""
    low, high = tuple(value or (None, None))
    if low is None and high is None:
        return ""
    def side(v):
        return "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
    return f"{side(low)}至{side(high)}"


def series_colours(dataset: str, column: str) -> dict | None:
    """Shown label -> colour for a column whose values have board-wide colours."""
    mapping = COLOURS.get(column)
    values = DATASETS[dataset].columns[column].values
    return None if mapping is None or values is None else {values.get(k, k): c for k, c in mapping.items()}


def is_time(dataset: str, column: str) -> bool:
    return DATASETS[dataset].columns[column].kind in TIME_KINDS
