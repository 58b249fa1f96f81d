"""Screenshots of board pages in Debian's Chromium (Playwright), for the README and for
looking at what users see.

    .venv/bin/python scripts/screenshot.py http://localhost:8501 docs/screenshots overview hotline …
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    """The script has finished (no 'running' widget, no skeletons) and charts have drawn."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')
                 && document.querySelectorAll('[data-testid="stElementContainer"]').length > 0""",
        timeout=timeout_ms)
    # plotly and deck.gl draw after the elements arrive: wait for every chart's SVG.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))""",
        timeout=timeout_ms)
    page.wait_for_timeout(2500)


def shoot(base: str, out: Path, pages: list[str], width: int = 1600, height: int = 4000) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        for name in pages:
            page.goto(f"{base}/{name}", wait_until="networkidle")
            page.wait_for_selector("[data-testid='stAppViewContainer']")
            wait_until_drawn(page)
            path = out / f"{name or 'overview'}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        browser.close()
    return saved


if __name__ == "__main__":
    for saved_path in shoot(sys.argv[1], Path(sys.argv[2]), sys.argv[3:] or ["overview"]):
        print(saved_path)
