"""Writing one raw table the way offices really produce it: CSV in UTF-8, UTF-8 with
BOM or GB18030, Excel's tab-separated "Unicode text" (UTF-16), and XLSX with title
rows, merged two-row headers, real date cells, Excel serial numbers and a 合计 row.

XLSX files are written byte-stable (fixed document dates and zip entry times), so the
same seed gives the same bytes.
"""
from __future__ import annotations

import csv
import io
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

EXCEL_EPOCH = datetime(1899, 12, 30)
FIXED_TIME = datetime(2020, 1, 1)
FULLWIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                          "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
DATE_STYLES = ("iso", "slash", "dot", "cn", "compact", "serial")


@dataclass
class Style:
    fmt: str = "csv"              # csv | txt | xlsx
    encoding: str = "utf-8"       # csv: utf-8 | utf-8-sig | gb18030; txt is UTF-16 LE with BOM
    titles: tuple = ()            # title/note rows above the header
    date: str = "iso"             # iso slash dot cn compact serial excel mixed
    time: str = "hms"             # hms | hm | cn
    total_row: bool = False
    trailing_blank_cols: int = 0
    blank_row: bool = False
    instructions: tuple = ()      # lines of a "填表说明" first sheet (xlsx)
    sheet_name: str = "Sheet1"
    two_row: tuple | None = None  # (upper label, first column index, number of columns)
    date_format: str = "yyyy/m/d"
    ts_format: str = "yyyy-mm-dd hh:mm:ss"


@dataclass
class Col:
    header: str
    kind: str = "text"            # text | date | ts | int
    width: int = 12
    extra: dict = field(default_factory=dict)


def fullwidth(s: str) -> str:
    return s.translate(FULLWIDTH)


def _serial(value) -> float:
    if isinstance(value, datetime):
        delta = value - EXCEL_EPOCH
        return round(delta.days + delta.seconds / 86400, 6)
    return (datetime(value.year, value.month, value.day) - EXCEL_EPOCH).days


def fmt_date(d: date, style: str) -> str | int:
    if style == "iso":
        return f"{d.year}-{d.month:02d}-{d.day:02d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    if style == "serial":
        return _serial(d)
    raise ValueError(style)


def fmt_time(t: datetime, style: str) -> str:
    if style == "hms":
        return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if style == "hm":
        return f"{t.hour:02d}:{t.minute:02d}"
    if style == "cn":
        return f"{t.hour}时{t.minute:02d}分"
    raise ValueError(style)


def fmt_ts(t: datetime, date_style: str, time_style: str) -> str | float:
    if date_style == "serial":
        return _serial(t)
    if date_style == "compact":  # 20200203 is for dates only; times keep an ISO date
        date_style = "iso"
    if date_style == "iso" and time_style == "cn":
        time_style = "hm"
    return f"{fmt_date(t, date_style)} {fmt_time(t, time_style)}"


def _cell(value, kind: str, style: Style, rng: random.Random, xlsx: bool):
    """A typed value as the file shows it (str for text files; str/number/date in XLSX)."""
    if value is None or value == "":
        return None
    if kind in ("date", "ts") and isinstance(value, (date, datetime)):
        ds = style.date
        if ds == "mixed":
            ds = rng.choice(DATE_STYLES + (("excel", "excel", "excel") if xlsx else ("slash", "iso")))
        if ds == "excel":
            if xlsx:
                return value
            ds = "iso"
        if kind == "date":
            if isinstance(value, datetime):
                value = value.date()
            out = fmt_date(value, ds)
        else:
            ts = style.time if style.date != "mixed" else rng.choice(["hms", "hm", "hm", "cn"])
            out = fmt_ts(value, ds, ts)
        return out if xlsx else str(out)
    if kind == "int" and isinstance(value, int):
        return value if xlsx else str(value)
    return str(value)


def write_table(path: Path, style: Style, cols: list[Col], rows: list[list],
                rng: random.Random) -> Path:
    if style.fmt == "xlsx":
        data = _xlsx(style, cols, rows, rng)
    else:
        data = _text(style, cols, rows, rng)
    path.write_bytes(data)
    return path


def _text(style: Style, cols: list[Col], rows: list[list], rng: random.Random) -> bytes:
    buf = io.StringIO()
    delimiter = "\t" if style.fmt == "txt" else ","
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    pad = [""] * style.trailing_blank_cols
    width = len(cols)
    for title in style.titles:
        w.writerow([title] + [""] * (width - 1) + pad)
    w.writerow([c.header for c in cols] + pad)
    blank_at = rng.randint(1, max(1, len(rows) - 1)) if style.blank_row and len(rows) > 3 else -1
    for i, row in enumerate(rows):
        if i == blank_at:
            w.writerow([""] * width + pad)
        w.writerow([_cell(v, c.kind, style, rng, False) or "" for v, c in zip(row, cols)] + pad)
    if style.total_row:
        w.writerow(["合计", f"{len(rows)}"] + [""] * (width - 2) + pad)
    text = buf.getvalue()
    if style.fmt == "txt":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if style.encoding == "gb18030":
        try:
            return text.encode("gbk")
        except UnicodeEncodeError:
            return text.encode("gb18030")
    return text.encode(style.encoding)


def new_workbook() -> Workbook:
    """A workbook with fixed document dates, for workbook_bytes."""
    wb = Workbook()
    wb.properties.creator = "user"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file, byte-stable: not wb.save(), which stamps the current time."""
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return _stable_zip(buf.getvalue())


def _xlsx(style: Style, cols: list[Col], rows: list[list], rng: random.Random) -> bytes:
    wb = new_workbook()
    ws = wb.active
    if style.instructions:
        ws.title = "填表说明"
        for i, line in enumerate(style.instructions, start=1):
            ws.cell(row=i, column=1, value=line)
        ws.column_dimensions["A"].width = 80
        ws = wb.create_sheet(style.sheet_name)
    else:
        ws.title = style.sheet_name
    width = len(cols)
    r = 1
    bold = Font(bold=True)
    for title in style.titles:
        ws.cell(row=r, column=1, value=title).font = bold if r == 1 else Font()
        if width > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center" if r == 1 else "left")
        r += 1
    if style.two_row:
        label, first, span = style.two_row
        for j, c in enumerate(cols, start=1):
            inside = first < j <= first + span
            if inside:
                ws.cell(row=r + 1, column=j, value=c.header).font = bold
            else:
                ws.cell(row=r, column=j, value=c.header).font = bold
                ws.merge_cells(start_row=r, start_column=j, end_row=r + 1, end_column=j)
        ws.cell(row=r, column=first + 1, value=label).font = bold
        ws.cell(row=r, column=first + 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=r, start_column=first + 1, end_row=r, end_column=first + span)
        r += 2
    else:
        for j, c in enumerate(cols, start=1):
            cell = ws.cell(row=r, column=j, value=c.header)
            cell.font = bold
            if "\n" in c.header:
                cell.alignment = Alignment(wrap_text=True)
        r += 1
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[_letter(j)].width = c.width
    blank_at = rng.randint(1, max(1, len(rows) - 1)) if style.blank_row and len(rows) > 3 else -1
    for i, row in enumerate(rows):
        if i == blank_at:
            r += 1
        for j, (v, c) in enumerate(zip(row, cols), start=1):
            value = _cell(v, c.kind, style, rng, True)
            if value is None:
                continue
            cell = ws.cell(row=r, column=j, value=value)
            if isinstance(value, datetime):
                cell.number_format = style.ts_format if c.kind == "ts" else style.date_format
            elif isinstance(value, date):
                cell.number_format = style.date_format
            elif c.kind == "text" and isinstance(value, str) and value.isdigit() and len(value) > 11:
                cell.number_format = "@"  # ID numbers typed as text
        r += 1
    if style.total_row:
        ws.cell(row=r, column=1, value="合计").font = bold
        ws.cell(row=r, column=2, value=len(rows))
    return workbook_bytes(wb)


def _letter(j: int) -> str:
    s = ""
    while j:
        j, k = divmod(j - 1, 26)
        s = chr(65 + k) + s
    return s


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# ------------------------------------------------------------------ header messes

def mess_header(header: str, rng: random.Random, p: float, notes: dict | None = None,
                required: bool = False) -> str:
    """A header cell as a person types it: surrounding spaces, a leading * on required
    columns, a line break inside, or a note in full-width brackets."""
    if rng.random() >= p:
        return header
    options = ["space", "break"]
    if required:
        options += ["star", "star"]
    if notes and header in notes:
        options += ["note", "note"]
    kind = rng.choice(options)
    if kind == "space":
        return rng.choice([f" {header} ", f"{header} ", f"  {header}"])
    if kind == "star":
        return "*" + header
    if kind == "break" and len(header) >= 4:
        k = len(header) // 2
        return header[:k] + "\n" + header[k:]
    if kind == "note":
        return f"{header}（{notes[header]}）"
    return f" {header}"


def stray(value: str, rng: random.Random, p_space: float = 0.0, p_wide: float = 0.0) -> str:
    if not value:
        return value
    if p_wide and rng.random() < p_wide:
        value = fullwidth(value)
    if p_space and rng.random() < p_space:
        value = rng.choice([f" {value}", f"{value} ", f" {value} ", f"{value}  "])
    return value
