"""Every figure for report days spread over the demo season, state figures of past days
included, equals an independent computation from docs/metrics.md (tests/metrics_oracle.py),
both as the board computes it and as the brief's workbook prints it."""
from __future__ import annotations

import datetime as dt

import pytest

from metrics_oracle import data_now, figures as oracle_figures, load_tables

# Twelve report days from the season's second day to its last (DEMO_END 2020-03-15, 45 days).
DAYS = [dt.date(2020, 2, 1) + dt.timedelta(days=4 * i) for i in range(11)] + [dt.date(2020, 3, 15)]


@pytest.fixture(scope="module")
def oracle(demo_db):
    from core import settings
    from boardkit.data.predicates import ALARM_TYPES
    tables = load_tables(demo_db)
    limits = {t: float(settings.get(f"alarm_threshold_minutes.{t}")) for t in ALARM_TYPES}
    now = data_now(tables)
    return lambda day: oracle_figures(tables, day, now, limits)


def _same(shown: dict, expected: dict, day) -> None:
    assert set(shown) == set(expected), set(shown) ^ set(expected)
    for key, value in expected.items():
        if value is None:
            assert shown[key] is None, (day, key)
        else:
            assert shown[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (day, key, shown[key], value)


def test_board_figures_equal_the_oracle_on_twelve_days(demo_db, oracle):
    from boardkit.data.clock import make_clock
    from boardkit.data.db import ALL, current_generation
    from boardkit.metrics.figures import stream_figures
    gen = current_generation(demo_db)
    nonzero = set()
    for day in DAYS:
        clock = make_clock(gen, day)
        assert clock.replay and clock.at == dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) \
            or day >= clock.now.date()
        figs = stream_figures(gen, clock, ALL)
        expected = oracle(day)
        _same({k: f.value for k, f in figs.items()}, expected, day)
        # 较前日: the same figure at t(D-1)
        _same({k: f.previous for k, f in figs.items()}, oracle(day - dt.timedelta(days=1)), day)
        nonzero |= {k for k, v in expected.items() if v}
    # the days exercise the state figures, not only zeros
    assert {"hotline_open", "hotline_overdue", "home_quarantine", "central_quarantine", "ending_soon", "blind_spot",
            "alarm_unhandled", "enterprise_pending", "enterprise_approved"} <= nonzero


def test_brief_workbook_equals_the_oracle(demo_db, oracle, tmp_path):
    import openpyxl

    from boardkit.metrics import REGISTRY
    from boardkit.brief.build import write_brief
    from boardkit.data.db import current_generation
    gen = current_generation(demo_db)
    by_name = {m.label: key for key, m in REGISTRY.items()}
    for day in (DAYS[2], DAYS[6], DAYS[-1]):
        [xlsx, _] = write_brief(gen, tmp_path, day)
        shown = {row[0]: row[1] for row in openpyxl.load_workbook(xlsx)["摘要"].iter_rows(values_only=True)
                 if row and row[0] in by_name}
        _same({by_name[name]: value for name, value in shown.items()}, oracle(day), day)


def test_board_screen_and_brief_for_today_show_the_same(demo_db, monkeypatch, tmp_path):
    """The same D (today, the screen's day) and generation: the overview's metrics, the wall
    screen's counters and the brief's workbook and print page carry the same values, labels
    and formats, all from the registry."""
    import re

    import openpyxl
    from streamlit.testing.v1 import AppTest

    from boardkit.brief.build import brief_files
    from boardkit.data.clock import live_clock
    from boardkit.data.db import ALL, current_generation
    from boardkit.metrics.figures import overview_figures
    from boardkit.metrics import REGISTRY, value_text
    from page_helpers import BOARD
    monkeypatch.setenv("BOARD_DB", str(demo_db))
    gen = current_generation(demo_db)
    live = live_clock(gen)
    figures = overview_figures(gen, live, ALL)
    expected = {REGISTRY[k].label: value_text(REGISTRY[k], f.value) for k, f in figures.items()}

    board = AppTest.from_file(str(BOARD), default_timeout=120)
    board.query_params["d"] = live.day.isoformat()
    board.run()
    assert not board.exception
    shown = {m.label: m.value for m in board.metric}
    assert shown and all(shown[label] == expected[label] for label in shown), \
        {label: (shown[label], expected[label]) for label in shown if shown[label] != expected[label]}

    board.switch_page("pages/screen.py")
    board.run()
    screen = "\n".join(str(e.value) for e in list(board.markdown) + list(board.html))
    cards = re.findall(r'data-kpi="(\w+)" data-value="([^"]*)".*?<div class="label">([^<]*)</div>', screen)
    assert cards
    for key, value, label in cards:
        assert label == REGISTRY[key].label
        assert (value == "" and figures[key].value is None) or float(value) == pytest.approx(figures[key].value)

    stem, xlsx, page = brief_files(gen, live.day)
    path = tmp_path / "brief.xlsx"
    path.write_bytes(xlsx)
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(path)["摘要"].iter_rows(values_only=True) if r and r[0]}
    for key, figure in figures.items():
        label = REGISTRY[key].label
        assert rows[label] == (None if figure.value is None else pytest.approx(figure.value)), key
        if f"data-key='{key}'" in page:  # the print page's KPI groups
            assert f"<div class='name'>{label}</div><div class='value'>{expected[label]}</div>" in page, key
