"""The one file-lock helper: an exclusive flock on a lock file beside what it guards, held
for a `with` block. Released by the kernel when the process dies, so a killed writer never
leaves a stale lock behind."""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(lock_path: Path, busy: Exception, wait_seconds: float = 0):
    """Holds an exclusive lock on `lock_path`, waiting up to `wait_seconds` for another
    holder to let go; raises `busy` if it does not."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
