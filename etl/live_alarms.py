"""Live alarms: a small store of their own, so that an alarm is on the board within
seconds however large the main database is.

A load publishes a new generation by copying the live file (store.py); at city scale that
file is gigabytes and the copy alone takes seconds, for every alarm file the watcher
picks up. Alarm files from the live channels (the watched inbox, which the HTTP intake
writes into) are therefore loaded into `board_live_alarms.duckdb` beside `board.duckdb`: a
database of the same schema with its own generations, lock and symlink (the same rules
as the main one), of a few megabytes, so its copy is milliseconds.

Readers see one relation: `attach` puts the store on a read-only connection to the main
generation and shadows `alarms`, `open_alarms` and `etl_runs` with views that take the store's
version of an alarm over the main database's (an alarm raised in a bulk file may be
handled live). A reader resolves the store before the main database (`current_file`
first): the fold below publishes the main database first and retires the store after,
so a reader sees the folded rows in one place or the other, never in neither.

The next full load into the main database folds the store (`folding`): it replays the
store's files (from the raw-file archive) through the same loader in the same new
generation, before the files of the load itself, and once that generation is published,
retires the store. The watcher loads into the main database instead of the store when a
batch holds other files or is large, or the store has grown past FOLD_BYTES or
FOLD_AFTER_SECONDS, so the store stays small and young. A store that cannot be read is
left alone (the log says so): live batches then go to the main database.
This module is the only one that knows where the store is.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import archive, store

log = logging.getLogger("etl.live_alarms")

SUFFIX = "_live_alarms"
# A store past this size is folded by the watcher's next load: readers pay for its
# anti-join on every alarm query, and its copy per load grows with it.
FOLD_BYTES = 64 * 1024 * 1024

# A store older than this is folded by the watcher's next load: the nightly purge and backup
# work on the main database, so the store should never hold more than about a day.
FOLD_AFTER_SECONDS = 24 * 3600
# A batch larger than this is a bulk export, not a live event: a full load.
LIVE_BATCH_BYTES = 4 * 1024 * 1024
# The key in the store's `meta` of the last main-database run copied in when it began.
FIRST_RUN = "live_alarms_after_run"
BEGAN = "live_alarms_began"   # when the store began (seconds since the epoch)
# The store's own table of the alarms it took over from the main database (`take_stored_rows`).
OVERRIDES = "live_alarm_overrides"
# What a new store copies from the main database instead of reading the reference pack
# (etl/derive.py load_reference) and deriving the outlines (etl/derived.py) again: the
# tables, and the meta keys that say which pack and derivation they hold.
REFERENCE_TABLES = ("ref_neighbourhoods", "ref_neighbourhood_names", "ref_address_index", "ref_calendar",
                    "ref_subdistricts")
REFERENCE_META = ("reference_dir", "reference_fingerprint", "subdistricts_from", "derived_version")

_aliases = itertools.count(1)


def store_path(db_path: Path) -> Path:
    """The live path of the store that belongs to the main database `db_path`
    (`board_live_alarms.duckdb` beside `board.duckdb`; its generations beside the main's)."""
    return Path(db_path).with_name(f"{Path(db_path).stem}{SUFFIX}.duckdb")


def is_store(db_path: Path) -> bool:
    return Path(db_path).stem.endswith(SUFFIX)


def current_file(db_path: Path) -> Path | None:
    """The store's live generation file for the main database `db_path`, or None when
    there is none (never loaded, folded, or its link broken)."""
    target = store.current_file(store_path(db_path))
    return target if target is not None and target.is_file() and target.stat().st_size > 0 else None


# ---------------------------------------------------------------------------- writer


def load(paths: list[Path], db_path: Path, options) -> list:
    """The watcher's load: a small batch of alarm files only into the store (while the
    main database exists and the store is small), anything else as a full load, which folds."""
    from .load import load_files
    from .readers import detect_source
    target = current_file(db_path)
    small = target is None or (target.stat().st_size < FOLD_BYTES and not _too_old(target))
    live = sum(Path(p).stat().st_size for p in paths) <= LIVE_BATCH_BYTES
    if small and live and store.current_file(Path(db_path)) is not None \
            and all(_is_alarm_file(p, detect_source) for p in paths):
        return load_files("alarms", paths, store_path(db_path), options)
    return load_files(None, paths, db_path, options)


def _too_old(target: Path) -> bool:
    """Whether the store began more than FOLD_AFTER_SECONDS ago (or cannot tell: fold)."""
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            began = con.execute("SELECT max(value) FROM meta WHERE key = ?", [BEGAN]).fetchone()[0]
        finally:
            con.close()
    except duckdb.Error:
        return True
    return began is None or time.time() - float(began) > FOLD_AFTER_SECONDS


def _is_alarm_file(path: Path, detect_source) -> bool:
    try:
        return detect_source(Path(path)).name == "alarms"
    except Exception:  # unreadable or of no known source: the full load says why
        return False


def prepare(con) -> None:
    """On a writer (`con`, a new generation) before anything is loaded: a new store first
    takes the main database's load runs, so that a file loaded there already is skipped as
    a duplicate here too and the store's run numbers follow the main database's (its own
    runs, after FIRST_RUN, are what a fold replays), and the main database's reference
    tables, which a city's pack would take the better part of a minute to read again.
    Elsewhere nothing."""
    main_file = _main_of(con)
    if main_file is None or con.execute("SELECT count(*) FROM meta WHERE key = ?", [FIRST_RUN]).fetchone()[0]:
        return
    con.execute("ATTACH ? AS main_db (READ_ONLY)", [str(main_file)])
    try:
        con.execute("INSERT INTO etl_runs BY NAME SELECT * FROM main_db.etl_runs")
        for table in REFERENCE_TABLES:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM main_db.{table}")
        con.execute("INSERT OR REPLACE INTO meta SELECT * FROM main_db.meta WHERE list_contains(?, key)",
                    [list(REFERENCE_META)])
        con.execute("INSERT INTO meta VALUES (?, (SELECT coalesce(max(run_id), 0) FROM etl_runs))", [FIRST_RUN])
        con.execute("INSERT INTO meta VALUES (?, ?)", [BEGAN, str(time.time())])
    finally:
        con.execute("DETACH main_db")


def take_stored_rows(con, source) -> None:
    """On a store's writer, before an upsert of alarms (`_accepted`): the main database's
    rows of those alarms, so that the upsert keeps what a live event leaves out (a handled
    event names no address) as it would in the main database. Elsewhere nothing."""
    main_file = _main_of(con) if source.table == "alarms" else None
    if main_file is None:
        return
    con.execute(f"CREATE TABLE IF NOT EXISTS {OVERRIDES} (alarm_id VARCHAR, raised_at TIMESTAMP)")
    con.execute("ATTACH ? AS main_db (READ_ONLY)", [str(main_file)])
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _taken AS SELECT * FROM main_db.alarms
                       WHERE alarm_id IN (SELECT alarm_id FROM _accepted)
                         AND alarm_id NOT IN (SELECT alarm_id FROM alarms WHERE alarm_id IS NOT NULL)""")
    finally:
        con.execute("DETACH main_db")
    con.execute("INSERT INTO alarms BY NAME SELECT * FROM _taken")
    con.execute(f"INSERT INTO {OVERRIDES} SELECT alarm_id, raised_at FROM _taken")
    con.execute("DROP TABLE _taken")


def _main_of(con) -> Path | None:
    """The live generation of the main database whose store `con` writes (a store's
    generation file `<folder>/generations/board_live_alarms-000003.duckdb` belongs to
    `<folder>/board.duckdb`), or None when `con` writes no store or there is no main file."""
    [(path,)] = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    stem = store.database_stem(Path(path or "-"))
    if not path or not stem.endswith(SUFFIX):
        return None
    main = store.current_file(Path(path).parent.parent / f"{stem.removesuffix(SUFFIX)}.duckdb")
    return main if main is not None and main.is_file() else None


@contextmanager
def folding(db_path: Path):
    """Around a full load into the main database (inside its writer lock, outside its new
    generation): yields the store's files to load first, in their load order, and retires
    the store once the new main generation is published. Holds the store's writer lock
    throughout, so no live alarm lands in the store between the replay and the retirement."""
    if is_store(db_path) or current_file(db_path) is None:
        yield []
        return
    with store.writer_lock(store_path(db_path)), tempfile.TemporaryDirectory(prefix="fold-") as tmp:
        files = _replayable_files(db_path, Path(tmp))
        if files is None:
            yield []
            return
        yield files
        retire(db_path)


def _replayable_files(db_path: Path, folder: Path) -> list[Path] | None:
    """The store's loaded files, copied from the archive into `folder` under the names
    they were loaded as; None (fold later, lose nothing) when one is not in the archive."""
    target = current_file(db_path)
    if target is None:
        return []
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as exc:
        log.error("实时报警库 %s 无法读取（%s），本次不合并；请将链接 %s 移走，其中的报警可从原始文件归档重新导入",
                  target.name, str(exc).splitlines()[0][:160], store_path(db_path).name)
        return None
    try:
        runs = con.execute("SELECT file_name, file_sha256 FROM etl_runs WHERE status = 'loaded' AND run_id > "
                           "(SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta WHERE key = ?) "
                           "ORDER BY run_id", [FIRST_RUN]).fetchall()
    finally:
        con.close()
    raw = archive.raw_dir(db_path)
    files = []
    for i, (name, sha) in enumerate(runs):
        kept = archive.find(raw, sha)
        if kept is None:
            log.error("实时报警库中的文件 %s 不在原始文件归档中，本次不合并实时报警库（报警仍可查询）", name)
            return None
        copy = folder / f"{i:06d}" / name
        copy.parent.mkdir()
        shutil.copyfile(kept, copy)
        files.append(copy)
    return files


def retire(db_path: Path) -> None:
    """Takes the store out of the readers' view (its rows are in the main database now);
    its generation files go with the next store load's clean-up."""
    link = store_path(db_path)
    if os.path.lexists(link):
        os.unlink(link)
        store.fsync_dir(link.parent)


# ---------------------------------------------------------------------------- readers

# The store's version of an alarm over the main database's. The main database's rows of
# alarms the store took over (OVERRIDES, usually none) are left out by an anti-join; with
# none to leave out the relation is a plain union, which costs a full scan of a city's ten
# million alarms nothing (an anti-join, even against an empty table, made it 3–5 times
# slower). The anti-join looks only at rows raised since the earliest alarm taken over
# (usually recent ones): a full scan then costs about 2.5 times, not 3–5. Every row falls in
# one of the two parts: the loader refuses an alarm without raised_at.
# `alarms` carries `rowid` as a column (the store's negative) for the queries that find
# rows by it first (boardkit/data/db.py rows_where).
_LIVE_ROWS = {"alarms": "SELECT -1 - rowid AS rowid, * FROM {live}.main.alarms",
              "open_alarms": "SELECT * FROM {live}.main.open_alarms"}
_MAIN_ROWS = {"alarms": "SELECT rowid AS rowid, * FROM {main}.main.alarms m",
              "open_alarms": "SELECT * FROM {main}.main.open_alarms m"}
# The store began with a copy of the main database's runs (`prepare`): its own follow.
_RUNS = ("SELECT * FROM {main}.main.etl_runs UNION ALL BY NAME SELECT * FROM {live}.main.etl_runs "
         "WHERE run_id > (SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM {live}.main.meta WHERE key = '"
         + FIRST_RUN + "')")
_MERGED = (*_LIVE_ROWS, "etl_runs")


def _merged_sql(name: str, live: str, main: str, taken: bool) -> str:
    """The relation `name` on the store attached as `live` and the main catalog `main`."""
    if name == "etl_runs":
        return _RUNS.format(live=live, main=main)
    main_rows = _MAIN_ROWS[name].format(main=main)
    if not taken:
        return f"{_LIVE_ROWS[name].format(live=live)} UNION ALL BY NAME {main_rows}"
    overrides = f"{live}.main.{OVERRIDES}"
    since = f"(SELECT min(raised_at) FROM {overrides})"
    return (f"{_LIVE_ROWS[name].format(live=live)} UNION ALL BY NAME {main_rows} WHERE m.raised_at < {since} "
            f"UNION ALL BY NAME {main_rows} WHERE m.raised_at >= {since} "
            f"AND NOT EXISTS (SELECT 1 FROM {overrides} o WHERE o.alarm_id = m.alarm_id)")


def relations_in(sql: str) -> tuple[str, ...]:
    """The relations the store adds to that a query names: only those need a view (each
    costs a few milliseconds per connection), and a query naming none no attach at all."""
    return tuple(name for name in _MERGED if re.search(rf"\b{name}\b", sql))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def attach(con: duckdb.DuckDBPyConnection, live_file: str | Path | None,
           relations: tuple[str, ...] = _MERGED) -> str | None:
    """Makes `relations` (of `alarms`, `open_alarms` and `etl_runs`) on `con` (read-only, on
    a main generation) the merged relation with the store's generation `live_file`. Returns
    the alias to `detach`, or None: no store, or one that cannot be read (then the main
    database's alarms stand, and the log says why)."""
    if not live_file or not relations:
        return None
    main = con.execute("SELECT current_database()").fetchone()[0]
    alias = f"live_alarms_{os.getpid()}_{next(_aliases)}"
    try:
        # Attached databases belong to the process's database instance, shared by every
        # connection to this generation: a name of its own per connection.
        con.execute(f"ATTACH ? AS {alias} (READ_ONLY)", [str(live_file)])
    except duckdb.Error as exc:
        log.warning("实时报警库 %s 无法读取，只显示主数据库中的报警：%s",
                    Path(live_file).name, str(exc).splitlines()[0][:160])
        return None
    try:
        taken = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                            [alias, OVERRIDES]).fetchone()[0] \
            and con.execute(f"SELECT count(*) FROM {alias}.main.{OVERRIDES}").fetchone()[0]
        for name in relations:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {_merged_sql(name, alias, _quoted(main), bool(taken))}")
    except duckdb.Error as exc:
        detach(con, alias)
        log.warning("实时报警库 %s 结构不符，只显示主数据库中的报警：%s",
                    Path(live_file).name, str(exc).splitlines()[0][:160])
        return None
    return alias


def read(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """`sql`'s rows on the main database's live generation as the board reads it: on a
    short-lived read-only connection, the store attached for the merged relations `sql`
    names. The store is found before the main file (see above). Raises what DuckDB raises
    (the callers decide what a missing table or a busy file means)."""
    live = current_file(db_path)
    con = duckdb.connect(str(Path(db_path).resolve()), read_only=True)
    alias = attach(con, live, relations_in(sql))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        detach(con, alias)
        con.close()


def detach(con: duckdb.DuckDBPyConnection, alias: str | None) -> None:
    if alias:
        for name in _MERGED:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")
        con.execute(f"DETACH {alias}")


def prune(db_path: Path, min_age_seconds: float) -> None:
    """The store's old generations, by the main database's rule (store.prune)."""
    if os.path.lexists(store_path(db_path)):
        store.prune(store_path(db_path), min_age_seconds=min_age_seconds)
