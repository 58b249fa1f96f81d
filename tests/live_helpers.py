"""Helpers for tests against live processes: drop files, wait for rows, free ports, board servers,
a group robot on 127.0.0.1."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from etl import live_alarms

HEADER = "报警编号,设备编号,设备类型,报警类型,报警时间,居民区,地址,处置状态,处置人,处置时间\n"


def alarm_csv(rows: list[str]) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


class Robot(ThreadingHTTPServer):
    """Records each message; answers 500 to the first `fail` calls of a path."""

    def __init__(self, fail: dict[str, int]):
        self.messages, self.fail, self.lock = [], dict(fail), threading.Lock()
        super().__init__(("127.0.0.1", 0), RobotHandler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def of(self, path: str, word: str) -> list[dict]:
        return [m for p, m in self.messages if p == path and word in json.dumps(m, ensure_ascii=False)]


class RobotHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = self.path.split("?")[0]
        with self.server.lock:
            failing = self.server.fail.get(path, 0) > 0
            if failing:
                self.server.fail[path] -= 1
            else:
                self.server.messages.append((path, body))
        answer = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@contextmanager
def serving(server):
    """A test server answering on its own thread for the duration of the block."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def drop(inbox: Path, name: str, text: str) -> Path:
    """Writes under a temporary name, then renames: how a well-behaved sender delivers."""
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f"{name}.part"
    tmp.write_text(text, encoding="utf-8")
    final = inbox / name
    os.replace(tmp, final)
    return final


def scalar(db: Path, sql: str, params: list | None = None):
    """One value read through the live link, read-only, with the live alarm store as the
    board reads it; None when there is no database yet."""
    if not os.path.lexists(db):
        return None
    live = live_alarms.current_file(db)
    con = duckdb.connect(str(Path(db).resolve()), read_only=True)
    try:
        live_alarms.attach(con, live)
        return con.execute(sql, params or []).fetchall()[0][0]
    finally:
        con.close()


def wait_for(predicate, timeout: float = 15.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {getattr(predicate, '__name__', predicate)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inbox_files(inbox: Path) -> list[str]:
    return sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))


REPO = Path(__file__).resolve().parents[1]


@contextmanager
def streamlit_servers(entry: str, count: int, env: dict, log_dir: Path, address: str = "127.0.0.1"):
    """`count` × `streamlit run <entry>` on free ports, all with the same environment,
    listening on `address`."""
    processes, bases = [], []
    try:
        for n in range(count):
            port = free_port()
            log = open(log_dir / f"server-{n}.log", "wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", entry, "--server.port", str(port),
                 "--server.address", address, "--server.headless", "true",
                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        for process, base in zip(processes, bases):
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, f"streamlit exited ({process.returncode})"
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "streamlit did not answer /_stcore/health within 60 s"
                time.sleep(0.2)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_SHAPED = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15}|\d{6}\*{4,}\d{2,4}|1\d{2}\*{4}\d{4})(?![\dA-Za-z])")


def assert_nothing_personal(text: str, names=()) -> None:
    """A message body with no 11-digit phone, nothing shaped like an identity number (clear
    or masked), no room (室) and none of `names`."""
    assert not PHONE.search(text), PHONE.search(text)
    assert not ID_SHAPED.search(text), ID_SHAPED.search(text)
    assert "室" not in text, text
    for name in names:
        assert name not in text, name
