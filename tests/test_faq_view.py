"""The 25问 view: answers from the catalogue, question volumes by day and for a day."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from board_helpers import ticket, tiny_db
from boardkit.render import charts
from boardkit.metrics import faq
from boardkit.data.db import ALL, Scope
from boardkit.queries.faq import question_daily
from etl.classify import load_catalogue

D = dt.date
START, END = D(2020, 2, 1), D(2020, 2, 5)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def gen(tmp_path):
    at = lambda day, hour=10: dt.datetime.combine(day, dt.time(hour))  # noqa: E731
    rows = [
        ticket(1, at(D(2020, 2, 1)), "health", 20),
        ticket(2, at(D(2020, 2, 1), 23), "health", 20),
        ticket(3, at(D(2020, 2, 2)), "quarantine", 1),
        ticket(4, at(D(2020, 2, 4)), "health", 20),
        ticket(5, at(D(2020, 2, 5)), "health", 20),
        ticket(6, at(D(2020, 2, 5)), "health", 20, code="NB02"),
        ticket(7, at(D(2020, 2, 5)), "quarantine", 1, code="NB02"),
        ticket(8, at(D(2020, 2, 5)), "enterprise", 15),
        ticket(9, at(D(2020, 2, 5)), "community", None),           # epidemic, no question
        ticket(10, at(D(2020, 2, 5)), None),                       # non-epidemic
        ticket(11, at(D(2020, 2, 6), 0), "health", 20),              # after the range
        ticket(12, at(D(2020, 1, 31), 23), "health", 20),            # before it
    ]
    return tiny_db(tmp_path / "faq.duckdb", rows)


def test_answer_text_comes_from_the_catalogue(catalogue):
    found = faq.answer_for(7, catalogue)
    entry = catalogue.question(7)
    assert (found.no, found.question, found.answer, found.topic) == (7, entry.question, entry.answer, entry.topic)
    assert found.category == catalogue.category_names[entry.topic]
    assert found.title.startswith("第7问")
    assert faq.answer_for(99, catalogue) is None and faq.answer_for(None, catalogue) is None
    assert faq.answer_for(pd.NA, catalogue) is None
    assert faq.question_label(99, catalogue) == "第99问（目录中已无此问）"
    label = faq.question_label(7, catalogue, width=6)
    assert label.startswith("第7问 ") and len(label.split(" ", 1)[1]) <= 6


def test_catalogue_table_lists_all_25(catalogue):
    table = faq.catalogue_table(catalogue)
    assert table["no"].tolist() == list(range(1, 26))
    assert table["answer"].str.len().min() >= 40
    assert table["label"].str.startswith("第").all()


def test_question_daily_counts_range_and_scope(gen):
    frame = question_daily(gen, ALL, START, END)
    got = {(r.day.date(), int(r.faq_question)): int(r.n) for r in frame.itertuples()}
    assert got == {(D(2020, 2, 1), 20): 2, (D(2020, 2, 2), 1): 1, (D(2020, 2, 4), 20): 1,
                   (D(2020, 2, 5), 20): 2, (D(2020, 2, 5), 1): 1, (D(2020, 2, 5), 15): 1}
    scoped = question_daily(gen, Scope(codes=("NB02",)), START, END)
    assert sorted(scoped["faq_question"].tolist()) == [1, 20] and scoped["n"].sum() == 2


def test_volume_matrix_is_dense_and_busiest_first(gen, catalogue):
    matrix = faq.questions_by_day(gen, ALL, START, END, catalogue=catalogue)
    assert len(matrix) == 5 * 25
    assert list(dict.fromkeys(matrix["faq_question"]))[:3] == [20, 1, 15]
    q20 = matrix[matrix["faq_question"] == 20]
    assert q20["n"].tolist() == [2, 0, 0, 1, 2] and q20["day"].tolist() == list(pd.date_range(START, END).date)
    assert q20["topic"].iloc[0] == "health" and q20["label"].iloc[0].startswith("第20问")
    top = faq.questions_by_day(gen, ALL, START, END, top=2, catalogue=catalogue)
    assert set(top["faq_question"]) == {20, 1} and len(top) == 10
    # No tickets at all: still a grid of zeros, so the chart draws an empty board.
    empty = faq.questions_by_day(gen, Scope(codes=("NB99",)), START, END, top=3, catalogue=catalogue)
    assert len(empty) == 15 and empty["n"].eq(0).all()


def test_volume_matrix_keeps_numbers_the_catalogue_lost(catalogue):
    daily = pd.DataFrame({"day": [START], "faq_question": [31], "n": [4]})
    matrix = faq.volume_matrix(daily, START, START, catalogue)
    assert matrix.iloc[0]["faq_question"] == 31 and matrix.iloc[0]["n"] == 4
    assert "已无此问" in matrix.iloc[0]["label"]


def test_top_questions_of_a_day(gen, catalogue):
    top = faq.top_questions(gen, ALL, D(2020, 2, 5), catalogue=catalogue)
    assert top["faq_question"].tolist() == [20, 1, 15]
    first = top.iloc[0]
    assert (first["n"], first["n_prev"], first["change"]) == (2, 1, 1)
    assert first["share"] == pytest.approx(0.5)
    assert first["answer"] == catalogue.question(20).answer and first["category"] == "防护与就医"
    assert faq.top_questions(gen, ALL, D(2020, 2, 5), limit=1, catalogue=catalogue)["faq_question"].tolist() == [20]
    # 3 Feb had none; the day before's question is not listed as a question of the day.
    assert faq.top_questions(gen, ALL, D(2020, 2, 3), catalogue=catalogue).empty


def test_charts_build(gen, catalogue):
    matrix = faq.questions_by_day(gen, ALL, START, END, top=6, catalogue=catalogue)
    heat = charts.faq_heatmap(matrix, "25问每日来电")
    assert heat.data[0].type == "heatmap" and list(heat.data[0].y)[0].startswith("第20问")
    assert heat.data[0].z.shape == (6, 5)
    small = charts.faq_small_multiples(matrix, "25问", columns=3)
    assert len(small.data) == 6
    assert small.data[0].marker.color == "#2ca02c"   # health
