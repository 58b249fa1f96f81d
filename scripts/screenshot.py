"""Screenshots of board pages in Debian's Chromium (Playwright), for the README and for
looking at what users see.

    .venv/bin/python scripts/screenshot.py http://localhost:8501 docs/screenshots overview hotline …
    .venv/bin/python scripts/screenshot.py --user leader --password leader-2020 http://localhost:8501 /tmp/shots

Signs in first when --user is given (the demo accounts are printed by `python -m etl demo`).
A page is saved once its script has finished and its plotly charts and deck.gl maps have
drawn; the viewport is made as tall as the page, because a full-page capture leaves WebGL
maps blank.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["", "hotline", "roster", "alarms", "enterprises", "neighbourhood", "explore", "brief", "data", "audit"]


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    """The script has finished (no 'running' widget, no skeletons) and charts have drawn."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')
                 && document.querySelectorAll('[data-testid="stElementContainer"]').length > 0""",
        timeout=timeout_ms)
    # plotly and deck.gl draw after the elements arrive: wait for every chart's SVG and
    # every map's canvas.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))
                 && [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')]
                        .every(m => { const c = m.querySelector('canvas'); return c && c.width > 0; })""",
        timeout=timeout_ms)
    page.wait_for_timeout(2500)


def sign_in(page, base: str, user: str, password: str) -> None:
    page.goto(base, wait_until="networkidle")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)


def shoot(base: str, out: Path, pages: list[str], width: int = 1600, height: int = 1000,
          user: str | None = None, password: str | None = None, prefix: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        if user:
            sign_in(page, base, user, password or "")
        for name in pages:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/{name}", wait_until="networkidle")
            page.wait_for_selector("[data-testid='stAppViewContainer']")
            wait_until_drawn(page)
            tall = page.evaluate("""() => Math.max(...[...document.querySelectorAll('section, div')]
                                          .map(e => e.scrollHeight))""")
            page.set_viewport_size({"width": width, "height": min(max(height, tall), 6000)})
            wait_until_drawn(page)
            path = out / f"{prefix}{name or 'overview'}.png"
            page.screenshot(path=str(path))
            saved.append(path)
        browser.close()
    return saved


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", help="the board's address, e.g. http://localhost:8501")
    ap.add_argument("out", type=Path, help="folder for the PNG files")
    ap.add_argument("pages", nargs="*", help="page paths (default: every page; '' or overview is the overview)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--prefix", default="", help="file name prefix, e.g. page-")
    ap.add_argument("--width", type=int, default=1600)
    args = ap.parse_args()
    wanted = ["" if name == "overview" else name for name in (args.pages or PAGES)]
    for saved_path in shoot(args.base.rstrip("/"), args.out, wanted, width=args.width, user=args.user,
                            password=args.password, prefix=args.prefix):
        print(saved_path)
