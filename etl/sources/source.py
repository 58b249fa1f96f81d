"""What a source is: its columns with their Chinese headers, synonyms and enumeration words
(data-contract.md, "Sources and their columns"), its table and key, its checks, how its
rows are upserted and what follows them, its freshness and its labels. One module per
source in this package fills one in.

This is the allow-list: only these canonical names ever become SQL identifiers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Column:
    name: str
    headers: tuple[str, ...]
    required: bool = False
    # word -> canonical value; matched after trimming, NFKC folding and lower-casing.
    enum: dict[str, str] = field(default_factory=dict)
    enum_default: str | None = None  # value for blank (and, where set, unknown) words
    unknown_to_default: bool = False
    enum_unknown: str | None = None  # value for unknown words when it differs from the blank one
    # Free text (a ticket's content, an address, a name): its full-width digits, letters and
    # spaces are folded as everywhere, but －／．： are punctuation there and stay as written
    # (in dates, times, numbers and codes they are folded too).
    text: bool = False

    @property
    def value_labels(self) -> dict[str, str]:
        """Each enumeration value with the first word that names it: how the board shows it."""
        labels: dict[str, str] = {}
        for word, value in self.enum.items():
            labels.setdefault(value, word)
        return labels


@dataclass(frozen=True)
class DatasetColumn:
    """A column a 查询 (explore) viewer may see, filter and group by (boardkit/data/datasets.py)."""
    label: str
    kind: str                   # text / enum / bool / date / timestamp / number
    values: dict | None = None  # enum code -> label; None: the distinct values in the data
    dim: bool = False           # may be grouped by
    room: bool = False          # shown only when the scope may see rooms


@dataclass(frozen=True)
class Dataset:
    """A 查询 dataset: a table with a neighbourhood_code (the viewer's scope applies) and the
    allow-list of its columns; personal columns only in their masked form."""
    label: str
    table: str
    unit: str                   # what a row is, for the count's label
    columns: dict = field(default_factory=dict)
    order_by: str = ""          # newest first in the detail view


def _nothing(*_args) -> None:
    return None


@dataclass(frozen=True)
class Source:
    name: str
    label: str  # Chinese, for messages
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # A batch loads its sources by rank: alarms find their flats in the roster loaded before them.
    load_rank: int = 0
    # Declarative row checks over the normalised rows (etl/checks.py's Check).
    checks: tuple = ()
    # Table columns written from the normalised rows, and for each the file columns it comes
    # from: when the file has none of them, an update keeps the stored value (upsert.py).
    table_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Statuses a later, staler export may not reopen.
    terminal_status: tuple[str, ...] = ()
    # The key of a normalised row when it is computed rather than read (roster: report_key),
    # with the column and the words a duplicate in one file is reported under.
    computed_key: str | None = None
    duplicate_label: tuple[str, str] | None = None
    # Derived tables rebuilt whole from this source's table after it changes: name -> SQL.
    open_records: dict[str, str] = field(default_factory=dict)
    # Derived tables marked for the upserted rows besides its open_records (which are
    # marked whole): (kind, SQL of the keys over `_ok` or None).
    marks: tuple[tuple[str, str | None], ...] = ()
    # Source-specific load steps: before the normalise SQL (con); after it, deriving columns
    # of `n` (con, staged columns dropped, columns given, LoadOptions); after each upsert
    # (con, {run: file}).
    prepare: Callable = _nothing
    derive_rows: Callable = _nothing
    after_upsert: Callable | None = None
    # Re-deriving the stored rows after the catalogue, model, corrections, pack or settings
    # changed (`python -m etl rederive`): (con) -> lines to print.
    rederive: Callable | None = None
    # Freshness: SQL of the latest record time (a date or time) over the table, and the hours
    # after which the wall screen shows the source as stale (setting screen_freshness_hours.<name>);
    latest_sql: str = "NULL"
    freshness_hours: float | None = 24  # None: not a stream whose age the screen shows
    freshness_help: str = ""
    # The board: its place among the streams, the source's name on pages and the tables it
    # may list records from.
    board_rank: int = 0
    board_label: str = ""
    record_tables: tuple[str, ...] = ()
    # A second shape of sheet, read when no header row of the columns is found (the duty
    # roster's calendar grid): (rows, each merged cell's value in every cell it covers) ->
    # (a header row of the columns, [(Excel row number, cells)]), or None when the rows are
    # not that shape.
    read_grid: Callable | None = None
    # Table columns stored in clear on purpose (staff work contacts: README, threat model):
    # the one named exception to "no clear personal data"; nothing else may be.
    clear_columns: tuple[str, ...] = ()
    # Its dataset on the 查询 page (the allow-list of what a viewer may query); None: not
    # offered there, or written by the board with the board's labels (boardkit/data/datasets.py).
    dataset: Dataset | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def row_key(self) -> tuple[str, ...]:
        return (self.computed_key,) if self.computed_key else tuple(self.key)

    @property
    def normalise_sql(self) -> Path:
        return Path(__file__).resolve().parent.parent / "sql" / "normalise" / f"{self.name}.sql"


# Coordinate systems, as the exports of several sources name them.
CRS = {"wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02",
       "高德": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02", "bd09": "bd09", "bd-09": "bd09",
       "百度": "bd09"}
