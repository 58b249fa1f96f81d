"""Sign-in that holds, in Debian's Chromium against real `streamlit run` servers:
the first request after a start to /audit gets the sign-in form; a reload or a new tab
stays signed in; a sign-out in one tab ends the other tab's session at its next click, and
so does a password reset; two board processes behind a plain TCP forwarder share the
sessions (one session store, one host secret)."""
from __future__ import annotations

import asyncio
import itertools
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from boardkit.app import audit, sessions
from core.users import add_user, reset_password
from live_helpers import free_port, streamlit_servers

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
CHROMIUM = "/usr/bin/chromium"
SIGN_IN_TITLE = "一屏观 · 登录"
SECRET_NUMBER = "13912345678"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@contextmanager
def _forwarder(backends: list[int]):
    """A plain TCP forwarder (no headers added, like a same-host proxy): each new connection
    goes to the next backend port in turn. Yields (its port, connections per backend)."""
    port = free_port()
    counts = {p: 0 for p in backends}
    turn = itertools.cycle(backends)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        backend = next(turn)
        counts[backend] += 1
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", backend)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))

    stop: list[asyncio.Event] = []

    async def main():
        stop.append(asyncio.Event())
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        async with server:
            await stop[0].wait()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield port, counts
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)
        loop.close()


@pytest.fixture
def accounts(tmp_path) -> dict:
    """Sign-in on, one leader, a fresh audit log and session store (no database needed)."""
    users = tmp_path / "users.toml"
    add_user("lead", "leader", "lead-pass-1", path=users)
    return {"BOARD_AUTH": "required", "BOARD_USERS": str(users), "BOARD_AUDIT": str(tmp_path / "audit.sqlite")}


@pytest.fixture
def board(accounts, demo_db) -> dict:
    """`accounts` and the demo database: the signed-in board draws its pages."""
    return {**accounts, "BOARD_DB": str(demo_db)}


def _settled(page) -> None:
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def _shows(page, signed_in: bool, timeout: float = 60) -> bool:
    """Waits (up to `timeout` s) until the page shows the signed-in board (its sign-out
    button) or, when `signed_in` is false, the sign-in form; True when it did."""
    _settled(page)
    wanted = page.get_by_role("button", name="退出登录") if signed_in else page.get_by_text(SIGN_IN_TITLE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wanted.count():
            return True
        page.wait_for_timeout(200)
    return False


def _sign_in(page, base: str, name: str, password: str) -> None:
    page.goto(base, wait_until="networkidle")
    assert _shows(page, False)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    assert _shows(page, True)
    deadline = time.monotonic() + 30
    while not any(c["name"] == sessions.COOKIE for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the session cookie was never set"
        page.wait_for_timeout(200)


def _click_nav(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()


@pytest.mark.parametrize("entry", ["board.py", "board_server.py"])
def test_first_request_after_a_start_to_audit_gets_the_sign_in_form(accounts, browser, tmp_path, entry):
    audit.record("view", "lead", "leader", "查询", {"q": f"电话 {SECRET_NUMBER}"}, path=Path(accounts["BOARD_AUDIT"]))
    with streamlit_servers(entry, 1, accounts, tmp_path) as (base,):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{base}/audit", wait_until="networkidle")  # the first request of this server
            assert _shows(page, False)
            page.wait_for_timeout(1500)  # nothing else arrives later
            text = page.locator("[data-testid='stAppViewContainer']").inner_text()
            assert "审计日志" not in text and "5678" not in text and "lead" not in text, text[:500]
            assert page.locator("[data-testid='stDataFrame']").count() == 0
        finally:
            context.close()


def test_sessions_survive_reload_and_new_tab_and_end_everywhere(board, browser, tmp_path):
    with streamlit_servers("board_server.py", 1, board, tmp_path) as (base,):
        context = browser.new_context()
        try:
            first = context.new_page()
            _sign_in(first, base, "lead", "lead-pass-1")
            cookie = next(c for c in context.cookies() if c["name"] == sessions.COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert first.evaluate("() => document.cookie").find(sessions.COOKIE) < 0  # scripts cannot read it
            first.reload(wait_until="networkidle")
            assert _shows(first, True), "a reload (F5) keeps the session"
            second = context.new_page()
            second.goto(f"{base}/hotline", wait_until="networkidle")
            assert _shows(second, True), "a new tab keeps the session"

            first.get_by_role("button", name="退出登录").click()
            assert _shows(first, False)
            _click_nav(second, "总览")  # the other tab's next click
            assert _shows(second, False), "a sign-out ends the session in every tab"

            _sign_in(first, base, "lead", "lead-pass-1")
            second.reload(wait_until="networkidle")
            assert _shows(second, True)
            reset_password("lead", "lead-pass-2", path=Path(board["BOARD_USERS"]))
            _click_nav(first, "12345工单")
            assert _shows(first, False), "a password reset ends the sessions"
            second.reload(wait_until="networkidle")
            assert _shows(second, False)
        finally:
            context.close()


def test_two_board_processes_behind_a_forwarder_share_the_sessions(board, browser, tmp_path):
    with streamlit_servers("board_server.py", 2, board, tmp_path) as bases:
        ports = [int(b.rsplit(":", 1)[1]) for b in bases]
        with _forwarder(ports) as (port, counts):
            base = f"http://127.0.0.1:{port}"
            context = browser.new_context()
            try:
                page = context.new_page()
                _sign_in(page, base, "lead", "lead-pass-1")
                for _ in range(3):
                    page.reload(wait_until="networkidle")
                    assert _shows(page, True)
                assert all(counts[p] > 0 for p in ports), counts  # both processes answered
                page.get_by_role("button", name="退出登录").click()
                assert _shows(page, False)
                for _ in range(2):
                    page.reload(wait_until="networkidle")
                    assert _shows(page, False), "signed out in both processes"
            finally:
                context.close()


def test_auth_off_is_refused_on_a_server_listening_beyond_loopback(accounts, browser, tmp_path):
    with streamlit_servers("board_server.py", 1, {**accounts, "BOARD_AUTH": "off"}, tmp_path, address="0.0.0.0") as (base,):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base, wait_until="networkidle")
            assert _shows(page, False), "BOARD_AUTH=off on 0.0.0.0: sign-in stays on"
            assert page.get_by_text("BOARD_AUTH=off 未生效").count()
        finally:
            context.close()
