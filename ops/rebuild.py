"""`python -m etl rebuild`: recreates the database from the raw-file archive.

The runs are replayed in load order (etl_runs of the live database; the archive's
journal when the database cannot be opened) through the same loader, each with the
"now" it was loaded at (finished_at: the future-date checks decide as they did), and
each recorded purge is replayed after the run it followed. Refused and duplicate runs
carry no data: their etl_runs rows are copied as they were, so run numbers line up.

The result equals the live database in every table except (`compare` skips them):
- etl_runs.started_at, finished_at, generation of loaded runs: when the rebuild ran;
- meta.generation: the rebuild's own generation number;
- persons.person_id and person_timeline.person_id: a number given to each person as the
  derived tables are filled (in storage order on a full refresh), which joins the two
  tables and means nothing else: a rebuild may number the same persons otherwise;
- the random tokens of anonymised records (person_key, report_key, alarm device_id and
  derived alarm_id start with `anon:`): new random tokens, compared as "anonymised".
Derived columns are computed with today's catalogue and settings, as `rederive` would.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import archive, derive, store
from ops import purge
from core import settings
from etl.load import LoadOptions, load_one
from etl.macros import install_macros

IGNORED = {"etl_runs": ("started_at", "finished_at", "generation"),
           "persons": ("person_id",), "person_timeline": ("person_id",)}
TOKEN_TABLES = {"roster_reports": ("person_key", "report_key"), "persons": ("person_key",),
                "roster_versions": ("person_key", "report_key"), "person_timeline": ("person_key",),
                "alarms": ("device_id", "alarm_id"), "open_alarms": ("device_id", "alarm_id")}


class RebuildError(RuntimeError):
    pass


@dataclass
class RebuildResult:
    into: Path
    loaded: int = 0
    copied: int = 0
    purges: int = 0
    from_journal: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = (f"已重建数据库 {self.into}：重放导入 {self.loaded} 个文件，照录拒收/重复记录 {self.copied} 条，"
                f"重放到期清除 {self.purges} 次（{self.seconds:.1f} 秒）")
        return [head] + self.notes


def read_history(db_path: Path) -> tuple[list[tuple], list[str], list[dict], int]:
    """(etl_runs rows, their column names, purge log, generation number) of a database."""
    file = store.current_file(db_path) if Path(db_path).is_symlink() else Path(db_path)
    if file is None or not file.exists():
        raise FileNotFoundError(f"没有数据库：{db_path}")
    con = duckdb.connect(str(file), read_only=True)
    try:
        cur = con.execute("SELECT * FROM etl_runs ORDER BY run_id")
        rows, names = cur.fetchall(), [d[0] for d in cur.description]
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        return rows, names, purge.purge_log(con), int(meta.get("generation") or 0)
    finally:
        con.close()


def rebuild(db_path: Path | None = None, into: Path | None = None, base: Path | None = None,
            classify: bool = True, archive_dir: Path | None = None) -> RebuildResult:
    """Rebuilds into `into` (a new database link), or, without it, replaces the live
    database by the rebuilt one as its next generation (loads wait meanwhile)."""
    t0 = time.perf_counter()
    db_path = Path(db_path or settings.db_path())
    folder = Path(archive_dir or archive.raw_dir(db_path))
    if into is None:
        with store.writer_lock(db_path):
            work = db_path.parent / "rebuild" / db_path.name
            shutil.rmtree(work.parent, ignore_errors=True)
            result = _rebuild(db_path, work, base, classify, folder)
            adopt(db_path, store.current_file(work))
            shutil.rmtree(work.parent, ignore_errors=True)
            result.into = db_path
    else:
        into = Path(into)
        if store.current_file(into) is not None:
            raise RebuildError(f"目标 {into} 已有数据库：请指定一个新路径")
        result = _rebuild(db_path, into, base, classify, folder)
        _mirror_archive(folder, archive.raw_dir(into), into)
    result.seconds = time.perf_counter() - t0
    return result


def _rebuild(db_path: Path, into: Path, base: Path | None, classify: bool, folder: Path) -> RebuildResult:
    result = RebuildResult(into)
    try:
        runs, names, purges, _ = read_history(db_path)
    except (duckdb.Error, OSError) as exc:
        runs, names, purges = _journal_runs(folder, db_path.stem), None, []
        result.from_journal = True
        result.notes.append(f"数据库无法打开（{str(exc).splitlines()[0][:120]}），按归档日志重建："
                            "拒收与重复文件的记录、到期清除不在其中，批次号可能不同")
    done_purges: list[dict] = []
    start_after = 0
    if base is not None:
        _, _, done_purges, _ = read_history(Path(base))
        start_after = _publish_base(Path(base), into)
        result.notes.append(f"以 {base} 为起点（含第 {start_after} 次及以前的导入）")
    pending = [p for p in purges if p not in done_purges and p["after_run"] >= start_after]
    runs = [r for r in runs if _get(r, names, "run_id") > start_after]
    _check_archive(runs, names, folder)
    with tempfile.TemporaryDirectory(prefix="rebuild-") as tmp, archive.suspended(), \
            store.writer_lock(into), store.new_generation(into) as con:
        derive.load_reference(con)
        derive.load_corrections(con, db_path)   # the live database's: its tickets' topics as corrected
        install_macros(con)
        for run in runs:
            run_id = _get(run, names, "run_id")
            while pending and pending[0]["after_run"] < run_id:
                _replay_purge(con, pending.pop(0))
                result.purges += 1
            if _get(run, names, "status") != "loaded":
                con.execute(f"INSERT INTO etl_runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                            list(run))
                result.copied += 1
                continue
            path = _staged_copy(Path(tmp), run_id, archive.find(folder, _get(run, names, "file_sha256")),
                                _get(run, names, "file_name"))
            options = LoadOptions(classify=classify, now=_get(run, names, "finished_at"))
            res = load_one(con, _get(run, names, "source"), path, options)
            got = con.execute("SELECT max(run_id) FROM etl_runs").fetchall()[0][0]
            if res.status != "loaded" or got != run_id:
                result.notes.append(f"注意：第 {run_id} 次导入（{path.name}）重放结果为 {res.status}，批次号 {got}")
            result.loaded += 1
        for entry in pending:
            _replay_purge(con, entry)
            result.purges += 1
    return result


def _get(run, names: list[str] | None, column: str):
    if names is None:  # a journal entry
        key = {"file_sha256": "sha256", "file_name": "name"}.get(column, column)
        return {"status": "loaded", "finished_at": None}.get(column) if key not in run else run[key]
    return run[names.index(column)]


def _journal_runs(folder: Path, database: str) -> list[dict]:
    entries = archive.journal(folder, database)
    if not entries:
        raise RebuildError(f"数据库无法打开，归档 {folder} 中也没有导入日志（{archive.JOURNAL}），无法重建")
    return entries


def _check_archive(runs, names, folder: Path) -> None:
    missing = [_get(r, names, "run_id") for r in runs
               if _get(r, names, "status") == "loaded" and archive.find(folder, _get(r, names, "file_sha256")) is None]
    if missing:
        raise RebuildError(
            f"归档 {folder} 中缺少 {len(missing)} 个已导入文件（最早为第 {missing[0]} 次导入；可能已超过"
            f"归档保留期 archive.retention_days）：用 --base 指定备份中的数据库文件，从其后的导入开始重放")


def _staged_copy(tmp: Path, run_id: int, archived: Path, name: str) -> Path:
    """The archived file under its original name (rejects name the file), checked first."""
    sha = archived.name.split("__", 1)[0]
    digest = hashlib.sha256()
    with open(archived, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha:
        raise RebuildError(f"归档文件 {archived} 已损坏（内容与其 SHA-256 不符）")
    folder = tmp / str(run_id)
    folder.mkdir()
    (folder / name).symlink_to(archived.resolve())
    return folder / name


def _replay_purge(con, entry: dict) -> None:
    purge.anonymise(con, dt.date.fromisoformat(entry["cutoff"]), entry.get("issues_up_to_run"))
    purge.append_log(con, entry)


def _publish_base(base: Path, into: Path) -> int:
    """Makes a copy of `base` (a generation file, e.g. from a backup) the first generation."""
    gen_dir = store.generations_dir(into)
    gen_dir.mkdir(parents=True, exist_ok=True)
    first = gen_dir / f"{into.stem}-000001.duckdb"
    shutil.copyfile(base, first)
    store.publish(into, first)
    con = duckdb.connect(str(first), read_only=True)
    try:
        return con.execute("SELECT coalesce(max(run_id), 0) FROM etl_runs").fetchall()[0][0]
    finally:
        con.close()


def adopt(db_path: Path, file: Path) -> None:
    """Publishes a finished database file as the live database's next generation
    (the caller holds the writer lock); the old generations stay for going back."""
    store.generations_dir(db_path).mkdir(parents=True, exist_ok=True)
    number, target = store.next_generation(db_path)
    shutil.move(file, target)
    con = store.connect_writable(target)
    try:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", [str(number)])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    store.publish(db_path, target)


def _mirror_archive(source: Path, target: Path, into: Path) -> None:
    """Gives a rebuilt database elsewhere its own archive (hard links where possible:
    archived files are read-only and never change)."""
    if source.resolve() == target.resolve() or not source.exists():
        return
    for path in archive.files(source):
        dest = target / path.parent.name / path.name
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            dest.hardlink_to(path)
        except OSError:
            shutil.copy2(path, dest)
    journal = source / archive.JOURNAL
    if journal.exists():
        shutil.copyfile(journal, target / archive.JOURNAL)


def compare(a: Path, b: Path) -> dict[str, int]:
    """Rows that differ, per table, between two databases (links or files), skipping
    the columns listed in the module docstring; {} when they are the same."""
    fa = store.current_file(a) if Path(a).is_symlink() else Path(a)
    fb = store.current_file(b) if Path(b).is_symlink() else Path(b)
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS a (READ_ONLY)", [str(fa)])
        con.execute("ATTACH ? AS b (READ_ONLY)", [str(fb)])
        differences = {}
        tables = [r[0] for r in con.execute("""SELECT DISTINCT table_name FROM duckdb_tables()
                                               WHERE database_name IN ('a', 'b') ORDER BY 1""").fetchall()]
        for table in tables:
            columns = [r[0] for r in con.execute(
                """SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' AND table_name = ?
                   ORDER BY column_index""", [table]).fetchall()]
            if not columns:
                differences[table] = -1
                continue
            sql, where, params = comparable(table, columns)
            name = _quoted(table)  # names read from the files' catalogues, so quoted
            n = con.execute(f"""SELECT (SELECT count(*) FROM (SELECT {sql} FROM a.{name}{where}
                                                              EXCEPT ALL SELECT {sql} FROM b.{name}{where}))
                                     + (SELECT count(*) FROM (SELECT {sql} FROM b.{name}{where}
                                                              EXCEPT ALL SELECT {sql} FROM a.{name}{where}))""",
                            params).fetchall()[0][0]
            if n:
                differences[table] = n
        return differences
    finally:
        con.close()


def comparable(table: str, columns: list[str], tokens: bool = True) -> tuple[str, str, dict]:
    """How two builds' rows of `table` are compared: the SELECT list (the columns IGNORED
    leaves out; with `tokens`, purge tokens equal whatever their number), the WHERE clause
    (meta's generation number differs by design), and their parameters."""
    sql = ", ".join(_expr(table, c, tokens) for c in columns if c not in IGNORED.get(table, ()))
    params = {"prefix": purge.TOKEN_PREFIX} if "$prefix" in sql else {}
    where = ""
    if table == "meta":
        where, params["generation_key"] = " WHERE key <> $generation_key", "generation"
    return sql, where, params


def _expr(table: str, column: str, tokens: bool = True) -> str:
    """The column as compared: a purge token counts as the same whatever its number."""
    name = _quoted(column)
    if tokens and column in TOKEN_TABLES.get(table, ()):
        return f"CASE WHEN starts_with({name}, $prefix) THEN $prefix ELSE {name} END AS {name}"
    return name


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
