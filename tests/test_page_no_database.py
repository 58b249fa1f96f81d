"""No database yet (a new install), an empty DuckDB file, or one with the schema but no
load: every page shows a friendly page with the command that fixes it, never a traceback."""
from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from page_helpers import BOARD

FIX = "python -m etl demo"
PAGES = ["pages/overview.py", "pages/hotline.py", "pages/neighbourhood.py", "pages/explore.py", "pages/data.py"]


def _missing(tmp_path):
    return tmp_path / "nowhere" / "board.duckdb", "还没有数据库"


def _empty_file(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()  # a valid DuckDB file with no tables at all
    return path, "没有一屏观的数据表"


def _schema_only(tmp_path):
    from etl.store import apply_schema
    path = tmp_path / "schema.duckdb"
    con = duckdb.connect(str(path))
    apply_schema(con)
    con.close()
    return path, "数据库是空的"


def _dangling_link(tmp_path):
    path = tmp_path / "board.duckdb"
    path.symlink_to(tmp_path / "generations" / "board-000007.duckdb")
    return path, "指向的文件不存在"


@pytest.mark.parametrize("make", [_missing, _empty_file, _schema_only, _dangling_link])
def test_friendly_page_with_the_fix(tmp_path, monkeypatch, make):
    path, reason = make(tmp_path)
    monkeypatch.setenv("BOARD_DB", str(path))
    at = AppTest.from_file(str(BOARD), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [c.value for c in at.code] == [FIX]
    assert any(reason in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.metric and not at.dataframe  # nothing half-drawn
    for page in PAGES:  # a deep link to any page gets the same help
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert [c.value for c in at.code] == [FIX], page
    if make is _missing:  # looking did not create anything
        assert not path.exists() and not path.parent.exists()
