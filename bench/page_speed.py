"""Every page's full script run through AppTest: cold cache, then warm.

Pages are read from the `st.Page("pages/….py", …)` calls in board.py, so a new page is
measured without touching the benchmark. Each repeat: a new AppTest of board.py switched
to the page, `st.cache_data.clear()`, one run (cold: every query runs), a second run
(warm: what a viewer pays when changing a widget or on the next visit within the TTL).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from .common import REPO_ROOT, Row, fmt_ms, median

BOARD = REPO_ROOT / "board.py"
_PAGE_REF = re.compile(r"""st\.Page\(\s*["'](pages/[^"']+\.py)["']""")

# Issue 9: overview warm ≤ 300 ms and cold ≤ 1 s at city scale; every other page within 2×.
OVERVIEW = "pages/overview.py"
BUDGET_MS = {"warm": 300.0, "cold": 1000.0}
OTHER_FACTOR = 2.0


# The wall screen refuses an AppTest run without its key; bench/screen_speed.py runs it with
# the key and times its panels.
SCREEN = "pages/screen.py"


def discover_pages(board: Path = BOARD) -> list[str]:
    """pages/*.py in the order board.py lists them (each once), the wall screen left out."""
    found = _PAGE_REF.findall(board.read_text(encoding="utf-8"))
    pages = list(dict.fromkeys(found))
    pages = pages or sorted(f"pages/{p.name}" for p in (board.parent / "pages").glob("*.py"))
    return [page for page in pages if page != SCREEN]


def run_page(page: str, query_params: dict | None = None):
    """(cold ms, warm ms, the AppTest after the warm run)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(BOARD), default_timeout=120)
    if query_params:
        at.query_params.update(query_params)
    at.switch_page(page)
    st.cache_data.clear()
    t0 = time.perf_counter()
    at.run()
    cold = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    at.run()
    warm = (time.perf_counter() - t0) * 1000
    return cold, warm, at


def chart_counts(at) -> dict:
    """What the browser must see drawn for this page (plotly figures, Vega-Lite charts, deck maps)."""
    return {"plotly": len(at.get("plotly_chart")), "vega": len(at.get("vega_lite_chart")),
            "deck": len(at.get("deck_gl_json_chart"))}


def _problems(at) -> str:
    if at.exception:
        return "raised: " + str(at.exception[0].value).splitlines()[0][:120]
    if at.error:   # not always a fault (a red status is drawn with st.error), so only noted
        return "st.error on the page: " + str(at.error[0].value).splitlines()[0][:80]
    return ""


def page_rows(repeat: int, *, scale: str, pages: list[str] | None = None, query_params: dict | None = None,
              label: str = "", say=print) -> tuple[list[Row], dict]:
    """Rows for every page, and the overview's chart counts (for the browser timing)."""
    pages = pages or discover_pages()
    run_page(OVERVIEW, query_params)   # untimed: imports and first-use costs of the process
    rows, charts = [], {}
    for page in pages:
        colds, warms, problem, at = [], [], "", None
        for _ in range(repeat):
            cold, warm, at = run_page(page, query_params)
            colds.append(cold)
            warms.append(warm)
            problem = problem or _problems(at)
        counts = chart_counts(at)
        if page == OVERVIEW:
            charts = counts
        cold, warm = median(colds), median(warms)
        factor = 1.0 if page == OVERVIEW else OTHER_FACTOR
        budget_warm, budget_cold = BUDGET_MS["warm"] * factor, BUDGET_MS["cold"] * factor
        ok = None if problem.startswith("raised") else (warm <= budget_warm and cold <= budget_cold)
        detail = f"charts: {counts['plotly']} plotly, {counts['vega']} vega, {counts['deck']} deck"
        if problem:
            detail += f"; {problem}"
        name = Path(page).stem + (f" ({label})" if label else "")
        say(f"  page {name}: cold {fmt_ms(cold)} ms, warm {fmt_ms(warm)} ms")
        rows.append(Row("page", name, f"cold {fmt_ms(cold)} · warm {fmt_ms(warm)} ms", detail,
                        f"warm ≤ {budget_warm:.0f}, cold ≤ {budget_cold:.0f}", ok, "city",
                        values={"page": page, "cold_ms": cold, "warm_ms": warm, "problem": problem, **counts}))
    return rows, charts
