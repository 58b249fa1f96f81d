"""A data source is added in three files: its module in etl/sources/, its normalise SQL and
its schema migration. A copy of the project's code gets the three files of an invented source
(垃圾清运点, refuse collection points) and nothing else; the real command line then loads it,
checks it, upserts it, records its reject and reports it in `status`, and the board lists its
runs on the 数据 page, offers it on the 查询 page and shows its freshness on every page and on
the wall screen."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
# The code and the reference pack the command line and the board run from; not the tests,
# the virtualenv or anything generated.
CODE = ("etl", "core", "boardkit", "live", "ops", "demo", "pages", "board.py", ".streamlit", "data/reference")

MODULE = '''"""Refuse collection points (垃圾清运点): the sanitation contractor's daily list."""
from etl.checks import UNRESOLVED, date, future, required, too_old
from etl.sources.source import Column, Dataset, DatasetColumn, Source

STATE = Column("state", ("清运状态",), enum={"已清运": "collected", "待清运": "waiting", "满溢": "overflowing"})


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "TABLE n", drop, "n_typed", given)


REFUSE = Source("refuse", "垃圾清运点", "refuse_points", ("point_id",), (
    Column("point_id", ("清运点编号",), required=True),
    Column("name", ("清运点名称",), required=True, text=True),
    Column("address", ("地址",), text=True),
    Column("neighbourhood", ("所属居民区",), text=True),
    Column("collected_on", ("清运日期",)),
    STATE,
),
    load_rank=6,
    checks=(required("point_id", "清运点编号"), required("name", "清运点名称"), date("collected_on", "清运日期"),
            future("collected_on", "清运日期"), too_old("collected_on", "清运日期"), UNRESOLVED),
    table_inputs={"point_id": (), "name": ("name",), "address": ("address",),
                  "neighbourhood": ("neighbourhood", "address"), "neighbourhood_code": ("neighbourhood", "address"),
                  "collected_on": ("collected_on",), "state": ("state",), "run_id": ()},
    derive_rows=_derive_rows,
    latest_sql="max(collected_on)",
    freshness_hours=48,
    freshness_help="大屏：垃圾清运数据超过此小时数未更新即标红",
    board_rank=6,
    board_label="垃圾清运",
    record_tables=("refuse_points",),
    dataset=Dataset("垃圾清运点", "refuse_points", "个", {
        "point_id": DatasetColumn("清运点编号", "text"),
        "name": DatasetColumn("清运点名称", "text"),
        "neighbourhood": DatasetColumn("居民区", "enum", None, dim=True),
        "collected_on": DatasetColumn("清运日期", "date", dim=True),
        "state": DatasetColumn("清运状态", "enum", STATE.value_labels, dim=True),
    }, "collected_on"),
)
'''

NORMALISE = """-- Refuse collection points.
CREATE OR REPLACE TEMP VIEW n_typed AS
SELECT s.* EXCLUDE (address_part, room_part),
       id_text(raw_point_id)               AS point_id,
       raw_name                            AS name,
       address_part                        AS address,
       raw_neighbourhood                   AS neighbourhood_given,
       parse_date(raw_collected_on)        AS collected_on,
       enum_state                          AS state
FROM stg_e s;
"""

MIGRATION = """-- Refuse collection points, one row a point.
CREATE TABLE IF NOT EXISTS refuse_points (
    point_id VARCHAR NOT NULL, name VARCHAR, address VARCHAR, neighbourhood VARCHAR,
    neighbourhood_code VARCHAR, collected_on DATE, state VARCHAR, run_id INTEGER);
"""

HEADER = "清运点编号,清运点名称,地址,所属居民区,清运日期,清运状态\n"
# The first day: two points, one placed by its address (浦三路1弄 is in 八一), one by its
# committee's short name. The next day: the second point is updated, a third one has a
# state no rule knows and is rejected.
DAY_1 = HEADER + "P001,浦三路1弄垃圾房,浦三路1弄,,2020-03-09,已清运\nP002,南码头路垃圾房,,六里五,2020-03-09,待清运\n"
DAY_2 = HEADER + "P002,南码头路垃圾房,,六里五,2020-03-10,满溢\nP003,港机垃圾房,,港机,2020-03-10,已焚烧\n"

BOARD = r"""
import datetime as dt, json, sys
from pathlib import Path
import boardkit, etl
tree, db = Path(sys.argv[1]), Path(sys.argv[2])
assert Path(etl.__file__).is_relative_to(tree) and Path(boardkit.__file__).is_relative_to(tree)

from streamlit.testing.v1 import AppTest
at = AppTest.from_file(str(tree / "board.py"), default_timeout=60)
at.query_params.update({"ds": "refuse", "by": "state"})
at.run()
assert not at.exception, [e.value for e in at.exception]
freshness_line = next(c.value for c in at.caption if "数据截至" in c.value)
at.switch_page("pages/data.py").run()
assert not at.exception, [e.value for e in at.exception]
runs = next(d.value for d in at.dataframe if "读取行数" in d.value.columns)
data_sources = at.multiselect(key="dt_sources").options
at.switch_page("pages/explore.py").run()
assert not at.exception, [e.value for e in at.exception]
datasets = at.selectbox(key="ex_ds").options
explored = next(d.value for d in at.dataframe if "清运状态" in d.value.columns)

from core import settings
from boardkit.data.db import current_generation
from boardkit.data.freshness import source_freshness
from boardkit.screen import layout, panels
latest = source_freshness(current_generation(db))
limits = {s: float(settings.get(f"screen_freshness_hours.{s}")) for s in panels.FRESH_SOURCES}
chips = panels.freshness_html(layout.HEADER["freshness"], latest, dt.datetime(2020, 3, 10, 12), limits)
print(json.dumps({
    "freshness_line": freshness_line, "data_sources": data_sources,
    "runs": runs[["数据来源", "文件", "读取行数", "导入行数", "拒收行数"]].values.tolist(),
    "datasets": datasets, "explored": explored.values.tolist(), "explored_columns": list(explored.columns),
    "latest": str(latest.get("refuse")), "limit": limits.get("refuse"),
    "chip": "data-source=\"refuse\" data-stale=\"0\"" in chips and "垃圾清运" in chips}, ensure_ascii=False))
"""


def copy_of_the_code(tree: Path) -> None:
    for name in CODE:
        source, target = REPO / name, tree / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def add_the_three_files(tree: Path) -> list[Path]:
    sql = tree / "etl" / "sql"
    version = max(int(m[1]) for p in sql.glob("schema_v*.sql") if (m := re.fullmatch(r"schema_v(\d+)\.sql", p.name)))
    files = {tree / "etl" / "sources" / "refuse.py": MODULE, sql / "normalise" / "refuse.sql": NORMALISE,
             sql / f"schema_v{version + 1}.sql": MIGRATION}
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def etl(tree: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_source_takes_its_module_its_normalise_sql_and_its_migration(tmp_path):
    tree = tmp_path / "code"
    copy_of_the_code(tree)
    before = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()}
    added = add_the_three_files(tree)
    after = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()}
    assert after - before == {p.relative_to(tree) for p in added}  # three new files, nothing else

    db = tmp_path / "db" / "board.duckdb"
    env = {**os.environ, "PYTHONPATH": str(tree), "BOARD_DB": str(db)}
    env.pop("BOARD_REFERENCE", None)
    files = tmp_path / "files"
    (files / "day2").mkdir(parents=True)
    (files / "清运点_0309.csv").write_text(DAY_1, encoding="utf-8")
    (files / "day2" / "清运点_0310.csv").write_text(DAY_2, encoding="utf-8")

    usage = etl(tree, env, "load", "--help")
    assert usage.returncode == 0 and "hotline,roster,alarms,enterprises,cameras,duty,refuse}" in usage.stdout
    first = etl(tree, env, "load", "refuse", str(files / "清运点_0309.csv"))
    assert first.returncode == 0, first.stderr
    assert "读取 2 行，入库 2 行，拒收 0 行" in first.stdout
    second = etl(tree, env, "ingest", str(files / "day2"))  # the source found by its header
    assert second.returncode == 0, second.stderr
    assert "读取 2 行，入库 1 行，拒收 1 行" in second.stdout
    status = etl(tree, env, "status")
    assert re.search(r"^垃圾清运点 +最近导入 [\d-]+ [\d:]+  现有 2 行  拒收 1 行  警告 0 行", status.stdout, re.M), status.stdout

    con = duckdb.connect(str(db.resolve()), read_only=True)
    assert con.execute("SELECT * FROM refuse_points ORDER BY point_id").fetchall() == [
        ("P001", "浦三路1弄垃圾房", "浦三路1弄", "八一居民区", "310115010001", _date("2020-03-09"), "collected", 1),
        ("P002", "南码头路垃圾房", None, "六里五居民区", "310115010002", _date("2020-03-10"), "overflowing", 2)]
    assert con.execute("""SELECT run_id, source, file_name, column_name, value_masked, reason_code, reason, neighbourhood
                          FROM etl_rejects""").fetchall() == [
        (2, "refuse", "清运点_0310.csv", "state", "已焚烧", "unknown_value", "清运状态的取值不在可选范围内", "港机居民区")]
    assert con.execute("SELECT run_id, source, status, rows_loaded, rows_rejected FROM etl_runs ORDER BY run_id").fetchall() == [
        (1, "refuse", "loaded", 2, 0), (2, "refuse", "loaded", 1, 1)]
    con.close()

    board = subprocess.run([sys.executable, "-c", BOARD, str(tree), str(db)], cwd=tree, env=env,
                           capture_output=True, text=True, timeout=180)
    assert board.returncode == 0, board.stderr[-3000:]
    shown = json.loads(board.stdout.strip().splitlines()[-1])
    assert "垃圾清运数据截至 03-10 00:00" in shown["freshness_line"]
    assert shown["data_sources"][-1] == "垃圾清运"  # the source filter of the load history
    assert shown["runs"] == [["垃圾清运", "清运点_0310.csv", 2, 1, 1], ["垃圾清运", "清运点_0309.csv", 2, 2, 0]]
    assert shown["datasets"][-1] == "垃圾清运点"
    assert shown["explored_columns"] == ["清运状态", "数量（个）"]
    assert sorted(shown["explored"]) == [["已清运", 1], ["满溢", 1]]
    assert shown["latest"] == "2020-03-10 00:00:00"
    assert shown["limit"] == 48.0 and shown["chip"]


def _date(text: str):
    import datetime as dt
    return dt.date.fromisoformat(text)
