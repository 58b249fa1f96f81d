"""Raw file -> staging table of text columns named by canonical names.

Handles the messes of data-contract.md: format and encoding detection, title rows
above the header, two-row merged headers, header spelling, blank and 合计 rows.
Each staged row keeps `_row`, its row number as Excel shows it.

Two paths: a UTF-8 CSV with no blank lines goes straight to DuckDB's read_csv (fast,
row numbers exact); everything else (other encodings, XLSX/XLS, blank lines, ragged
rows) is parsed in Python, then handed to DuckDB as one Arrow table.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from .macros import install_macros
from .sources import SOURCES, Source
# FileRefused is raised by the readers' callers too: it stays importable from here.
from .textfile import HEAD_CHARS, FileRefused, _csv_rows, _delimiter, _utf8_head, decode, sniff_format

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


# ---------------------------------------------------------------- headers

def clean_header(cell) -> str:
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    text = re.sub(r"\s+", "", text).lstrip("*").rstrip(":")
    return text.lower()


def _lookup(source: Source) -> dict[str, str]:
    table = {}
    for col in source.columns:
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


_HEADER_NOTE = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕<>《》]")


def _find(cell: str, lookup: dict[str, str]) -> str | None:
    """A cleaned header cell -> canonical name. A bracketed note is ignored
    (`诉求类型（必选）`, `联系电话（手机）`), and so are brackets around the whole name (`【工单编号】`)."""
    if not cell:
        return None
    name = lookup.get(cell)
    if name is None and _BRACKETS.search(cell):
        stripped = _HEADER_NOTE.sub("", cell)
        name = lookup.get(stripped) if stripped else lookup.get(_BRACKETS.sub("", cell))
    return name


def _map_cells(cells: list[str], lookup: dict[str, str]) -> tuple[list[str | None], list[str]]:
    mapping, unknown, seen = [], [], set()
    for cell in cells:
        name = _find(cell, lookup)
        if name in seen:
            name = None
        if name:
            seen.add(name)
        elif cell:
            unknown.append(cell)
        mapping.append(name)
    return mapping, unknown


def _flatten(upper: list[str], lower: list[str], lookup: dict[str, str]) -> list[str]:
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
        stem = re.sub(r"(情况|信息)$", "", up)
        candidates = [stem + low, up + low, low] if up else [low]
        out.append(next((c for c in candidates if _find(c, lookup)), low))
    return out


def match_header(rows: list[list], source: Source) -> HeaderMatch | None:
    lookup = _lookup(source)
    cleaned = [[clean_header(c) for c in row] for row in rows[:PREVIEW_ROWS]]
    best = None
    for i, cells in enumerate(cleaned[:MAX_TITLE_ROWS + 1]):
        mapping, unknown = _map_cells(cells, lookup)
        candidate = HeaderMatch(i, False, mapping, unknown)
        if i + 1 < len(cleaned):
            flat_map, flat_unknown = _map_cells(_flatten(cells, cleaned[i + 1], lookup), lookup)
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


def _workbook_sheets(path: Path, source: Source):
    """(sheet name, rows, header match) of the first sheet whose header matches."""
    from python_calamine import CalamineWorkbook
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (zipfile.BadZipFile, Exception) as exc:  # calamine raises its own error types
        raise FileRefused(f"无法打开 Excel 文件（文件损坏或格式不对）：{type(exc).__name__}") from None
    best = None
    for name in book.sheet_names:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise FileRefused(f"无法读取工作表“{name}”：{type(exc).__name__}") from None
        rows = [[_cell_text(v) for v in row] for row in rows]
        match = match_header(rows, source)
        if match and all(c.name in match.mapping for c in source.required):
            return name, rows, match
        best = best or (name, rows, match)
    if best is None:
        raise FileRefused("工作簿中没有任何工作表")
    refuse_missing(source, best[2])
    return best


# ---------------------------------------------------------------- staging

def detect_source(path: Path, data: bytes | None = None) -> Source:
    """Which source a file is, from its header (for `etl ingest`); in a workbook, any sheet.
    `data`: the file's bytes, when the caller has read them already."""
    scored = []
    for rows in preview_sheets(path, data):
        for source in SOURCES.values():
            match = match_header(rows, source)
            if match and all(c.name in match.mapping for c in source.required):
                scored.append((match.score / len(source.columns), match.score, source.name))
    if not scored:
        raise FileRefused("无法从表头判断数据类别（12345工单/来沪人员/门磁报警/企业复工）")
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
                     book.get_sheet_by_name(name).to_python(skip_empty_area=False)[:PREVIEW_ROWS]]
                    for name in book.sheet_names]
        except Exception as exc:
            raise FileRefused(f"无法打开 Excel 文件（文件损坏或格式不对）：{type(exc).__name__}") from None
    text, _ = decode(data)
    delim = _delimiter(text[:4096], path.suffix.lower())
    return [_csv_rows(text, delim, PREVIEW_ROWS)]


# One pass over the bytes (two `in` tests took 0.15 s of a 72 MB file: every line break is
# a candidate match for b"\n\n").
_BLANK_LINE = re.compile(rb"\n\r?\n")


def has_blank_line(data: bytes) -> bool:
    """Does the text hold an empty line? DuckDB's CSV reader skips those, which would shift
    the row numbers of every row after it."""
    return _BLANK_LINE.search(data) is not None


def stage(con: duckdb.DuckDBPyConnection, path: Path, source: Source, table: str = "stg",
          data: bytes | None = None, blank_lines: bool | None = None) -> Staged:
    """Reads one raw file into TEMP view `table` (see `_create_staging`): `_row`, and one
    VARCHAR column `raw_<name>` per canonical column of the source (NULL where the file lacks it).
    `data`: the file's bytes, when the caller has read them already; `blank_lines`: whether
    they hold an empty line, when the caller has looked (etl/load.py does, in a thread)."""
    install_macros(con)
    data = path.read_bytes() if data is None else data
    if not data or data.isspace():  # isspace() stops at the first other byte; strip() copies it all
        raise FileRefused("文件为空")
    fmt = sniff_format(path, data[:4])
    if fmt in ("xlsx", "xls"):
        sheet, rows, match = _workbook_sheets(path, source)
        return _stage_rows(con, source, rows, match, table, fmt, None, sheet)
    if not (has_blank_line(data) if blank_lines is None else blank_lines):
        # Plain UTF-8 without blank lines: DuckDB's reader, which refuses bytes that are not
        # UTF-8 further down (then the file is decoded whole below). Only the start is decoded.
        head = _utf8_head(data)
        delim = _delimiter(head[:4096], path.suffix.lower()) if head is not None else ","
        whole = head is not None and len(head.encode()) == len(data)
        match = _header_in(head, delim, source, complete=whole) if head is not None else None
        if match is None and head is not None and not whole:  # a header row longer than the start
            try:
                match = _header_in(data.decode("utf-8"), delim, source, complete=True)
            except UnicodeDecodeError:
                match = None
        if match is not None:
            refuse_missing(source, match)
            try:
                try:
                    return _stage_csv_fast(con, path, delim, source, match, table)
                except duckdb.InvalidInputException as exc:
                    if "Maximum line size" not in str(exc):
                        raise
                    # A cell of megabytes: read again with room for it. Not the first try:
                    # a large line limit made DuckDB read the file in few, big pieces,
                    # hardly in parallel (400,000 rows: ~0.2 s slower).
                    return _stage_csv_fast(con, path, delim, source, match, table, LONG_LINE_BYTES)
            except duckdb.Error:
                pass  # ragged rows, quoting or bytes DuckDB will not take: parse in Python instead
    text, encoding = decode(data)
    delim = _delimiter(text[:4096], path.suffix.lower())
    match = _header_in(text[:HEAD_CHARS], delim, source, complete=len(text) <= HEAD_CHARS) \
        or _header_in(text, delim, source, complete=True)
    refuse_missing(source, match)
    rows = _csv_rows(text, delim)
    return _stage_rows(con, source, rows, match, table, "csv", encoding, None)


def _header_in(text: str, delim: str, source: Source, complete: bool) -> HeaderMatch | None:
    """The header found in `text`. When `text` is only the start of the file (parsing a
    preview must not copy a 400 MB text), a header counts only with a row after it, which
    shows it whole; the caller then looks in the whole text."""
    try:
        rows = _csv_rows(text, delim, PREVIEW_ROWS)
    except FileRefused:
        if complete:
            raise
        return None
    match = match_header(rows, source)
    if complete or (match is not None and match.row_index < len(rows) - 1):
        return match
    return None


def _select_list(source: Source, mapping: list[str | None], raw_name) -> tuple[str, list[str]]:
    """The staged columns, folded. A row with nothing to fold anywhere (the common case)
    is told by one test of the whole row, `_dirty` (see `_dirty_rows`)."""
    present = [m for m in mapping if m]
    cols = []
    for col in source.columns:
        if col.name in present:
            cell = raw_name(mapping.index(col.name))
            cols.append(f'CASE WHEN _dirty THEN fold({cell}) ELSE nullif({cell}, \'\') END AS "raw_{col.name}"')
        else:
            cols.append(f'CAST(NULL AS VARCHAR) AS "raw_{col.name}"')
    return ", ".join(cols), present


def _dirty_rows(from_sql: str, mapping: list[str | None], raw_name) -> str:
    """`from_sql` with `_dirty`: does any mapped cell of the row need folding?"""
    cells = ", ".join(raw_name(j) for j, m in enumerate(mapping) if m)
    return f"(SELECT *, needs_fold(concat_ws(chr(31), {cells})) AS _dirty FROM {from_sql})"


LONG_LINE_BYTES = 64 * 1024 * 1024


def _stage_csv_fast(con, path, delim, source, match, table, max_line_bytes: int | None = None) -> Staged:
    # DuckDB's `skip` counts CSV records, not physical lines: a header cell with a line break
    # inside quotes is one record (counting its lines would silently drop the first data row).
    skip_lines = match.row_index + 1
    width = len(match.mapping)
    columns = {f"c{j}": "VARCHAR" for j in range(width)}
    select, present = _select_list(source, match.mapping, lambda j: f"c{j}")
    staged = Staged(source, "csv", "utf-8", None, match.row_index + 1, present, match.unknown)
    _create_staging(con, staged, table,
                    f"SELECT c0 AS _first, {select} FROM "
                    + _dirty_rows("read_csv(?, header=false, skip=?, delim=?, quote='\"', escape='\"', "
                                  "all_varchar=true, auto_detect=false, columns=?"
                                  + (", max_line_size=?)" if max_line_bytes else ")"),
                                  match.mapping, lambda j: f"c{j}"),
                    [str(path), skip_lines, delim, columns] + ([max_line_bytes] if max_line_bytes else []),
                    match.row_index + 2)
    return staged


def _stage_rows(con, source, rows, match, table, fmt, encoding, sheet) -> Staged:
    refuse_missing(source, match)
    start = match.row_index + 1
    width = len(match.mapping)
    body = rows[start:]
    arrays = {"_first": pa.array([_nonblank(r[0]) if r else None for r in body], pa.string())}
    for j in range(width):
        arrays[f"c{j}"] = pa.array([_nonblank(r[j]) if j < len(r) else None for r in body], pa.string())
    arrow_table = pa.table(arrays)
    select, present = _select_list(source, match.mapping, lambda j: f"c{j}")
    staged = Staged(source, fmt, encoding, sheet, match.row_index + 1, present, match.unknown)
    con.register("_raw_rows", arrow_table)
    try:
        _create_staging(con, staged, table, f"SELECT _first, {select} FROM "
                        + _dirty_rows("_raw_rows", match.mapping, lambda j: f"c{j}"), [], start + 1)
    finally:
        con.unregister("_raw_rows")
    return staged


def _nonblank(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _create_staging(con, staged: Staged, table: str, select_sql: str, params: list,
                    first_row: int) -> None:
    """One pass into TEMP table `<table>_rows`: folded cells, plus `_skip` marking blank rows
    and 合计/总计 rows, which are not records: they are counted and kept out. (Folding made
    every blank cell NULL.) `<table>` is a view of the records with `_row`, the line number
    as Excel shows it (`first_row` for the first data row).

    `_row` comes from the rows' position (rowid, in file order: the insert keeps the order),
    not from row_number() OVER (), which made DuckDB read and fold the whole file on one
    thread (measured on 400,000 rows: 0.85 s -> 0.47 s). Skipped rows are filtered by the
    view, never deleted, so positions stay as read."""
    cols = ", ".join(f'"raw_{c}"' for c in staged.present)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {table}_rows AS
        SELECT * EXCLUDE (_first), CASE WHEN coalesce({cols}) IS NULL THEN 'blank'
                                        WHEN is_total_row(_first) THEN 'total' END AS _skip
        FROM ({select_sql})""", params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_first_row AS SELECT CAST($first AS INTEGER) AS first_row",
                {"first": first_row})
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {table} AS
        SELECT CAST(r.rowid AS INTEGER) + f.first_row AS _row, r.* EXCLUDE (_skip)
        FROM {table}_rows r CROSS JOIN {table}_first_row f WHERE r._skip IS NULL""")
    counts = dict(con.execute(
        f"SELECT coalesce(_skip, 'row'), count(*) FROM {table}_rows GROUP BY ALL").fetchall())
    staged.rows_read = counts.get("row", 0)
    staged.skipped_blank = counts.get("blank", 0)
    staged.skipped_total = counts.get("total", 0)
