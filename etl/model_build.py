"""`python -m etl model build|evaluate`: trains the hotline topic model from the pack's
written example texts and the clerks' corrections, and scores labelled sets with it.

Training is the only place scikit-learn is used (a multinomial logistic regression on the
features of etl/topic_model.py); the result is the data file the loader scores with numpy.

How catalogue and model combine (measured on the dev split, see README "话题分类"): the
catalogue's verdict for a ticket is one more feature of the model, beside its n-grams, so
the model learns how far to trust a strong catalogue match instead of a hand-set rule.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from core import settings
from . import topic_model
from .classify import NON_EPIDEMIC, classify, load_catalogue

TRAINING_FILE = "hotline_training.csv"
DEV_SHARE = 0.2
DEV_SEED = 7
REGULARISATION = 30.0       # LogisticRegression C, chosen on the dev split and the written-apart sets


def training_path() -> Path:
    return settings.reference_dir() / TRAINING_FILE


def read_labelled(path: Path) -> pd.DataFrame:
    """text, topic (and whatever else the file has); rows with an unknown topic refused."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"text", "topic"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} 缺少列：{'、'.join(sorted(missing))}")
    frame["topic"] = frame["topic"].str.strip()
    unknown = sorted(set(frame["topic"]) - set(topic_model.CLASSES))
    if unknown:
        raise ValueError(f"{path}：话题只能是 {'、'.join(topic_model.CLASSES)}，发现 {'、'.join(unknown)}")
    return frame


def training_texts(corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pack's written texts plus the clerks' corrected tickets (text, topic, base)."""
    frame = read_labelled(training_path())
    if corrections is not None and len(corrections):
        extra = corrections[["text", "topic"]].assign(base="correction:" + corrections["ticket_id"])
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def dev_split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, dev) by hand-written text: all variants of one text fall on the same side."""
    bases = np.array(sorted(frame["base"].unique()))
    rng = np.random.default_rng(DEV_SEED)
    dev = set(rng.choice(bases, size=int(len(bases) * DEV_SHARE), replace=False))
    in_dev = frame["base"].isin(dev)
    return frame[~in_dev].reset_index(drop=True), frame[in_dev].reset_index(drop=True)


def fit(texts: pd.Series, topics: pd.Series, regularisation: float = REGULARISATION) -> dict:
    """The arrays of a model file, trained on the texts."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    texts = texts.reset_index(drop=True)
    doc, bucket, doc_value = topic_model.ngrams(texts)
    # Fitted on the buckets the texts use (a bucket no text has keeps weight 0 under the L2
    # penalty anyway): some thousands of columns instead of 2^bits, many times faster.
    used, column = np.unique(bucket, return_inverse=True)
    grams = csr_matrix((doc_value[doc], (doc, column)), shape=(len(texts), len(used)))
    by_catalogue = classify(texts, load_catalogue())["topic"]
    matrix = hstack([grams, csr_matrix(topic_model.catalogue_features(by_catalogue))]).tocsr()
    model = LogisticRegression(C=regularisation, max_iter=5000).fit(matrix, topics.to_numpy())
    order = [list(model.classes_).index(c) for c in topic_model.CLASSES]
    coef = model.coef_[order].T
    weights = np.zeros((1 << topic_model.BITS, len(order)))
    weights[used] = coef[:len(used)]
    return {"weights": weights, "catalogue_weights": coef[len(used):],
            "intercept": model.intercept_[order]}


def evaluate(model: topic_model.Model, labelled: pd.DataFrame) -> dict:
    """Topic and epidemic-or-not accuracy of the loader's classification of the texts."""
    from .classify_tickets import classify_tickets
    predicted = classify_tickets(labelled["text"], model=model)
    topic_ok = predicted["topic"].to_numpy() == labelled["topic"].to_numpy()
    epidemic_ok = predicted["epidemic_related"].to_numpy() == (labelled["topic"] != NON_EPIDEMIC).to_numpy()
    labels = list(topic_model.CLASSES)
    confusion = pd.crosstab(pd.Categorical(labelled["topic"], labels), pd.Categorical(predicted["topic"], labels),
                            rownames=["实际"], colnames=["判定"], dropna=False)
    rows = labelled.assign(predicted=predicted["topic"].to_numpy(),
                           confidence=predicted["topic_confidence"].to_numpy())
    wrong = rows[~topic_ok].sort_values("confidence", ascending=False)
    return {"rows": len(labelled), "topic_accuracy": float(topic_ok.mean()),
            "epidemic_accuracy": float(epidemic_ok.mean()), "confusion": confusion, "wrong": wrong}


def build(out: Path | None = None, corrections: pd.DataFrame | None = None, dev: bool = False) -> list[str]:
    """Trains on the pack's texts (and corrections) and writes the model file; with `dev`,
    first trains on the train split and reports the dev split's accuracy."""
    frame = training_texts(corrections)
    lines = []
    if dev:
        train, held = dev_split(frame)
        arrays = fit(train["text"], train["topic"])
        trial = topic_model.Model(None, topic_model.CLASSES, *_dense(arrays), topic_model.BITS,
                                  topic_model.NGRAM_MAX, "dev")
        result = evaluate(trial, held)
        lines.append(f"开发集（{result['rows']} 条，训练 {len(train)} 条）：话题 {result['topic_accuracy']:.3f}，"
                     f"涉疫与否 {result['epidemic_accuracy']:.3f}")
    arrays = fit(frame["text"], frame["topic"])
    digest = hashlib.sha256("\n".join(frame["text"] + "\t" + frame["topic"]).encode()).hexdigest()[:12]
    version = f"{dt.date.today().isoformat()} · {len(frame)} 条示例 · {digest}"
    path = out or topic_model.default_model_path()
    topic_model.save_model(path, topic_model.CLASSES, arrays["weights"], arrays["catalogue_weights"],
                           arrays["intercept"], version)
    lines.append(f"已写入 {path}（{version}）")
    return lines


def _dense(arrays: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (arrays["weights"].astype(np.float32), arrays["catalogue_weights"].astype(np.float32),
            arrays["intercept"].astype(np.float64))


def print_evaluation(result: dict, title: str) -> None:
    from .evaluate_classifier import print_confusion
    print(f"{title}（{result['rows']} 条）：话题准确率 {result['topic_accuracy']:.3f}，"
          f"涉疫与否准确率 {result['epidemic_accuracy']:.3f}")
    print_confusion(result["confusion"])
    print("把握最大的十个错判：")
    for row in result["wrong"].head(10).itertuples():
        print(f"  [{row.topic} → {row.predicted} {row.confidence:.2f}] {row.text}")

