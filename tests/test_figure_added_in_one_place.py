"""A figure is added in one place: one new entry in the metric registry puts it, with its
label and format, on the overview's KPI rows, in the brief's workbook and on its print page,
with the value the data give. The entry is added in a separate process before the board's
modules are imported, as an edit of boardkit/metrics/registry.py would be."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl

REPO = Path(__file__).resolve().parent.parent
DAY = "2020-03-10"

SCRIPT = r"""
import json, sys, datetime as dt
from pathlib import Path
from boardkit.metrics.registry import REGISTRY, Metric, NEUTRAL, RECEIVED, SUMMARIES
REGISTRY["complaints_received"] = Metric(
    "complaints_received", "投诉工单", "统计日受理的投诉类工单数", "day", NEUTRAL, "count",
    "tickets_received", f"count(*) FILTER (request_type = 'complaint' AND {RECEIVED})", SUMMARIES)

from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.query_params["d"] = sys.argv[2]
at.run()
assert not at.exception, [e.value for e in at.exception]
shown = {m.label: m.value for m in at.metric}

from boardkit.brief.build import write_brief
from boardkit.data.db import current_generation
paths = write_brief(current_generation(Path(sys.argv[3])), Path(sys.argv[4]), dt.date.fromisoformat(sys.argv[2]))
print(json.dumps({"overview": shown.get("投诉工单"), "files": [str(p) for p in paths]}))
"""


def test_one_registry_entry_puts_a_figure_on_the_overview_and_the_brief(board_env, tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "board.py"), DAY, str(board_env),
                           str(tmp_path / "brief")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    con = duckdb.connect(str(board_env.resolve()), read_only=True)
    expected = con.execute("""SELECT count(*) FROM hotline_tickets WHERE request_type = 'complaint'
                              AND received_at >= CAST($d AS DATE) AND received_at < CAST($d AS DATE) + 1""",
                           {"d": DAY}).fetchone()[0]
    con.close()
    assert expected > 0
    assert result["overview"] == f"{expected:,}"

    xlsx, html = (Path(p) for p in result["files"])
    sheet = openpyxl.load_workbook(xlsx)["摘要"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["投诉工单"] == expected
    page = html.read_text(encoding="utf-8")
    assert "data-key='complaints_received'" in page and "投诉工单" in page
