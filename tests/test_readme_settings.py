"""The README's settings table is the one `python -m etl settings --markdown` prints."""
from __future__ import annotations

from pathlib import Path

from etl.__main__ import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_table_matches_the_settings(capsys):
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| 名称 | 默认值 | 说明 |")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    assert main(["settings", "--markdown"]) == 0
    assert lines[start:end] == capsys.readouterr().out.splitlines()
