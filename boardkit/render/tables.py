"""Query results as users read them: codes turned into Chinese words, Chinese headers.
Pure pandas, no Streamlit; the same frame goes to the screen and to the downloads."""
from __future__ import annotations

import pandas as pd

from etl.sources import SOURCES

from ..data import datasets
from .. import labels


def present(frame: pd.DataFrame, headers: dict[str, str], enums: dict[str, dict] | None = None) -> pd.DataFrame:
    """Keeps the columns named in `headers` (in that order), maps enum codes to words,
    renames to the Chinese headers."""
    out = frame[[c for c in headers if c in frame.columns]].copy()
    for name, mapping in (enums or {}).items():
        if name in out.columns:
            out[name] = out[name].map(lambda v, m=mapping: _word(m, v)).astype(object)
    return out.rename(columns=headers)


def _word(mapping: dict, value):
    if value is None or pd.isna(value):
        return "未填"
    return mapping.get(value, value)


def explore_result(frame: pd.DataFrame, spec: datasets.Spec) -> pd.DataFrame:
    """The explore query's frame (g1, g2, value or the detail columns) with Chinese words."""
    columns = datasets.DATASETS[spec.dataset].columns
    out = frame.copy()
    if spec.group_by:
        headers = {}
        for i, name in enumerate(spec.group_by):
            alias, column = f"g{i + 1}", columns[name]
            if column.kind in datasets.TIME_KINDS:  # a day, week or month: its first day, no 00:00:00
                out[alias] = pd.to_datetime(out[alias]).dt.date
            else:
                out[alias] = out[alias].map(lambda v, c=column: datasets.value_label(c, v)).astype(object)
            headers[alias] = column.label
        headers["value"] = datasets.measure_label(spec)
        return out.rename(columns=headers)
    for name in out.columns:
        column = columns[name]
        if column.kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.date
        elif column.values is not None:
            out[name] = out[name].map(lambda v, c=column: datasets.value_label(c, v)).astype(object)
    return out.rename(columns={name: columns[name].label for name in out.columns})


def source_column(source: str, name: str) -> str:
    """A canonical column as the clerk's file heads it (its usual Chinese header)."""
    try:
        return SOURCES[source].column(name).headers[0]
    except (KeyError, StopIteration):
        return {"neighbourhood_code": "居民区", "_file": "整个文件"}.get(name, name or "整行")


RUN_HEADERS = {"run_id": "批次", "file_name": "文件", "source": "数据来源", "started_at": "开始时间",
               "finished_at": "完成时间", "rows_read": "读取行数", "rows_loaded": "导入行数",
               "rows_rejected": "拒收行数", "rows_warned": "警告行数", "status": "结果",
               "message": "说明", "generation": "数据代"}
FIX_HEADERS = {"committee": "居民区", "kind": "类型", "source": "数据来源", "file_name": "文件",
               "row_number": "行号（Excel）", "column_name": "列", "value_masked": "原值（已脱敏）",
               "reason": "问题与改法"}


def runs(frame: pd.DataFrame) -> pd.DataFrame:
    return present(frame, RUN_HEADERS, {"source": labels.SOURCES, "status": labels.RUN_STATUS})


def fix_list(frame: pd.DataFrame) -> pd.DataFrame:
    """Rejects and warnings as a committee reads them: Chinese headers and column names."""
    out = frame.copy()
    out["column_name"] = [source_column(s, c) for s, c in zip(out["source"], out["column_name"])]
    out["value_masked"] = out["value_masked"].astype(object).where(out["value_masked"].notna(), "（空白）")
    return present(out, FIX_HEADERS, {"kind": labels.ISSUE_KIND, "source": labels.SOURCES})


def by_committee(table: pd.DataFrame, column: str = "居民区") -> dict[str, pd.DataFrame]:
    """One frame per committee (for one XLSX sheet each), in the table's order."""
    return {str(name): part.reset_index(drop=True)
            for name, part in table.groupby(column, sort=False, dropna=False)}
