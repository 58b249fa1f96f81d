"""大屏 (the wall screen) under AppTest: it runs against the demo database, its KPI
counters are exactly the overview's figures for the same clock, every panel is there, and
nothing it renders is finer than a neighbourhood (no name, ID, phone, room or address) —
but the duty line, the one named exception: who is on duty by role and surname, and the
duty phone (staff work contacts, README's threat model).

Fragment refreshes do not run under AppTest (tech-notes.md): the live behaviour is tested in
a real browser (test_screen_browser.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from boardkit.data.clock import live_clock, make_clock
from boardkit.data.db import ALL, current_generation, query
from boardkit.metrics.figures import overview_figures
from boardkit.metrics.status import neighbourhood_status
from boardkit.screen.layout import PANELS, VIEWS
from page_helpers import BOARD

# What must never reach a wall (etl/privacy.py masks these; the screen must not even show masks).
MASKED_NAME = re.compile(r"[\u4e00-\u9fff]\*")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)|\d{3,6}\*{4,}\d{2,4}[\dXx]?")
PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:\d{4}|\*{4})\d{4}(?!\d)")
ROOM = re.compile(r"室")
ADDRESS = re.compile(r"\d+\s*[弄号]")
KPI = re.compile(r'data-kpi="(\w+)" data-value="([^"]*)"')
DUTY_PANEL = re.compile(r'<section class="scr-panel scr-duty"[^>]*>.*?</section>', re.S)


def open_screen(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(BOARD), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/screen.py")
    at.query_params.update({"key": os.environ["BOARD_SCREEN_KEY"], **(params or {})})  # conftest's key
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rendered_text(at: AppTest) -> list[str]:
    """Everything the page put on screen: text elements, markdown/HTML and table cells."""
    out = []
    for kind in ("markdown", "html", "caption", "text", "title", "header", "subheader", "code",
                 "error", "warning", "info", "success", "exception"):
        out += [str(getattr(e, "value", e)) for e in getattr(at, kind)]
    for metric in at.metric:
        out += [metric.label, str(metric.value), str(metric.delta)]
    for frame in list(at.dataframe) + list(at.table):
        value = frame.value
        out += [str(c) for c in value.columns] + [str(v) for v in value.astype(str).to_numpy().ravel()]
    return out


def markup(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in list(at.markdown) + list(at.html))


@pytest.fixture(scope="module")
def screen(board_env_module):
    return open_screen()


@pytest.fixture(scope="module")
def board_env_module(demo_db):
    """BOARD_DB on the demo database for the whole module (one page run serves the checks)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("BOARD_DB", str(demo_db))
    yield demo_db
    mp.undo()


def test_screen_runs_and_shows_every_panel(screen):
    assert not screen.exception
    text = markup(screen)
    for name in PANELS:
        assert f'data-panel="{name}"' in text, name
    assert "一屏观疫情" in text
    assert not re.search(r'class="scr-error"', text), "a panel failed to build"


def test_kpis_equal_the_overview_figures_for_the_same_clock(screen):
    """The screen is live: its report day is today, its state figures taken now."""
    gen = current_generation()
    figures = overview_figures(gen, live_clock(gen), ALL)
    shown = dict(KPI.findall(markup(screen)))
    assert set(shown) == set(VIEWS["overview"][1])
    for key, value in shown.items():
        expected = figures[key].value
        if expected is None:
            assert value == ""
        else:
            assert float(value) == pytest.approx(expected), key


def test_nothing_finer_than_a_neighbourhood(screen):
    for text in (DUTY_PANEL.sub("", t) for t in rendered_text(screen)):
        for pattern in (MASKED_NAME, ID_NUMBER, PHONE, ROOM, ADDRESS):
            found = pattern.search(text)
            assert not found, f"{pattern.pattern} matched {found.group(0)!r} in …{text[max(found.start() - 60, 0):found.end() + 60]}…"


def test_ticker_is_time_neighbourhood_type_and_minutes_only(screen):
    gen = current_generation()
    names = {n.replace("居民区", "") for n in query(gen, "SELECT name FROM ref_neighbourhoods")["name"]}
    rows = re.findall(r'<div class="scr-row[^"]*" data-alarm-time="[^"]+"><span class="t">(\d\d:\d\d)</span>'
                      r'<span class="n">([^<]+)</span><span class="k"[^>]*>([^<]+)</span><span class="m[^"]*">([^<]+)</span>',
                      markup(screen))
    assert rows
    for hhmm, nb, kind, minutes in rows:
        assert nb in names | {"未定位"}
        assert re.fullmatch(r"\d+ 分钟\S+|已报备", minutes), minutes


@pytest.mark.parametrize("spare", [0, 1, 40])
def test_ticker_rows_are_the_newest_alarms_however_many_the_last_day_holds(board_env_module, spare):
    """The ticker looks in the last day first: asked for exactly as many alarms as that day
    holds, one more, or many more, it lists the newest of all, in scope."""
    from boardkit.data.db import Scope
    from boardkit.queries.screen import TICKER_WINDOW, alarm_ticker
    gen = current_generation()
    clock = live_clock(gen)
    for scope in (ALL, Scope(("310115010001",))):
        where = "($scope_all OR list_contains($scope_codes, neighbourhood_code)) AND raised_at <= $now"
        in_window = int(query(gen, f"SELECT count(*) AS n FROM alarms WHERE {where} AND raised_at > $since",
                              {"now": clock.at, "since": clock.at - TICKER_WINDOW, **scope.params})["n"].iat[0])
        limit = max(in_window, 1) + spare
        newest = query(gen, f"SELECT raised_at FROM alarms WHERE {where} ORDER BY raised_at DESC LIMIT $limit",
                       {"now": clock.at, "limit": limit, **scope.params})
        ticker = alarm_ticker(gen, clock, scope, limit)
        assert list(ticker["raised_at"]) == list(newest["raised_at"])


def test_rotation_renders_every_view(board_env_module):
    at = open_screen({"rotate": "1"})
    text = markup(at) + "\n".join(str(e.value) for e in at.html)
    for view in VIEWS:
        assert f"st-key-screen-view-{view}" in text  # the rotation CSS names each view
    assert len(KPI.findall(markup(at))) == sum(len(v[1]) for v in VIEWS.values())


def test_duty_line_shows_role_surname_and_duty_phone_only(screen):
    """The demo's re-issued day (its last day) has a leader, a chief, two officers at the
    desk line and an extra night officer: all on duty at the replay's evening."""
    gen = current_generation()
    now = live_clock(gen).now
    on = query(gen, "SELECT role, name, name_masked, phone FROM duty_shifts "
                    "WHERE starts_at <= $now AND $now < ends_at", {"now": now})
    assert set(on["role"]) == {"lead", "chief", "officer"}
    panels = DUTY_PANEL.findall(markup(screen))
    assert len(panels) == 1
    line = re.sub(r"<[^>]+>", " ", panels[0])
    for role, masked in zip(on["role"], on["name_masked"]):
        assert masked in line and {"lead": "带班领导", "chief": "值班长", "officer": "值班员"}[role] in line
    everyone = query(gen, "SELECT DISTINCT name FROM duty_shifts")["name"]
    assert [n for n in everyone if n in line] == []  # surnames only, never a full name
    assert "值班电话 021-58880001" in line  # the officers' desk line
    # The demo leaves an officer's slot empty three days ahead: a red mark.
    day = (now + dt.timedelta(days=3)).strftime("%m-%d")
    assert re.search(rf'class="gap" data-uncovered="1">缺岗 {day} 全天 值班员<', panels[0]), panels[0]


MAP_PANEL = re.compile(r'<section class="scr-panel scr-map[^"]*" data-panel="map".*?</section>', re.S)
AREA_PATH = re.compile(r'<path class="nb nb-(\w+)" data-area="(\w+)"[^>]*><title>([^：<]+)：')
BADGE = re.compile(r'data-nb="([^"]+)" data-open-alarms="(\d+)"')


def map_markup(at: AppTest) -> str:
    panels = MAP_PANEL.findall(markup(at))
    assert len(panels) == 1
    return panels[0]


def test_map_over_several_sub_districts_draws_their_outlines(two_subdistrict_env):
    """A district or a city: one outline per sub-district, coloured by its worst
    neighbourhood, its name and its neighbourhoods' unhandled alarms summed; no
    neighbourhood polygon, no camera."""
    at = open_screen()
    gen = current_generation()
    status = neighbourhood_status(gen, live_clock(gen), ALL)
    names = query(gen, "SELECT DISTINCT subdistrict_name FROM ref_neighbourhoods")["subdistrict_name"]
    assert len(names) == 2 and len(status) == 6
    svg = map_markup(at)
    areas = AREA_PATH.findall(svg)
    assert [kind for _, kind, _ in areas] == ["subdistrict"] * 2
    assert svg.count("<path class=\"nb ") == 2  # not the 6 neighbourhoods
    worst = status.groupby("subdistrict_name")["status"].agg(
        lambda s: next(c for c in ("red", "amber", "green") if (s == c).any()))
    assert {name: colour for colour, _, name in areas} == worst.to_dict()
    for name in names:
        assert f">{name}</text>" in svg  # labelled
    alarms = status.groupby("subdistrict_name")["open_alarms"].sum()
    assert dict(BADGE.findall(svg)) == {n: str(int(c)) for n, c in alarms.items() if c}
    assert 'class="cam ' not in svg
    assert "按街道着色" in svg and "摄像头不在全区图上显示" in svg


def test_map_of_one_sub_district_draws_its_neighbourhoods(screen):
    gen = current_generation()
    status = neighbourhood_status(gen, live_clock(gen), ALL)
    assert status["subdistrict_code"].nunique() == 1
    svg = map_markup(screen)
    areas = AREA_PATH.findall(svg)
    assert {kind for _, kind, _ in areas} == {"neighbourhood"}
    assert sorted(name for _, _, name in areas) == sorted(status["name"])
    assert {name: colour for colour, _, name in areas} == dict(zip(status["name"], status["status"]))
    assert "按街道着色" not in svg


def _squares(n: int):
    import pandas as pd
    rows = []
    for i in range(n):
        x, y = 121.0 + (i % 10) * 0.01, 31.0 + (i // 10) * 0.01
        ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
        rows.append({"name": f"第{i}街道", "polygon_json": json.dumps([ring]), "centroid_lon": x + 0.005,
                     "centroid_lat": y + 0.005, "status": "green", "reason": "无需关注事项",
                     "open_alarms": 3 if i == 0 else 0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n, area, named", [(40, "subdistrict", 40), (41, "subdistrict", 0),
                                            (41, "neighbourhood", 41)])
def test_map_names_areas_unless_too_many_sub_districts(n, area, named):
    """A city's 200-odd sub-districts would be a wall of overlapping names: past 40 only the
    badges stay (the names are in each area's tooltip); neighbourhoods keep their names."""
    from boardkit.screen.svg import map_svg
    svg = map_svg(_squares(n), 36, 70, area=area)
    assert svg.count(f'data-area="{area}"') == n
    assert svg.count('class="nb-name"') == named
    assert BADGE.findall(svg) == [("第0街道", "3")]
