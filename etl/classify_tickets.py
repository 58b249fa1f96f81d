"""Hotline ticket topics as the loader stores them: the 25问 catalogue (etl/classify.py)
and the topic model (etl/topic_model.py) together, and the clerks' corrections on top.

- A strong catalogue match decides: the catalogue's topic when the words that decided it
  include one of at least STRONG_MATCH characters that is not a weak word (居家隔离,
  复工申请, 发热门诊 — not 隔离 alone, which 隔离带 also holds) and the model gives that
  topic a probability of at least VETO (a long word inside an everyday matter — 外地来沪人员
  in a residence-permit question — is not enough when the rest of the text says otherwise),
  with the model's probability of that topic as the confidence. Otherwise the model decides,
  the catalogue's verdict being one of its features. `epidemic_related` is
  `topic != non_epidemic`, so the two never disagree.
  Measured (topic accuracy; five-fold cross-validation by base text on the pack's texts, the
  two written-apart sets of tests/data/heldout and the two catalogue-phrased sets of
  tests/data): the model alone 0.844 / 0.950 / 0.965 / 0.939 / 0.900; a strong match
  always deciding 0.835 / 0.943 / 0.965 / 0.949 / 0.927; this rule 0.841 / 0.947 / 0.967 /
  0.949 / 0.918 — near the model alone on texts told in the caller's words, near the
  catalogue on texts in its own words.
- The FAQ question is the catalogue's best question of that topic (none when the ticket
  matches none of its keywords), so the page can still show the answer to read out.
- A clerk's correction (etl/corrections.py) replaces the topic, with confidence 1.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .classify import NON_EPIDEMIC, WORD_SEPARATOR, Catalogue, classify, load_catalogue, questions_within
from .topic_model import Model, load_model

COLUMNS = ["epidemic_related", "topic", "faq_question", "topic_words", "topic_confidence"]
CORRECTED_CONFIDENCE = 1.0
# The model's confidence is stored to 4 decimals; a sure verdict stops just below a
# correction's 1.0, so no model verdict reads as a clerk's.
MODEL_CONFIDENCE_MAX = 0.9999
STRONG_MATCH = 4
VETO = 0.1


def classify_tickets(texts: pd.Series, catalogue: Catalogue | None = None, model: Model | None = None,
                     corrected: pd.Series | None = None) -> pd.DataFrame:
    """COLUMNS for each text, same index. `corrected`: a clerk's topic per text (same
    index, missing where none)."""
    catalogue = catalogue or load_catalogue()
    model = model or load_model()
    texts = texts.fillna("").astype(str)
    by_catalogue = classify(texts, catalogue)
    probabilities = model.probabilities(texts, by_catalogue["topic"].to_numpy())
    strong = _strong(by_catalogue, catalogue, probabilities)
    best = probabilities.idxmax(axis=1)
    topic = best.where(~strong, by_catalogue["topic"])
    confidence = _probability_of(probabilities, topic).clip(upper=MODEL_CONFIDENCE_MAX)
    if corrected is not None:
        given = corrected.reindex(texts.index).notna()
        topic = topic.where(~given, corrected.reindex(texts.index))
        confidence = confidence.where(~given, CORRECTED_CONFIDENCE)
    question = by_catalogue["faq_question"].astype(object).to_numpy(copy=True)
    words = by_catalogue["topic_words"].astype(object).to_numpy(copy=True)
    changed = (topic != by_catalogue["topic"]).to_numpy()
    if changed.any():
        within = questions_within(texts[changed], topic[changed], catalogue)
        question[changed] = within["faq_question"].astype(object).to_numpy()
        words[changed] = within["topic_words"].to_numpy()
    frame = pd.DataFrame({"epidemic_related": (topic != NON_EPIDEMIC).to_numpy(), "topic": topic.astype(str),
                          "faq_question": pd.array(question, dtype="Int64"), "topic_words": words,
                          "topic_confidence": confidence.astype(float)}, index=texts.index)
    return frame[COLUMNS]


def explain(texts: pd.Series, catalogue: Catalogue | None = None, model: Model | None = None,
            limit: int = 4) -> list[str]:
    """For the few tickets a page shows: the n-grams (and the catalogue's verdict) that
    decided each one's topic, with their share of the margin over the runner-up topic."""
    catalogue = catalogue or load_catalogue()
    model = model or load_model()
    texts = texts.fillna("").astype(str)
    by_catalogue = classify(texts, catalogue)
    strong = _strong(by_catalogue, catalogue, model.probabilities(texts, by_catalogue["topic"].to_numpy()))
    return [f"目录：{words}" if is_strong else
            WORD_SEPARATOR.join(f"{gram}({share:.0%})" for gram, share in model.explain(text, topic, limit))
            for text, topic, words, is_strong in zip(texts, by_catalogue["topic"], by_catalogue["topic_words"], strong)]


def _strong(by_catalogue: pd.DataFrame, catalogue: Catalogue, probabilities: pd.DataFrame) -> pd.Series:
    """Whether the catalogue's verdict rests on a long, specific word that the model does not
    rule out (see the module note)."""
    def longest(words: str) -> int:
        return max((len(w) for w in words.split(WORD_SEPARATOR) if w and w not in catalogue.weak_words), default=0)
    long_word = by_catalogue["topic_words"].fillna("").map(longest) >= STRONG_MATCH
    not_ruled_out = _probability_of(probabilities, by_catalogue["topic"]) >= VETO
    return (by_catalogue["topic"] != NON_EPIDEMIC) & long_word & not_ruled_out


def _probability_of(probabilities: pd.DataFrame, topic: pd.Series) -> pd.Series:
    columns = pd.Index(probabilities.columns).get_indexer(topic)
    return pd.Series(probabilities.to_numpy()[np.arange(len(topic)), columns], index=topic.index).round(4)
