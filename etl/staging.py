"""Files' cells (etl/readers.py) -> TEMP view `stg` for the normalisation SQL: `_rid`, the
row's key in the batch, `_file`, `_row`, the line number as Excel shows it, and one VARCHAR
column `raw_<name>` per canonical column of the source (NULL where a file lacks it), folded
(etl/sql/macros.sql, which the loader installs once per connection)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .readers import Cells, Staged
from .sources import Source


# The staged view's name, and its Arrow tables' `stg_cells` and `stg_rows`: fixed names of
# ours in the SQL below, never data.
STAGED = "stg"


def stage(con, files: list[Cells]) -> list[Staged]:
    """The cells of one or more files of one source as TEMP view `stg`: `_rid` (the row's
    number in the batch, its key in every later step), `_file` (its file's index in
    `files`) and `_row` (its line number as Excel shows it). Blank rows and 合计/总计 rows
    are not records: they are counted (in each file's Staged) and kept out.

    Staging many small files as one table lets every later step run once for all of them
    (a season of 641 demo files paid ~60 statements per file). Each file's columns are put
    under the canonical names (`x_<name>`, NULL where the file lacks the column) without
    copying the cells, and the files' tables are concatenated, so one pass in DuckDB adds
    `_dirty` (does any cell of the row need folding? one regular expression a row, for the
    free text and one for the rest), the folded cells `f_<name>` of those rows only (NULL
    elsewhere: a file has few) and `_skip`. The cells stay in Arrow memory, registered as
    `stg_rows`: copying every cell into a DuckDB table instead cost a third of a 400,000-row
    load's staging; folding the dirty rows at every read, instead of once, cost more."""
    table = STAGED
    source = files[0].staged.source
    if any(c.staged.source is not source for c in files):
        raise ValueError("staging: files of different sources")
    canonical = [c.name for c in source.columns]
    mapped = [c for c in source.columns if any(c.name in f.match.mapping for f in files)] or source.columns[:1]
    tests = [f"{test}(concat_ws(chr(31), {', '.join(f'x_{c.name}' for c in mapped if c.text == text)}))"
             for text, test in ((True, "needs_fold_text"), (False, "needs_fold"))
             if any(c.text == text for c in mapped)]
    folded = ", ".join(f"CASE WHEN _dirty THEN {'fold_text' if c.text else 'fold'}(x_{c.name}) END AS f_{c.name}"
                       for c in mapped)
    cell = ", ".join(f"CASE WHEN _dirty THEN f_{c.name} ELSE nullif(x_{c.name}, '') END" for c in mapped)
    rows = pa.concat_tables([_canonical_cells(f, i, canonical) for i, f in enumerate(files)])
    rows = rows.append_column("_rid", pa.array(np.arange(rows.num_rows, dtype=np.int64)))
    con.register(f"{table}_cells", rows)
    try:
        flags = con.sql(f"""
            SELECT _dirty, {", ".join(f"f_{c.name}" for c in mapped)},
                   CASE WHEN coalesce({cell}) IS NULL THEN 'blank' WHEN is_total_row(_first) THEN 'total' END AS _skip
            FROM (SELECT *, {folded} FROM (SELECT *, {" OR ".join(tests)} AS _dirty FROM {table}_cells))
            """).to_arrow_table()
    finally:
        con.unregister(f"{table}_cells")
    if flags.num_rows != rows.num_rows:  # the flags are matched to the cells by position
        raise RuntimeError("staging: flags and cells differ in length")
    for name in ["_dirty", *(f"f_{c.name}" for c in mapped), "_skip"]:
        rows = rows.append_column(name, flags[name])
    con.register(f"{table}_rows", rows)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT _rid, _file, _row, "
                f"{_select_list(source, {c.name for c in mapped})} FROM {table}_rows WHERE _skip IS NULL")
    counts = {(i, "row"): 0 for i in range(len(files))}
    if flags.num_rows:
        by_file = pa.table({"file": rows["_file"], "skip": flags["_skip"].fill_null("row")})
        for group in by_file.group_by(["file", "skip"]).aggregate([("file", "count")]).to_pylist():
            counts[(group["file"], group["skip"])] = group["file_count"]
    for i, f in enumerate(files):
        f.staged.rows_read = counts.get((i, "row"), 0)
        f.staged.skipped_blank = counts.get((i, "blank"), 0)
        f.staged.skipped_total = counts.get((i, "total"), 0)
    return [f.staged for f in files]


def _canonical_cells(cells: Cells, index: int, canonical: list[str]) -> pa.Table:
    """A file's cells under the canonical column names (`x_<name>`; NULL where the file
    lacks the column), its first raw column (`_first`, where a 合计 row says so), its
    index in the batch and its Excel row numbers. The cells are not copied."""
    table, mapping, n = cells.table, cells.match.mapping, cells.table.num_rows
    columns = {}
    for name in canonical:
        columns[f"x_{name}"] = table[f"c{mapping.index(name)}"] if name in mapping else pa.nulls(n, pa.string())
    columns["_first"] = table["c0"] if table.num_columns else pa.nulls(n, pa.string())
    columns["_file"] = pa.array(np.full(n, index, dtype=np.int32))
    columns["_row"] = pa.array(np.arange(cells.first_row, cells.first_row + n, dtype=np.int32)
                               if cells.row_numbers is None else cells.row_numbers, pa.int32())
    return pa.table(columns)


def _select_list(source: Source, mapped: set[str]) -> str:
    """Each canonical column over `stg_rows`: the cell as read, or folded (`f_<name>`) in
    the rows that need it (`_dirty`); NULL for a column no staged file has."""
    cols = []
    for col in source.columns:
        if col.name in mapped:
            cols.append(f'CASE WHEN _dirty THEN f_{col.name} ELSE nullif(x_{col.name}, \'\') END AS "raw_{col.name}"')
        else:
            cols.append(f'CAST(NULL AS VARCHAR) AS "raw_{col.name}"')
    return ", ".join(cols)


def unstage(con) -> None:
    """Lets go of a staged file's cells (held in memory until then; nothing to do when the
    file was refused before staging)."""
    con.execute(f"DROP VIEW IF EXISTS {STAGED}")
    con.unregister(f"{STAGED}_rows")
