"""日报 page: the brief of the report day, previewed as the printable HTML, with both
downloads. The workbook is made only when its button is pressed (a city's day took ~50 s
in openpyxl), and then it is the same workbook the CLI writes."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from page_helpers import open_page

PAGE = "pages/brief.py"


def test_brief_page_previews_the_day_and_defers_the_workbook(board_env):
    at = open_page(PAGE)
    assert at.title[0].value.startswith("防控例会日报")
    buttons = at.get("download_button")
    assert len(buttons) == 2
    html = at.get("html")[0].proto.body
    assert "疫情防控日报" in html or "防控" in html


def test_the_workbook_callable_gives_the_clis_workbook(board_env, demo_db):
    from boardkit.brief.build import brief_files, build_brief, workbook_bytes
    from boardkit.data.clock import make_clock
    from boardkit.data.db import ALL, current_generation
    gen = current_generation(demo_db)
    day = make_clock(gen).day
    stem, cli_bytes, _ = brief_files(gen, day, ALL)
    deferred = workbook_bytes(build_brief(gen, day, ALL))
    sheets = [load_workbook(io.BytesIO(b), read_only=True).sheetnames for b in (cli_bytes, deferred)]
    assert sheets[0] == sheets[1] and "摘要" in sheets[0]
    rows = [[tuple(r) for r in load_workbook(io.BytesIO(b)).worksheets[1].iter_rows(values_only=True)]
            for b in (cli_bytes, deferred)]
    assert rows[0] == rows[1] and len(rows[0]) > 1
