"""Loads raw files into a new generation of the database, one writer at a time.

Files are read one by one and set aside by source; the files of a source are then staged
together and go through every step once: stage (readers) -> enum words -> normalise (SQL)
-> derive -> checks (rejects, warnings) -> in-file duplicates. Their accepted rows are then
applied in one transaction: upsert -> rejects -> etl_runs -> archive. A file refused while
read or staged is recorded as `refused` and the others go on; a file whose bytes DuckDB
cannot take makes its group go again file by file, so only that file is refused.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import archive, derive, live_alarms, store
from core import settings
from core.localtime import local_now
from .checks import enum_checks, value_expression
from .macros import install_macros
from .readers import Cells, FileRefused, Staged, detect_source, read_cells
from .staging import stage, unstage
from .sources import SOURCES, Source
from .upsert import upsert

# Load order for a batch (the registry's order: devices are linked to flats through the roster).
SOURCE_ORDER = tuple(SOURCES)

@dataclass
class FileResult:
    path: Path
    source: str
    status: str          # loaded / skipped_duplicate / refused
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    message: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        if self.status == "refused":
            return f"拒收  {self.path.name}：{self.message}"
        if self.status == "skipped_duplicate":
            return f"跳过  {self.path.name}：{self.message}"
        return (f"导入  {self.path.name}：读取 {self.rows_read} 行，入库 {self.rows_loaded} 行，"
                f"拒收 {self.rows_rejected} 行，警告 {self.rows_warned} 行（{self.seconds:.2f} 秒）"
                + (f"；{self.message}" if self.message else ""))


@dataclass
class LoadOptions:
    classify: bool = True     # topic classification (timed separately in the benchmark)
    now: dt.datetime | None = None
    progress: bool = False
    notes: list[str] = field(default_factory=list)


def load_files(source_name: str | None, paths: list[Path], db_path: Path | None = None,
               options: LoadOptions | None = None) -> list[FileResult]:
    """Loads files (of one source, or each detected from its header) as one new generation.
    The results are in the order of `paths`."""
    options = options or LoadOptions()
    db_path = Path(db_path or settings.db_path())
    # The live alarm store's files go first into the same generation (live_alarms.py).
    with store.writer_lock(db_path), live_alarms.folding(db_path) as live, store.new_generation(db_path) as con:
        live_alarms.prepare(con)
        options.notes.extend(derive.load_reference(con))
        derive.load_corrections(con, db_path)
        install_macros(con)
        files = [("alarms", p) for p in live] + [(source_name, Path(p)) for p in paths]
        return load_batch(con, files, options)[len(live):]


def load_one(con, source_name: str | None, path: Path, options: LoadOptions) -> FileResult:
    """One file on a writable generation (`con`, reference and macros in place)."""
    return load_batch(con, [(source_name, Path(path))], options)[0]


# Rows held in memory before the files set aside are loaded: a batch of many small files
# goes through each step once, and a batch of big files still one file or so at a time.
BATCH_ROWS = 300_000


def load_batch(con, files: list[tuple[str | None, Path]], options: LoadOptions) -> list[FileResult]:
    """Loads files (each with its source, or None to detect it) on a writable generation.

    Each file is read, then set aside with the others of its source; when the rows set
    aside reach BATCH_ROWS, and at the end, they are loaded source by source in
    SOURCE_ORDER (alarms find their flats in the roster loaded before them), each source's
    files together (`_load_group`), in the order given. Run numbers follow the order of
    loading. Results are in the order of `files`."""
    batch = _Batch(con, options)
    # Each file is read (and hashed) in a thread while DuckDB works: the first while the
    # batch is set up, each next one while the one before it is parsed.
    ahead = RawFile(files[0][1]) if files else None
    for i, (source_name, path) in enumerate(files):
        if options.progress:
            _progress(i + 1, len(files), path)
        raw, ahead = ahead, (RawFile(files[i + 1][1]) if i + 1 < len(files) else None)
        batch.read(i, source_name, path, raw)
        if batch.rows >= BATCH_ROWS:
            batch.load()
    batch.load()
    if options.progress:
        print(file=sys.stderr)
    return [batch.results[i] for i in range(len(files))]


@dataclass
class _Read:
    """A file read and parsed, waiting for its source's group to load."""
    index: int
    path: Path
    sha: str
    cells: Cells
    data: bytes
    started: dt.datetime
    seconds: float           # reading and parsing it, its own time


class _Batch:
    """The files read so far, set aside by source until they are loaded."""

    def __init__(self, con, options: LoadOptions):
        self.con, self.options = con, options
        self.waiting: dict[str, list[_Read]] = {}
        self.results: dict[int, FileResult] = {}   # by the file's index in the batch
        self.waiting_rows: dict[str, int] = {}
        # (source, sha) of every file loaded: a file is skipped when its bytes are there.
        self.loaded = {(source, sha): run for source, sha, run in con.execute(
            "SELECT source, file_sha256, min(run_id) FROM etl_runs WHERE status = 'loaded' GROUP BY ALL").fetchall()}

    @property
    def rows(self) -> int:
        return sum(self.waiting_rows.values())

    def read(self, index: int, source_name: str | None, path: Path, raw: RawFile) -> None:
        """Reads a file and sets it aside, or records its result when it is done with
        already (refused while read, or loaded before)."""
        result = self._read(index, source_name, path, raw)
        if result is not None:
            self.results[index] = result

    def _read(self, index: int, source_name: str | None, path: Path, raw: RawFile) -> FileResult | None:
        con, started, t0 = self.con, local_now(), time.perf_counter()
        source_label = source_name or "unknown"
        try:
            data = raw.data()
            source = SOURCES[source_name] if source_name else detect_source(path, data)
            source_label = source.name
            # A file loaded before is skipped before it is parsed, unless it is big and its
            # hash still running: then after parsing, which the hashing overlaps.
            if len(data) < RawFile.WAIT_FOR_HASH_BELOW or raw.hashed:
                if skipped := self._skip_loaded(path, source, raw.sha(), started):
                    return skipped
            cells = read_cells(path, source, data)
            if skipped := self._skip_loaded(path, source, raw.sha(), started):
                return skipped
        except FileRefused as exc:
            return _record(con, FileResult(path, source_label, "refused", message=str(exc)), raw.sha(), started)
        group = self.waiting.setdefault(source.name, [])
        if raw.sha() in {r.sha for r in group}:
            # The same bytes twice in one group: the first loads, then the second is skipped.
            self.load()
            if skipped := self._skip_loaded(path, source, raw.sha(), started):
                return skipped
            group = self.waiting.setdefault(source.name, [])
        group.append(_Read(index, path, raw.sha(), cells, data, started, time.perf_counter() - t0))
        self.waiting_rows[source.name] = self.waiting_rows.get(source.name, 0) + cells.table.num_rows
        return None

    def _skip_loaded(self, path: Path, source: Source, sha: str, started) -> FileResult | None:
        run = self.loaded.get((source.name, sha))
        if run is None:
            return None
        return _record(self.con, FileResult(path, source.name, "skipped_duplicate",
                                            message=f"同一文件已于第 {run} 次导入时入库，未重复导入"), sha, started)

    def load(self) -> None:
        """Loads every file set aside, source by source."""
        waiting, self.waiting, self.waiting_rows = self.waiting, {}, {}
        for name in sorted(waiting, key=SOURCE_ORDER.index):
            for index, result, sha, run in _load_group(self.con, SOURCES[name], waiting[name], self.options):
                self.results[index] = result
                if result.status == "loaded":
                    self.loaded.setdefault((name, sha), run)


def _load_group(con, source: Source, group: list[_Read], options: LoadOptions) -> list[tuple]:
    """Files of one source through every step together, then applied in one transaction.
    Returns (index, FileResult, sha, run_id) per file. What DuckDB says of a file's bytes
    (a value it cannot convert) makes the group go again file by file: only that file is
    refused, the others load."""
    t0 = time.perf_counter()
    copies = []
    in_transaction = False
    try:
        folder = archive.folder_of(con)  # the raw files are archived while DuckDB works
        copies = [archive.start_copy(con, r.path, r.sha, r.data, folder) for r in group]
        staged = stage(con, [r.cells for r in group])
        counts = _transform(con, source, staged, options)
        base = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
        runs = [base + i for i in range(len(group))]
        con.execute("BEGIN TRANSACTION")
        in_transaction = True
        results = _apply(con, source, group, staged, counts, runs)
        shared = time.perf_counter() - t0
        total_rows = sum(res.rows_read for res in results) or 1
        for r, res in zip(group, results):  # the group's steps, shared by rows
            res.seconds = r.seconds + shared * (res.rows_read / total_rows if total_rows > 1 else 1 / len(group))
        _insert_runs(con, [(run, res, r.sha, r.started) for r, res, run in zip(group, results, runs)])
        # In the transaction: never loaded without its raw file.
        archive.keep_all(con, [(r.path, r.sha, copy) for r, copy in zip(group, copies)])
        con.execute("COMMIT")
        in_transaction = False
        return [(r.index, res, r.sha, run) for r, res, run in zip(group, results, runs)]
    except (FileRefused, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        if in_transaction:
            con.execute("ROLLBACK")
            in_transaction = False
        if len(group) > 1:
            unstage(con)
            for copy in copies:  # each file archives its own copy on its second try
                copy.discard()
            return [one for r in group for one in _load_group(con, source, [r], options)]
        r = group[0]
        message = str(exc) if isinstance(exc, FileRefused) else \
            f"文件内容无法解析：{str(exc).splitlines()[0][:200]}"  # a mistake in our own SQL is not caught here
        result = _record(con, FileResult(r.path, source.name, "refused", message=message), r.sha, r.started)
        return [(r.index, result, r.sha, None)]
    except BaseException:
        if in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        unstage(con)  # the files' cells, held in memory while they load
        for copy in copies:
            copy.discard()  # nothing left to do once keep_all() has finished it


class RawFile:
    """A file's bytes and their SHA-256, read in a thread (file reads and hashing release
    the GIL) so that DuckDB need not wait for them: the first file is read while the
    generation is set up, the next while one loads, and the hash is computed while DuckDB
    stages the file (a 72 MB file: read 0.06 s, hash 0.06 s). `data()` and `sha()` wait
    for their part and re-raise what the reading raised."""

    WAIT_FOR_HASH_BELOW = 8 * 1024 * 1024

    def __init__(self, path: Path):
        self.path = path
        self._data: bytes = b""
        self._sha = ""
        self._error: BaseException | None = None
        self._read_done = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._data = self.path.read_bytes()
        except BaseException as exc:  # re-raised in the loading thread
            self._error = exc
            return
        finally:
            self._read_done.set()
        self._sha = hashlib.sha256(self._data).hexdigest()

    def data(self) -> bytes:
        self._read_done.wait()
        if self._error is not None:
            raise self._error
        return self._data

    def sha(self) -> str:
        self.data()
        self._thread.join()
        return self._sha

    @property
    def hashed(self) -> bool:
        return not self._thread.is_alive()


def _transform(con, source: Source, staged: list[Staged], options: LoadOptions) -> dict[int, tuple]:
    """`stg` (the group's files) -> TEMP table `n` (normalised, derived) and `_issues` (one
    row per failed check, duplicates in a file included). Returns, per file index, (rows,
    rows rejected, rows warned)."""
    _address_parts(con, source)
    _enum_columns(con, source)
    source.prepare(con)
    con.execute(source.normalise_sql.read_text(encoding="utf-8"))
    drop, given = staged_columns_dropped(source), given_columns(source)
    source.derive_rows(con, drop, given, options)
    _collect_issues(con, source, options)
    _drop_duplicates(con, source)
    counts = {i: (0, 0, 0) for i in range(len(staged))}
    counts.update({f: (rows, rejected, warned) for f, rows, rejected, warned in con.execute("""
        WITH rejected AS (SELECT DISTINCT _file, _rid FROM _issues WHERE NOT warning),
             warned AS (SELECT DISTINCT _file, _rid FROM _issues WHERE warning
                        AND _rid NOT IN (SELECT _rid FROM rejected))
        SELECT _file, sum(rows), sum(rejected), sum(warned) FROM (
            SELECT _file, count(*) AS rows, 0 AS rejected, 0 AS warned FROM n GROUP BY _file
            UNION ALL SELECT _file, 0, count(*), 0 FROM rejected GROUP BY _file
            UNION ALL SELECT _file, 0, 0, count(*) FROM warned GROUP BY _file)
        GROUP BY _file""").fetchall()})
    return counts


def _apply(con, source: Source, group: list, staged: list[Staged], counts: dict[int, tuple],
           runs: list[int]) -> list[FileResult]:
    """The group's accepted rows into the source's table, and its rejects and warnings,
    each file under its run number (`runs`). In the caller's transaction."""
    con.execute("CREATE OR REPLACE TEMP TABLE _batch_files (_file INTEGER, _run INTEGER, file_name VARCHAR)")
    con.executemany("INSERT INTO _batch_files VALUES (?, ?, ?)",
                    [(i, run, r.path.name) for i, (r, run) in enumerate(zip(group, runs))])
    # A view: the accepted rows are read twice (counted, upserted), never copied. Without
    # rejects (the usual file) it is `n` itself, not an anti-join of every row.
    rejected = any(c[1] for c in counts.values())
    con.execute("CREATE OR REPLACE TEMP VIEW _accepted AS SELECT n.*, f._run FROM n JOIN _batch_files f USING (_file)"
                + (" WHERE _rid NOT IN (SELECT _rid FROM _issues WHERE NOT warning)" if rejected else ""))
    loaded = {i: rows - rejects for i, (rows, rejects, _) in counts.items()}
    live_alarms.take_stored_rows(con, source)
    if len(staged) == 1:
        con.execute("CREATE OR REPLACE TEMP VIEW _ok AS SELECT * FROM _accepted")
        upsert(con, source, staged[0].present, loaded[0])
        if source.after_upsert:
            source.after_upsert(con, {runs[0]: group[0].path})
    else:
        _upsert_layers(con, source, staged, {run: r.path for r, run in zip(group, runs)})
    con.execute("""INSERT INTO etl_rejects SELECT f._run, ?, f.file_name, i._row, i.column_name, i.value_masked,
                          i.code, i.reason, i.neighbourhood
                   FROM _issues i JOIN _batch_files f USING (_file) WHERE NOT i.warning ORDER BY f._run, i._row""",
                [source.name])
    con.execute("""INSERT INTO etl_warnings SELECT f._run, ?, f.file_name, i._row, i.column_name, i.value_masked,
                          i.code, i.reason, i.neighbourhood
                   FROM _issues i JOIN _batch_files f USING (_file)
                   WHERE i.warning AND i._rid NOT IN (SELECT _rid FROM _issues WHERE NOT warning)
                   ORDER BY f._run, i._row""", [source.name])
    results = []
    for i, (r, st) in enumerate(zip(group, staged)):
        rows, rejects, warned = counts[i]
        notes = []
        if not rows:
            notes.append("文件中没有数据行（只有表头）")
        if st.unknown_columns:
            notes.append(_unknown_columns_note(st.unknown_columns))
        if st.skipped_blank or st.skipped_total:
            notes.append(f"跳过空行 {st.skipped_blank} 行、合计行 {st.skipped_total} 行")
        results.append(FileResult(r.path, source.name, "loaded", rows_read=rows, rows_loaded=loaded[i],
                                  rows_rejected=rejects, rows_warned=warned, message="；".join(notes)))
    return results


def _upsert_layers(con, source: Source, staged: list[Staged], paths: dict[int, Path]) -> None:
    """The accepted rows of several files, upserted as if file after file, in few upserts.

    A row's layer is how many of the group's files had its key before it, plus one: the
    first export of a ticket is in layer 1, its next export in layer 2. A layer holds each
    key once, so upserting it changes each stored row once, whatever the order of its rows;
    layer after layer, each key sees its files in their order, as file after file would.
    Within a layer the files with the same columns go together (a column a file lacks
    keeps its stored value)."""
    kinds: dict[frozenset, int] = {}
    columns = [kinds.setdefault(frozenset(st.present), len(kinds)) for st in staged]
    present = {kind: sorted(names) for names, kind in kinds.items()}
    con.execute("CREATE OR REPLACE TEMP TABLE _file_columns (_file INTEGER, _columns INTEGER)")
    con.executemany("INSERT INTO _file_columns VALUES (?, ?)", list(enumerate(columns)))
    key = ", ".join(source.row_key)  # names of ours (etl/sources/)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _layers AS
        SELECT a.*, c._columns, row_number() OVER (PARTITION BY {key} ORDER BY _file) AS _layer
        FROM _accepted a JOIN _file_columns c USING (_file)""")
    for layer, kind, rows in con.execute("SELECT _layer, _columns, count(*) FROM _layers GROUP BY ALL "
                                         "ORDER BY ALL").fetchall():
        # A view takes no parameters: each upsert's rows are copied (a few files' worth).
        con.execute("CREATE OR REPLACE TEMP TABLE _layer_rows AS SELECT * EXCLUDE (_columns, _layer) FROM _layers "
                    "WHERE _layer = ? AND _columns = ?", [layer, kind])
        con.execute("CREATE OR REPLACE TEMP VIEW _ok AS SELECT * FROM _layer_rows")
        upsert(con, source, present[kind], rows)
        if source.after_upsert:
            layer_runs = [run for (run,) in con.execute("SELECT DISTINCT _run FROM _layer_rows").fetchall()]
            source.after_upsert(con, {run: paths[run] for run in layer_runs})


def _check_sql(source: Source) -> str:
    return " ".join(c.predicate for c in list(source.checks) + enum_checks(source))


def given_columns(source: Source) -> tuple[str, ...]:
    """Columns whose `given_<c>` (the file had a value there) a check reads."""
    read = _check_sql(source)
    return tuple(c.name for c in source.columns if re.search(rf"\bgiven_{c.name}\b", read))


def staged_columns_dropped(source: Source) -> tuple[str, ...]:
    """Staged columns `n` leaves out: all raw text (a reject's value is read back from `stg`),
    and the enumeration values no check reads. `n` is written once and
    read by every check, and the raw text would be a large part of its width."""
    read = _check_sql(source)
    enums = [f"enum_{c.name}" for c in source.columns if c.enum]
    return tuple([f"raw_{c.name}" for c in source.columns]
                 + [e for e in enums if not re.search(rf"\b{e}\b", read)])


def _unknown_columns_note(names: list[str], listed: int = 20, width: int = 30) -> str:
    """The ignored columns, shortened: a file with 100,000 stray columns (or a 10 MB header
    cell) must not make a 100,000-name message in etl_runs and on the 数据 page."""
    shown = [n if len(n) <= width else n[:width] + "…" for n in names[:listed]]
    more = f" 等共 {len(names)} 列" if len(names) > listed else ""
    return "未识别的列已忽略：" + "、".join(shown) + more


def _has_address(source: Source) -> bool:
    return any(c.name == "address" for c in source.columns)


def _address_parts(con, source: Source) -> None:
    """TEMP table `_staged_addresses` (_rid, address, room) for a source with an address:
    each staged address split once (etl/sql/macros.sql: address_text, split_address), for the
    normalisation (stg_e's address_part and room_part) and the neighbourhood matching (its
    distinct addresses) alike — computed in both, the split cost a 400,000-row load twice."""
    con.execute("DROP TABLE IF EXISTS _staged_addresses")
    if _has_address(source):
        con.execute("""CREATE TEMP TABLE _staged_addresses AS
            SELECT _rid, split_address(address_text).address AS address, split_address(address_text).room AS room
            FROM (SELECT _rid, address_text(raw_address) AS address_text FROM stg)""")


def _enum_columns(con, source: Source) -> None:
    """stg -> VIEW stg_e: each enumeration column's canonical value as enum_<name>, and
    for a source with an address its parts (address_part, room_part: `_address_parts`).

    A file holds few distinct words per column: each is looked up once, into a small table
    `_enum_<i>` (the file's word -> the value; '' stands for a blank cell, which folded text
    never is), and the view joins it on the word as written. The words and values are bound
    as parameters there, since a view takes none. Joining is cheaper than every row
    computing its key and looking it up. The words of all the columns are found in one pass
    (grouping sets), not one pass a column."""
    columns = [c for c in source.columns if c.enum]
    raw = [f"raw_{c.name}" for c in columns]  # canonical names (etl/sources/), never data
    if raw:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _enum_words AS
            SELECT {", ".join(f"grouping({r}) = 0 AS in_{i}, {r}" for i, r in enumerate(raw))}
            FROM stg GROUP BY GROUPING SETS ({", ".join(f"({r})" for r in raw)})""")
    joins, selects = [], []
    for i, col in enumerate(columns):
        words = {}
        for word, value in col.enum.items():
            words.setdefault(_enum_key(word), value)  # the first listed wins
        unknown_value = col.enum_unknown or (col.enum_default if col.unknown_to_default else None)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _enum_{i} AS
            SELECT word, CASE WHEN word = '' THEN CAST($blank AS VARCHAR)
                              ELSE coalesce(map_extract_value(map($keys, $values), enum_key(word)),
                                            CAST($unknown AS VARCHAR)) END AS value
            FROM (SELECT coalesce(raw_{col.name}, '') AS word FROM _enum_words WHERE in_{i})""",
                    {"keys": list(words), "values": list(words.values()),
                     "blank": col.enum_default or None, "unknown": unknown_value})
        joins.append(f"LEFT JOIN _enum_{i} ON _enum_{i}.word = coalesce(s.raw_{col.name}, '')")
        selects.append(f"_enum_{i}.value AS enum_{col.name}")
    if _has_address(source):
        joins.append("LEFT JOIN _staged_addresses a ON a._rid = s._rid")
        selects += ["a.address AS address_part", "a.room AS room_part"]
    con.execute("CREATE OR REPLACE TEMP VIEW stg_e AS SELECT s.*"
                + "".join(f", {x}" for x in selects) + " FROM stg s " + " ".join(joins))


def _enum_key(word: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFKC", word).replace(" ", "").lower()


def _collect_issues(con, source: Source, options: LoadOptions) -> None:
    """TEMP table `_issues`: one row per failed check. Predicates are fixed SQL from
    etl/checks.py; the column names, codes and Chinese reasons are bound values."""
    checks = list(source.checks) + enum_checks(source)
    params: dict = {}
    parts = []
    for i, c in enumerate(checks):
        params.update({f"column_{i}": c.column, f"code_{i}": c.code, f"reason_{i}": c.reason})
        parts.append(f"""SELECT _rid, $column_{i} AS column_name, $code_{i} AS code, $reason_{i} AS reason,
                         {str(c.warning).lower()} AS warning, neighbourhood FROM n WHERE {c.predicate}""")
    sql = "CREATE OR REPLACE TEMP TABLE _found AS " + " UNION ALL ".join(parts)
    if "$now" in sql:
        params["now"] = options.now or local_now()
    con.execute(sql, params)
    # Each value as the file gave it (masked, redacted), from the staged row: few rows join.
    # Two statements: joined in one, the planner guessed more issues than staged rows and
    # hashed all of `stg` to look up none.
    columns = list(dict.fromkeys(c.column for c in checks))  # the sources' column names, never data
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _issues AS
        SELECT i._rid, s._file, s._row, i.column_name, {value_expression("i.column_name", columns)} AS value_masked,
               i.code, i.reason, i.warning, i.neighbourhood
        FROM _found i JOIN stg s ON s._rid = i._rid""")


def _drop_duplicates(con, source: Source) -> None:
    """The same key twice in one file: the later row wins, the earlier is a reject."""
    if source.computed_key:
        key, (column, label) = source.computed_key, source.duplicate_label
    else:
        key, column = ", ".join(source.key), source.key[0]
        label = "、".join(source.column(k).headers[0] for k in source.key)
    # `key`: the source's key column names (etl/sources/); the texts are bound values.
    con.execute(f"""INSERT INTO _issues
        SELECT _rid, _file, _row, $column, NULL, 'duplicate_in_file',
               '同一文件中' || $label || '重复，以第 ' || winner || ' 行为准', false, neighbourhood
        FROM (SELECT _rid, _file, _row, neighbourhood, row_number() OVER w AS rank, first_value(_row) OVER w AS winner
              FROM n WHERE _rid NOT IN (SELECT _rid FROM _issues WHERE NOT warning)
                   AND (_file, {key}) IN (SELECT (_file, {key}) FROM n GROUP BY ALL HAVING count(*) > 1)
              WINDOW w AS (PARTITION BY _file, {key} ORDER BY _row DESC))
        WHERE rank > 1""", {"column": column, "label": label})


def _record(con, result: FileResult, sha: str, started: dt.datetime) -> FileResult:
    """A run without rows (refused, skipped) in etl_runs, under the next run number."""
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
    _insert_runs(con, [(run_id, result, sha, started)])
    return result


def _insert_runs(con, runs: list[tuple[int, FileResult, str, dt.datetime]]) -> None:
    """(run number, result, SHA-256, started) of files into etl_runs."""
    generation = con.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'").fetchall()[0][0]
    finished = local_now()
    con.executemany("INSERT INTO etl_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[run_id, r.source, r.path.name, sha, started, finished, r.rows_read, r.rows_loaded,
                      r.rows_rejected, r.rows_warned, r.status, r.message, generation]
                     for run_id, r, sha, started in runs])


def _progress(i: int, total: int, path: Path) -> None:
    width = 30
    filled = int(width * i / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {i}/{total} {path.name[:40]:<40}")
    sys.stderr.flush()


def ingest_order(paths: list[Path]) -> list[tuple[str | None, Path]]:
    """Files of a folder, each with its detected source, in load order."""
    detected = []
    for path in sorted(paths):
        try:
            detected.append((detect_source(path).name, path))
        except FileRefused:
            detected.append((None, path))
    rank = {name: i for i, name in enumerate(SOURCE_ORDER)}
    return sorted(detected, key=lambda sp: (rank.get(sp[0], -1), sp[1].name))
