"""Browser timing: ms from navigation until every chart of the page is drawn, in
Debian's Chromium through Playwright, for the overview and for a trivial one-chart page
(bench/trivial_app.py) served by its own `streamlit run` in the same run — the floor.

"Drawn": the script has finished (no status widget, no skeleton), at least as many
plotly charts, Vega-Lite charts and deck maps are on the page as the AppTest run of that
page produced, every plotly chart has its `svg.main-svg`, every Vega-Lite chart its
canvas, and every deck map its canvas.

Each repeat opens a new browser context (a new Streamlit session, no browser cache);
one untimed visit first, so both servers have imported everything and the board's
cache holds the overview (the usual state of a board that is already running).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .common import REPO_ROOT, Row, fmt_ms, median

CHROMIUM = "/usr/bin/chromium"
TRIVIAL_APP = Path(__file__).resolve().parent / "trivial_app.py"
BUDGET_MS = 3000.0   # issue 9: overview drawn ≤ 3 s after navigation at sub-district scale
FLOOR_FACTOR = 1.5   # issue 24: and within 1.5× the trivial page's time, median of interleaved rounds

DRAWN_JS = """(expected) => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelectorAll('[data-testid="stElementContainer"]').length === 0) return false;
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (plots.length < expected.plotly) return false;
  for (const p of plots) if (!p.querySelector('svg.main-svg')) return false;
  const vegas = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
  if (vegas.length < (expected.vega || 0)) return false;
  for (const v of vegas) if (!v.querySelector('canvas, svg.marks')) return false;
  const decks = document.querySelectorAll('[data-testid="stDeckGlJsonChart"]');
  if (decks.length < expected.deck) return false;
  for (const d of decks) if (!d.querySelector('canvas')) return false;
  return true;
}"""

SEEN_JS = """() => ({plotly: document.querySelectorAll('.js-plotly-plot').length,
  plotly_drawn: document.querySelectorAll('.js-plotly-plot svg.main-svg').length,
  vega: document.querySelectorAll('[data-testid="stVegaLiteChart"]').length,
  vega_drawn: document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas').length,
  deck: document.querySelectorAll('[data-testid="stDeckGlJsonChart"]').length,
  deck_canvas: document.querySelectorAll('[data-testid="stDeckGlJsonChart"] canvas').length,
  status: !!document.querySelector('[data-testid="stStatusWidget"]'),
  skeleton: !!document.querySelector('[data-testid="stSkeleton"]')})"""


def chromium_args() -> list[str]:
    """The flags scripts/screenshot.py uses (imported, so they stay one list)."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        from screenshot import CHROMIUM_ARGS
    finally:
        sys.path.pop(0)
    return list(CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run script` on a free localhost port; stopped by its own pid. `cwd`: the
    tree it runs in (its .streamlit/config.toml applies)."""

    def __init__(self, script: Path, env: dict, log: Path, cwd: Path = REPO_ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def time_visit(browser, url: str, expected: dict, timeout_ms: int = 60_000) -> tuple[float | None, dict]:
    context = browser.new_context(viewport={"width": 1600, "height": 2400})
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        try:
            page.wait_for_function(DRAWN_JS, arg=expected, polling="raf", timeout=timeout_ms)
            return (time.perf_counter() - t0) * 1000, {}
        except Exception:
            return None, page.evaluate(SEEN_JS)
    finally:
        context.close()


def browser_rows(environment: dict, targets: list[tuple[str, str, dict]], repeat: int, log_dir: Path,
                 say=print) -> list[Row]:
    """targets: (label, path and query string on the board, expected chart counts)."""
    from playwright.sync_api import sync_playwright

    log_dir.mkdir(parents=True, exist_ok=True)
    run_env = {**os.environ, **environment}
    board = Server(REPO_ROOT / "board.py", run_env, log_dir / "streamlit-board.log")
    trivial = Server(TRIVIAL_APP, run_env, log_dir / "streamlit-trivial.log")
    floor_label = "trivial one-chart page (floor, same run)"
    visits = [(label, board, path, expected) for label, path, expected in targets]
    visits.append((floor_label, trivial, "/", {"plotly": 1, "vega": 0, "deck": 0}))
    times = {label: [] for label, *_ in visits}
    failures = {}
    try:
        board.wait_healthy()
        trivial.wait_healthy()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=chromium_args())
            try:
                for i in range(repeat + 1):   # the first round is the untimed warm-up
                    for label, server, path, expected in visits:   # interleaved: same conditions
                        ms, seen = time_visit(browser, server.url + path, expected)
                        if ms is None:
                            failures[label] = f"not drawn within 60 s; seen {seen}"
                        elif i > 0:
                            times[label].append(ms)
                    if i == 0:
                        say("  browser: warmed up")
            finally:
                browser.close()
    finally:
        board.stop()
        trivial.stop()

    floor = median(times[floor_label])
    rows = []
    for label, _, _, expected in visits[:-1]:
        ms = median(times[label])
        detail = (f"waits for {expected['plotly']} plotly, {expected.get('vega', 0)} vega, "
                  f"{expected['deck']} deck (from AppTest)")
        if floor == floor and ms == ms:
            detail += f"; {ms / floor:.2f}× the floor (+{fmt_ms(ms - floor)} ms)"
        if label in failures:
            detail += f"; {failures[label]}"
        held = ms == ms and floor == floor and ms <= BUDGET_MS and ms <= FLOOR_FACTOR * floor
        rows.append(Row("browser", f"{label}: navigation → all charts drawn", f"{fmt_ms(ms)} ms", detail,
                        f"≤ {BUDGET_MS:.0f} and ≤ {FLOOR_FACTOR}× the floor", held, "subdistrict",
                        values={"ms": ms, "floor_ms": floor}))
    rows.append(Row("browser", floor_label, f"{fmt_ms(floor)} ms",
                    failures.get(floor_label, "bench/trivial_app.py on its own streamlit server"),
                    values={"ms": floor}))
    return rows
