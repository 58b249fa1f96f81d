"""`python -m etl`: every command's --help shows an example (例：); load prints per-file
counts and exits 0 when files were processed (rejects included); status reports them."""
from __future__ import annotations

import pytest

import argparse

from etl.__main__ import EXAMPLES, build_parser as _parser, main
from etl_helpers import DATA, cli


def _commands() -> list[str]:
    """Every sub-command the parser knows (new commands are picked up by these tests)."""
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


COMMANDS = _commands()


def test_every_command_has_an_example():
    assert {"load", "ingest", "demo", "rederive", "status", "settings"} <= set(COMMANDS)
    assert sorted(EXAMPLES) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_help_prints_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "例：" in out and f"python -m etl {command}" in out


def test_help_through_the_module_entry_point():
    proc = cli("load", "--help")
    assert proc.returncode == 0 and "例：python -m etl load hotline" in proc.stdout


def test_load_prints_counts_and_status_reports(db_path):
    proc = cli("load", "hotline", DATA / "hotline_utf8.csv", DATA / "hotline.xls", "--db", db_path)
    assert proc.returncode == 0, proc.stderr
    assert "导入  hotline_utf8.csv：读取 12 行，入库 5 行，拒收 7 行，警告 1 行" in proc.stdout
    assert "导入  hotline.xls：读取 3 行，入库 2 行，拒收 1 行，警告 0 行" in proc.stdout
    status = cli("status", "--db", db_path)
    assert status.returncode == 0, status.stderr
    hotline_line = next(line for line in status.stdout.splitlines() if line.startswith("12345工单"))
    assert "现有 7 行" in hotline_line and "拒收 8 行" in hotline_line and "警告 1 行" in hotline_line


def test_status_without_a_database(tmp_path):
    proc = cli("status", "--db", tmp_path / "none" / "board.duckdb")
    assert proc.returncode == 0 and "没有数据库" in proc.stdout
