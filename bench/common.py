"""Shared pieces of the benchmark: the table row, medians, timers, memory, environment."""
from __future__ import annotations

import contextlib
import os
import resource
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
WORK_ROOT = Path(__file__).resolve().parent / "work"   # git-ignored


@dataclass
class Row:
    """One line of the results table. `values` keeps the raw numbers (tests read them);
    `ok` is whether the budget held (None: no budget); `budget_scale` is the scale the
    issue sets the budget for, so a budget shown at another scale reads as information."""
    section: str
    item: str
    figure: str
    detail: str = ""
    budget: str = ""
    ok: bool | None = None
    budget_scale: str | None = None
    values: dict = field(default_factory=dict)


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    """(milliseconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, result


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(who).ru_maxrss / 1024


def fmt_ms(ms: float) -> str:
    if ms != ms:
        return "—"
    return f"{ms:,.0f}" if ms >= 10 else f"{ms:.1f}"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    return f"{n:.1f} GB"


@contextlib.contextmanager
def env(**changes: str | None):
    """Temporarily sets (or, with None, removes) environment variables."""
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for k, v in changes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def quiet_streamlit() -> None:
    """Bare-mode Streamlit (AppTest, st.cache_data outside a server) warns on every call;
    the warnings would bury the progress lines."""
    import logging
    for name in ("streamlit", "streamlit.runtime", "streamlit.runtime.caching",
                 "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from streamlit import logger as st_logger
        st_logger.set_log_level("error")
    except Exception:  # an internal API: best effort only
        pass
