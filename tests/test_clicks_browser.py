"""Click to filter and ?refresh=N in Debian's Chromium against a real `streamlit run`: a click
on a neighbourhood's bar, on the overview map and on a day of the trend changes the shared
filters (the URL follows), and an automatic refresh runs the page again with its filters."""
from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from live_helpers import streamlit_servers

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
CHROMIUM = "/usr/bin/chromium"
# For people to look at (docs/screenshots/click-filter.png is a copy of one).
SCREENSHOT = REPO / "artifacts" / "screenshots" / "click-filter.png"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


def _names(demo_db) -> dict[str, str]:
    import duckdb
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    try:
        return dict(con.execute("SELECT code, name FROM ref_neighbourhoods").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """The board on the demo database, with a reference pack whose settings let a page refresh
    every second (the shipped pack's files, linked, and a settings.toml)."""
    folder = tmp_path_factory.mktemp("clicks")
    pack = folder / "reference"
    pack.mkdir()
    for item in (REPO / "data" / "reference").iterdir():
        (pack / item.name).symlink_to(item)
    (pack / "settings.toml").write_text("page_refresh_min_seconds = 1\n", encoding="utf-8")
    env = {"BOARD_DB": str(demo_db), "BOARD_AUTH": "off", "BOARD_REFERENCE": str(pack)}
    with streamlit_servers("board.py", 1, env, folder) as (base,):
        yield base


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 2400})
    yield context
    context.close()


def _open(context, url: str, heading: str):
    """The page at `url` once its heading is there and it has drawn (a deep link to a fresh
    server hands over to board.py and back first)."""
    from screenshot import wait_until_drawn
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.get_by_role("heading", name=re.compile(heading)).first.wait_for(timeout=60_000)
    wait_until_drawn(page)
    return page


def _neighbourhood_chart(page):
    """The plotly chart whose rows are neighbourhoods."""
    return page.locator(".js-plotly-plot").filter(has=page.locator(".ytick text", has_text="居民区")).first


def _sidebar_choice(page) -> list[str]:
    """The neighbourhoods chosen in the sidebar's 居民区 filter (its chips)."""
    chips = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect'] [data-tag]")
    return [chip.get_attribute("aria-label") for chip in chips.all()]


def test_a_click_on_a_neighbourhoods_bar_filters_the_page(server, context, demo_db):
    from screenshot import wait_until_drawn
    names = _names(demo_db)
    page = _open(context, f"{server}/hotline", "12345工单")
    try:
        chart = _neighbourhood_chart(page)
        chart.scroll_into_view_if_needed()
        ticks = {t.text_content(): t.bounding_box() for t in chart.locator(".ytick text").all()}

        def row_of(bar):  # the neighbourhood whose label is level with a bar
            middle = bar["y"] + bar["height"] / 2
            return min(ticks, key=lambda t: abs(ticks[t]["y"] + ticks[t]["height"] / 2 - middle))
        # The widest bar segment of a known neighbourhood (未识别居民区 has no code to filter by).
        bars = [b for b in (p.bounding_box() for p in chart.locator("g.point path").all())
                if b and row_of(b) != "未识别居民区"]
        bar = max(bars, key=lambda b: b["width"])
        clicked, middle = row_of(bar), bar["y"] + bar["height"] / 2
        page.mouse.click(bar["x"] + bar["width"] / 2, middle)
        page.wait_for_url(re.compile(r"[?&]nb="), timeout=60_000)
        wait_until_drawn(page)
        code = re.search(r"[?&]nb=([^&]+)", page.url).group(1)
        assert names[code] == clicked
        assert _sidebar_choice(page) == [clicked]
        assert _neighbourhood_chart(page).locator(".ytick text").all_text_contents() == [clicked]
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)
    finally:
        page.close()


def test_a_click_on_the_map_and_on_a_day_of_the_trend(server, context, demo_db):
    """The overview: the neighbourhood under the map's centre (its tooltip names it), then a
    day's bar on the Vega-Lite trend becomes the report day."""
    from screenshot import wait_until_drawn
    names = _names(demo_db)
    page = _open(context, server, "总览")
    try:
        deck = page.locator("[data-testid='stDeckGlJsonChart']").first
        deck.scroll_into_view_if_needed()
        box = deck.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator(".deck-tooltip")
        tooltip.wait_for(state="visible", timeout=20_000)
        hovered = tooltip.inner_text().split("（")[0].strip()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(re.compile(r"[?&]nb="), timeout=60_000)
        wait_until_drawn(page)
        code = re.search(r"[?&]nb=([^&]+)", page.url).group(1)
        assert names[code] == hovered
        assert _sidebar_choice(page) == [hovered]

        bars = page.locator("[data-testid='stVegaLiteChart'] path[role='graphics-symbol'][aria-label*='click_id']")
        bars.first.wait_for(timeout=30_000)
        title = page.locator("h1").first.inner_text()
        label = bars.nth(3).get_attribute("aria-label")
        day = dt.date.fromisoformat(re.search(r"click_id: (\d{4}-\d{2}-\d{2})", label).group(1))
        assert f"{day:%Y年%m月%d日}" not in title
        bars.nth(3).scroll_into_view_if_needed()
        box = bars.nth(3).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
        page.wait_for_url(re.compile(rf"[?&]d={day}"), timeout=60_000)
        page.get_by_role("heading", name=f"总览 · {day:%Y年%m月%d日}").wait_for(timeout=60_000)
        assert f"nb={code}" in page.url  # the neighbourhood stays
    finally:
        page.close()


def test_refresh_runs_the_page_again_with_its_filters(server, context, demo_db):
    code = sorted(_names(demo_db))[1]
    url = f"{server}/alarms?nb={code}&refresh=2"
    page = _open(context, url, "门磁报警")
    try:
        caption = page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']",
                                has_text="秒自动刷新")
        first = caption.inner_text()
        assert first.startswith("每 2 秒自动刷新 · 本页刷新于 ")
        page.wait_for_function(
            """first => [...document.querySelectorAll("[data-testid='stSidebar'] [data-testid='stCaptionContainer']")]
                         .some(c => c.innerText.includes('秒自动刷新') && c.innerText !== first)""",
            arg=first, timeout=30_000)
        assert page.url == url
        assert _sidebar_choice(page) == [_names(demo_db)[code]]
        # A page switch keeps the filters and the refresh (the navigation drops the URL's parameters).
        page.locator("[data-testid='stSidebarNav'] a", has_text="人员排摸与隔离").click()
        page.wait_for_url(re.compile(r"/roster\?.*refresh=2"), timeout=60_000)
        assert f"nb={code}" in page.url
    finally:
        page.close()
