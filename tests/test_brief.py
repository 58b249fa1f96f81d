"""The brief: every figure equals an independent computation, the overview shows the same
numbers for the same day, the workbook is well-formed and safe, the HTML prints on A4."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from metrics_oracle import data_now, figures as oracle_figures, load_tables

REPO = Path(__file__).resolve().parent.parent
BRIEF_DAY = dt.date(2020, 3, 10)


@pytest.fixture(scope="module")
def brief_dir(demo_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("brief")
    proc = subprocess.run([sys.executable, "-m", "etl", "brief", "--date", BRIEF_DAY.isoformat(),
                           "--out", str(out), "--db", str(demo_db)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def _summary_figures(path: Path) -> dict[str, float | None]:
    from boardkit.metrics import REGISTRY
    by_name = {m.label: key for key, m in REGISTRY.items()}
    sheet = openpyxl.load_workbook(path)["摘要"]
    values = {}
    for row in sheet.iter_rows(min_row=1, values_only=True):
        if row[0] in by_name and (len(row) > 1):
            values[by_name[row[0]]] = row[1]
    return values


def test_every_workbook_figure_equals_an_independent_computation(brief_dir, demo_db):
    from core import settings
    from boardkit.data.predicates import ALARM_TYPES
    workbook = brief_dir / f"疫情防控日报_{BRIEF_DAY.isoformat()}.xlsx"
    shown = _summary_figures(workbook)
    tables = load_tables(demo_db)
    limits = {t: float(settings.get(f"alarm_threshold_minutes.{t}")) for t in ALARM_TYPES}
    expected = oracle_figures(tables, BRIEF_DAY, data_now(tables), limits)
    assert set(shown) == set(expected), set(shown) ^ set(expected)
    for key, value in expected.items():
        if value is None:
            assert shown[key] is None, key
        else:
            assert shown[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    assert expected["hotline_received"] > 0 and expected["alarm_alarms"] > 0  # the day has data


def test_workbook_shape_frozen_headers_and_types(brief_dir):
    book = openpyxl.load_workbook(brief_dir / f"疫情防控日报_{BRIEF_DAY.isoformat()}.xlsx")
    assert book.sheetnames == ["摘要", "居民区状态", "关注清单", "12345工单", "人员与隔离", "门磁报警", "企业复工"]
    tickets = book["12345工单"]
    assert tickets.freeze_panes == "A2"
    header = [c.value for c in tickets[1]]
    assert header[:3] == ["工单编号", "受理时间", "诉求类型"]
    received = tickets.cell(row=2, column=2).value
    assert isinstance(received, dt.datetime) and received.date() == BRIEF_DAY  # dates as dates
    assert book["居民区状态"].max_row - 1 == 22  # one row per neighbourhood of the pack
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not value.startswith(("=", "+", "@")), value


def test_overview_shows_the_same_numbers_for_that_day(brief_dir, board_env):
    from streamlit.testing.v1 import AppTest
    shown = _summary_figures(brief_dir / f"疫情防控日报_{BRIEF_DAY.isoformat()}.xlsx")
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.query_params["d"] = BRIEF_DAY.isoformat()
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["昨日工单"] == f"{int(shown['hotline_received']):,}"
    assert metrics["在办工单"] == f"{int(shown['hotline_open']):,}"
    assert metrics["居家隔离"] == f"{int(shown['home_quarantine']):,}"
    assert metrics["未处置报警"] == f"{int(shown['alarm_unhandled']):,}"
    assert metrics["涉疫占比"] == f"{shown['epidemic_share'] * 100:.1f}%"


def test_formula_text_is_neutralised():
    from boardkit.render.exports import neutralise_value as neutralise
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-1+2") == "'-1+2"
    assert neutralise("正常文本") == "正常文本"
    assert neutralise(-5) == -5  # numbers stay numbers


@pytest.mark.browser
def test_html_prints_on_a4_in_one_or_two_pages_with_chinese(brief_dir, tmp_path):
    from pypdf import PdfReader
    html = brief_dir / f"疫情防控日报_{BRIEF_DAY.isoformat()}.html"
    assert "http://" not in html.read_text(encoding="utf-8") and "https://" not in html.read_text(encoding="utf-8")
    pdf = tmp_path / "brief.pdf"
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", html.as_uri()],
                   capture_output=True, timeout=120, check=True)
    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "疫情防控日报" in text and "居民区状态" in text
