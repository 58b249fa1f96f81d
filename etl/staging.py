"""A file's cells (etl/readers.py) -> TEMP view `stg` for the normalisation SQL: `_row`,
the line number as Excel shows it, and one VARCHAR column `raw_<name>` per canonical
column of the source (NULL where the file lacks it), folded (etl/sql/macros.sql, which
the loader installs once per connection)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .readers import Cells, Staged
from .sources import Source


# The staged view's name, and its Arrow tables' `stg_cells` and `stg_rows`: fixed names of
# ours in the SQL below, never data.
STAGED = "stg"


def stage(con, cells: Cells) -> Staged:
    """The cells as TEMP view `stg`. Blank rows and 合计/总计 rows are not records: they
    are counted (in the returned Staged) and kept out.

    The cells stay in Arrow memory, registered as `stg_rows` with columns added from one
    pass in DuckDB: `_dirty` (does any cell of the row need folding? one regular expression
    a row, for the free text and one for the rest), the folded cells `f<j>` of those rows
    only (NULL elsewhere: a file has few), `_skip`, and `_row`. Copying every cell into a
    DuckDB table instead cost a third of a 400,000-row load's staging; folding the dirty
    rows at every read, instead of once, cost more than that where they were many."""
    table = STAGED
    staged, match, first_row = cells.staged, cells.match, cells.first_row
    source = staged.source
    mapped = [(j, source.column(m)) for j, m in enumerate(match.mapping) if m]
    tests = [f"{test}(concat_ws(chr(31), {', '.join(f'c{j}' for j, c in mapped if c.text == text)}))"
             for text, test in ((True, "needs_fold_text"), (False, "needs_fold"))
             if any(c.text == text for _, c in mapped)]
    folded = ", ".join(f"CASE WHEN _dirty THEN {'fold_text' if c.text else 'fold'}(c{j}) END AS f{j}"
                       for j, c in mapped)
    cell = ", ".join(f"CASE WHEN _dirty THEN f{j} ELSE nullif(c{j}, '') END" for j, _ in mapped)
    con.register(f"{table}_cells", cells.table)
    try:
        flags = con.sql(f"""
            SELECT _dirty, {", ".join(f"f{j}" for j, _ in mapped)},
                   CASE WHEN coalesce({cell}) IS NULL THEN 'blank' WHEN is_total_row(c0) THEN 'total' END AS _skip
            FROM (SELECT *, {folded} FROM (SELECT *, {" OR ".join(tests)} AS _dirty FROM {table}_cells))
            """).to_arrow_table()
    finally:
        con.unregister(f"{table}_cells")
    rows = cells.table
    if flags.num_rows != rows.num_rows:  # the flags are matched to the cells by position
        raise RuntimeError("staging: flags and cells differ in length")
    for name in ["_dirty", *(f"f{j}" for j, _ in mapped), "_skip"]:
        rows = rows.append_column(name, flags[name])
    rows = rows.append_column("_row", pa.array(np.arange(first_row, first_row + rows.num_rows, dtype=np.int32)))
    con.register(f"{table}_rows", rows)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT _row, {_select_list(source, match.mapping)} "
                f"FROM {table}_rows WHERE _skip IS NULL")
    counts = pc.value_counts(flags["_skip"].fill_null("row")).to_pylist() if flags.num_rows else []
    counts = {c["values"]: c["counts"] for c in counts}
    staged.rows_read = counts.get("row", 0)
    staged.skipped_blank = counts.get("blank", 0)
    staged.skipped_total = counts.get("total", 0)
    return staged


def _select_list(source: Source, mapping: list[str | None]) -> str:
    """Each canonical column over `stg_rows`: the cell as read, or folded (`f<j>`) in
    the rows that need it (`_dirty`); NULL for a column the file lacks."""
    cols = []
    for col in source.columns:
        if col.name in mapping:
            j = mapping.index(col.name)
            cols.append(f'CASE WHEN _dirty THEN f{j} ELSE nullif(c{j}, \'\') END AS "raw_{col.name}"')
        else:
            cols.append(f'CAST(NULL AS VARCHAR) AS "raw_{col.name}"')
    return ", ".join(cols)


def unstage(con) -> None:
    """Lets go of a staged file's cells (held in memory until then; nothing to do when the
    file was refused before staging)."""
    con.execute(f"DROP VIEW IF EXISTS {STAGED}")
    con.unregister(f"{STAGED}_rows")
