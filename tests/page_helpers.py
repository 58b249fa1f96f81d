"""Helpers for the page tests: open a page through board.py as a user would, read what it
shows, and read the demo database directly (read-only, with our own SQL) to know what the
page must show, so that its figures are checked independently."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest


BOARD = Path(__file__).resolve().parent.parent / "board.py"


def open_page(page: str, params: dict | None = None, user: tuple[str, str] | None = None) -> AppTest:
    """board.py first (it builds the context), then the page: its file (`pages/hotline.py`)
    or its name (`hotline`). `params` are the query parameters of a link, there from the
    session's first run as when a link is opened (widgets already drawn would keep their own
    state instead). `user` (name, password) signs in first, when the test turned sign-in on."""
    at = AppTest.from_file(str(BOARD), default_timeout=90)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if user:
        fill_sign_in(at, user)
        at.run()
    at.switch_page(page if page.endswith(".py") else f"pages/{page}.py")
    return rerun(at)


def fill_sign_in(at: AppTest, user: tuple[str, str]) -> None:
    """Types `user` (name, password) into the sign-in form and presses its button: the next
    run signs in."""
    at.text_input[0].input(user[0])
    at.text_input[1].input(user[1])
    at.button[0].click()


def sign_in_required(monkeypatch, folder: Path) -> None:
    """Turns sign-in on with three users: a leader, a staff member (no rooms) and the
    committee of the first neighbourhood (its rows only)."""
    from core.users import add_user
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


def report_day() -> dt.date:
    """The default report day D: the day before now."""
    return data_now().date() - dt.timedelta(days=1)


def trend_range() -> tuple[dt.date, dt.date]:
    """The default trend range: the 30 days ending on D."""
    day = report_day()
    return day - dt.timedelta(days=29), day


def neighbourhoods() -> list[tuple[str, str]]:
    return direct("SELECT code, name FROM ref_neighbourhoods ORDER BY code")


# A ticket text written to lure a reader: a markdown link, a bare link, an e-mail address
# (55 characters: the surge panel shows a ticket's first 60).
LURE = "[登录已过期，请点此重新登录](http://evil.cn/x) www.evil.cn a@evil.cn"


def lure_database(folder: Path) -> Path:
    """A database of two weeks with one mask question a day, then a report day of eight whose
    text carries LURE: the question is 新热点 on that day and the lure its example tickets."""
    from etl.load import LoadOptions, load_files
    rows = [(dt.date(2020, 2, 1) + dt.timedelta(days=offset), 10, "咨询哪里可以买到口罩") for offset in range(14)]
    report_day = dt.date(2020, 2, 15)
    rows += [(report_day, hour, f"{LURE} 咨询哪里可以买到口罩{hour}") for hour in range(8, 16)]
    rows.append((report_day + dt.timedelta(days=1), 1, "咨询停车收费"))  # "now" is the next day
    lines = ["工单编号,受理时间,诉求类型,诉求内容,发生地址,所属居委,承办部门,办理时限,办结时间,工单状态"]
    lines += [f'L{i:03d},{day} {hour:02d}:00,咨询,"{text}",,八一居委,,,,处理中' for i, (day, hour, text) in enumerate(rows)]
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "hotline_lure.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "db" / "board.duckdb"
    results = load_files("hotline", [source], db, LoadOptions(now=dt.datetime(2020, 2, 17)))
    assert [r.status for r in results] == ["loaded"], results
    return db


def frame_of(at: AppTest, index: int = 0):
    return at.dataframe[index].value


def subheader_number(at: AppTest, starts: str) -> int:
    """The first number in the subheader that starts with `starts` (e.g. "工单明细")."""
    for header in at.subheader:
        if header.value.startswith(starts):
            return int(re.search(r"(\d[\d,]*)\s*(?:件|人|条|家)", header.value).group(1).replace(",", ""))
    raise AssertionError(f"no subheader starting with {starts!r}: {[h.value for h in at.subheader]}")


def caption_number(at: AppTest, pattern: str) -> int:
    """The number captured by `pattern` in the first caption that matches it."""
    for caption in at.caption:
        found = re.search(pattern, caption.value)
        if found:
            return int(found.group(1).replace(",", ""))
    raise AssertionError(f"no caption matches {pattern!r}")


def metric_value(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table_with(at: AppTest, column: str):
    """The first st.dataframe that has `column`."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def busiest_neighbourhood() -> tuple[str, str]:
    """(code, name) of the neighbourhood with the most hotline tickets: a narrowed scope
    that surely has rows of every stream in the demo."""
    return direct("""SELECT neighbourhood_code, any_value(neighbourhood) FROM hotline_tickets
                     WHERE neighbourhood_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")[0]
