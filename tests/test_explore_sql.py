"""The 查询 SQL builder (boardkit.data.datasets) and the download builders (boardkit.render.exports):
pure functions, run against a tiny in-memory database built from the real schema."""
from __future__ import annotations

import csv as csv_module
import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from boardkit.data import datasets as ex
from boardkit.explore import link as explore_link
from boardkit.render import exports as export, tables
from boardkit import labels
from boardkit.data.db import ALL, Scope

SCHEMA = Path(__file__).resolve().parent.parent / "etl" / "sql" / "schema_v1.sql"
HOSTILE = ["' OR 1=1 --", '"; DROP TABLE hotline_tickets; --', "x') OR ('1'='1", "1; SELECT 42", "%_\\"]

TICKETS = [  # ticket_id, received_at, type, status, neighbourhood, code, content, room, epidemic
    ("T1", "2020-03-01 09:00", "inquiry", "closed", "八一居民区", "C1", "口罩哪里买", "101室", True),
    ("T2", "2020-03-01 23:59", "complaint", "in_progress", "八一居民区", "C1", "噪音扰民", "102室", False),
    ("T3", "2020-03-02 08:00", "inquiry", "closed", "鹏欣居民区", "C2", "=HYPERLINK(\"http://x\")", "201室", True),
    ("T4", "2020-03-03 10:00", "help", "new", None, None, "地址不详", None, False),
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    for t in TICKETS:
        con.execute("""INSERT INTO hotline_tickets (ticket_id, received_at, request_type, status, neighbourhood,
                       neighbourhood_code, content, room, epidemic_related) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", t)
    con.execute("""INSERT INTO enterprises (uscc, name, industry, neighbourhood_code, employees_total, application_status)
                   VALUES ('U1', '甲', '餐饮', 'C1', 10, 'pending'), ('U2', '乙', '餐饮', 'C1', 30, 'approved'),
                          ('U3', '丙', '零售', 'C2', 5, 'approved')""")
    yield con
    con.close()


def run(con, spec: ex.Spec, scope: Scope = ALL) -> pd.DataFrame:
    sql, params = ex.build_sql(spec, scope)
    return con.execute(sql, params).df()


def test_detail_lists_visible_columns_newest_first(con):
    frame = run(con, ex.Spec("hotline"))
    assert list(frame["ticket_id"]) == ["T4", "T3", "T2", "T1"]
    assert "room" not in frame.columns  # rooms only for viewers allowed to see them
    assert "room" in run(con, ex.Spec("hotline"), Scope(show_room=True)).columns


# Columns that hold (or key) a person's identity: never selectable, whatever the dataset.
IDENTITY = {"person_key", "report_key", "id_number", "phone", "caller_phone", "contact_phone", "handled_by",
            "id_hash", "phone_hash", "name_hash"}


def test_only_masked_columns_that_exist(con):
    for key, dataset in ex.DATASETS.items():
        stored = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [dataset.table]).fetchall()}
        assert set(dataset.columns) <= stored, key  # every listed column is real
        assert not IDENTITY & set(dataset.columns), key
    persons = ex.DATASETS["persons"].columns
    assert {"name_masked", "id_masked", "phone_masked"} <= set(persons) and "person_key" not in persons
    with pytest.raises(ValueError):
        ex.build_sql(ex.Spec("persons", group_by=("person_key",)), ALL)
    with pytest.raises(ValueError):
        ex.build_sql(ex.Spec("persons", (ex.Filter("person_key", "ab"),)), ALL)
    sql, _ = ex.build_sql(ex.Spec("persons"), ALL)
    assert "person_key" not in sql


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_bound_and_changes_nothing(con, value):
    spec = ex.Spec("hotline", (ex.Filter("content", value),))
    sql, params = ex.build_sql(spec, ALL)
    assert value.lower() not in sql and "DROP" not in sql and "1=1" not in sql
    assert value.lower() in params.values()
    assert run(con, spec).empty  # no content contains it: the filter filtered, nothing else
    assert con.execute("SELECT count(*) FROM hotline_tickets").fetchone()[0] == 4


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_enum_and_range_values_are_bound(con, value):
    spec = ex.Spec("hotline", (ex.Filter("status", (value, "closed")),))
    sql, _ = ex.build_sql(spec, ALL)
    assert value not in sql
    assert set(run(con, spec)["ticket_id"]) == {"T1", "T3"}
    bad_range = ex.Spec("enterprises", (ex.Filter("employees_total", (value, None)),))
    with pytest.raises(duckdb.ConversionException):  # a bound value that is not a number fails, never runs
        run(con, bad_range)
    assert con.execute("SELECT count(*) FROM enterprises").fetchone()[0] == 3


@pytest.mark.parametrize("spec", [
    ex.Spec("hotline; DROP TABLE x"),
    ex.Spec("hotline", group_by=("status; DROP TABLE hotline_tickets",)),
    ex.Spec("hotline", group_by=("content",)),                       # free text is not a dimension
    ex.Spec("hotline", group_by=("status", "status")),
    ex.Spec("hotline", group_by=("status", "topic", "channel")),      # at most two
    ex.Spec("hotline", (ex.Filter("1=1) OR (1", "x"),)),
    ex.Spec("hotline", group_by=("status",), measure="sum", measure_column="content"),
    ex.Spec("hotline", group_by=("status",), measure="drop"),
    ex.Spec("hotline", group_by=("received_at",), grain="day'); DROP TABLE x; --"),
    ex.Spec("hotline", group_by=("room",)),                           # hidden without show_room
])
def test_names_outside_the_allow_list_are_refused(spec):
    with pytest.raises(ValueError):
        ex.build_sql(spec, ALL)


def test_group_by_and_measures(con):
    frame = run(con, ex.Spec("hotline", group_by=("neighbourhood",)))
    assert dict(zip(frame["g1"].fillna("-"), frame["value"])) == {"八一居民区": 2, "鹏欣居民区": 1, "-": 1}
    two = run(con, ex.Spec("hotline", group_by=("request_type", "status")))
    assert two["value"].sum() == 4 and len(two) == 3
    total = run(con, ex.Spec("enterprises", group_by=("industry",), measure="sum", measure_column="employees_total"))
    assert dict(zip(total["g1"], total["value"])) == {"餐饮": 40, "零售": 5}
    mean = run(con, ex.Spec("enterprises", group_by=("industry",), measure="avg", measure_column="employees_total"))
    assert dict(zip(mean["g1"], mean["value"])) == {"餐饮": 20.0, "零售": 5.0}
    distinct = run(con, ex.Spec("hotline", group_by=("request_type",), measure="count_distinct",
                                measure_column="neighbourhood"))
    assert dict(zip(distinct["g1"], distinct["value"])) == {"inquiry": 2, "complaint": 1, "help": 0}


def test_time_grain_and_inclusive_day_range(con):
    daily = run(con, ex.Spec("hotline", group_by=("received_at",)))
    assert [str(d) for d in daily["g1"].dt.date] == ["2020-03-01", "2020-03-02", "2020-03-03"]
    assert list(daily["value"]) == [2, 1, 1]
    weekly = run(con, ex.Spec("hotline", group_by=("received_at",), grain="week"))
    assert list(weekly["value"]) == [2, 2]  # 1 March 2020 was a Sunday; weeks start on Monday
    one_day = ex.Spec("hotline", (ex.Filter("received_at", (dt.date(2020, 3, 1), dt.date(2020, 3, 1))),))
    assert set(run(con, one_day)["ticket_id"]) == {"T1", "T2"}  # 23:59 is still 1 March
    open_end = ex.Spec("hotline", (ex.Filter("received_at", (dt.date(2020, 3, 2), None)),))
    assert set(run(con, open_end)["ticket_id"]) == {"T3", "T4"}
    numbers = ex.Spec("enterprises", (ex.Filter("employees_total", (6, 30)),))
    assert set(run(con, numbers)["uscc"]) == {"U1", "U2"}


def test_blank_enum_choice_and_empty_filters(con):
    blank = ex.Spec("hotline", (ex.Filter("neighbourhood", (None,)),))
    assert list(run(con, blank)["ticket_id"]) == ["T4"]
    both = ex.Spec("hotline", (ex.Filter("neighbourhood", ("鹏欣居民区", None)),))
    assert set(run(con, both)["ticket_id"]) == {"T3", "T4"}
    empty = ex.Spec("hotline", (ex.Filter("content", "  "), ex.Filter("status", ()),
                                ex.Filter("received_at", (None, None))))
    assert len(run(con, empty)) == 4
    flags = ex.Spec("hotline", (ex.Filter("epidemic_related", (True,)),))
    assert set(run(con, flags)["ticket_id"]) == {"T1", "T3"}


def test_scope_limits_rows(con):
    scoped = Scope(codes=("C1",))
    assert set(run(con, ex.Spec("hotline"), scoped)["ticket_id"]) == {"T1", "T2"}
    assert run(con, ex.Spec("hotline", group_by=("status",)), scoped)["value"].sum() == 2
    assert run(con, ex.Spec("hotline"), Scope(codes=())).empty  # no neighbourhood: nothing, not everything


def test_link_round_trip_and_hostile_links():
    spec = ex.Spec("hotline", (ex.Filter("status", ("closed", None)), ex.Filter("content", "口罩"),
                               ex.Filter("received_at", (dt.date(2020, 3, 1), None)),
                               ex.Filter("epidemic_related", (True, False))),
                   ("received_at", "topic"), "week", "count_distinct", "neighbourhood")
    assert explore_link.spec_from_params(explore_link.spec_to_params(spec)) == spec
    hostile = {"ds": "hotline", "by": "status;DROP TABLE x,topic", "m": "sum", "mc": "content",
               "grain": "year", "f.person_key": "1", "f.1=1": "x", "f.status": "closed"}
    parsed = explore_link.spec_from_params(hostile)
    assert parsed == ex.Spec("hotline", (ex.Filter("status", ("closed",)),), ("topic",))
    assert explore_link.spec_from_params({"ds": "nope"}).dataset == "hotline"
    assert explore_link.spec_from_params({"ds": "hotline", "f.room": "101"}).filters == ()  # rooms hidden
    assert explore_link.spec_from_params({"ds": "hotline", "f.room": "101"}, show_room=True).filters == (ex.Filter("room", "101"),)


def test_presented_result_uses_chinese_words(con):
    spec = ex.Spec("hotline", group_by=("status", "epidemic_related"))
    table = tables.explore_result(run(con, spec), spec)
    assert list(table.columns) == ["工单状态", "涉疫", "数量（件）"]
    assert set(table["工单状态"]) == {"已办结", "办理中", "待受理"} and set(table["涉疫"]) == {"是", "否"}
    detail = tables.explore_result(run(con, ex.Spec("hotline")), ex.Spec("hotline"))
    assert "诉求类型" in detail.columns and set(detail["诉求类型"]) == {"咨询", "投诉", "求助"}
    assert ex.describe(ex.Spec("hotline", group_by=("neighbourhood",))) == ["12345工单", "按居民区"]
    weekly = ex.Spec("alarms", group_by=("raised_at", "alarm_type"), grain="week", measure="median",
                     measure_column="response_minutes")
    assert ex.describe(weekly) == ["门磁报警", "按报警时间（周）与报警类型", "响应分钟中位数"]
    daily = tables.explore_result(run(con, ex.Spec("hotline", group_by=("received_at",))),
                                  ex.Spec("hotline", group_by=("received_at",)))
    assert daily["受理时间"].tolist() == [dt.date(2020, 3, 1), dt.date(2020, 3, 2), dt.date(2020, 3, 3)]
    # A topic keeps its board-wide colour in the chart's legend.
    assert ex.series_colours("hotline", "topic")["来沪与隔离"] == labels.TOPIC_COLOURS["quarantine"]
    assert ex.series_colours("hotline", "status") is None


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://x")'])
def test_formula_cells_are_neutralised(cell):
    assert export.neutralise_value(cell) == "'" + cell
    frame = pd.DataFrame({"text": [cell, "正常"], "n": [-5, 3], "day": pd.to_datetime(["2020-03-01", None])})
    safe = export.neutralise(frame)
    assert list(safe["text"]) == ["'" + cell, "正常"] and list(safe["n"]) == [-5, 3]  # numbers untouched
    csv = export.csv_bytes(frame)
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese headers
    rows = list(csv_module.reader(io.StringIO(csv.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["text", "n", "day"] and rows[1][0] == "'" + cell and len(rows) == 3
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes({"结果": frame})))
    value_cell = book["结果"]["A2"]
    # Text, never a formula (XML reads a bare CR back as LF).
    assert value_cell.value == "'" + cell.replace("\r", "\n") and value_cell.data_type == "s"
    assert book["结果"]["B2"].value == -5


def test_xlsx_sheets_and_control_characters():
    frame = pd.DataFrame({"居民区": ["八一居民区", "鹏欣居民区"], "原值": ["a\x01b", "ok"]})
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(tables.by_committee(frame))))
    assert book.sheetnames == ["八一居民区", "鹏欣居民区"]
    assert book["八一居民区"]["B2"].value == "ab"
    taken: set = set()
    assert export.sheet_name("a/b[c]:*?", taken) == "a_b_c____"
    assert export.sheet_name("a/b[c]:*?", taken) == "a_b_c_____2"


def test_file_names_carry_view_and_date():
    spec = ex.Spec("hotline", group_by=("neighbourhood",))
    assert export.file_name(["查询", *ex.describe(spec)], dt.date(2020, 3, 14), "csv") == \
        "查询_12345工单_按居民区_2020-03-14.csv"
    filtered = ex.Spec("hotline", (ex.Filter("status", ("closed",)), ex.Filter("content", 'a/b:"c"')), ("topic",))
    name = export.file_name(["查询", *ex.describe(filtered)], dt.date(2020, 3, 14), "xlsx")
    assert name == "查询_12345工单_按话题_工单状态=已办结_诉求内容（已脱敏）含a-b-c_2020-03-14.xlsx"
    long = export.file_name(["查询"] + ["很长的条件"] * 60, dt.date(2020, 3, 14), "csv")
    assert len(long) <= 120 and long.endswith("_2020-03-14.csv")
