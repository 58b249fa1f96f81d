"""The whole stack as `scripts/serve.sh --replicas 2` starts it: two board processes behind
HAProxy, on the demo database with sign-in on. Through the proxy, over TLS checked against
the generated certificate: the page and the health check, the websocket (a browser's
protocol: sign in, a page, the wall screen's fragments), the client address passed on and
believed only from the proxy, and a replica killed with SIGKILL taken out by the proxy's
health check, its signed-in viewer served again by the other replica still signed in (the
session cookie it claimed after signing in), and the replica started again."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest

from bench.proxy_stack import ProxyStack
from bench.streamlit_tab import GOOD_ENDS, RunFailed, Tab, on_sign_in_form
from boardkit.app import audit
from core.users import add_user

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
USER, PASSWORD = "duty", "proxy-test-pass-1"
SCREEN_KEY = "proxy-test-screen-key"

pytestmark = pytest.mark.skipif(not (shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
                                     and shutil.which("openssl")),
                                reason="haproxy or openssl is not installed (scripts/setup.sh --dev)")


class Stack(ProxyStack):
    """The stack, and what a test does through it: a plain HTTPS request, a tab."""

    def __init__(self, run_dir: Path, environment: dict[str, str], log: Path, audit_db: Path):
        super().__init__(2, run_dir, environment, log)
        self.audit_db = audit_db

    def get(self, path: str, cookie: str = "", source: str | None = None) -> http.client.HTTPResponse:
        con = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.tls, timeout=30,
                                          source_address=(source, 0) if source else None)
        con.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        answer = con.getresponse()
        answer.body = answer.read()
        con.close()
        return answer

    def tab(self, path: str = "", **kwargs) -> Tab:
        return Tab(self.url, path, context=self.tls, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def stack(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxy-stack")
    users = folder / "users.toml"
    add_user(USER, "staff", PASSWORD, path=users)
    env = {**os.environ, "BOARD_DB": str(demo_db), "BOARD_AUTH": "required", "BOARD_USERS": str(users),
           "BOARD_AUDIT": str(folder / "audit.sqlite"), "BOARD_COOKIE_SECRET_FILE": str(folder / "cookie.secret"),
           "BOARD_SCREEN_KEY": SCREEN_KEY}
    stack = Stack(folder / "serve", env, folder / "serve.log", folder / "audit.sqlite")
    try:
        stack.start(timeout=90)
    except RuntimeError as problem:
        pytest.fail(str(problem))
    try:
        yield stack
    finally:
        stack.stop()


def test_page_and_health_over_tls_with_the_affinity_cookie(stack):
    page = stack.get("/")
    assert page.status == 200 and b"<html" in page.body.lower()
    cookie = page.getheader("Set-Cookie")
    assert cookie.startswith("board_replica=board") and "HttpOnly" in cookie and "Secure" in cookie
    assert stack.get("/_stcore/health").body == b"ok"
    # Affinity: the cookie keeps every request of a tab on its replica.
    replica = cookie.split(";")[0]
    assert all(stack.get("/", cookie=replica).getheader("Set-Cookie") is None for _ in range(4))
    plain = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    with pytest.raises((http.client.HTTPException, OSError)):   # nothing but TLS on the proxy's port
        plain.request("GET", "/_stcore/health")
        plain.getresponse()


def test_sign_in_a_page_and_the_screen_over_the_websocket(stack):
    async def scenario():
        viewer = stack.tab()
        await viewer.connect()
        first = await viewer.first_run()
        assert first.status in GOOD_ENDS and not first.exceptions
        await viewer.sign_in(USER, PASSWORD)
        hotline = await viewer.switch_page("hotline")
        assert hotline.status in GOOD_ENDS and not hotline.exceptions
        assert len(hotline.widgets) > 3   # the shared filters and the page's own
        await viewer.close()

        screen = stack.tab("screen", query=f"key={SCREEN_KEY}")
        await screen.connect()
        opened = await screen.first_run()
        assert not opened.exceptions and screen.auto_reruns, "the screen drew no self-refreshing panel"
        fragment = await screen.rerun_fragment(next(iter(screen.auto_reruns)))
        assert fragment.fragment and fragment.status in GOOD_ENDS and not fragment.exceptions
        await screen.close()
    asyncio.run(scenario())


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_chromium_signs_in_through_the_proxy_over_http2_and_a_secure_websocket(stack):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from screenshot import CHROMIUM_ARGS
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            sockets = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            page.goto(f"{stack.url}/", wait_until="networkidle")
            page.get_by_label("用户名").fill(USER)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector(f"text=当前用户：{USER}", timeout=60_000)
            # The run has ended (charts drawing in the browser are not the proxy's business).
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.evaluate("() => performance.getEntriesByType('navigation')[0].nextHopProtocol") == "h2"
            assert sockets == [f"wss://127.0.0.1:{stack.port}/_stcore/stream"]
            assert {c["name"] for c in context.cookies()} >= {"board_replica"}
        finally:
            chromium.close()


def _refused_screen_clients(stack) -> list[str]:
    entries = audit.recent(event="screen_refused", path=stack.audit_db)
    return [json.loads(d)["client"] for d in entries["detail"]]


def test_the_client_address_is_passed_on_and_believed_from_the_proxy_only(stack):
    """From 127.0.0.5 (a client the screen's allow-list refuses) with a forged header: the
    proxy replaces the header, so the board sees 127.0.0.5; going round the proxy straight to
    a replica, the forged header is not believed (only the proxy's address is trusted)."""
    async def open_screen(url_tab):
        await url_tab.connect()
        await url_tab.first_run()
        await url_tab.close()

    forged = {"X-Forwarded-For": "10.1.2.3"}
    asyncio.run(open_screen(stack.tab("screen", source="127.0.0.5", headers=forged)))
    direct = Tab(f"http://127.0.0.1:{stack.first_port}", "screen", source="127.0.0.5", headers=forged, timeout=60)
    asyncio.run(open_screen(direct))
    assert _refused_screen_clients(stack) == ["127.0.0.5", "127.0.0.5"]


def test_the_load_client_reports_runs_by_kind_without_errors(stack, tmp_path, capsys):
    from bench import viewers
    summary_file = tmp_path / "summary.json"
    code = viewers.main(["--url", stack.url, "--cafile", str(stack.run_dir / "self-signed.pem"),
                         "--viewers", "2", "--screens", "1", "--duration", "10", "--think", "1", "2",
                         "--ramp", "1", "--user", USER, "--password", PASSWORD, "--screen-key", SCREEN_KEY, "--json", str(summary_file)])
    summary = json.loads(summary_file.read_text())
    assert code == 0 and summary["error_count"] == 0, summary["errors"]
    kinds = summary["kinds"]
    assert kinds["open"]["runs"] == 3 and kinds["sign_in"]["runs"] == 2
    assert kinds["fragment"]["runs"] >= 1   # the screen's alarm ticker reruns every few seconds
    actions = kinds.get("page", {}).get("runs", 0) + kinds.get("filter", {}).get("runs", 0)
    assert actions >= 1 and summary["reruns"]["runs"] == actions + kinds["fragment"]["runs"]
    assert all(0 < row["p50"] <= row["p95"] <= row["max"] for row in kinds.values())
    assert "p95" in capsys.readouterr().out


def test_percentiles_by_nearest_rank():
    from bench.viewers import percentile
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 21)], 95) == 19.0
    assert percentile([float(i) for i in range(1, 21)], 50) == 10.0
    assert percentile([], 95) != percentile([], 95)   # NaN: no runs, no figure


def test_a_killed_replica_is_taken_out_replaced_and_its_viewer_served_again_signed_in(stack):
    async def scenario():
        doomed = stack.tab()
        await doomed.connect()
        await doomed.first_run()
        await doomed.sign_in(USER, PASSWORD)
        survivor_name = "board2" if doomed.cookies["board_replica"] == "board1" else "board1"
        survivor = stack.tab(cookies=f"board_replica={survivor_name}")
        await survivor.connect()
        await survivor.first_run()
        await survivor.sign_in(USER, PASSWORD)

        killed = doomed.cookies["board_replica"]
        os.kill(stack.replica_pid(stack.replica_port(killed)), signal.SIGKILL)
        took = stack.wait_status(killed, "DOWN", 10)

        # A new request, even one whose cookie names the dead replica, is served.
        again = stack.get("/", cookie=f"board_replica={killed}")
        assert again.status == 200 and again.getheader("Set-Cookie").startswith(f"board_replica={survivor_name}")
        # The tab on the dead replica lost its connection; it reconnects through the proxy to
        # the other replica, whose new session finds the sign-in by its cookie: no sign-in form.
        with pytest.raises(RunFailed, match="connection lost"):
            await doomed.rerun()
        back = await doomed.reconnect()
        assert back.status in GOOD_ENDS and not back.exceptions
        assert doomed.cookies["board_replica"] == survivor_name
        assert not on_sign_in_form(back) and len(back.widgets) > 3
        # The other replica's tab noticed nothing.
        calm = await survivor.switch_page("hotline")
        assert calm.status in GOOD_ENDS and not calm.exceptions and not on_sign_in_form(calm)
        await doomed.close()
        await survivor.close()
        return killed, took
    killed, took = asyncio.run(scenario())
    assert took < 10
    # serve.sh starts the replica again; the proxy's health check takes it back.
    stack.wait_status(killed, "UP", 60)


def test_the_stack_stops_with_everything_it_started(stack):
    pids = [stack.replica_pid(stack.first_port + i) for i in range(2)]
    pids.append(int((stack.run_dir / "haproxy.pid").read_text()))
    stack.process.terminate()
    stack.process.wait(timeout=30)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", stack.port), timeout=2)
