"""The duty roster on the pages (demo database): the overview shows a signed-in user who is
on duty now with full names and phones; the 数据 page warns of the shifts a role is missing
from, today and the next 7 days (the demo leaves an officer's slot empty 3 days ahead)."""
from __future__ import annotations

import datetime as dt

from page_helpers import STAFF, direct, open_page, sign_in_required


def on_duty_now() -> list[tuple]:
    """Our own answer: the demo's replay "now" is its newest record (docs/metrics.md)."""
    return direct("""WITH now AS (SELECT greatest((SELECT max(received_at) FROM hotline_tickets),
                                                  (SELECT max(closed_at) FROM hotline_tickets),
                                                  (SELECT max(raised_at) FROM alarms),
                                                  (SELECT max(handled_at) FROM alarms)) AS t)
                     SELECT role, name, phone FROM duty_shifts, now WHERE starts_at <= t AND t < ends_at""")


def test_overview_shows_who_is_on_duty_with_full_names(board_env, monkeypatch, tmp_path):
    sign_in_required(monkeypatch, tmp_path)
    at = open_page("overview", user=STAFF)
    line = next(i.value for i in at.info if i.value.startswith("当前值班"))
    people = on_duty_now()
    assert {role for role, _, _ in people} == {"lead", "chief", "officer"}
    for role, name, phone in people:
        assert f"**{name}**" in line, name
        assert phone.replace("-", "\\-") in line, phone  # escaped for markdown
    assert "值班电话 **021\\-58880001**" in line


def test_data_page_warns_of_an_uncovered_shift(board_env):
    at = open_page("data")
    warning = next(w.value for w in at.warning if w.value.startswith("值班缺岗"))
    assert warning.endswith("1 处")
    gaps = next(d.value for d in at.dataframe if "缺少岗位" in d.value.columns)
    today = direct("SELECT max(raised_at) FROM alarms")[0][0].date()
    assert gaps.to_dict("records") == [{"日期": f"{today + dt.timedelta(days=3):%Y-%m-%d}", "班次": "全天",
                                        "缺少岗位": "值班员"}]
