"""Downloads: CSV and XLSX built from small, already masked frames, and the one rule for
formula-looking cells that every download and the brief's workbook use. Pure, no Streamlit.

Cells that came from people's text may begin with a character a spreadsheet reads as a
formula (=, +, -, @, tab, CR); they get a leading apostrophe so that opening a download
never runs anything (CSV injection).
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# openpyxl refuses control characters other than tab, LF and CR in a cell.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def neutralise_value(value):
    """A text cell starting like a formula gets a leading apostrophe (shown as text)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell that could start a formula is quoted; numbers, dates
    and booleans are left as they are (a negative number is not text)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.map(neutralise_value, na_action="ignore").astype(object)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese headers correctly. CRLF line
    ends make the csv writer quote a cell holding a bare CR, which would otherwise split
    the row in two when read back."""
    return neutralise(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _cell_safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = neutralise(frame)
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(lambda v: _ILLEGAL.sub("", v) if isinstance(v, str) else v)
    return out


def sheet_name(text: str, taken: set) -> str:
    base = _BAD_SHEET_CHARS.sub("_", str(text)).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per entry (name -> frame), header row frozen, columns sized to fit."""
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    taken: set = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for title, frame in (sheets or {"空": pd.DataFrame()}).items():
            name = sheet_name(title, taken)
            _cell_safe(frame).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                sample = [str(column)] + [str(v) for v in frame[column].head(200).tolist()]
                width = min(60, max(len(s.encode("gbk", "replace")) for s in sample) + 2)
                sheet.column_dimensions[get_column_letter(i)].width = width
    return buffer.getvalue()


def file_name(words: list[str], day: dt.date, ext: str, limit: int = 120) -> str:
    """`查询_12345工单_按居民区_2020-03-14.csv`: the words, the date, no characters a file
    system or a mail client would trip on, and not too long."""
    parts = [_BAD_FILE_CHARS.sub("-", str(w)).strip("-.") for w in words]
    stem = "_".join(p for p in parts if p)
    tail = f"_{day.isoformat()}.{ext}"
    return stem[:max(1, limit - len(tail))] + tail
