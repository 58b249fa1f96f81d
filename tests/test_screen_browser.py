"""The wall screen in Debian's Chromium against a real `streamlit run`.

The server runs on a COPY of the demo database (a test loads alarms into it) with the
refresh intervals cut to 2 s through a copied reference pack. Checked: the layout fills
1920×1080, 3840×2160 and 1366×768 with no scrolling and every panel (the duty line under the
header included); a new alarm file loaded
with the CLI shows up without a reload; the rotation cycles its views; the screen survives
a server restart without a reload; the server's memory stays flat at a 2 s refresh; a camera
on the screen's map, and one on the overview's map (the same server), opens the configured
platform page in a new tab; and no request leaves the machine. Screenshots: artifacts/screen/
(and docs/screenshots/screen.png).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from boardkit.data.clock import live_clock
from boardkit.data.db import ALL, current_generation
from boardkit.metrics.figures import overview_figures
from boardkit.render.maps import fit_zoom
from boardkit.screen.layout import PANELS, VIEWS
from etl_helpers import query
from live_helpers import free_port, scalar
from screen_server import ScreenServer, rss_kib

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "artifacts" / "screen"
README_SHOT = REPO / "docs" / "screenshots" / "screen.png"
REFRESH = 2  # seconds, for every fragment (settings below)
ROTATE = 3
SIZES = [(1920, 1080), (3840, 2160), (1366, 768)]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
CAMERA_PAGE = "https://video.example.gov.cn/camera?id={camera_id}"  # never reached: routing stops it
OVERVIEW_MAP = "[data-testid='stDeckGlJsonChart']"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


def _settings_pack(target: Path) -> Path:
    """data/reference copied, with its settings.toml (if any) plus fast refreshes."""
    shutil.copytree(REPO / "data" / "reference", target)
    path = target / "settings.toml"
    values = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    values.update({"screen_refresh_seconds": REFRESH, "screen_alarm_refresh_seconds": REFRESH,
                   "screen_rotate_seconds": ROTATE, "camera_page_url": CAMERA_PAGE})
    path.write_text("".join(f"{json.dumps(k)} = {json.dumps(v)}\n" for k, v in values.items()), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen")
    # The session's demo database must not change: the screen runs on a copy of the folder,
    # the live link kept a link (it is relative, so it points into the copy).
    db_dir = shutil.copytree(demo_db.parent, folder / "db", symlinks=True)
    reference = _settings_pack(folder / "reference")
    srv = ScreenServer(free_port(), db_dir / demo_db.name, reference, folder / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class Screen:
    """One browser page on /screen, recording every request it makes (and stopping any
    that would leave the machine), and marking the window so a reload would show."""

    def __init__(self, browser, url: str, width: int = 1920, height: int = 1080):
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.route(lambda url: not _local(url), lambda route: route.abort())
        self.page.goto(url)
        self.wait_drawn()
        self.page.evaluate("""() => { window.__sameWindow = true; window.__chimes = [];
            new MutationObserver(() => document.querySelectorAll('audio[data-chime]')
                .forEach(a => window.__chimes.includes(a.dataset.chime) || window.__chimes.push(a.dataset.chime)))
              .observe(document.body, {childList: true, subtree: true}); }""")

    def wait_drawn(self, timeout_ms: int = 60_000) -> None:
        selector = ",".join(f'[data-panel="{p}"]' for p in PANELS)
        self.page.wait_for_function(
            f"""() => new Set([...document.querySelectorAll('{selector}')].map(e => e.dataset.panel)).size
                      === {len(PANELS)}""", timeout=timeout_ms)
        self.page.wait_for_timeout(1500)  # let the first fragment runs settle

    def same_window(self) -> bool:
        return bool(self.page.evaluate("() => window.__sameWindow === true"))

    def outside(self) -> list[str]:
        return [u for u in self.requests if not _local(u)]

    def close(self) -> None:
        self.context.close()


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in LOCAL_HOSTS


LAYOUT_JS = """() => {
  const box = s => { const e = document.querySelector(s); return e && [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]; };
  const W = innerWidth, H = innerHeight;
  const panels = [...document.querySelectorAll('.scr-panel')].filter(e => getComputedStyle(e).visibility === 'visible');
  return {
    main: box('[data-testid="stMain"]'), view: box('[data-testid="stAppViewContainer"]'),
    doc: [document.scrollingElement.scrollHeight, innerHeight, document.scrollingElement.scrollWidth, innerWidth],
    outside: panels.filter(e => { const r = e.getBoundingClientRect();
      return r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1; }).map(e => e.dataset.panel),
    overflowing: panels.filter(e => e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2)
      .map(e => [e.dataset.panel, e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]),
    exceptions: document.querySelectorAll('[data-testid="stException"], .scr-error').length,
    text: document.body.innerText,
  };
}"""


# Every /screen below carries conftest's screen key: a loopback client is no proof of presence.
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_screen_fills_the_wall_without_scrolling(server, browser, size):
    width, height = size
    screen = Screen(browser, f"{server.base}/screen?key={os.environ['BOARD_SCREEN_KEY']}", width, height)
    try:
        layout = screen.page.evaluate(LAYOUT_JS)
        # A refresh leaves an unchanged panel's DOM alone (no flash): the same node survives.
        screen.page.evaluate("() => { document.querySelector('[data-panel=trend]').__kept = true; }")
        screen.page.wait_for_timeout(2 * REFRESH * 1000 + 500)
        assert screen.page.evaluate("() => document.querySelector('[data-panel=trend]').__kept === true")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"screen-{width}x{height}.png"
        screen.page.screenshot(path=str(shot))
        if size == (1920, 1080):
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, README_SHOT)
        for name in ("main", "view", "doc"):
            scroll_h, client_h, scroll_w, client_w = layout[name]
            assert scroll_h == client_h and scroll_w == client_w, (name, layout[name])
        assert layout["exceptions"] == 0
        assert layout["outside"] == [], layout["outside"]
        assert layout["overflowing"] == [], layout["overflowing"]
        for phrase in ("一屏观疫情", "实时报警", "居民区状态", "企业复工进度", "较前日"):
            assert phrase in layout["text"], phrase
        # The duty line, whole and inside the wall (the panel checks above include it): roles,
        # surnames, the duty phone, and the red mark of the demo's empty slot.
        duty = screen.page.evaluate("""() => { const e = document.querySelector('[data-panel=duty]');
            const r = e.getBoundingClientRect(), gap = e.querySelector('.gap').getBoundingClientRect();
            return [e.innerText, r.bottom <= innerHeight, gap.right <= r.right + 1,
                    getComputedStyle(e.querySelector('.gap')).backgroundColor]; }""")
        assert all(word in duty[0] for word in ("带班领导", "值班长", "值班员", "值班电话 021-58880001", "缺岗")), duty
        assert duty[1:] == [True, True, "rgb(255, 90, 79)"], duty
        cjk = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        assert cjk.strip(), "no CJK font: run scripts/setup.sh --dev (fonts-wqy-microhei)"
        assert screen.outside() == [], screen.outside()
    finally:
        screen.close()


def test_clicking_a_camera_opens_its_platform_page_in_a_new_tab(server, browser):
    screen = Screen(browser, f"{server.base}/screen?key={os.environ['BOARD_SCREEN_KEY']}")
    left: list[str] = []  # every request of any tab that is not to this machine, stopped
    screen.context.route(lambda url: not _local(url), lambda route: (left.append(route.request.url), route.abort()))
    try:
        links = screen.page.locator('[data-panel="map"] svg a[data-camera]')
        cameras = sorted(r[0] for r in query(server.db, "SELECT camera_id FROM cameras"))
        assert sorted(links.evaluate_all("as => as.map(a => a.dataset.camera)")) == cameras
        assert set(links.evaluate_all("as => as.map(a => a.getAttribute('target') + ' ' + a.getAttribute('rel'))")) \
            == {"_blank noopener noreferrer"}
        offline = screen.page.locator('[data-panel="map"] svg a[data-camera] .cam-offline')
        assert offline.count() == len(query(server.db, "SELECT 1 FROM cameras WHERE online = 'offline'")) > 0
        note = screen.page.locator('[data-panel="map"] svg .cam-count')
        assert (note.get_attribute("data-online"), note.get_attribute("data-offline")) == tuple(
            str(n) for n in query(server.db, "SELECT count(*) FILTER (online = 'online'), "
                                                   "count(*) FILTER (online = 'offline') FROM cameras")[0])
        link = links.nth(len(cameras) // 2)
        camera = link.get_attribute("data-camera")
        expected = CAMERA_PAGE.replace("{camera_id}", quote(camera, safe=""))
        with screen.context.expect_page() as opened:
            link.locator(".cam").click(force=True)  # force: the panel redraws every REFRESH seconds
        tab = opened.value
        tab.wait_for_load_state()
        assert left == [expected]  # the platform's page, asked for by the new tab and stopped here
        assert tab.evaluate("() => window.opener === null")  # noopener: no way back to the board's window
        assert screen.page.url.startswith(server.base)  # the screen stays where it was
        assert screen.outside() == []
    finally:
        screen.close()


def _on_overview_map(db, lon: float, lat: float, box: dict) -> tuple[float, float]:
    """Where a point is drawn on the overview map: web Mercator around the view that
    maps.status_map fits to the neighbourhoods (fit for a 900×430 map, centred)."""
    xs, ys = zip(*(xy for (p,) in query(db, "SELECT polygon_json FROM ref_neighbourhoods") for xy in json.loads(p)[0]))
    world = 512 * 2 ** fit_zoom(max(xs) - min(xs), max(ys) - min(ys), 900, 430)

    def mercator(x, y):
        return (x + 180) / 360 * world, (1 - math.log(math.tan(math.pi / 4 + math.radians(y) / 2)) / math.pi) / 2 * world

    (cx, cy), (px, py) = mercator((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2), mercator(lon, lat)
    return box["x"] + box["width"] / 2 + px - cx, box["y"] + box["height"] / 2 + py - cy


def test_clicking_a_camera_on_the_overview_map_links_to_its_platform_page(server, browser):
    """The same server's overview: a click on a camera point (pydeck on_select) shows a button
    linking to its page in a new tab."""
    from playwright.sync_api import TimeoutError as NotYet
    from screenshot import wait_until_drawn
    camera, lon, lat = query(server.db, "SELECT camera_id, lon, lat FROM cameras WHERE online = 'offline' "
                                        "ORDER BY camera_id LIMIT 1")[0]
    left: list[str] = []
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    context.route(lambda url: not _local(url), lambda route: (left.append(route.request.url), route.abort()))
    try:
        page = context.new_page()
        page.goto(server.base, wait_until="networkidle")
        page.wait_for_selector(OVERVIEW_MAP, timeout=90_000)
        wait_until_drawn(page)
        page.locator(OVERVIEW_MAP).evaluate("e => e.scrollIntoView({block: 'center'})")
        button = page.locator("[data-testid='stLinkButton'] a")
        for _ in range(3):  # deck.gl picks after it has drawn: a click before that selects nothing
            page.wait_for_timeout(1500)
            x, y = _on_overview_map(server.db, lon, lat, page.locator(OVERVIEW_MAP).bounding_box())
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            try:
                button.wait_for(timeout=10_000)
                break
            except NotYet:
                continue
        assert button.get_attribute("href") == CAMERA_PAGE.replace("{camera_id}", quote(camera, safe=""))
        assert button.get_attribute("target") == "_blank"
        with context.expect_page() as opened:
            button.click()
        opened.value.wait_for_load_state()
        assert left == [CAMERA_PAGE.replace("{camera_id}", quote(camera, safe=""))]  # asked for by the new tab, stopped
    finally:
        context.close()


def _alarm_file(folder: Path, raised: dt.datetime, neighbourhood: str) -> Path:
    path = folder / f"alarms-{raised:%H%M%S}.csv"
    path.write_text("设备编号,设备类型,报警类型,报警时间,居民区\n"
                    f"MC9{raised:%H%M%S}0,门磁,开门,{raised:%Y-%m-%d %H:%M:%S},{neighbourhood}\n", encoding="utf-8")
    return path


def _load(server, path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "etl", "load", "alarms", str(path), "--db", str(server.db)],
                          cwd=REPO, env=server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _new_alarm(server, folder: Path, after: dt.timedelta) -> dt.datetime:
    """Loads one door_open alarm `after` the latest record; returns its time."""
    latest = scalar(server.db, "SELECT greatest((SELECT max(received_at) FROM hotline_tickets), "
                               "(SELECT max(raised_at) FROM alarms))")
    raised = (latest + after).replace(microsecond=0)
    _load(server, _alarm_file(folder, raised, "金星居民区"))
    return raised


def _shows(screen: Screen, raised: dt.datetime, timeout: float) -> float:
    """Seconds until the pinned newest ticker row is this alarm (fails after `timeout`)."""
    start = time.monotonic()
    screen.page.wait_for_selector(f'.scr-latest[data-alarm-time="{raised:%Y-%m-%d %H:%M:%S}"]',
                                  state="attached", timeout=timeout * 1000)
    return time.monotonic() - start


def _kpis(screen: Screen) -> dict:
    return screen.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-kpi]')]
        .map(e => [e.dataset.kpi, e.dataset.value]))""")


def _expected_kpis(server) -> dict:
    """The overview's figures on the generation the server now reads."""
    gen = current_generation(server.db)
    figures = overview_figures(gen, live_clock(gen), ALL)  # the screen is live: report day today
    return {k: "" if figures[k].value is None else format(float(figures[k].value), ".10g")
            for k in VIEWS["overview"][1]}


def test_new_alarm_appears_without_reload(server, browser, tmp_path):
    screen = Screen(browser, f"{server.base}/screen?key={os.environ['BOARD_SCREEN_KEY']}")
    try:
        assert screen.page.locator('text.nb-count[data-nb="金星"]').count() == 0  # no open alarm there yet
        assert _kpis(screen) == _expected_kpis(server)
        raised = _new_alarm(server, tmp_path, dt.timedelta(minutes=3))
        waited = _shows(screen, raised, REFRESH + 5)
        assert screen.same_window(), "the page was reloaded"
        # The other panels moved to the new generation too: the map's count at 金星, the KPIs.
        screen.page.wait_for_selector('text.nb-count[data-nb="金星"]', state="attached", timeout=(REFRESH + 5) * 1000)
        expected = _expected_kpis(server)
        deadline = time.monotonic() + REFRESH + 5
        while _kpis(screen) != expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _kpis(screen) == expected
        # The chime rang once for the new door_open alarm (an <audio> that comes and goes).
        screen.page.wait_for_function("() => window.__chimes.length > 0", timeout=(REFRESH + 5) * 1000)
        assert screen.page.evaluate("() => window.__chimes") == [f"{raised:%Y-%m-%d %H:%M:%S}"]
        assert screen.page.locator('[data-testid="stException"]').count() == 0
        assert screen.outside() == [], screen.outside()
        print(f"\nnew alarm on screen {waited:.1f} s after the load finished")
    finally:
        screen.close()


def test_rotation_cycles_the_views(server, browser):
    screen = Screen(browser, f"{server.base}/screen?rotate=1&key={os.environ['BOARD_SCREEN_KEY']}")
    seen, shots = set(), set()
    try:
        deadline = time.monotonic() + 4 * ROTATE + 4
        while time.monotonic() < deadline and len(seen) < 3:
            shown = screen.page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-screen-view-"]')]
                .filter(v => getComputedStyle(v).visibility === 'visible')
                .map(v => [v.className.match(/st-key-screen-view-(\\S+)/)[1], Number(getComputedStyle(v).opacity)])""")
            full = [name for name, opacity in shown if opacity > .99]
            seen.update(full)
            if len(shown) == 1 and full and full[0] not in shots:  # one clean picture per view
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                screen.page.screenshot(path=str(ARTIFACTS / f"screen-rotate-{full[0]}.png"))
                shots.add(full[0])
            time.sleep(0.5)
        assert seen == {"overview", "alarms", "hotline"}, seen
        assert screen.same_window()
        assert screen.outside() == [], screen.outside()
    finally:
        screen.close()


def _memory_check(server, browser, seconds: int, every: int = 10) -> list[int]:
    screen = Screen(browser, f"{server.base}/screen?rotate=1&key={os.environ['BOARD_SCREEN_KEY']}")  # every view: the most fragments
    samples = []
    try:
        screen.page.wait_for_timeout(3 * REFRESH * 1000)  # warm: caches filled, first runs done
        for _ in range(seconds // every + 1):
            samples.append(rss_kib(server.pid))
            time.sleep(every)
        assert screen.page.locator('[data-testid="stException"]').count() == 0
        assert screen.same_window()
    finally:
        screen.close()
    third = max(len(samples) // 3, 1)
    first, last = max(samples[:third]), max(samples[-third:])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"memory-{seconds}s.txt").write_text(
        f"refresh {REFRESH} s, sampled every {every} s, VmRSS KiB: {samples}\n"
        f"first third max {first}, last third max {last} ({(last / first - 1) * 100:+.1f}%)\n", encoding="utf-8")
    print(f"\nVmRSS KiB every {every} s: {samples}; first third max {first}, last third max {last}")
    assert last <= first * 1.15, samples
    return samples


def test_memory_stays_flat_for_a_minute(server, browser):
    _memory_check(server, browser, 60)


@pytest.mark.drill
def test_memory_stays_flat_for_ten_minutes(server, browser, request):
    if "drill" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("ten minutes long: run it with -m drill (scripts/drills.sh)")
    _memory_check(server, browser, 600, every=20)


def test_screen_recovers_after_a_server_restart(server, browser, tmp_path):
    """Runs last in this module: it restarts the server (same port, same database)."""
    screen = Screen(browser, f"{server.base}/screen?key={os.environ['BOARD_SCREEN_KEY']}")
    try:
        server.stop()
        screen.page.wait_for_timeout(3000)
        restarted = time.monotonic()
        server.start()
        # New data after the restart proves the screen is live again, not a stale picture.
        raised = _new_alarm(server, tmp_path, dt.timedelta(minutes=6))
        _shows(screen, raised, max(60 - (time.monotonic() - restarted), 5))
        print(f"\nscreen live again {time.monotonic() - restarted:.1f} s after the restart")
        assert screen.same_window(), "the page was reloaded"
        screen.page.wait_for_timeout(2 * REFRESH * 1000)
        assert screen.page.locator('[data-testid="stException"], .scr-error').count() == 0
        assert screen.outside() == [], screen.outside()
    finally:
        screen.close()
