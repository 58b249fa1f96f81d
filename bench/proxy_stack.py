"""The whole stack as `scripts/serve.sh --replicas N` starts it (N board processes behind
HAProxy, TLS with the certificate it generates), on free local ports, stopped with
everything it started; and what the proxy says of each replica (its admin socket). Shared
by the serving benchmark (bench/serving.py) and the stack's test (tests/test_proxy_stack.py).
"""
from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

from .common import REPO_ROOT

SERVE = REPO_ROOT / "scripts" / "serve.sh"
AFFINITY_COOKIE = "board_replica"   # deploy/haproxy/make-config.sh: the cookie naming a tab's replica


def free_ports(count: int) -> int:
    """The first of `count` consecutive free local ports."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count > 65535:
            continue
        held = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                held.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in held:
                probe.close()
    raise RuntimeError("no free consecutive ports")


class ProxyStack:
    """`scripts/serve.sh` in its own process group, with `environment` (the board's settings:
    BOARD_DB, BOARD_USERS, BOARD_COOKIE_SECRET_FILE, …); `start()` waits until it is ready."""

    def __init__(self, replicas: int, run_dir: Path, environment: dict[str, str], log: Path):
        self.replicas, self.run_dir, self.environment, self.log_path = replicas, Path(run_dir), environment, log
        self.port = free_ports(1)
        self.first_port = free_ports(replicas)
        self.url = f"https://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.tls: ssl.SSLContext | None = None

    def start(self, timeout: float = 120) -> ProxyStack:
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(SERVE), "--replicas", str(self.replicas), "--port", str(self.port),
             "--first-port", str(self.first_port), "--run-dir", str(self.run_dir)],
            cwd=REPO_ROOT, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not (self.run_dir / "ready").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"serve.sh did not get ready:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        # Clients trust exactly the certificate the stack generated: TLS is checked for real.
        self.tls = ssl.create_default_context(cafile=str(self.run_dir / "self-signed.pem"))
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def replica_port(self, server: str) -> int:
        """The port of the proxy's server `boardN` (make-config.sh numbers them from 1)."""
        return self.first_port + int(server.removeprefix("board")) - 1

    def replica_pid(self, port: int) -> int:
        return int((self.run_dir / f"replica-{port}.pid").read_text())

    def server_status(self) -> dict[str, str]:
        """{server name: UP/DOWN/…} from HAProxy's admin socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.run_dir / "haproxy.sock"))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == "replicas" and r["svname"].startswith("board")}

    def wait_status(self, server: str, status: str, seconds: float) -> float:
        """Seconds until the proxy calls `server` `status` (UP, DOWN); AssertionError after `seconds`."""
        t0 = time.monotonic()
        while self.server_status().get(server, "").split(" ")[0] != status:
            assert time.monotonic() - t0 < seconds, f"{server} not {status} after {seconds} s: {self.server_status()}"
            time.sleep(0.2)
        return time.monotonic() - t0
