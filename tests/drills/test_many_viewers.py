"""Drill 5, many viewers: real Chromium sessions against a `streamlit run board.py` and
AppTest sessions in threads, all on the same database at once, changing pages and
filters for the whole drill. No exception on any page, none in the server's log, and
the p95 of a rerun (click to finished script, as the browser sees it) is reported.

Five browsers at most: on two cores more would measure the browsers, not the server.
The browsers share one Chromium, each in its own context (its own session and socket)."""
from __future__ import annotations

import asyncio
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

from live_helpers import free_port
from screen_server import ScreenServer

from .common import CHROMIUM, REPO, page_problems, percentile, report, rows, rss_kib, view

sys.path.insert(0, str(REPO / "scripts"))
from screenshot import CHROMIUM_ARGS  # noqa: E402

SIZES = [pytest.param({"browsers": 2, "apptests": 4, "seconds": 20}, id="ci"),
         pytest.param({"browsers": 5, "apptests": 25, "seconds": 120}, id="full", marks=pytest.mark.drill)]
# A viewer looks at a page for a moment before the next click: 30 viewers, not 30 bots.
THINK = (1.0, 3.0)
WAIT_MS = 180_000  # a click or a rerun that takes longer than this is a failure
PATHS = ["", "hotline", "roster", "alarms", "enterprises", "neighbourhood", "explore", "brief", "data"]
# Every script-state change of the app, with the browser's clock: a rerun is the time from
# the action to the script's return to "notRunning" after it ran.
RECORD_STATES = """
window.__states = [];
new MutationObserver(changes => { for (const c of changes) window.__states.push(
    {state: c.target.getAttribute('data-test-script-state'), t: performance.now()}); })
  .observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
"""
RERUN_DONE = """t0 => { const app = document.querySelector('[data-testid="stApp"]');
    const after = window.__states.filter(e => e.t > t0);
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && after.some(e => e.state !== 'notRunning')
        && document.querySelectorAll('[data-testid="stElementContainer"]').length > 3; }"""

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    actions: int = 0
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, seconds: float, what: str) -> None:
        self.seconds.append(seconds)
        self.slowest = sorted(self.slowest + [(seconds, what)], reverse=True)[:3]


async def _wait_rerun(page, t0: float) -> float:
    await page.wait_for_function(RERUN_DONE, arg=t0, timeout=WAIT_MS)
    states = await page.evaluate("window.__states")
    done = max(e["t"] for e in states if e["t"] > t0 and e["state"] == "notRunning")
    return (done - t0) / 1000


async def _open(browser, base: str, index: int, tally: Tally):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: tally.problems.append(f"browser {index}: page error {exc}"))
    await page.add_init_script(RECORD_STATES)
    await page.goto(f"{base}/{PATHS[index % len(PATHS)]}", timeout=WAIT_MS)
    await _wait_rerun(page, 0)
    return page


async def _session(page, base: str, index: int, clock: dict, names: list[str], tally: Tally) -> None:
    rng = random.Random(index)
    chosen: list[str] = []  # an option already chosen is not offered again: typing it would change nothing
    while time.monotonic() < clock["deadline"]:
        await asyncio.sleep(rng.uniform(*THINK))
        what = "?"
        try:
            t0 = await page.evaluate("performance.now()")
            if rng.random() < 0.5:  # another page through the sidebar
                # Another page: a click on the page already shown need not rerun anything.
                here = page.url.removeprefix(base).strip("/").split("?")[0]
                path = rng.choice([p for p in PATHS if p != here])
                what = f"page /{path}"
                await page.locator(f'[data-testid="stSidebarNavLink"][href="{base}/{path}"]').click(timeout=WAIT_MS)
            else:  # the neighbourhood filter: add one by typing its name, or drop the last one
                box = page.locator('[data-testid="stMultiSelect"]').first.locator("input")
                await box.click(timeout=WAIT_MS)
                if chosen and rng.random() < 0.5:
                    what = "filter removed"
                    await page.keyboard.press("Backspace")
                    chosen.pop()
                else:
                    what = "filter added"
                    chosen.append(rng.choice([n for n in names if n not in chosen]))
                    await box.fill(chosen[-1], timeout=WAIT_MS)
                    await page.keyboard.press("Enter")
            tally.add(await _wait_rerun(page, t0), f"{what} on {page.url.removeprefix(base)}")
            await page.keyboard.press("Escape")
        except Exception as exc:
            tally.problems.append(f"browser {index}: {what}: {type(exc).__name__}: {str(exc)[:300]}")
            break
        tally.actions += 1
        if await page.locator('[data-testid="stException"]').count():
            text = await page.locator('[data-testid="stException"]').first.inner_text()
            tally.problems.append(f"browser {index}: {what}: exception {text[:300]}")
        captions = " ".join(await page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
        if "数据第" not in captions:  # board.py ran (it draws the freshness line), not the page alone
            tally.problems.append(f"browser {index}: {what}: no freshness line")


def _browsers(base: str, size: dict, clock: dict, go: threading.Event, names: list[str], tally: Tally) -> None:
    """The browser sessions: all open their first page (a cold start, not counted), then
    the drill's clock starts for everyone."""
    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                pages = await asyncio.gather(*(_open(browser, base, i, tally) for i in range(size["browsers"])))
                clock["deadline"] = time.monotonic() + size["seconds"]
                go.set()
                await asyncio.gather(*(_session(page, base, i, clock, names, tally) for i, page in enumerate(pages)),
                                     return_exceptions=True)  # one session's trouble must not close the others
            finally:
                await browser.close()
    try:
        asyncio.run(main())
    except Exception as exc:
        tally.problems.append(f"browsers: {type(exc).__name__}: {exc}")
    finally:
        go.set()


def _apptests(index: int, clock: dict, go: threading.Event, codes: list[str], tally: Tally) -> None:
    rng = random.Random(1000 + index)
    go.wait(timeout=600)
    while time.monotonic() < clock["deadline"]:
        time.sleep(rng.uniform(*THINK))
        path = rng.choice(PATHS)
        page = f"pages/{path or 'overview'}.py"
        params = {"nb": ",".join(rng.sample(codes, rng.randint(1, 3)))} if rng.random() < 0.5 else {}
        if rng.random() < 0.3:
            params["d"] = f"2020-03-{rng.randint(1, 13):02d}"
        try:
            at, seconds = view(page, params)
        except Exception as exc:
            tally.problems.append(f"apptest {index}: {page} {params}: {type(exc).__name__}: {exc}")
            continue
        tally.add(seconds, f"{page} {params}")
        tally.actions += 1
        tally.problems += [f"apptest {index}: {params}: {p}" for p in page_problems(at, page)]


@pytest.mark.parametrize("size", SIZES)
def test_many_viewers(size, demo_db, tmp_path, monkeypatch, apptest_in_threads):
    if os.environ.get("DRILL_VIEWERS"):  # e.g. DRILL_VIEWERS=5,0,60: browsers, AppTest sessions, seconds
        size = dict(zip(("browsers", "apptests", "seconds"), map(int, os.environ["DRILL_VIEWERS"].split(","))))
    monkeypatch.setenv("BOARD_DB", str(demo_db))
    codes = [c for (c,) in rows(demo_db, "SELECT code FROM ref_neighbourhoods ORDER BY code")]
    names = [n for (n,) in rows(demo_db, "SELECT name FROM ref_neighbourhoods ORDER BY code")]
    server = ScreenServer(free_port(), demo_db, REPO / "data" / "reference", tmp_path / "server.log")
    server.start()
    browser_tally, apptest_tally = Tally(), Tally()
    try:
        rss_start = rss_kib(server.pid)
        clock, go = {"deadline": time.monotonic() + 600 + size["seconds"]}, threading.Event()
        threads = [threading.Thread(target=_browsers, args=(server.base, size, clock, go, names, browser_tally),
                                    daemon=True)]
        threads += [threading.Thread(target=_apptests, args=(i, clock, go, codes, apptest_tally), daemon=True)
                    for i in range(size["apptests"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=size["seconds"] + 600)
        rss_end = rss_kib(server.pid)
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text(errors="replace")
    server_errors = [line for line in log.splitlines() if "Traceback" in line or "Error" in line]

    report(f"Many viewers ({'full' if size['seconds'] >= 120 else 'ci'})", [
        f"{size['browsers']} Chromium sessions + {size['apptests']} AppTest sessions for {size['seconds']} s, "
        f"{THINK[0]:g}–{THINK[1]:g} s between a viewer's actions",
        f"browser reruns: {browser_tally.actions} (page changes and filter changes), p50 "
        f"{percentile(browser_tally.seconds, 50):.2f} s, p95 {percentile(browser_tally.seconds, 95):.2f} s, "
        f"max {max(browser_tally.seconds, default=float('nan')):.2f} s; problems {len(browser_tally.problems)}",
        "slowest browser reruns: " + "; ".join(f"{w} {t:.1f} s" for t, w in browser_tally.slowest),
        f"AppTest page views: {apptest_tally.actions}, p50 {percentile(apptest_tally.seconds, 50):.2f} s, "
        f"p95 {percentile(apptest_tally.seconds, 95):.2f} s; problems {len(apptest_tally.problems)}",
        f"server: errors in its log {len(server_errors)}, memory {rss_start / 1024:.0f} → {rss_end / 1024:.0f} MiB",
    ])
    assert browser_tally.problems == [], browser_tally.problems[:10]
    assert apptest_tally.problems == [], apptest_tally.problems[:10]
    assert server_errors == [], server_errors[:10]
    assert browser_tally.actions >= size["browsers"] and apptest_tally.actions >= size["apptests"]
