"""Helpers of the stream-page tests (12345工单, 人员排摸与隔离, 门磁报警, 企业复工): open a
page through board.py as a user would, and answer the same questions with our own SQL on
the demo database (read-only) so that the page's figures are checked independently."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

BOARD = Path(__file__).resolve().parent.parent / "board.py"


def open_page(page: str, params: dict | None = None) -> AppTest:
    """board.py runs first (it builds the context), then the page. `params` are the query
    parameters of a link, there from the session's first run as when a link is opened
    (widgets already drawn would keep their own state instead)."""
    at = AppTest.from_file(str(BOARD), default_timeout=60)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(f"pages/{page}.py")
    return rerun(at)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def direct(sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(Path(os.environ["BOARD_DB"]).resolve()), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def one(sql: str, params: dict | None = None):
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
