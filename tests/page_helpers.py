"""Helpers for the page tests: open a page through board.py as a user would, and read the
demo database directly (read-only, with our own SQL) to know what the page must show."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest


BOARD = Path(__file__).resolve().parent.parent / "board.py"


def open_page(page: str, params: dict | None = None, user: tuple[str, str] | None = None) -> AppTest:
    """board.py first (it builds the context), then the page, with an optional link.
    `user` (name, password) signs in first, when the test turned sign-in on."""
    at = AppTest.from_file(str(BOARD), default_timeout=90)
    at.query_params.update(params or {})
    at.run()
    if user:
        at.text_input[0].input(user[0])
        at.text_input[1].input(user[1])
        at.button[0].click()
        at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in_required(monkeypatch, folder: Path) -> None:
    """Turns sign-in on with three users: a leader, a staff member (no rooms) and the
    committee of the first neighbourhood (its rows only)."""
    from etl.users import add_user
    users = folder / "users.toml"
    monkeypatch.setenv("BOARD_AUTH", "required")
    monkeypatch.setenv("BOARD_USERS", str(users))
    monkeypatch.setenv("BOARD_AUDIT", str(folder / "audit.sqlite"))
    add_user("lead", "leader", "lead-pass-1", path=users)
    add_user("staff", "staff", "staff-pass-1", path=users)
    add_user("nb", "neighbourhood", "nb-pass-1", (neighbourhoods()[0][0],), path=users)


STAFF, COMMITTEE = ("staff", "staff-pass-1"), ("nb", "nb-pass-1")


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def direct(sql: str, params: dict | list | None = None) -> list[tuple]:
    """Our own answer, from the generation file the live path points at."""
    con = duckdb.connect(str(Path(os.environ["BOARD_DB"]).resolve()), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def one(sql: str, params: dict | list | None = None):
    return direct(sql, params)[0][0]


def data_now() -> dt.datetime:
    """docs/metrics.md: in a replay "now" is the newest time of any kind in the data."""
    return one("""SELECT greatest((SELECT max(received_at) FROM hotline_tickets), (SELECT max(closed_at) FROM hotline_tickets),
                                  (SELECT max(raised_at) FROM alarms), (SELECT max(handled_at) FROM alarms))""")


def moment() -> dt.datetime:
    """t(D) of the default report day D (yesterday): the end of D, where state figures are taken."""
    return dt.datetime.combine(data_now().date(), dt.time())


def neighbourhoods() -> list[tuple[str, str]]:
    return direct("SELECT code, name FROM ref_neighbourhoods ORDER BY code")


def frame_of(at: AppTest, index: int = 0):
    return at.dataframe[index].value
