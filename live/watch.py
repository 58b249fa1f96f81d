"""`python -m etl watch DIR`: a long-running loader for files dropped into an inbox.

Each scan (every `watch.poll_seconds`) lists the inbox with os.scandir; no inotify, so
it works on network shares too. A file counts as complete when
- it was seen earlier under a temporary name (same inode) and has been renamed, or
- it was renamed or touched after its last write (ctime later than mtime) and has been
  quiet for 0.2 s or unchanged between two scans, or
- its size and times have not changed for `watch.stable_seconds`.
Temporary names (`*.tmp`, `*.part`, `~$*`, hidden files) are never loaded.

What is complete in one scan is loaded by ONE load: one new generation, so files that
arrive together are published together; a batch of alarm files only goes into the
small live alarm store (etl/live_alarms.py), anything else into the main database.
Loaded (and already-loaded) files move to `archive/YYYY-MM-DD/`, refused ones to `refused/` with
`<name>.reason.txt`. A file is never loaded twice: the loader skips bytes it has
loaded before (SHA-256), and the move takes the file out of the inbox. Restart-safe:
the only state is the file system. Logs carry file names and counts, never values.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core import settings
from core.lock import file_lock
from live.spool import CLOCK_SKEW, atomic_write, is_temp_name, local_now, remove_stale_temp

log = logging.getLogger("etl.watch")
PRUNE_AFTER_SECONDS = 60


@dataclass
class WatchConfig:
    inbox: Path
    db: Path
    archive: Path
    refused: Path
    poll_seconds: float = 0.5
    stable_seconds: float = 1.0

    @classmethod
    def from_settings(cls, inbox: Path | None = None, db: Path | None = None, archive: Path | None = None,
                      refused: Path | None = None, **overrides) -> "WatchConfig":
        inbox = Path(inbox or settings.repo_path(settings.get("watch.inbox_dir")))
        archive = archive or _setting_dir("watch.archive_dir") or inbox.parent / "archive"
        refused = refused or _setting_dir("watch.refused_dir") or inbox.parent / "refused"
        values = {"poll_seconds": float(settings.get("watch.poll_seconds")),
                  "stable_seconds": float(settings.get("watch.stable_seconds")), **overrides}
        return cls(inbox=inbox, db=Path(db or settings.db_path()), archive=Path(archive),
                   refused=Path(refused), **values)


def _setting_dir(name: str) -> Path | None:
    value = settings.get(name)
    return settings.repo_path(value) if value else None


@dataclass
class _Sighting:
    signature: tuple          # size, mtime_ns, ctime_ns, inode
    since: float              # monotonic time the signature was first seen
    scans: int = 1


@dataclass
class Watcher:
    config: WatchConfig
    on_batch: Callable[[list], None] | None = None   # called with the FileResults of each load
    stop_event: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self._seen: dict[str, _Sighting] = {}
        self._temp_inodes: dict[int, float] = {}
        self._stuck: set[tuple] = set()       # (name, signature) loaded but not movable
        self._retry_at = 0.0
        self._backoff = 0.0
        for folder in (self.config.inbox, self.config.archive, self.config.refused):
            folder.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ loop

    def run(self) -> None:
        """Scans until stop_event is set; survives anything a single file can do."""
        with inbox_lock(self.config.inbox):
            self.loop()

    def loop(self) -> None:
        """The scan loop, for a caller that already holds the inbox lock."""
        remove_stale_temp(self.config.inbox)
        log.info("开始监视收件箱 %s（每 %g 秒扫描），数据库 %s",
                 self.config.inbox, self.config.poll_seconds, self.config.db)
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                self.step()
            except Exception:  # a bug must not stop the wall screen's feed
                log.exception("扫描收件箱时出错，稍后重试")
                self._pause()
            self.stop_event.wait(max(0.0, self.config.poll_seconds - (time.monotonic() - started)))
        log.info("已停止监视收件箱")

    def step(self) -> list:
        """One scan: load what is complete, file it away. Returns the FileResults."""
        if time.monotonic() < self._retry_at:
            return []
        ready = [path for path in self.scan() if self._readable(path)]
        if not ready:
            return []
        results = self._load(ready)
        for result in results:
            self._file_away(result)
        if results:
            self._backoff = 0.0
            self._prune()
            if self.on_batch:
                try:
                    self.on_batch(results)
                except Exception:
                    log.exception("导入后的回调出错（提醒），已忽略")
        return results

    def scan(self) -> list[Path]:
        now = time.monotonic()
        current: dict[str, _Sighting] = {}
        ready = []
        with os.scandir(self.config.inbox) as entries:
            for entry in entries:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # renamed or removed while we listed
                if is_temp_name(entry.name):
                    self._temp_inodes[st.st_ino] = now
                    continue
                signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                seen = self._seen.get(entry.name)
                if seen is None or seen.signature != signature:
                    seen = _Sighting(signature, now)
                else:
                    seen.scans += 1
                current[entry.name] = seen
                if (entry.name, signature) in self._stuck:
                    continue
                if self._complete(seen, st, now):
                    ready.append(Path(entry.path))
        self._seen = current
        self._temp_inodes = {ino: t for ino, t in self._temp_inodes.items() if now - t < 3600}
        return sorted(ready)

    def _readable(self, path: Path) -> bool:
        """One file we may not read must not hold up the others: set it aside."""
        try:
            with open(path, "rb"):
                return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            st = path.stat()
            self._stuck.add((path.name, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)))
            log.error("无法读取 %s（%s），本次运行不再处理，请检查文件权限", path.name, exc.strerror or exc)
            return False

    def _complete(self, seen: _Sighting, st: os.stat_result, now: float) -> bool:
        if st.st_ino in self._temp_inodes:
            return True  # written under a temporary name, then renamed: the writer is done
        if st.st_ctime_ns > st.st_mtime_ns and (seen.scans >= 2 or time.time_ns() - st.st_ctime_ns > 200_000_000):
            return True  # renamed (or its times set) after the last write, and quiet since
        return now - seen.since >= self.config.stable_seconds

    # ------------------------------------------------------------------ load

    def _load(self, paths: list[Path]) -> list:
        from etl import live_alarms
        from etl.load import FileResult, LoadOptions, ingest_order
        from etl.store import SchemaTooNew
        ordered = paths
        try:
            ordered = [p for _, p in ingest_order(paths)]
            # "Now" for the future-date check is Shanghai time, whatever the machine's zone.
            options = LoadOptions(now=local_now() + CLOCK_SKEW)
            results = live_alarms.load(ordered, self.config.db, options)
        except FileNotFoundError as exc:
            if all(p.exists() for p in ordered):
                return self._failed(exc)  # e.g. the reference pack is missing
            log.info("有文件在导入前被移走，下次扫描重试")
            return []
        except (TimeoutError, OSError, SchemaTooNew) as exc:
            return self._failed(exc)
        except Exception as exc:
            if len(ordered) > 1:
                log.warning("本批 %d 个文件导入出错，改为逐个导入以找出问题文件", len(ordered))
                return [r for p in ordered for r in self._load([p])]
            log.exception("导入 %s 时出现程序错误，文件移入拒收目录", ordered[0].name)
            reason = f"导入时出现程序错误（{type(exc).__name__}），请联系维护人员"
            return [FileResult(ordered[0], "unknown", "refused", message=reason)]
        for r in results:
            level = logging.WARNING if r.status == "refused" else logging.INFO
            log.log(level, "%s", r.line())
        return results

    def _prune(self) -> None:
        """A load every few seconds would leave hundreds of generation files behind
        under the store's default 10-minute grace. A page run holds a generation for
        well under a minute (queries time out at 10 s) and an open reader keeps its
        file anyway, so the watcher prunes after one minute."""
        from etl import live_alarms
        from etl.store import prune
        try:
            prune(self.config.db, min_age_seconds=PRUNE_AFTER_SECONDS)
            live_alarms.prune(self.config.db, min_age_seconds=PRUNE_AFTER_SECONDS)
        except OSError as exc:
            log.warning("清理旧数据代文件失败：%s", exc)

    def _failed(self, exc: BaseException) -> list:
        """A failure of the database or the machine, not of a file: keep the files in
        the inbox and retry later, with a growing pause so the log stays readable."""
        log.error("本次未能导入，文件留在收件箱，%.0f 秒后重试：%s", self._pause(), str(exc).splitlines()[0][:200])
        return []

    def _pause(self) -> float:
        self._backoff = min(60.0, max(2.0, self._backoff * 2))
        self._retry_at = time.monotonic() + self._backoff
        return self._backoff

    def _file_away(self, result) -> None:
        path = Path(result.path)
        if not path.exists():
            return
        try:
            if result.status == "refused":
                target = _free_name(self.config.refused, path.name)
                reason = f"{result.line()}\n时间：{local_now():%Y-%m-%d %H:%M:%S}\n"
                # The reason first, whole: whoever sees the file in refused/ finds why.
                atomic_write(target.parent, target.name + ".reason.txt", reason.encode("utf-8"))
                _move(path, target)
            else:
                day = self.config.archive / local_now().date().isoformat()
                _move(path, _free_name(day, path.name))
        except OSError as exc:
            # Leave it, but never load it again in this run (the SHA check covers restarts).
            if path.exists():
                st = path.stat()
                self._stuck.add((path.name, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)))
            log.error("无法移走 %s（%s），文件留在收件箱，本次运行不再处理", path.name, exc.strerror or exc)


def _free_name(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}_{n}{suffix}"
    return target


def _move(source: Path, target: Path) -> None:
    try:
        os.rename(source, target)   # same file system: atomic
    except OSError:
        shutil.move(source, target)  # archive on another disk


@contextmanager
def inbox_lock(inbox: Path):
    """One watcher per inbox: two would race to load and move the same files."""
    with file_lock(inbox / ".watch.lock", InboxBusy(f"另一个监视进程正在处理收件箱 {inbox}")):
        yield


class InboxBusy(RuntimeError):
    pass
