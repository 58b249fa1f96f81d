"""The overview over many sub-districts: the map draws one outline per
sub-district coloured by its worst neighbourhood, the status table lists the neighbourhoods
that most need attention (not every one), and choosing a sub-district shows its
neighbourhoods. A tiny district-scale demo: 36 sub-districts, 1,080 neighbourhoods."""
from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from page_helpers import open_page

PAGE = "pages/overview.py"


@pytest.fixture(scope="module")
def district_db(isolated_board_env, tmp_path_factory):
    from demo.generate import write_demo_files
    from etl.load import LoadOptions, load_files
    folder = tmp_path_factory.mktemp("district")
    files = write_demo_files(folder / "files", scale="district", seed=2020, end=dt.date(2020, 3, 15), days=20,
                             volume_factor=0.003, verbose=False)
    saved = {k: os.environ.get(k) for k in ("BOARD_REFERENCE", "BOARD_DB")}
    os.environ["BOARD_REFERENCE"] = str(folder / "files" / "reference")
    os.environ["BOARD_DB"] = str(folder / "db" / "board.duckdb")
    load_files(None, files, folder / "db" / "board.duckdb", LoadOptions(classify=False))
    yield folder / "db" / "board.duckdb"
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _polygons(at) -> int:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return sum(len(layer["data"]) for layer in spec["layers"] if layer["@@type"] == "PolygonLayer")


def _status(db):
    from boardkit.data.clock import make_clock
    from boardkit.data.db import ALL, current_generation
    from boardkit.metrics.status import neighbourhood_status
    gen = current_generation(db)
    return neighbourhood_status(gen, make_clock(gen), ALL)


def test_whole_area_map_is_sub_districts_coloured_by_their_worst(district_db):
    status = _status(district_db)
    assert status["subdistrict_code"].nunique() == 36 and len(status) == 1080
    at = open_page(PAGE)
    assert _polygons(at) == 36
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    fills = {tuple(row["fill"]) for layer in spec["layers"] if layer["@@type"] == "PolygonLayer"
             for row in layer["data"]}
    from boardkit import labels
    worst = status.groupby("subdistrict_code")["status"].agg(
        lambda s: next(c for c in ("red", "amber", "green") if (s == c).any()))
    assert fills == {tuple(labels.STATUS_RGBA[c]) for c in set(worst)}
    table = at.dataframe[0].value
    assert len(table) == 200  # the neighbourhoods that most need attention, not 1,080
    order = {"红": 0, "黄": 1, "绿": 2}
    ranks = [order[s] for s in table["状态"]]
    assert ranks == sorted(ranks)
    assert any("共 1,080 个居民区" in c.value for c in at.caption)


def test_choosing_a_sub_district_shows_its_neighbourhoods(district_db):
    status = _status(district_db)
    code = sorted(status["subdistrict_code"].unique())[3]
    at = open_page(PAGE)
    at.selectbox(key="ov_subdistrict").select(code).run()
    assert not at.exception
    assert _polygons(at) == 30
    table = at.dataframe[0].value
    assert set(table["居民区"]) == set(status.loc[status["subdistrict_code"] == code, "name"])


def test_enterprise_map_over_many_sub_districts_draws_their_outlines(district_db):
    at = open_page("pages/enterprises.py")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    outlines = [layer for layer in spec["layers"] if layer["@@type"] == "PolygonLayer"]
    assert len(outlines) == 1 and len(outlines[0]["data"]) == 36  # not 1,080 neighbourhoods
