"""Every page in Debian's Chromium against a real `streamlit run` on the demo database:
no exception box, Chinese text drawn, and not one request leaves this machine (no CDN, no
map tiles). Screenshots go to artifacts/screenshots/ for people to look at."""
from __future__ import annotations

import csv
import io
import os
import re
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import openpyxl
import pytest
from live_helpers import streamlit_servers

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "artifacts" / "screenshots"
# url path -> file name of the screenshot; every page of the navigation, the screen included.
PAGES = {"": "overview", "hotline": "hotline", "roster": "roster", "alarms": "alarms",
         "enterprises": "enterprises", "neighbourhood": "neighbourhood", "explore": "explore",
         "brief": "brief", "data": "data", "screen": "screen", "audit": "audit"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@contextmanager
def _streamlit(demo_db, log_dir: Path, **env_extra):
    """`streamlit run board.py` on a free local port, stopped at the end whatever happens."""
    env = {"BOARD_DB": str(demo_db), "BOARD_AUTH": "off", **env_extra}
    with streamlit_servers("board.py", 1, env, log_dir) as (base,):
        yield base


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    with _streamlit(demo_db, tmp_path_factory.mktemp("streamlit")) as base:
        yield base


def _open(browser, url: str, requests: list[str]):
    from screenshot import wait_until_drawn
    context = browser.new_context(viewport={"width": 1600, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("[data-testid='stAppViewContainer']")
    wait_until_drawn(page)
    return context, page


def _outside(requests: list[str]) -> list[str]:
    return [u for u in requests
            if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname not in LOCAL_HOSTS]


@pytest.mark.parametrize("path", list(PAGES))
def test_page_draws_offline_without_errors(server, browser, path):
    requests: list[str] = []
    query = f"?key={os.environ['BOARD_SCREEN_KEY']}" if path == "screen" else ""  # conftest's screen key
    context, page = _open(browser, f"{server}/{path}{query}", requests)
    try:
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, errors.first.inner_text()[:800]
        text = page.locator("[data-testid='stAppViewContainer']").inner_text()
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 10, text[:300]
        assert "一屏观" in page.title() or re.search(r"[\u4e00-\u9fff]", page.title()), page.title()
        assert requests, "the page made no request at all?"
        assert _outside(requests) == [], _outside(requests)
        # Last, and patiently: a tall page with many charts takes a while to paint on a busy machine.
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{PAGES[path]}.png"), full_page=True, timeout=120_000,
                        animations="disabled")
        assert _outside(requests) == [], _outside(requests)  # nothing fetched while painting either
    finally:
        context.close()


@pytest.fixture(scope="module")
def lure_server(isolated_board_env, tmp_path_factory):
    """The board on two weeks of tickets whose report day carries page_helpers.LURE."""
    from page_helpers import lure_database
    folder = tmp_path_factory.mktemp("lure")
    with _streamlit(lure_database(folder), folder) as base:
        yield base


def test_overview_surge_panel_has_no_link_from_data(lure_server, browser):
    """A ticket text written as a markdown link, with bare links beside it, is characters on
    the page: no <a> and no <img> anywhere points at it."""
    from page_helpers import LURE
    context, page = _open(browser, lure_server, [])
    try:
        main = page.locator("[data-testid='stMain']")
        # The panel's two items (the question and its topic), each an expander to open.
        page.wait_for_function("document.querySelectorAll('[data-testid=stMain] details').length == 2",
                               timeout=60_000)
        for summary in main.locator("details summary").all():
            summary.click()
        page.wait_for_timeout(1000)
        text = main.inner_text().replace("\u200d", "")
        assert LURE in text, text[-1500:]
        pointing = page.eval_on_selector_all(
            "a, img, [href], [src]", "els => els.map(e => e.outerHTML.slice(0, 200))"
            ".filter(h => /evil|请点此/.test(h))")
        assert pointing == []
    finally:
        context.close()


def test_a_century_in_a_link_is_cut_to_the_data_and_said_so(lure_server, browser):
    """A deep link hands over to board.py and back before the page draws: the note on what
    was changed survives that and stays on the page."""
    context, page = _open(browser, f"{lure_server}/hotline?from=1900-01-01&to=2100-12-31", [])
    try:
        alert = page.locator("[data-testid='stAlert']", has_text="趋势区间 1900-01-01 至 2100-12-31 已改为")
        alert.first.wait_for(timeout=60_000)
        assert "2020-01-03 至 2020-02-16" in alert.first.inner_text()
        assert "from=2020-01-03" in page.url and "to=2020-02-16" in page.url
    finally:
        context.close()


def _download(page, label: str):
    """Clicks a download button once the page has settled. A click that lands while a rerun
    replaces the button is lost (the deep link's hand-over to board.py reruns the page
    once), so one more try is allowed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from screenshot import wait_until_drawn
    from playwright.sync_api import expect
    button = page.get_by_role("button", name=label)
    for attempt in (1, 2):
        button.wait_for(state="visible", timeout=60_000)
        wait_until_drawn(page)
        # Streamlit disables the button while a rerun (a click's own) is under way: on a busy
        # machine that can outlast a click's patience, so wait for it to be usable first.
        expect(button).to_be_enabled(timeout=120_000)
        try:
            with page.expect_download(timeout=90_000) as info:
                button.click(timeout=60_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_explore_downloads_carry_the_view_in_name_and_content(server, browser, demo_db):
    import duckdb
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    try:
        now = con.execute("SELECT greatest((SELECT max(received_at) FROM hotline_tickets), "
                          "(SELECT max(raised_at) FROM alarms))").fetchone()[0]
        expected = dict(con.execute("SELECT coalesce(neighbourhood, '未填'), count(*) FROM hotline_tickets "
                                    "GROUP BY ALL").fetchall())
    finally:
        con.close()
    requests: list[str] = []
    context, page = _open(browser, f"{server}/explore?ds=hotline&by=neighbourhood", requests)
    try:
        name, body = _download(page, "下载 CSV")
        assert name == f"查询_12345工单_按居民区_{now.date()}.csv"
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert rows[0] == ["居民区", "数量（件）"]
        assert {r[0]: int(r[1]) for r in rows[1:]} == expected
        name, body = _download(page, "下载 Excel")
        assert name == f"查询_12345工单_按居民区_{now.date()}.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book.sheetnames == ["查询结果", "说明"]
        assert {r[0]: r[1] for r in book["查询结果"].iter_rows(min_row=2, values_only=True)} == expected
        assert _outside(requests) == []
    finally:
        context.close()


def test_fix_list_workbook_has_a_sheet_per_committee(server, browser):
    requests: list[str] = []
    context, page = _open(browser, f"{server}/data", requests)
    try:
        page.get_by_role("tab", name="整改清单").click()
        page.wait_for_timeout(500)
        name, body = _download(page, "下载 Excel（每个居民区一页）")
        assert name.startswith("整改清单_全部居民区_") and name.endswith(".xlsx")
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert len(book.sheetnames) > 1 and all(s.endswith("居民区") for s in book.sheetnames)
        first = book[book.sheetnames[0]]
        assert [c.value for c in first[1]] == ["居民区", "类型", "数据来源", "文件", "行号（Excel）", "列",
                                              "原值（已脱敏）", "问题与改法"]
        assert {r[0] for r in first.iter_rows(min_row=2, values_only=True)} == {book.sheetnames[0]}
    finally:
        context.close()


def test_brief_workbook_is_made_on_click(server, browser):
    """The 日报 workbook is a deferred download (made when pressed): in Chromium the click
    must still give the workbook, with the summary sheet first; the preview draws its bars."""
    requests: list[str] = []
    context, page = _open(browser, f"{server}/brief", requests)
    try:
        name, body = _download(page, "下载 Excel 工作簿")
        # The preview's bar charts survive st.html's sanitiser (inline SVG did not).
        assert page.locator(".bar-row").count() >= 2 and page.locator(".bar").first.bounding_box()["width"] > 0
        assert name.endswith(".xlsx") and "日报" in name
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book.sheetnames[0] == "摘要" and "疫情防控日报" in str(book["摘要"]["A1"].value)
        assert _outside(requests) == []
    finally:
        context.close()


def test_a_link_opens_its_page_after_sign_in(demo_db, browser, tmp_path):
    """A leader opens a link to the 日报 with a report day, signed out: the sign-in form, not
    "page not found"; after signing in, the 日报 of that day, not the overview."""
    from core.users import add_user
    users = tmp_path / "users.toml"
    add_user("lead", "leader", "correct-horse", path=users)
    with _streamlit(demo_db, tmp_path, BOARD_AUTH="required", BOARD_USERS=str(users),
                    BOARD_AUDIT=str(tmp_path / "audit.sqlite")) as base:
        requests: list[str] = []
        context, page = _open(browser, f"{base}/brief?d=2020-03-03", requests)
        try:
            page.get_by_text("一屏观 · 登录").wait_for(timeout=30_000)
            assert page.get_by_text("Page not found").count() == 0
            page.get_by_label("用户名").fill("lead")
            page.get_by_label("密码").fill("correct-horse")
            page.get_by_role("button", name="登录").click()
            page.get_by_role("heading", name=re.compile("日报")).first.wait_for(timeout=60_000)
            assert "/brief" in page.url and "d=2020-03-03" in page.url, page.url
            assert page.get_by_text("一屏观 · 登录").count() == 0
            page.screenshot(path=str(SHOTS / "deep_link_after_sign_in.png"), full_page=True)
        finally:
            context.close()
