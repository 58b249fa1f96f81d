"""The FAQ-catalogue classifier: accuracy bar on both labelled sets, weak words, examples."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.classify import NON_EPIDEMIC, TOPICS, classify, load_catalogue
from etl.evaluate_classifier import EPIDEMIC_BAR, TOPIC_BAR, evaluate, main, read_labelled

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_has_four_categories_and_25_questions(catalogue):
    assert set(catalogue.category_names) == set(TOPICS)
    assert [q.no for q in catalogue.questions] == list(range(1, 26))
    for topic in TOPICS:
        assert sum(q.topic == topic for q in catalogue.questions) >= 4
    for q in catalogue.questions:
        assert q.question and len(q.answer) >= 40 and q.keywords
    assert {"疫情", "新冠", "肺炎", "防疫"} <= catalogue.epidemic_words
    assert {"小区", "物业", "居委"} <= catalogue.weak_words


@pytest.mark.parametrize("name", ["hotline_labelled.csv", "hotline_holdout.csv"])
def test_accuracy_bar(catalogue, name):
    labelled = read_labelled(DATA / name)
    assert len(labelled) >= (300 if "labelled" in name else 100)
    result = evaluate(labelled, catalogue)
    wrong = result["misclassified"][["text", "topic", "predicted_topic"]].to_string()
    assert result["topic_accuracy"] >= TOPIC_BAR, wrong
    assert result["epidemic_accuracy"] >= EPIDEMIC_BAR, wrong


def test_labelled_sets_are_consistent_and_distinct():
    labelled, holdout = read_labelled(DATA / "hotline_labelled.csv"), read_labelled(DATA / "hotline_holdout.csv")
    for frame in (labelled, holdout):
        assert set(frame["topic"]) == {*TOPICS, NON_EPIDEMIC}
        assert (frame["epidemic_related"] == (frame["topic"] != NON_EPIDEMIC)).all()
    assert 0.30 <= (labelled["topic"] == NON_EPIDEMIC).mean() <= 0.40
    assert not set(labelled["text"]) & set(holdout["text"])


@pytest.mark.parametrize("text", [
    "小区停车位不够，晚上回来没地方停车",
    "物业不修电梯，老人上下楼很困难",
    "居委会工作人员态度差",
    "小区门口的道闸坏了，物业几天没修",
    "房东不退押金，物业也不管",
    "快递丢件，快递公司不赔",
    "中介在小区门口发小广告",
    "小区里群租，物业居委都不管",
])
def test_weak_words_alone_stay_non_epidemic(catalogue, text):
    row = classify(pd.Series([text]), catalogue).iloc[0]
    assert not row["epidemic_related"]
    assert row["topic"] == NON_EPIDEMIC
    assert pd.isna(row["faq_question"])
    assert row["topic_words"] == ""


@pytest.mark.parametrize("text, topic, question", [
    ("居家隔离期间生活垃圾没人来收", "quarantine", 5),
    ("邻居刚从湖北回来，没有隔离，天天出门", "quarantine", 6),
    ("随申码是黄码怎么办", "quarantine", 3),
    ("小区封闭式管理，出入证怎么办理", "community", 8),
    ("外卖能不能送上楼？小区只能到门口取", "community", 10),
    ("企业复工申请在一网通办上怎么提交", "enterprise", 15),
    ("口罩预约登记在哪里登记", "health", 20),
    ("孩子发烧38度，去哪家发热门诊", "health", 23),
])
def test_exact_classifications(catalogue, text, topic, question):
    row = classify(pd.Series([text]), catalogue).iloc[0]
    assert row["epidemic_related"]
    assert (row["topic"], row["faq_question"]) == (topic, question)
    assert row["topic_words"]


def test_general_epidemic_word_without_question_uses_fallback(catalogue):
    row = classify(pd.Series(["疫情期间小区停车怎么收费"]), catalogue).iloc[0]
    assert row["epidemic_related"] and row["topic"] == catalogue.fallback_topic
    assert pd.isna(row["faq_question"]) and row["topic_words"] == "疫情"


def test_output_shape_index_and_types(catalogue):
    texts = pd.Series(["口罩哪里买", None, "楼上漏水", "Ｎ９５口罩能重复使用吗"], index=[7, 3, 9, 1])
    result = classify(texts, catalogue)
    assert list(result.index) == [7, 3, 9, 1]
    assert list(result.columns) == ["epidemic_related", "topic", "faq_question", "topic_words"]
    assert result["epidemic_related"].dtype == bool
    assert str(result["faq_question"].dtype) == "Int64"
    assert result["epidemic_related"].tolist() == [True, False, False, True]
    assert "n95" in result.loc[1, "topic_words"]  # full-width text is folded
    assert len(classify(pd.Series([], dtype=object), catalogue)) == 0


def test_broken_catalogue_is_reported_in_chinese(tmp_path):
    path = tmp_path / "faq.toml"
    path.write_text('[[category]]\ntopic = "health"\nname = "口罩"\n'
                    '[[question]]\nno = 1\ntopic = "shopping"\nquestion = "?"\nanswer = "!"\nkeywords = ["口罩"]\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="不在"):
        load_catalogue(path)


def test_evaluate_command_runs(capsys):
    assert main([str(DATA / "hotline_holdout.csv")]) == 0
    out = capsys.readouterr().out
    assert "类别总体准确率" in out and "涉疫判断准确率" in out and "混淆矩阵" in out
