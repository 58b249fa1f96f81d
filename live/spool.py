"""Durable hand-over of files into the watched inbox, shared by the intake, the live
demo and the latency bench.

A file is written under a hidden temporary name in the inbox itself (same file system,
so the rename is atomic), flushed and fsynced, then renamed to its final name and the
folder fsynced: once `atomic_write` returns, the file survives a power cut and the
watcher never sees it half written (it ignores temporary names, see `is_temp_name`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import threading
from pathlib import Path

from core.localtime import SHANGHAI, local_now  # noqa: F401  (local_now: callers import it from here)
from etl.store import fsync_dir

# How far ahead of our clock an event time may be (the platform's clock drifts): the
# intake accepts it and the watcher's future-date check allows it, so a fresh event is
# never refused for a second of drift, while a typo like 2202 still is.
CLOCK_SKEW = dt.timedelta(minutes=2)

# Names a writer uses while a file is incomplete: browsers, Office, rsync, our spool.
TEMP_PREFIXES = (".", "~$", "~")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock", "~")

# Alarm columns in the order the vendor's exports use, with the usual Chinese header
# (data-contract.md, alarms): the intake writes what the normal reader accepts.
ALARM_HEADERS = {
    "alarm_id": "报警编号", "device_id": "设备编号", "device_type": "设备类型", "alarm_type": "报警类型",
    "raised_at": "报警时间", "neighbourhood": "居民区", "address": "地址", "status": "处置状态",
    "handled_by": "处置人", "handled_at": "处置时间", "note": "处置结果",
}
HOTLINE_HEADERS = {
    "ticket_id": "工单编号", "received_at": "受理时间", "request_type": "诉求类型", "content": "诉求内容",
    "address": "发生地址", "neighbourhood": "所属居委", "handling_unit": "承办部门", "closed_at": "办结时间",
    "status": "工单状态", "channel": "工单来源",
}

_counter = itertools.count(1)
_counter_lock = threading.Lock()




def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIXES) or name.lower().endswith(TEMP_SUFFIXES)


def unique_name(prefix: str, suffix: str = ".csv") -> str:
    """`prefix_20200203-221005-123456_p4242_7.csv`: sorts by arrival, unique across
    threads and processes."""
    with _counter_lock:
        n = next(_counter)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return f"{prefix}_{stamp}_p{os.getpid()}_{n:04d}{suffix}"


def atomic_write(folder: Path, name: str, data: bytes) -> Path:
    """Writes data as folder/name durably and atomically; returns the final path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.tmp"
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            # Set the modification time 1 ms back: the inode's change time is then later
            # than it, which tells the watcher "finished" at once, even when the write
            # and the rename fall within one tick of the file system's coarse clock.
            st = os.fstat(handle.fileno())
            os.utime(handle.fileno(), ns=(st.st_atime_ns, st.st_mtime_ns - 1_000_000))
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    fsync_dir(folder)
    return final


def csv_bytes(headers: dict[str, str], rows: list[dict]) -> bytes:
    """UTF-8 CSV of the columns that any row has (a column absent from the file keeps
    the stored value on upsert, data-contract.md), Chinese headers, no blank lines."""
    present = [c for c in headers if any(_cell(r.get(c)) != "" for r in rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([headers[c] for c in present])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in present])
    return out.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    # A line break inside a value would need a quoted multi-line cell: keep one line per row.
    return " ".join(str(value).split())


def remove_stale_temp(folder: Path, older_than_seconds: float = 3600) -> int:
    """Deletes our own temporary files left by a crash mid-write (never answered 202)."""
    removed = 0
    now = dt.datetime.now().timestamp()
    for path in Path(folder).glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > older_than_seconds:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
