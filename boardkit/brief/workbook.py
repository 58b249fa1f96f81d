"""The brief as the workbook a clerk would make by hand: a summary sheet, then one sheet
per stream with masked detail rows; Chinese headers, frozen header rows, sensible
widths, numbers as numbers, dates as dates, no formula injection."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import labels
from ..metrics import REGISTRY
from ..render.exports import neutralise_value

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
SOURCE_NAMES = labels.SOURCES


def _cell_value(value):
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalar -> Python number
    return neutralise_value(value)


def _number_format(value) -> str | None:
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    return None


def _write_table(ws, frame: pd.DataFrame, start_row: int, title: str | None = None) -> int:
    """Writes a titled table at start_row; returns the next free row."""
    row = start_row
    if title:
        ws.cell(row=row, column=1, value=title).font = BOLD
        row += 1
    for j, column in enumerate(frame.columns, 1):
        cell = ws.cell(row=row, column=j, value=str(column))
        cell.font, cell.fill = BOLD, HEADER_FILL
    for record in frame.itertuples(index=False):
        row += 1
        for j, value in enumerate(record, 1):
            value = _cell_value(value)
            cell = ws.cell(row=row, column=j, value=value)
            fmt = _number_format(value)
            if fmt:
                cell.number_format = fmt
    return row + 2


def _fit_widths(ws, max_width: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value.strftime("%Y-%m-%d %H:%M") if isinstance(cell.value, dt.datetime) else str(cell.value)
            # CJK characters take two columns of width.
            width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2
            widths[cell.column] = min(max(widths.get(cell.column, 8), width), max_width)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def _summary(ws, brief) -> None:
    ws["A1"] = f"{brief.subdistrict}疫情防控日报（{brief.clock.day:%Y年%m月%d日}）"
    ws["A1"].font = TITLE
    ws["A2"] = brief.meta_text
    fresh = "；".join(f"{SOURCE_NAMES[k]}截至 {v:%m-%d %H:%M}" if v else f"{SOURCE_NAMES[k]}无数据"
                     for k, v in brief.freshness.items())
    ws["A3"] = f"数据时效：{fresh}"
    row = 5
    ws.cell(row=row, column=1, value="主要指标").font = BOLD
    row += 1
    for j, header in enumerate(("指标", "统计日", "前一日", "变化", "口径"), 1):
        cell = ws.cell(row=row, column=j, value=header)
        cell.font, cell.fill = BOLD, HEADER_FILL
    header_row = row
    for key, metric in REGISTRY.items():
        figure = brief.figures.get(key)
        if figure is None:
            continue
        row += 1
        ws.cell(row=row, column=1, value=metric.label)
        how = metric.help
        fmt = {"rate": "0.0%", "minutes": "0.0"}.get(figure.kind, "0")
        for j, value in ((2, figure.value), (3, figure.previous), (4, figure.change)):
            cell = ws.cell(row=row, column=j, value=value)
            cell.number_format = fmt if j < 4 or figure.kind != "rate" else '+0.0%;-0.0%;0.0%'
        ws.cell(row=row, column=5, value=how).alignment = Alignment(wrap_text=False)
    row += 2
    for title, table in brief.tables.items():
        if title in ("居民区状态", "关注清单"):
            continue
        row = _write_table(ws, table, row, title)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def write_workbook(brief, path) -> None:
    """Writes to a path or a binary file object."""
    book = Workbook()
    summary = book.active
    summary.title = "摘要"
    _summary(summary, brief)
    _fit_widths(summary)
    summary.column_dimensions["E"].width = 60
    for title in ("居民区状态", "关注清单"):
        ws = book.create_sheet(title)
        _write_table(ws, brief.tables[title], 1)
        ws.freeze_panes = "A2"
        _fit_widths(ws)
    for title, frame in brief.details.items():
        ws = book.create_sheet(title)
        _write_table(ws, frame, 1)
        ws.freeze_panes = "A2"
        _fit_widths(ws)
    book.save(path)
