"""数据 page on the demo database: load history, issue counts and fix-lists equal our own
counts of etl_runs, etl_rejects and etl_warnings."""
from __future__ import annotations

import os
import re
from pathlib import Path

from page_helpers import (COMMITTEE, direct, metric_value, neighbourhoods, one, open_page, rerun, sign_in_required,
                          table_with)

PAGE = "pages/data.py"

ISSUES = """(SELECT 'reject' AS kind, * FROM etl_rejects UNION ALL BY NAME SELECT 'warning' AS kind, * FROM etl_warnings)"""


def test_totals_generation_and_size(board_env):
    at = open_page(PAGE)
    assert metric_value(at, "文件") == f"{one('SELECT count(*) FROM etl_runs'):,}"
    assert metric_value(at, "导入行数") == f"{one('SELECT sum(rows_loaded) FROM etl_runs'):,}"
    assert metric_value(at, "拒收行数") == f"{one('SELECT sum(rows_rejected) FROM etl_runs'):,}"
    assert metric_value(at, "警告行数") == f"{one('SELECT sum(rows_warned) FROM etl_runs'):,}"
    generation = one("SELECT value FROM meta WHERE key = 'generation'")
    size = os.path.getsize(Path(os.environ["BOARD_DB"]).resolve()) / 1024 / 1024
    caption = next(c.value for c in at.caption if "数据库文件" in c.value)
    assert f"当前数据第 {generation} 代" in caption and f"{size:.1f} MB" in caption


def test_history_lists_every_run_and_filters_by_source(board_env):
    at = open_page(PAGE)
    runs = table_with(at, "读取行数")
    assert len(runs) == one("SELECT count(*) FROM etl_runs")
    assert runs["批次"].tolist() == [r for (r,) in direct("SELECT run_id FROM etl_runs ORDER BY run_id DESC")]
    assert set(runs["结果"]) <= {"已导入", "重复文件已跳过", "整份拒收"}
    at.multiselect(key="dt_sources").set_value(["hotline"])
    rerun(at)
    runs = table_with(at, "读取行数")
    assert len(runs) == one("SELECT count(*) FROM etl_runs WHERE source = 'hotline'")
    assert set(runs["数据来源"]) == {"12345工单"}


def test_issue_counts_by_neighbourhood_and_file(board_env):
    at = open_page(PAGE)
    by_nb = table_with(at, "涉及文件").set_index("居民区")
    expected = direct(f"""SELECT n.name, count(*) FILTER (kind = 'reject'), count(*) FILTER (kind = 'warning')
                          FROM {ISSUES} i JOIN ref_neighbourhoods n ON n.name = i.neighbourhood GROUP BY ALL""")
    assert expected
    for name, rejects, warnings in expected:
        assert (by_nb.loc[name, "拒收"], by_nb.loc[name, "警告"]) == (rejects, warnings), name
    total = one(f"SELECT count(*) FROM {ISSUES}")
    assert by_nb["拒收"].sum() + by_nb["警告"].sum() == total  # unresolved rows included, once
    by_file = next(d.value for d in at.dataframe if "文件" in d.value.columns and "批次" in d.value.columns
                   and "读取行数" not in d.value.columns)
    assert by_file["拒收"].sum() + by_file["警告"].sum() == total
    worst = one(f"SELECT file_name FROM {ISSUES} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    row = by_file.set_index("文件").loc[worst]
    assert row["拒收"] + row["警告"] == one(f"SELECT count(*) FROM {ISSUES} WHERE file_name = ?", [worst])


def test_fix_list_for_one_committee(board_env):
    code, name = next((c, n) for c, n in neighbourhoods()
                      if one(f"SELECT count(*) FROM {ISSUES} WHERE neighbourhood = ?", [n]) > 0)
    at = open_page(PAGE)
    everything = table_with(at, "问题与改法")
    assert len(everything) == one(f"SELECT count(*) FROM {ISSUES}")
    at.multiselect(key="dt_fix_nb").set_value([code])
    rerun(at)
    fix = table_with(at, "问题与改法")
    assert len(fix) == one(f"SELECT count(*) FROM {ISSUES} WHERE neighbourhood = ?", [name])
    assert set(fix["居民区"]) == {name}
    assert list(fix.columns) == ["居民区", "类型", "数据来源", "文件", "行号（Excel）", "列", "原值（已脱敏）", "问题与改法"]
    assert not any(re.fullmatch(r"[a-z_]+", str(c)) for c in fix["列"])  # columns as the clerk's file heads them
    assert fix["行号（Excel）"].min() >= 2  # row 1 is the header at least
    labels = [b.proto.label for b in at.get("download_button") if b.proto.label.startswith("下载")]
    assert labels == ["下载 Excel（每个居民区一页）", "下载 CSV"]  # the other tables' buttons are "CSV"/"Excel"


def test_committee_sees_only_its_own_issues(board_env, tmp_path, monkeypatch):
    sign_in_required(monkeypatch, tmp_path)
    own, name = neighbourhoods()[0]
    at = open_page(PAGE, user=COMMITTEE)
    fix = table_with(at, "问题与改法")
    assert len(fix) == one(f"SELECT count(*) FROM {ISSUES} WHERE neighbourhood = ?", [name])
    assert set(fix["居民区"]) <= {name}
    assert at.multiselect(key="dt_fix_nb").options == [name]  # no "unresolved" rows for a committee
