"""Signed-in sessions, kept on the server and shared by every board process on the host.

A browser holds only a random id in a signed, HttpOnly cookie (set by the route in
board_server.py, so page scripts never see it); the store — SQLite beside the audit log —
holds for each session its user, when it was created and last used, whether it was
revoked, and the user's password version at sign-in. Every run checks the row, so a
sign-out, a password reset or idle time ends a session in every tab and every process
at that tab's next interaction.

The browser's tab keeps the row's key in its server-side session state; the cookie's id is
only written when the browser claims the sign-in with a one-time hand-off token (a tab
signed in through the form cannot set an HttpOnly cookie from its websocket).

Also here: the sign-in throttle per (user name, client), a delay that doubles with each
failure beyond a few, never a lock-out. No Streamlit in this module.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from core import settings
from etl.privacy import secret_key

COOKIE = "yipingguan_session"
CLAIM_PATH = "/_board/session"
HANDOFF_SECONDS = 120
# Rows of sessions and failures nobody has used for this long are deleted.
_FORGET_SECONDS = 7 * 86400
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY, user TEXT NOT NULL, password_version INTEGER NOT NULL,
    created REAL NOT NULL, last_seen REAL NOT NULL, revoked REAL,
    cookie_hash TEXT UNIQUE, handoff_hash TEXT UNIQUE, handoff_until REAL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    user TEXT NOT NULL, client TEXT NOT NULL, failures INTEGER NOT NULL, last_failure REAL NOT NULL,
    PRIMARY KEY (user, client));
"""


@dataclass(frozen=True)
class Live:
    """A session that may go on: whose it is and whether its cookie is still unclaimed."""
    key: str
    user: str
    password_version: int
    handoff_pending: bool


def store_path() -> Path:
    return settings.audit_db().with_name("sessions.sqlite")


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = Path(path or store_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(_SCHEMA)
    return con


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cookie_key() -> bytes:
    # Derived from the host's secret key: every board process on the host signs alike.
    return hmac.new(secret_key(), b"yipingguan session cookie", hashlib.sha256).digest()


def _signature(value: str) -> str:
    mac = hmac.new(_cookie_key(), value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def cookie_value(session_id: str) -> str:
    return f"{session_id}.{_signature(session_id)}"


def session_id_of(cookie: str | None) -> str | None:
    """The id in a cookie whose signature holds, else None."""
    session_id, _, signature = (cookie or "").rpartition(".")
    if not session_id or not hmac.compare_digest(signature, _signature(session_id)):
        return None
    return session_id


def create(user: str, password_version: int, now: float | None = None, path: Path | None = None) -> tuple[str, str]:
    """A new session: (its key, kept by the tab; the one-time token that claims its cookie)."""
    now = time.time() if now is None else now
    key, handoff = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    con = _connect(path)
    try:
        con.execute("DELETE FROM sessions WHERE last_seen < ?", (now - _FORGET_SECONDS,))
        con.execute("INSERT INTO sessions (key, user, password_version, created, last_seen, handoff_hash, handoff_until) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, user, password_version, now, now, _digest(handoff), now + HANDOFF_SECONDS))
    finally:
        con.close()
    return key, handoff


def claim(handoff: str, now: float | None = None, path: Path | None = None) -> str | None:
    """The browser's claim of its sign-in: a new session id for the cookie, or None when the
    token is unknown, used, expired or its session revoked."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(32)
    con = _connect(path)
    try:
        claimed = con.execute("UPDATE sessions SET cookie_hash = ?, handoff_hash = NULL, handoff_until = NULL "
                              "WHERE handoff_hash = ? AND handoff_until > ? AND revoked IS NULL",
                              (_digest(session_id), _digest(handoff), now)).rowcount
    finally:
        con.close()
    return session_id if claimed else None


def key_of_cookie(cookie: str | None, path: Path | None = None) -> str | None:
    session_id = session_id_of(cookie)
    if session_id is None:
        return None
    con = _connect(path)
    try:
        row = con.execute("SELECT key FROM sessions WHERE cookie_hash = ?", (_digest(session_id),)).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def current(key: str, idle_seconds: float, touch: bool = True, now: float | None = None,
            path: Path | None = None) -> Live | None:
    """The session if it is neither revoked nor idle for `idle_seconds`; `touch` counts
    this run as activity (a user's action, not an automatic refresh)."""
    now = time.time() if now is None else now
    con = _connect(path)
    try:
        row = con.execute("SELECT user, password_version, last_seen, revoked, handoff_until FROM sessions "
                          "WHERE key = ?", (key,)).fetchone()
        if row is None or row[3] is not None or now - row[2] >= idle_seconds:
            return None
        if touch:
            con.execute("UPDATE sessions SET last_seen = ? WHERE key = ?", (now, key))
    finally:
        con.close()
    return Live(key, row[0], row[1], row[4] is not None and row[4] > now)


def end_sessions(user: str, now: float | None = None, path: Path | None = None) -> int:
    """Signs the user out everywhere: every tab, browser and board process."""
    con = _connect(path)
    try:
        return con.execute("UPDATE sessions SET revoked = ? WHERE user = ? AND revoked IS NULL",
                           (time.time() if now is None else now, user)).rowcount
    finally:
        con.close()


def sign_in_wait(user: str, client: str, now: float | None = None, path: Path | None = None) -> float:
    """Seconds this (user, client) must still wait before its next try; 0 when it may try."""
    now = time.time() if now is None else now
    con = _connect(path)
    try:
        row = con.execute("SELECT failures, last_failure FROM sign_in_failures WHERE user = ? AND client = ?",
                          (user, client)).fetchone()
    finally:
        con.close()
    free = int(settings.get("sign_in.free_failures"))
    if row is None or row[0] < free:
        return 0.0
    delay = min(float(settings.get("sign_in.max_delay_seconds")), 2.0 ** (row[0] - free))
    return max(0.0, row[1] + delay - now)


def record_failure(user: str, client: str, now: float | None = None, path: Path | None = None) -> int:
    """Counts a wrong password; returns the failures in a row for this (user, client)."""
    now = time.time() if now is None else now
    con = _connect(path)
    try:
        con.execute("DELETE FROM sign_in_failures WHERE last_failure < ?", (now - _FORGET_SECONDS,))
        con.execute("INSERT INTO sign_in_failures VALUES (?, ?, 1, ?) ON CONFLICT (user, client) DO UPDATE "
                    "SET failures = failures + 1, last_failure = excluded.last_failure", (user, client, now))
        return con.execute("SELECT failures FROM sign_in_failures WHERE user = ? AND client = ?",
                           (user, client)).fetchone()[0]
    finally:
        con.close()


def clear_failures(user: str, client: str, path: Path | None = None) -> None:
    con = _connect(path)
    try:
        con.execute("DELETE FROM sign_in_failures WHERE user = ? AND client = ?", (user, client))
    finally:
        con.close()
