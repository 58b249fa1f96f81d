"""The one markdown table, the machine it ran on, and bench/RESULTS.md."""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

from .common import REPO_ROOT, Row

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def held(row: Row, scale: str) -> str:
    if row.ok is None:
        return ""
    word = "yes" if row.ok else "NO"
    # A budget the issue sets for another scale is shown for information only.
    return word if row.budget_scale in (None, scale) else f"({word.lower()})"


def table(rows: list[Row], scale: str) -> str:
    lines = ["| section | item | figure | detail | budget | held |", "|---|---|---|---|---|---|"]
    for r in rows:
        budget = r.budget + (f" ({r.budget_scale})" if r.budget and r.budget_scale else "")
        lines.append("| " + " | ".join(_cell(c) for c in (r.section, r.item, r.figure, r.detail, budget,
                                                           held(r, scale))) + " |")
    return "\n".join(lines)


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        info["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    info["commit"] = _commit()
    return info


def _commit() -> str:
    # Read-only: the commit the working tree is based on (it may carry uncommitted edits).
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> str:
    import duckdb
    import pandas
    import streamlit
    return f"streamlit {streamlit.__version__}, duckdb {duckdb.__version__}, pandas {pandas.__version__}"


def machine_line(info: dict) -> str:
    """The results' line on the machine (`info` from machine()) and the versions."""
    return (f"- machine: {info.get('nproc')} cores ({info.get('cpu', '?')}), {info.get('memory_gb', '?')} GB memory, "
            f"load average at the end {info.get('load_average', '?')}; Python {info.get('python')}, {versions()}\n")


def section_text(rows: list[Row], scale: str, command: str, started: dt.datetime, seconds: float,
                 info: dict) -> str:
    head = (f"## {scale} · {started:%Y-%m-%d %H:%M} · commit {info.get('commit', 'unknown')}\n\n"
            f"- command: `{command}`\n"
            + machine_line(info) +
            f"- benchmark wall time {seconds / 60:.1f} min. Figures are medians of the repeats. "
            "Budgets are issue 9's; one in parentheses is set for another scale and shown for information.\n\n")
    return head + table(rows, scale) + "\n"


def append_results(text: str, path: Path = RESULTS) -> None:
    if not path.exists():
        path.write_text("# Benchmark results\n\nAppended by `python -m bench`, newest last "
                        "(see bench/__main__.py for what each figure means).\n\n", encoding="utf-8")
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + text)
