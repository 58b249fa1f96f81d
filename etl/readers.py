"""Raw file -> its cells (`Cells`: an Arrow table, one text column per raw column), the
header matched to canonical names. No database here: etl/staging.py takes the cells on.

Handles the messes of data-contract.md: format and encoding detection, title rows
above the header, two-row merged headers, header spelling. (Blank and 合计 rows are
told apart in staging, after folding.)

Two paths to the cells: a UTF-8 CSV goes to Arrow's CSV reader (fast, on both cores; a
blank line is a row of empty cells, so row numbers stay exact); everything else (other
encodings, XLSX/XLS, ragged rows) is parsed in Python.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .sources import BOARD_ORDER, SOURCES, Source
# FileRefused is raised by the readers' callers too: it stays importable from here.
from .textfile import HEAD_CHARS, FileRefused, csv_rows, delimiter, utf8_head, decode, sniff_format

MAX_TITLE_ROWS = 5
PREVIEW_ROWS = MAX_TITLE_ROWS + 3


@dataclass
class Staged:
    source: Source
    fmt: str
    encoding: str | None
    sheet: str | None
    header_row: int              # Excel row number of the (lower) header row
    present: list[str]           # canonical columns the file has
    unknown_columns: list[str]
    rows_read: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Cells:
    """A file's cells as read, before DuckDB sees them (etl/staging.py puts them there):
    `table` holds `c<j>` per raw column, in file order, from the row under the header."""
    staged: Staged
    match: HeaderMatch
    table: pa.Table
    # The Excel row number of each row of `table`, where they do not simply follow the
    # header (a sheet read by its source's `read_grid`: several rows from one sheet row).
    row_numbers: list[int] | None = None

    @property
    def first_row(self) -> int:
        """The Excel row number of the table's first row."""
        return self.match.row_index + 2


# ---------------------------------------------------------------- headers

# Header matching runs over the first rows of every file for every source (detection
# tries all four): the same few cells again and again. Cleaning a cell and looking it up
# are pure, so each is done once per distinct cell (a season of 641 files spent ~8 s
# cleaning and looking up the same headers).
@functools.lru_cache(maxsize=65536)
def clean_header(cell) -> str:
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    text = _SPACES.sub("", text).lstrip("*").rstrip(":")
    return text.lower()


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=None)
def _lookup_of(source_name: str) -> dict[str, str]:
    table = {}
    for col in SOURCES[source_name].columns:
        for header in (col.name, *col.headers):
            table.setdefault(clean_header(header), col.name)
    return table


@dataclass
class HeaderMatch:
    row_index: int               # 0-based index of the lower header row in the preview
    two_rows: bool
    mapping: list[str | None]    # canonical name per raw column
    unknown: list[str]

    @property
    def score(self) -> int:
        return len({m for m in self.mapping if m})


_HEADER_SUFFIX = re.compile(r"(情况|信息)$")
_HEADER_NOTE = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕<>《》]")


def header_without_note(cell) -> str:
    """A header cell cleaned as for matching, without its bracketed note (`值班员（白班）`:
    值班员): for a sheet read by its source's own `read_grid`."""
    return _HEADER_NOTE.sub("", clean_header(cell))


@functools.lru_cache(maxsize=65536)
def _find(cell: str, source_name: str) -> str | None:
    """A cleaned header cell -> canonical name of the source's. A bracketed note is ignored
    (`诉求类型（必选）`, `联系电话（手机）`), and so are brackets around the whole name (`【工单编号】`)."""
    if not cell:
        return None
    lookup = _lookup_of(source_name)
    name = lookup.get(cell)
    if name is None and _BRACKETS.search(cell):
        stripped = _HEADER_NOTE.sub("", cell)
        name = lookup.get(stripped) if stripped else lookup.get(_BRACKETS.sub("", cell))
    return name


def _map_cells(cells: list[str], source_name: str) -> tuple[list[str | None], list[str]]:
    mapping, unknown, seen = [], [], set()
    for cell in cells:
        name = _find(cell, source_name)
        if name in seen:
            name = None
        if name:
            seen.add(name)
        elif cell:
            unknown.append(cell)
        mapping.append(name)
    return mapping, unknown


def _flatten(upper: list[str], lower: list[str], source_name: str) -> list[str]:
    """Two header rows -> one: the lower cell, or the pair where the lower cell is ambiguous."""
    filled, last = [], ""
    for cell in upper:  # a merged cell is only in its first column
        last = cell or last
        filled.append(cell or last)
    out = []
    for j in range(max(len(filled), len(lower))):
        up = filled[j] if j < len(filled) else ""
        low = lower[j] if j < len(lower) else ""
        if not low:
            out.append(upper[j] if j < len(upper) else "")
            continue
        stem = _HEADER_SUFFIX.sub("", up)
        candidates = [stem + low, up + low, low] if up else [low]
        out.append(next((c for c in candidates if _find(c, source_name)), low))
    return out


def match_header(rows: list[list], source: Source) -> HeaderMatch | None:
    cleaned = [[clean_header(c) for c in row] for row in rows[:PREVIEW_ROWS]]
    best = None
    for i, cells in enumerate(cleaned[:MAX_TITLE_ROWS + 1]):
        mapping, unknown = _map_cells(cells, source.name)
        candidate = HeaderMatch(i, False, mapping, unknown)
        if i + 1 < len(cleaned):
            flat_map, flat_unknown = _map_cells(_flatten(cells, cleaned[i + 1], source.name), source.name)
            two = HeaderMatch(i + 1, True, flat_map, flat_unknown)
            if two.score > candidate.score:
                candidate = two
        if candidate.score >= 2 and (best is None or candidate.score > best.score):
            best = candidate
    return best


def refuse_missing(source: Source, match: HeaderMatch | None) -> None:
    if match is None:
        raise FileRefused(f"找不到表头行：前 {MAX_TITLE_ROWS + 1} 行中没有{source.label}的列名")
    missing = [c.headers[0] for c in source.required if c.name not in match.mapping]
    if missing:
        raise FileRefused("缺少必填列：" + "、".join(missing))


# ---------------------------------------------------------------- file formats

def _cell_text(value) -> str | None:
    """A workbook cell as the text a clerk would have typed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _workbook_cells(path: Path, source: Source, fmt: str) -> Cells:
    """The cells of the first sheet whose header matches, or that the source's
    `read_grid` reads (its other shape)."""
    from python_calamine import CalamineWorkbook
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (zipfile.BadZipFile, Exception) as exc:  # calamine raises its own error types
        raise FileRefused(f"无法打开 Excel 文件（文件损坏或格式不对）：{type(exc).__name__}") from None
    best = None
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise FileRefused(f"无法读取工作表“{name}”：{type(exc).__name__}") from None
        rows = [[_cell_text(v) for v in row] for row in rows]
        match = match_header(rows, source)
        if match and all(c.name in match.mapping for c in source.required):
            return _row_cells(source, rows, match, fmt, None, name)
        if source.read_grid and (grid := source.read_grid(_merges_filled(rows, sheet.merged_cell_ranges))):
            return _grid_cells(source, grid, fmt, name)
        best = best or (name, rows, match)
    if best is None:
        raise FileRefused("工作簿中没有任何工作表")
    refuse_missing(source, best[2])
    return _row_cells(source, best[1], best[2], fmt, None, best[0])


def _merges_filled(rows: list[list], merged) -> list[list]:
    """The rows with a merged cell's value in every cell it covers (a workbook keeps it in
    the first one only). `merged`: ((first row, first column), (last row, last column)), 0-based."""
    rows = [list(r) for r in rows]
    for (r0, c0), (r1, c1) in merged or ():
        value = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
        for r in range(r0, min(r1 + 1, len(rows))):
            rows[r].extend([None] * (c1 + 1 - len(rows[r])))
            for c in range(c0, c1 + 1):
                rows[r][c] = value
    return rows


def _grid_cells(source: Source, grid, fmt: str, sheet: str) -> Cells:
    """A sheet in its source's other shape, as `read_grid` turned it into rows under a
    header of the source's columns, each row with the sheet's row number it came from."""
    header, body = grid
    match = match_header([header], source)
    refuse_missing(source, match)
    table = pa.table({f"c{j}": pa.array([_nonblank(cells[j]) if j < len(cells) else None for _, cells in body],
                                        pa.string()) for j in range(len(match.mapping))})
    staged = Staged(source, fmt, None, sheet, min((n for n, _ in body), default=1) - 1,
                    [m for m in match.mapping if m], match.unknown)
    return Cells(staged, match, table, [n for n, _ in body])


# ---------------------------------------------------------------- reading

def detect_source(path: Path, data: bytes | None = None) -> Source:
    """Which source a file is, from its header (for `etl ingest`); in a workbook, any sheet.
    `data`: the file's bytes, when the caller has read them already."""
    scored = []
    for rows in preview_sheets(path, data):
        for source in SOURCES.values():
            match = match_header(rows, source)
            if match and all(c.name in match.mapping for c in source.required):
                scored.append((match.score / len(source.columns), match.score, source.name))
            elif source.read_grid and source.read_grid(rows):
                scored.append((1.0, len(source.columns), source.name))
    if not scored:
        kinds = "/".join(SOURCES[name].board_label for name in BOARD_ORDER)
        raise FileRefused(f"无法从表头判断数据类别（{kinds}）")
    return SOURCES[max(scored)[2]]


def preview_sheets(path: Path, data: bytes | None = None) -> list[list[list]]:
    """The first rows of each sheet (one 'sheet' for a text file)."""
    data = path.read_bytes() if data is None else data
    fmt = sniff_format(path, data[:4])
    if fmt in ("xlsx", "xls"):
        from python_calamine import CalamineWorkbook
        try:
            book = CalamineWorkbook.from_path(str(path))
            return [[[_cell_text(v) for v in r] for r in
                     book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=PREVIEW_ROWS)]
                    for name in book.sheet_names]
        except Exception as exc:
            raise FileRefused(f"无法打开 Excel 文件（文件损坏或格式不对）：{type(exc).__name__}") from None
    text, _ = decode(data)
    delim = delimiter(text[:4096], path.suffix.lower())
    return [csv_rows(text, delim, PREVIEW_ROWS)]


def read_cells(path: Path, source: Source, data: bytes | None = None) -> Cells:
    """One raw file's cells, by the mechanism of this module's docstring. `data`: the
    file's bytes, when the caller has read them already. Raises FileRefused with the
    clerk's reason."""
    data = path.read_bytes() if data is None else data
    if not data or data.isspace():  # isspace() stops at the first other byte; strip() copies it all
        raise FileRefused("文件为空")
    fmt = sniff_format(path, data[:4])
    if fmt in ("xlsx", "xls"):
        return _workbook_cells(path, source, fmt)
    cells = _utf8_csv_cells(path, data, source)
    if cells is not None:
        return cells
    text, encoding = decode(data)
    delim = delimiter(text[:4096], path.suffix.lower())
    match = _header_in(text[:HEAD_CHARS], delim, source, complete=len(text) <= HEAD_CHARS) \
        or _header_in(text, delim, source, complete=True)
    refuse_missing(source, match)
    rows = csv_rows(text, delim)
    return _row_cells(source, rows, match, "csv", encoding, None)


def _utf8_csv_cells(path: Path, data: bytes, source: Source) -> Cells | None:
    """Plain UTF-8 (with or without a BOM): Arrow's CSV reader, which refuses bytes that
    are not UTF-8 further down. None when the file is not that (then it is decoded whole
    and parsed in Python). Only the start is decoded here."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    head = utf8_head(data[bom:bom + HEAD_CHARS])
    delim = delimiter(head[:4096], path.suffix.lower()) if head is not None else ","
    whole = head is not None and len(head.encode()) == len(data) - bom
    match = _header_in(head, delim, source, complete=whole) if head is not None else None
    if match is None and head is not None and not whole:  # a header row longer than the start
        try:
            match = _header_in(data[bom:].decode("utf-8"), delim, source, complete=True)
        except UnicodeDecodeError:
            match = None
    if match is not None:
        refuse_missing(source, match)
        try:
            return _csv_cells(data, delim, source, match)
        except (pa.ArrowInvalid, csv.Error, UnicodeDecodeError, StopIteration):
            pass  # ragged rows, quoting or bytes Arrow will not take: parse in Python instead
    return None


def _header_in(text: str, delim: str, source: Source, complete: bool) -> HeaderMatch | None:
    """The header found in `text`. When `text` is only the start of the file (parsing a
    preview must not copy a 400 MB text), a header counts only with a row after it, which
    shows it whole; the caller then looks in the whole text."""
    try:
        rows = csv_rows(text, delim, PREVIEW_ROWS)
    except FileRefused:
        if complete:
            raise
        return None
    match = match_header(rows, source)
    if complete or (match is not None and match.row_index < len(rows) - 1):
        return match
    return None


def _csv_cells(data: bytes, delim: str, source: Source, match: HeaderMatch) -> Cells:
    """A UTF-8 CSV, parsed by Arrow's CSV reader on both cores, from the
    bytes after the header (no copy). Raises pyarrow's ArrowInvalid for what it cannot
    parse (ragged rows, a quote left open, bytes that are not UTF-8): the caller then parses
    in Python, which refuses with the line that is wrong."""
    import pyarrow.csv as pacsv
    width = len(match.mapping)
    names = [f"c{j}" for j in range(width)]
    start = _records_end(data, match.row_index + 1, delim)
    body = pa.py_buffer(data)[start:]
    # Without a quote anywhere no cell holds a line break, and Arrow need not look for one.
    quoted = data.find(b'"', start) >= 0
    if not body.size:
        cells = pa.table({n: pa.array([], pa.string()) for n in names})
    else:
        block = 1 << 20
        while True:
            try:
                cells = pacsv.read_csv(
                    pa.BufferReader(body),
                    read_options=pacsv.ReadOptions(column_names=names, block_size=block),
                    parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=quoted,
                                                     ignore_empty_lines=False),
                    convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                         strings_can_be_null=False))
                break
            except pa.ArrowInvalid as exc:
                # A record longer than a block (a cell of megabytes): read again in bigger ones.
                # Not the first try: big blocks are read on fewer threads.
                if "straddling" not in str(exc) or block >= body.size:
                    raise
                block = min(block * 16, body.size + 1)
    staged = Staged(source, "csv", "utf-8", None, match.row_index + 1, [m for m in match.mapping if m],
                    match.unknown)
    return Cells(staged, match, cells)


def _records_end(data: bytes, records: int, delim: str) -> int:
    """The byte offset after the first `records` CSV records (title rows, the header),
    read as the csv module reads them: a header cell may hold a line break inside quotes."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    end = [start]

    def lines():
        pos = start
        while pos < len(data):
            stop = data.find(b"\n", pos)
            stop = len(data) if stop < 0 else stop + 1
            end[0] = stop
            yield data[pos:stop].decode("utf-8")
            pos = stop

    reader = csv.reader(lines(), delimiter=delim, strict=True)
    for _ in range(records):
        next(reader)
    return end[0]


def _row_cells(source, rows, match, fmt, encoding, sheet) -> Cells:
    refuse_missing(source, match)
    start = match.row_index + 1
    body = rows[start:]
    cells = pa.table({f"c{j}": pa.array([_nonblank(r[j]) if j < len(r) else None for r in body], pa.string())
                      for j in range(len(match.mapping))})
    staged = Staged(source, fmt, encoding, sheet, match.row_index + 1, [m for m in match.mapping if m],
                    match.unknown)
    return Cells(staged, match, cells)


def _nonblank(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None
