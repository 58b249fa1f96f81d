"""Disk space: a warning the data page and the wall screen can show, sizes for
`status`, and `python -m etl cleanup` (old generations, archived raw files).

A load copies the live generation before changing it, so the data folder needs free
space of at least one more generation; the warning fires below `disk.warn_free_gb`
or below three times the live generation, whichever is more.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from etl import archive, store
from core import settings

GB = 1024 ** 3
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DiskStatus:
    path: Path
    free_bytes: int
    total_bytes: int
    warn_below_bytes: int

    @property
    def warning(self) -> bool:
        return self.free_bytes < self.warn_below_bytes

    @property
    def message(self) -> str:
        """A Chinese one-liner for a page or the wall screen."""
        text = (f"磁盘剩余 {self.free_bytes / GB:.1f} GB（共 {self.total_bytes / GB:.0f} GB，"
                f"告警线 {self.warn_below_bytes / GB:.1f} GB）")
        if self.warning:
            return f"磁盘空间不足：{text}。请运行 python -m etl cleanup 或转移备份，否则新数据将无法导入"
        return text


def disk_status(db_path: Path | None = None) -> DiskStatus:
    """Free space where the database lives, and whether it is below the warning line."""
    db_path = Path(db_path or settings.db_path())
    folder = db_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    live = store.current_file(db_path)
    live_size = live.stat().st_size if live is not None and live.exists() else 0
    threshold = max(int(float(settings.get("disk.warn_free_gb")) * GB), 3 * live_size)
    return DiskStatus(folder, usage.free, usage.total, threshold)


@dataclass
class DiskUse:
    generations: int
    generation_files: int
    archive: int
    archive_files: int


def disk_use(db_path: Path | None = None) -> DiskUse:
    db_path = Path(db_path or settings.db_path())
    gens = store.own_generation_files(db_path, with_wal=True)
    raw = archive.raw_dir(db_path)
    return DiskUse(sum(p.stat().st_size for p in gens), len(gens), archive.size_bytes(raw), len(archive.files(raw)))


@dataclass
class CleanupResult:
    generations: int = 0
    archived: int = 0
    inbox_files: int = 0
    freed_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"已清理：旧数据代文件 {self.generations} 个，过期归档原始文件 {self.archived} 个，"
                f"收件箱归档/拒收旧文件 {self.inbox_files} 个，释放 {self.freed_bytes / 1e6:.1f} MB"] + self.notes


def cleanup(db_path: Path | None = None, archive_days: int | None = None, now: float | None = None,
            watch_config=None) -> CleanupResult:
    """Old generations beyond `generations_kept`, archived raw files past
    `archive.retention_days`, and the watcher's day folders and refused files as old."""
    db_path = Path(db_path or settings.db_path())
    days = int(settings.get("archive.retention_days") if archive_days is None else archive_days)
    result = CleanupResult()
    before = _sizes(db_path)
    with store.writer_lock(db_path):
        gens = set(store.own_generation_files(db_path))
        store.prune(db_path)
        result.generations = len(gens - set(store.own_generation_files(db_path)))
    result.archived = len(archive.prune(archive.raw_dir(db_path), days, now))
    if days > 0:
        result.inbox_files = _prune_watch_folders(db_path, (now or time.time()) - days * 86400, watch_config)
    result.freed_bytes = max(0, before - _sizes(db_path))
    return result


def _sizes(db_path: Path) -> int:
    own = sum(p.stat().st_size for p in store.own_generation_files(db_path, with_wal=True))
    return own + archive.size_bytes(archive.raw_dir(db_path))


def _prune_watch_folders(db_path: Path, cutoff: float, config=None) -> int:
    """The watcher keeps loaded files in `archive/YYYY-MM-DD/` and refused ones in
    `refused/`: raw files too, so they go after the same retention."""
    from live.watch import WatchConfig
    config = config or WatchConfig.from_settings(db=db_path)
    last_day = dt.date.fromtimestamp(cutoff).isoformat()
    removed = 0
    if config.archive.exists():
        for day in config.archive.iterdir():
            if day.is_dir() and _DAY_FOLDER.match(day.name) and day.name < last_day:
                removed += sum(1 for p in day.rglob("*") if p.is_file())
                shutil.rmtree(day)
    if config.refused.exists():
        for path in config.refused.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
