"""The database file, its generations, and the one-writer rule.

The live path (`data/board.duckdb`) is a symbolic link to an immutable generation
file (`data/generations/board-000042.duckdb`). A writer takes the lock, copies the
current generation to the next number, changes the copy, checkpoints and closes it,
then swaps the link atomically. Readers open the link's target read-only and never
wait; a crash before the swap leaves the old generation live (tech-notes.md).
"""
from __future__ import annotations

import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core import settings
from core.lock import file_lock

_SQL_DIR = Path(__file__).parent / "sql"
# version -> SQL that brings a file from version-1 to version: every sql/schema_v<N>.sql, so
# a migration is one new file.
MIGRATIONS = {int(m[1]): p.name for p in _SQL_DIR.glob("schema_v*.sql")
              if (m := re.fullmatch(r"schema_v(\d+)\.sql", p.name))}
SCHEMA_VERSION = max(MIGRATIONS)
if sorted(MIGRATIONS) != list(range(1, SCHEMA_VERSION + 1)):
    raise RuntimeError(f"schema migrations must be numbered 1..N without gaps: {sorted(MIGRATIONS)}")
_GEN_NAME = re.compile(r"^(?P<stem>.+)-(?P<n>\d{6})\.duckdb$")


class SchemaTooNew(RuntimeError):
    pass


class DatabaseBusy(OSError):
    """Another program holds the live generation open read-write (a DuckDB shell, say)."""


class DatabaseUnreadable(OSError):
    """The live file is not a DuckDB database (damaged, or something else)."""


def version_advice(version: int) -> str:
    """What to do about a file of another schema version than this program's."""
    if version > SCHEMA_VERSION:
        return "数据库由更新版本的程序写入，请升级本程序（看板与导入工具）后再使用"
    return "下一次导入会自动升级数据库结构（如 python -m etl ingest <文件夹>），之后即可正常显示"


def describe_open_error(exc: Exception, path: Path) -> str:
    """What DuckDB's refusal to open `path` means, in Chinese, with what to do."""
    text = str(exc)
    if path.exists() and path.stat().st_size == 0:
        return (f"数据库文件 {path.name} 是空文件（0 字节）：下一次导入会重新建立数据库"
                f"（python -m etl ingest <文件夹>，或演示用 python -m etl demo）。")
    if "lock" in text.lower():
        pid = re.search(r"PID (\d+)", text)
        who = f"（进程 {pid[1]}）" if pid else ""
        return (f"数据库文件 {path.name} 正被另一个程序{who}以读写方式打开，看板和导入都无法使用它。"
                f"请关闭该程序后重试；查看数据请以只读方式打开（如 duckdb -readonly {path}）。")
    if "not a valid DuckDB database" in text:
        return (f"数据库文件 {path.name} 已损坏或不是 DuckDB 数据库。请从备份恢复，或将它移走后重新导入全部文件"
                f"（python -m etl ingest <文件夹>）。")
    return f"数据库文件 {path.name} 无法打开：{text.splitlines()[0][:200]}"


def _check_openable(current: Path) -> None:
    """Refuses to copy a generation another program has open read-write: a copy taken while
    it writes could be torn, and its changes would be lost. A quick read-only open tells."""
    try:
        duckdb.connect(str(current), read_only=True).close()
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseBusy(describe_open_error(exc, current)) from None
        if "not a valid DuckDB database" in text:
            raise DatabaseUnreadable(describe_open_error(exc, current)) from None
        # Anything else (this process has it open differently): the copy below will tell.


def generations_dir(db_path: Path) -> Path:
    return db_path.parent / "generations"


def current_file(db_path: Path) -> Path | None:
    """The generation file the live path points at, or None when there is no database."""
    if not os.path.lexists(db_path):
        return None
    return db_path.resolve()


def generation_number(path: Path | None) -> int:
    m = _GEN_NAME.match(path.name) if path else None
    return int(m["n"]) if m else 0


def database_stem(generation_file: Path) -> str:
    """The database a generation file belongs to (`board` for `board-000042.duckdb`)."""
    m = _GEN_NAME.match(Path(generation_file).name)
    return m["stem"] if m else Path(generation_file).stem


def own_generation_files(db_path: Path, with_wal: bool = False) -> list[Path]:
    """The generation files of this database only, by number. Several databases may share
    a folder (`board.duckdb` and `scratch.duckdb` beside it): each owns the files named
    after its own stem, and numbering, clean-up and pruning look at no other."""
    found = []
    for path in generations_dir(db_path).glob("*.duckdb*"):
        name = path.name.removesuffix(".wal") if with_wal else path.name
        m = _GEN_NAME.match(name)
        if m and m["stem"] == db_path.stem:
            found.append(path)
    return sorted(found, key=lambda p: (generation_number(Path(p.name.removesuffix(".wal"))), p.name))


def next_generation(db_path: Path) -> tuple[int, Path]:
    """The number and file of this database's next generation: past its live one and past
    any of its files a killed writer left behind."""
    numbers = [generation_number(current_file(db_path))]
    numbers += [generation_number(p) for p in own_generation_files(db_path)]
    number = max(numbers) + 1
    return number, generations_dir(db_path) / f"{db_path.stem}-{number:06d}.duckdb"


@contextmanager
def writer_lock(db_path: Path, wait_seconds: float = 600):
    """The single writer lock every command that changes the database takes."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    with file_lock(lock_path, TimeoutError(f"另一个导入任务正在写入数据库（{lock_path}），请稍后再试"), wait_seconds):
        yield


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Creates a new database or migrates an older one; refuses a newer one."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchall()[0][0]
    version = 0
    if has_meta:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        version = int(row[0][0]) if row else 0
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"数据库的结构版本为 {version}，高于本程序支持的 {SCHEMA_VERSION}：请升级程序后再导入")
    if version < 2 and con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'persons' "
                                   "AND table_type = 'BASE TABLE'").fetchall()[0][0]:
        # A file marked older than it is (restored, edited by hand) can hold version 2's
        # derived persons table where version 1 makes a view: derived, so derive it again.
        con.execute("DROP TABLE persons")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        con.execute((_SQL_DIR / MIGRATIONS[target]).read_text(encoding="utf-8"))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target)])
    if version < SCHEMA_VERSION:  # after a migration every derived table is built afresh
        con.execute("DELETE FROM meta WHERE key = 'derived_version'")


@contextmanager
def new_generation(db_path: Path | None = None):
    """Yields a read-write connection to the next generation; publishes it on success.

    Must be called under `writer_lock`. On any exception the new file is removed and
    the live generation stays as it was.
    """
    db_path = Path(db_path or settings.db_path())
    generations_dir(db_path).mkdir(parents=True, exist_ok=True)
    current = current_file(db_path)
    if current is not None and not current.exists():
        raise FileNotFoundError(f"数据库链接 {db_path} 指向的文件 {current} 不存在：请从备份恢复该文件，"
                                f"或删除链接 {db_path} 后重新导入全部文件")
    number, new_file = next_generation(db_path)
    _remove_leftovers(db_path, live=generation_number(current))
    # A 0-byte file holds nothing (a failed copy, a `touch`): start afresh beside it.
    if current is not None and current.stat().st_size > 0:
        _check_openable(current)
        shutil.copyfile(current, new_file)
    try:
        con = connect_writable(new_file)
    except BaseException:
        _unlink_quietly(new_file)
        raise
    try:
        apply_schema(con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", [str(number)])
        yield con
        # Derived tables (persons, sub-district outlines) follow whatever the writer changed,
        # once per generation: readers never see a generation where they lag behind.
        from . import derived
        derived.refresh(con)
        con.execute("CHECKPOINT")
        con.close()
    except BaseException:
        con.close()
        _unlink_quietly(new_file)
        raise
    publish(db_path, new_file)
    prune(db_path)


# Row groups of half DuckDB's default size. DuckDB compresses each row group on one thread:
# the open tickets of a large file would fit one group and be written on one of the two
# cores. Not stored in the file: every writer opens it so.
ROW_GROUP_ROWS = 61_440


def connect_writable(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a generation file, as the current catalog `board`."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS board (ROW_GROUP_SIZE ?)", [str(path), ROW_GROUP_ROWS])
        con.execute("USE board")
    except BaseException:
        con.close()
        raise
    return con


def publish(db_path: Path, new_file: Path) -> None:
    """Points the live path at new_file in one atomic rename."""
    tmp_link = db_path.with_name(f".{db_path.name}.{os.getpid()}.link")
    _unlink_quietly(tmp_link)
    os.symlink(os.path.relpath(new_file, db_path.parent), tmp_link)
    if db_path.exists() and not db_path.is_symlink():
        # A plain DuckDB file from elsewhere: keep it as a generation, never overwrite it.
        os.replace(db_path, generations_dir(db_path) / f"{db_path.stem}-000000.duckdb")
    os.replace(tmp_link, db_path)
    fsync_dir(db_path.parent)


def prune(db_path: Path, min_age_seconds: float = 600) -> None:
    """Deletes old generations beyond the kept count once they are old enough that
    no page run can still be reading them (open readers keep their file anyway)."""
    keep = int(settings.get("generations_kept"))
    files = own_generation_files(db_path)
    live = current_file(db_path)
    for path in files[:-keep] if keep > 0 else []:
        if path != live and time.time() - path.stat().st_mtime > min_age_seconds:
            _unlink_quietly(path)


def _remove_leftovers(db_path: Path, live: int) -> None:
    """This database's files newer than its live one are what a killed load left behind."""
    for path in own_generation_files(db_path, with_wal=True):
        if generation_number(Path(path.name.removesuffix(".wal"))) > live:
            _unlink_quietly(path)


def _unlink_quietly(path: Path) -> None:
    for p in (Path(path), Path(f"{path}.wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def fsync_dir(folder: Path) -> None:
    """Makes a rename or a new file in `folder` durable (the directory entry itself)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
