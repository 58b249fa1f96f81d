"""The 25问 view: the FAQ catalogue (社区防控25问) as the board shows it, and the
questions' ticket volumes, for the hotline page and the brief.

The catalogue is read from the reference pack (etl.classify.load_catalogue), the same
file the loader classified with, so a question's number, wording and answer come from
one place the hotline team edits. Functions taking a frame are pure; the others run a
named query (queries/faq.py) first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from etl.classify import Catalogue, load_catalogue

from .. import labels
from ..data.db import Generation, Scope
from ..queries import faq as q


@dataclass(frozen=True)
class Answer:
    no: int
    topic: str
    category: str       # the catalogue's name for the category
    question: str
    answer: str
    keywords: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"第{self.no}问　{self.question}"


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    return catalogue or load_catalogue()


def answer_for(no, catalogue: Catalogue | None = None) -> Answer | None:
    """The catalogue entry for question `no`, or None when the number is not (or no
    longer) in the catalogue, e.g. a stored ticket classified before an edit."""
    if no is None or pd.isna(no):
        return None
    catalogue = _catalogue(catalogue)
    for item in catalogue.questions:
        if item.no == int(no):
            return Answer(item.no, item.topic, catalogue.category_names.get(item.topic, item.topic),
                          item.question, item.answer, item.keywords)
    return None


def question_label(no, catalogue: Catalogue | None = None, width: int = 22) -> str:
    """「第7问 口罩在哪里…」: the number and the question cut to `width` characters."""
    found = answer_for(no, catalogue)
    if found is None:
        return f"第{int(no)}问（目录中已无此问）"
    text = found.question if len(found.question) <= width else found.question[:width - 1] + "…"
    return f"第{found.no}问 {text}"


def catalogue_table(catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One row per question in catalogue order: no, topic, category, question, answer,
    keywords (joined), label — for a picker or a printed list."""
    catalogue = _catalogue(catalogue)
    rows = [{"no": a.no, "topic": a.topic, "category": a.category, "question": a.question,
             "answer": a.answer, "keywords": "、".join(a.keywords), "label": question_label(a.no, catalogue)}
            for a in (answer_for(item.no, catalogue) for item in catalogue.questions)]
    return pd.DataFrame(rows, columns=["no", "topic", "category", "question", "answer", "keywords", "label"])


# ------------------------------------------------------------------ volumes (pure)

def volume_matrix(daily: pd.DataFrame, start: dt.date, end: dt.date,
                  catalogue: Catalogue | None = None, top: int | None = None) -> pd.DataFrame:
    """A dense long frame (day, faq_question, label, question, topic, n) over every day
    in [start, end] and every catalogue question (plus any stored number the catalogue
    lost), busiest question first; `top` keeps the busiest ones only. Zero days stay in
    so that a heatmap shows quiet days as quiet rather than missing."""
    catalogue = _catalogue(catalogue)
    days = pd.date_range(start, end, freq="D").date
    numbers = [item.no for item in catalogue.questions]
    stored = sorted({int(n) for n in daily["faq_question"].dropna()} - set(numbers)) if len(daily) else []
    counts = daily.assign(day=pd.to_datetime(daily["day"]).dt.date,
                          faq_question=daily["faq_question"].astype("int64")) if len(daily) else daily
    grid = pd.MultiIndex.from_product([days, numbers + stored], names=["day", "faq_question"])
    dense = (counts.groupby(["day", "faq_question"])["n"].sum() if len(counts) else pd.Series(dtype="int64"))
    frame = dense.reindex(grid, fill_value=0).astype("int64").rename("n").reset_index()
    totals = frame.groupby("faq_question")["n"].sum()
    order = sorted(totals.index, key=lambda no: (-totals[no], no))
    if top is not None:
        order = order[:top]
    frame = frame[frame["faq_question"].isin(order)].copy()
    frame["rank"] = frame["faq_question"].map({no: i for i, no in enumerate(order)})
    answers = {no: answer_for(no, catalogue) for no in order}
    frame["label"] = frame["faq_question"].map({no: question_label(no, catalogue) for no in order})
    frame["question"] = frame["faq_question"].map({no: a.question if a else "" for no, a in answers.items()})
    frame["topic"] = frame["faq_question"].map({no: a.topic if a else None for no, a in answers.items()})
    frame = frame.sort_values(["rank", "day"], ignore_index=True).drop(columns="rank")
    return frame[["day", "faq_question", "label", "question", "topic", "n"]]


def label_day_counts(counts: pd.DataFrame, catalogue: Catalogue | None = None,
                     limit: int | None = 10) -> pd.DataFrame:
    """The report day's questions (faq_question, n, n_prev, share) with label, category,
    topic colour key and the answer text, busiest first; questions with no ticket on
    the day are dropped."""
    catalogue = _catalogue(catalogue)
    frame = counts[counts["n"] > 0].copy()
    if limit is not None:
        frame = frame.head(limit)
    answers = [answer_for(no, catalogue) for no in frame["faq_question"]]
    frame["faq_question"] = frame["faq_question"].astype("int64")
    frame["label"] = [question_label(no, catalogue) for no in frame["faq_question"]]
    frame["topic"] = [a.topic if a else None for a in answers]
    frame["category"] = [labels.label(labels.TOPIC, a.topic) if a else "未知" for a in answers]
    frame["answer"] = [a.answer if a else "" for a in answers]
    frame["change"] = frame["n"] - frame["n_prev"]
    return frame.reset_index(drop=True)[["faq_question", "label", "category", "topic", "n", "n_prev",
                                         "change", "share", "answer"]]


# ------------------------------------------------------------------ from the database

def questions_by_day(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                     top: int | None = None, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """volume_matrix of the viewer's tickets over [start, end]."""
    return volume_matrix(q.question_daily(gen, scope, start, end), start, end, catalogue, top)


def top_questions(gen: Generation, scope: Scope, day: dt.date, limit: int | None = 10,
                  catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The report day's busiest questions with the day before and the answer text."""
    return label_day_counts(q.question_day_counts(gen, scope, day), catalogue, limit)
