"""The raw-file archive: every loaded file, byte for byte, so the database can be rebuilt.

A loaded file is copied to `<archive>/<sha256[:2]>/<sha256>__<name>` (content-addressed:
the same bytes are kept once), made read-only, and a line is appended to
`<archive>/journal.jsonl` (run, source, hash, name). `python -m etl rebuild` replays these
files in load order (etl_runs; the journal only when the database itself is lost).

The archive holds the users' files as sent, so clear names, ID numbers and phone numbers:
it is kept `archive.retention_days` and then deleted by `python -m etl cleanup`
(README, "个人信息的保留").
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from core import settings

_ENABLED = [True]
_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})__(?P<name>.+)$")
JOURNAL = "journal.jsonl"


def raw_dir(db_path: Path | None = None) -> Path:
    """`archive.raw_dir` if set, else `archive/raw` beside the database link."""
    configured = settings.get("archive.raw_dir")
    if configured:
        return settings.repo_path(configured)
    return Path(db_path or settings.db_path()).parent / "archive" / "raw"


def archived_path(folder: Path, sha: str, name: str) -> Path:
    return Path(folder) / sha[:2] / f"{sha}__{name}"


def find(folder: Path, sha: str) -> Path | None:
    """The archived file with these bytes (whatever name it came under), or None."""
    candidates = sorted((Path(folder) / sha[:2]).glob(f"{sha}__*"))
    return candidates[0] if candidates else None


@contextmanager
def suspended():
    """No archiving inside (a rebuild replays files that are already archived)."""
    _ENABLED.append(False)
    try:
        yield
    finally:
        _ENABLED.pop()


class Copy:
    """The raw file being written into the archive in a thread, while DuckDB stages and
    loads it (it releases the GIL; the copy and its fsync took ~0.15 s of a 72 MB file's
    load when done after it). `keep` finishes it; `discard` when the load fails."""

    def __init__(self, target: Path | None, data: bytes):
        self.target = target
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.part") if target else None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, args=(data,), daemon=True) if target else None
        if self.thread:
            self.thread.start()

    def _write(self, data: bytes) -> None:
        try:
            self.tmp.parent.mkdir(parents=True, exist_ok=True)
            with open(self.tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(self.tmp, 0o400)
        except BaseException as exc:  # re-raised by finish(), in the loading thread
            self.error = exc

    def finish(self) -> None:
        if self.thread:
            self.thread.join()
            if self.error:
                raise self.error
            os.replace(self.tmp, self.target)

    def discard(self) -> None:
        """Removes the partial copy, if any is left (after `finish` none is)."""
        if self.thread:
            self.thread.join()
            try:
                self.tmp.unlink()
            except FileNotFoundError:
                pass


def start_copy(con, path: Path, sha: str, data: bytes, folder: Path | None = None) -> Copy:
    """Begins archiving a file about to be loaded on `con` (None when archiving is off or
    the archive holds these bytes already). `folder`: `folder_of(con)`, when the caller
    archives many files."""
    if not _ENABLED[-1]:
        return Copy(None, data)
    target = archived_path(folder or folder_of(con), sha, Path(path).name)
    return Copy(None if target.exists() else target, data)


def keep(con, path: Path, sha: str, copy: Copy) -> Path | None:
    """Archives a file just loaded on `con` (a new generation under the writer lock):
    finishes the copy begun by `start_copy` and notes it in the journal."""
    return keep_all(con, [(path, sha, copy)])[0]


def keep_all(con, files: list[tuple[Path, str, Copy]]) -> list[Path | None]:
    """Archives files just loaded on `con`, each (path, sha, copy) with its run in
    etl_runs: finishes their copies and notes them in the journal, in one write.

    Called by the loader inside the files' transaction, so a failure (disk full) rolls
    the load back: a file is never in the database without being in the archive."""
    for _, _, copy in files:
        copy.finish()
    if not _ENABLED[-1] or not files:
        return [None] * len(files)
    folder, database = folder_of(con), database_of(con)
    runs = {sha: (run_id, source, generation) for sha, run_id, source, generation in con.execute(
        """SELECT file_sha256, max(run_id), arg_max(source, run_id), arg_max(generation, run_id) FROM etl_runs
           WHERE file_sha256 IN (SELECT unnest(?)) GROUP BY ALL""", [[sha for _, sha, _ in files]]).fetchall()}
    archived_at = dt.datetime.now().isoformat(timespec="seconds")
    lines = []
    for path, sha, _ in files:
        run_id, source, generation = runs[sha]
        lines.append(json.dumps({"run_id": run_id, "source": source, "sha256": sha, "name": Path(path).name,
                                 "generation": generation, "database": database, "archived_at": archived_at},
                                ensure_ascii=False) + "\n")
    with open(folder / JOURNAL, "a", encoding="utf-8") as f:
        f.write("".join(lines))
    return [archived_path(folder, sha, Path(path).name) for path, sha, _ in files]


def folder_of(con) -> Path:
    """The archive of the database `con` writes: its generation file lives in
    `<db dir>/generations/`, so the database link is two levels up."""
    configured = settings.get("archive.raw_dir")
    if configured:
        return settings.repo_path(configured)
    return _generation_file(con).parent.parent / "archive" / "raw"


def database_of(con) -> str:
    """The name (stem) of the database `con` writes a generation of: databases in one
    folder share the archive, and each journal entry says whose run it is."""
    from .store import database_stem
    return database_stem(_generation_file(con))


def _generation_file(con) -> Path:
    file = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    return Path(file).resolve()


def journal(folder: Path, database: str | None = None) -> list[dict]:
    """The journal's entries (of one database's runs, when `database` is given; entries
    written before they named their database count for any); for a run number written
    twice (a generation that failed and was loaded again) the later entry wins."""
    path = Path(folder) / JOURNAL
    if not path.exists():
        return []
    by_run: dict[int, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if database is None or entry.get("database", database) == database:
                by_run[entry["run_id"]] = entry
    return [by_run[k] for k in sorted(by_run)]


def files(folder: Path) -> list[Path]:
    folder = Path(folder)
    return [p for p in folder.glob("??/*") if _NAME.match(p.name)] if folder.exists() else []


def size_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in files(folder))


def prune(folder: Path, days: int | None = None, now: float | None = None) -> list[Path]:
    """Deletes archived files archived more than `days` ago (their clear personal data
    must not outlive the retention); returns what was deleted."""
    days = int(settings.get("archive.retention_days") if days is None else days)
    if days <= 0:
        return []
    cutoff = (now or time.time()) - days * 86400
    removed = []
    for path in files(folder):
        if path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    for sub in Path(folder).glob("??"):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    return removed
