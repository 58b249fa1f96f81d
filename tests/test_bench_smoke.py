"""The benchmark runs end to end on a tiny database and its table has a row per page and
per named query with positive numbers. No timing thresholds: times are the benchmark's
business (`python -m bench`), never a test's."""
from __future__ import annotations

import datetime as dt

import pytest

from boardkit.screen.layout import PANELS
from etl.sources import SOURCES


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from bench import build
    return build.ensure_database("subdistrict", 2020, work_root=tmp_path_factory.mktemp("bench"),
                                 end=dt.date(2020, 3, 1), days=20, volume=0.05, say=lambda msg: None)


def test_benchmark_table_on_a_tiny_database(tiny, monkeypatch):
    from bench import page_speed, query_speed, report, run

    for name, value in tiny.environment().items():   # restored after the test
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BOARD_REFERENCE", raising=False)
    args = run.parse_args(["--scale", "subdistrict", "--repeat", "1", "--skip-browser",
                           "--sample-rows", "40", "--ratio-rows", "2000", "--no-results"])
    rows = run.measure(tiny, args, say=lambda msg: None)
    by_section = {}
    for r in rows:
        by_section.setdefault(r.section, []).append(r)

    sizes = {r.item: r.values for r in by_section["size"]}
    assert sizes["hotline_tickets"]["rows"] > 0 and sizes["database file"]["bytes"] > 0

    etl = by_section["ETL"]
    per_source = [r for r in etl if r.values.get("files")]
    assert {r.item.split(":")[0] for r in per_source} == set(SOURCES)  # every source the demo writes
    assert all(r.values["rows_per_s"] > 0 for r in per_source)
    assert any(r.values.get("ratio") and r.values["ratio"] > 0 for r in per_source)

    pages = by_section["page"]
    assert [r.values["page"] for r in pages] == page_speed.discover_pages()
    assert "pages/overview.py" in [r.values["page"] for r in pages]
    for r in pages:
        assert not r.values["problem"].startswith("raised"), (r.item, r.values["problem"])
        assert r.values["cold_ms"] > 0 and r.values["warm_ms"] > 0

    screen = by_section["screen"]
    assert [r.item for r in screen] == [*PANELS, "fragment header", "fragment slow", "fragment fast",
                                        "whole screen run"]
    for r in screen:
        assert not r.values["problem"], (r.item, r.values["problem"])
        assert r.values["cold_ms"] > 0 and r.values["warm_ms"] > 0
    map_row = next(r for r in screen if r.values["panel"] == "map")
    assert map_row.values["neighbourhood"] > 0 and map_row.values["subdistrict"] == 0  # one sub-district

    queries = by_section["query"]
    discovered = query_speed.discover_queries()
    assert len(queries) == len(discovered)
    assert [r.item for r in queries] == [name for name, _ in discovered]
    assert not [r.item for r in queries if r.values.get("error")], [r.detail for r in queries if r.values.get("error")]
    called = [r for r in queries if not r.values.get("skipped") and not r.values.get("error")]
    assert len(called) >= len(queries) - 2   # skipping is for a parameter nobody can fill
    for r in called:
        assert r.values["cold_ms"] > 0 and r.values["warm_ms"] > 0 and r.values["rows"] >= 0

    naive = {r.item: r for r in by_section["naive vs ours"]}
    assert naive["speed: naive / ours"].values["ratio"] > 0
    assert naive["memory: ours / naive (peak RSS)"].values["share"] > 0
    assert naive["same figures both ways"].figure == "yes", naive["same figures both ways"].detail

    assert by_section["memory"][0].values["mb"] > 0
    text = report.table(rows, "subdistrict")
    assert text.count("\n") == len(rows) + 1


@pytest.fixture
def tiny_env(tiny, monkeypatch):
    from bench.common import quiet_streamlit
    quiet_streamlit()
    for name, value in tiny.environment().items():   # restored after the test
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BOARD_REFERENCE", raising=False)
    return tiny


def test_screen_refused_is_failed_not_timed(tiny_env):
    """A wrong key shows the screen's refusal page: no panel may get a time from it."""
    from bench import screen_speed
    rows = screen_speed.screen_rows(1, key="not-the-screen-key", say=lambda msg: None)
    assert [r.item for r in rows] == [*PANELS, "whole screen run"]  # refused before any fragment
    for r in rows:
        assert r.figure == "FAILED" and r.ok is False and "cold_ms" not in r.values, r
    assert all(r.values["problem"].startswith("not the screen: 大屏未开放给此地址") for r in rows[:-1])


def test_screen_error_panel_is_failed_not_timed(tiny_env, monkeypatch):
    """A panel that fails shows its error panel: that panel's row says FAILED and why; the
    others are timed."""
    from bench import screen_speed
    from boardkit.screen import live

    def broken(*args):
        raise RuntimeError("trend broke")

    monkeypatch.setitem(live.SLOW, "trend", broken)
    rows = {r.item: r for r in screen_speed.screen_rows(1, say=lambda msg: None)}
    assert rows["trend"].figure == "FAILED" and "cold_ms" not in rows["trend"].values
    assert rows["trend"].values["problem"] == "error panel: RuntimeError: trend broke"
    assert rows["fragment slow"].figure == rows["whole screen run"].figure == "FAILED"
    for name in set(PANELS) - {"trend"}:
        assert rows[name].values["warm_ms"] > 0 and not rows[name].values["problem"], name


def test_classification_speed_runs_on_the_demo_season_texts(capsys):
    from bench import classify_speed
    assert classify_speed.main(["--tickets", "3000", "--workers", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("演示季工单 10,000 条，平均长度") and "计时 3,000 条" in lines[0]
    assert [line.split("：")[0] for line in lines[1:]] == ["1 个进程", "2 个进程"]
    assert all(float(line.split("：")[1].split(" ")[0].replace(",", "")) > 0 for line in lines[1:])
