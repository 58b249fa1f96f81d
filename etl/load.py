"""Loads raw files into a new generation of the database, one writer at a time.

Per file, inside one transaction: stage (readers) -> enum words -> normalise (SQL) ->
derive -> checks (rejects, warnings) -> in-file duplicates -> upsert -> etl_runs.
A refused file rolls back whole and is recorded as `refused`.
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

from . import archive, derive, settings, store
from .localtime import local_now
from .checks import CHECKS, enum_checks, value_expression
from .privacy import hmac_pads, secret_key
from .macros import install_macros
from .readers import FileRefused, Staged, detect_source, read_cells
from .staging import stage, unstage
from .sources import SOURCES, Source
from .upsert import upsert

SQL_DIR = Path(__file__).parent / "sql"
# Load order for a batch: devices are linked to flats through the roster.
SOURCE_ORDER = ("enterprises", "roster", "hotline", "alarms")

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
    """Loads files (of one source, or each detected from its header) as one new generation."""
    options = options or LoadOptions()
    db_path = Path(db_path or settings.db_path())
    results = []
    paths = [Path(p) for p in paths]
    # Each file is read (and hashed) in a thread while DuckDB works: the first while the
    # generation is set up, each next one while the one before it loads.
    ahead = RawFile(paths[0]) if paths else None
    with store.writer_lock(db_path), store.new_generation(db_path) as con:
        options.notes.extend(derive.load_reference(con))
        _macros(con)
        for i, path in enumerate(paths, 1):
            if options.progress:
                _progress(i, len(paths), path)
            raw, ahead = ahead, (RawFile(paths[i]) if i < len(paths) else None)
            results.append(load_one(con, source_name, path, options, raw))
        if options.progress:
            print(file=sys.stderr)
    return results


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


def load_one(con, source_name: str | None, path: Path, options: LoadOptions,
             raw: RawFile | None = None) -> FileResult:
    started = local_now()
    t0 = time.perf_counter()
    raw = raw or RawFile(path)
    data = raw.data()
    source_label = source_name or "unknown"
    try:
        source = SOURCES[source_name] if source_name else detect_source(path, data)
        source_label = source.name
    except FileRefused as exc:
        return _record(con, FileResult(path, source_label, "refused", message=str(exc)), raw.sha(), started)
    # A file loaded before is skipped before staging, unless it is big and its hash still
    # running: then after staging, which the hashing overlaps.
    if (len(data) < RawFile.WAIT_FOR_HASH_BELOW or raw.hashed) and (skipped := _already_loaded(con, path, source, raw.sha(), started)):
        return skipped
    copy = None
    try:
        # Staging writes TEMP objects only, so it runs before the transaction: a file
        # refused while staging leaves no transaction to roll back.
        staged = stage(con, read_cells(path, source, data))
        sha = raw.sha()
        if skipped := _already_loaded(con, path, source, sha, started):
            return skipped
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
        copy = archive.start_copy(con, path, sha, data)
        con.execute("BEGIN TRANSACTION")
        try:
            result = _transform_and_upsert(con, source, staged, run_id, path, options)
            result.seconds = time.perf_counter() - t0
            _record(con, result, sha, started, run_id)
            archive.keep(con, path, sha, copy)  # in the transaction: never loaded without its raw file
            con.execute("COMMIT")
            return result
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except FileRefused as exc:
        return _record(con, FileResult(path, source.name, "refused", message=str(exc)), raw.sha(), started)
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        # What DuckDB says of the file's bytes; a mistake in our own SQL is not caught here.
        message = f"文件内容无法解析：{str(exc).splitlines()[0][:200]}"
        return _record(con, FileResult(path, source.name, "refused", message=message), raw.sha(), started)
    finally:
        unstage(con)  # the file's cells, held in memory while it loads
        if copy is not None:
            copy.discard()  # nothing left to do once keep() has finished it


def _already_loaded(con, path: Path, source: Source, sha: str, started) -> FileResult | None:
    seen = con.execute("SELECT run_id FROM etl_runs WHERE file_sha256 = ? AND source = ? AND status = 'loaded'",
                       [sha, source.name]).fetchall()
    if not seen:
        return None
    return _record(con, FileResult(path, source.name, "skipped_duplicate",
                                   message=f"同一文件已于第 {seen[0][0]} 次导入时入库，未重复导入"), sha, started)


def _transform_and_upsert(con, source: Source, staged: Staged, run_id: int, path: Path,
                          options: LoadOptions) -> FileResult:
    _enum_columns(con, source)
    if source.name == "roster":
        ipad, opad = hmac_pads(secret_key())
        con.execute("CREATE OR REPLACE TEMP TABLE _roster_params AS SELECT $ipad::BLOB AS ipad, "
                    "$opad::BLOB AS opad, CAST($days AS INTEGER) AS quarantine_days",
                    {"ipad": ipad, "opad": opad, "days": int(settings.get("quarantine_default_days"))})
    con.execute((SQL_DIR / "normalise" / f"{source.name}.sql").read_text(encoding="utf-8"))
    drop, given = staged_columns_dropped(source), given_columns(source)
    # Every source's normalisation takes `address` as below (normalise/*.sql); read from the
    # staged rows, the address matching skips the enumeration lookups of n_typed.
    con.execute("CREATE OR REPLACE TEMP VIEW _staged_addresses AS SELECT split_address(address_text).address "
                "AS address FROM (SELECT address_text(raw_address) AS address_text FROM stg)")
    if source.name == "hotline":
        derive.resolve_neighbourhoods(con, "VIEW n_resolved", drop, "_staged_addresses", given)
        derive.derive_tickets(con, options.classify)
    else:
        derive.resolve_neighbourhoods(con, "TABLE n", drop, "_staged_addresses", given)
    if source.name in ("hotline", "enterprises"):
        derive.convert_coordinates(con)
    if source.name == "alarms":
        derive.link_alarm_devices(con)
    if source.name == "roster":
        derive.flag_id_regions(con)
        con.execute("""ALTER TABLE n ADD COLUMN reporter VARCHAR;
            UPDATE n SET reporter = CASE reported_by WHEN 'enterprise' THEN enterprise_uscc
                                     ELSE coalesce(neighbourhood_code, neighbourhood_given) END;
            ALTER TABLE n ADD COLUMN report_key VARCHAR;
            UPDATE n SET report_key = md5(concat_ws('|', person_key, reported_by, coalesce(reporter, ''),
                                                    coalesce(CAST(arrived_on AS VARCHAR), '')));""")
    _collect_issues(con, source, options)
    _drop_duplicates(con, source)
    counts = con.execute("""SELECT (SELECT count(*) FROM n),
        (SELECT count(DISTINCT _row) FROM _issues WHERE NOT warning),
        (SELECT count(DISTINCT _row) FROM _issues WHERE warning
             AND _row NOT IN (SELECT _row FROM _issues WHERE NOT warning))""").fetchall()[0]
    # A view: the accepted rows are read twice (counted, upserted), never copied. Without
    # rejects (the usual file) it is `n` itself, not an anti-join of every row.
    if counts[1]:
        con.execute("CREATE OR REPLACE TEMP VIEW _ok AS SELECT * FROM n WHERE _row NOT IN "
                    "(SELECT _row FROM _issues WHERE NOT warning)")
        loaded = con.execute("SELECT count(*) FROM _ok").fetchall()[0][0]
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW _ok AS SELECT * FROM n")
        loaded = counts[0]
    upsert(con, source, staged.present, run_id, loaded)
    con.execute("""INSERT INTO etl_rejects SELECT ?, ?, ?, _row, column_name, value_masked, code, reason, neighbourhood
                   FROM _issues WHERE NOT warning ORDER BY _row""", [run_id, source.name, path.name])
    con.execute("""INSERT INTO etl_warnings SELECT ?, ?, ?, _row, column_name, value_masked, code, reason, neighbourhood
                   FROM _issues WHERE warning AND _row NOT IN (SELECT _row FROM _issues WHERE NOT warning)
                   ORDER BY _row""", [run_id, source.name, path.name])
    notes = []
    if not counts[0]:
        notes.append("文件中没有数据行（只有表头）")
    if staged.unknown_columns:
        notes.append(_unknown_columns_note(staged.unknown_columns))
    if staged.skipped_blank or staged.skipped_total:
        notes.append(f"跳过空行 {staged.skipped_blank} 行、合计行 {staged.skipped_total} 行")
    return FileResult(path, source.name, "loaded", rows_read=counts[0], rows_loaded=loaded,
                      rows_rejected=counts[1], rows_warned=counts[2], message="；".join(notes))


def _check_sql(source: Source) -> str:
    return " ".join(c.predicate for c in CHECKS[source.name] + enum_checks(source.name))


def given_columns(source: Source) -> tuple[str, ...]:
    """Columns whose `given_<c>` (the file had a value there) a check reads."""
    read = _check_sql(source)
    return tuple(c.name for c in source.columns if re.search(rf"\bgiven_{c.name}\b", read))


def staged_columns_dropped(source: Source) -> tuple[str, ...]:
    """Staged columns `n` leaves out: all raw text (a reject's value is read back from `stg`),
    and the enumeration values no check reads. `n` is written once and
    read by every check: on 400,000 tickets the raw text was a third of its width."""
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


def _macros(con) -> None:
    install_macros(con)


def _enum_columns(con, source: Source) -> None:
    """stg -> VIEW stg_e: each enumeration column's canonical value as enum_<name>.

    A file holds few distinct words per column: each is looked up once, into a small table
    `_enum_<i>` (the file's word -> the value; '' stands for a blank cell, which folded text
    never is), and the view joins it on the word as written. The words and values are bound
    as parameters there, since a view takes none. Measured on 400,000 rows: ~0.03 s a column
    when every row computed its key and looked it up, ~0.01 s joined. The words of all the
    columns are found in one pass (grouping sets): 0.08 s -> 0.03 s for six columns."""
    columns = [c for c in source.columns if c.enum]
    raw = [f"raw_{c.name}" for c in columns]  # canonical names (etl/sources.py), never data
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
    con.execute("CREATE OR REPLACE TEMP VIEW stg_e AS SELECT s.*"
                + "".join(f", {x}" for x in selects) + " FROM stg s " + " ".join(joins))


def _enum_key(word: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFKC", word).replace(" ", "").lower()


def _collect_issues(con, source: Source, options: LoadOptions) -> None:
    """TEMP table `_issues`: one row per failed check. Predicates are fixed SQL from
    etl/checks.py; the column names, codes and Chinese reasons are bound values."""
    checks = CHECKS[source.name] + enum_checks(source.name)
    params: dict = {}
    parts = []
    for i, c in enumerate(checks):
        params.update({f"column_{i}": c.column, f"code_{i}": c.code, f"reason_{i}": c.reason})
        parts.append(f"""SELECT _row, $column_{i} AS column_name, $code_{i} AS code, $reason_{i} AS reason,
                         {str(c.warning).lower()} AS warning, neighbourhood FROM n WHERE {c.predicate}""")
    sql = "CREATE OR REPLACE TEMP TABLE _found AS " + " UNION ALL ".join(parts)
    if "$now" in sql:
        params["now"] = options.now or local_now()
    con.execute(sql, params)
    # Each value as the file gave it (masked, redacted), from the staged row: few rows join.
    # Two statements: joined in one, the planner guessed more issues than staged rows and
    # hashed all of `stg` (~0.1 s) to look up none.
    columns = list(dict.fromkeys(c.column for c in checks))  # the sources' column names, never data
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _issues AS
        SELECT i._row, i.column_name, {value_expression("i.column_name", columns)} AS value_masked,
               i.code, i.reason, i.warning, i.neighbourhood
        FROM _found i JOIN stg s ON s._row = i._row""")


def _drop_duplicates(con, source: Source) -> None:
    """The same key twice in one file: the later row wins, the earlier is a reject."""
    if source.name == "roster":  # the report key: person, reporter, arrival day
        key, column, label = "report_key", "id_number", "同一人员（身份证号）、报送单位、抵沪日期"
    else:
        key, column = ", ".join(source.key), source.key[0]
        label = "、".join(source.column(k).headers[0] for k in source.key)
    # `key`: the source's key column names (etl/sources.py); the texts are bound values.
    con.execute(f"""INSERT INTO _issues
        SELECT _row, $column, NULL, 'duplicate_in_file',
               '同一文件中' || $label || '重复，以第 ' || winner || ' 行为准', false, neighbourhood
        FROM (SELECT _row, neighbourhood, row_number() OVER w AS rank, first_value(_row) OVER w AS winner
              FROM n WHERE _row NOT IN (SELECT _row FROM _issues WHERE NOT warning)
                   AND ({key}) IN (SELECT ({key}) FROM n GROUP BY ALL HAVING count(*) > 1)
              WINDOW w AS (PARTITION BY {key} ORDER BY _row DESC))
        WHERE rank > 1""", {"column": column, "label": label})


def _record(con, result: FileResult, sha: str, started: dt.datetime, run_id: int | None = None) -> FileResult:
    if run_id is None:
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
    generation = con.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'").fetchall()[0][0]
    con.execute("INSERT INTO etl_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, result.source, result.path.name, sha, started, local_now(), result.rows_read,
                 result.rows_loaded, result.rows_rejected, result.rows_warned, result.status, result.message,
                 generation])
    return result


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
