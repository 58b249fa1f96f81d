"""The hotline topic model: a linear model on character n-grams, read from a data file in
the reference pack and scored with numpy alone.

The file (`hotline_topic_model.npz`, written by `python -m etl model build`, etl/model_build.py)
holds arrays only — the classes, the hashed n-gram buckets that carry a weight, their
weights, the intercepts and the featurisation's parameters — and is read with
`allow_pickle=False`, so loading a pack runs no code from it. scikit-learn is needed to
build the file, never to use it.

Featurisation, the one definition training and scoring share (`ngrams`):
- text folded like the catalogue's (full-width letters and digits, lower case), every
  digit read as 0 (so 14天 and 10天 are one feature, and the days count teaches nothing
  by itself), line breaks as spaces;
- every character 1- to 3-gram, hashed (a fixed multiplicative hash of the code points,
  no per-process salt) into 2^bits buckets;
- a ticket's value for a bucket is its count / sqrt(the ticket's number of n-grams), so
  long and short tickets score on one scale;
- and the 25问 catalogue's verdict (etl/classify.py), one-hot over the five classes: the
  model learns how far to trust a catalogue match (etl/model_build.py says why).

The classes' softmax probabilities are what the loader uses (etl/classify_tickets.py). `explain` names the n-grams that moved a
ticket to its topic rather than the runner-up, for the few tickets a page shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core import settings
from .classify import FOLD_WIDTH, NON_EPIDEMIC, TOPICS, read_by_version

MODEL_FILE = "hotline_topic_model.npz"
FORMAT = "yipingguan-topic-model/1"
CLASSES = (*TOPICS, NON_EPIDEMIC)
NGRAM_MAX = 2
BITS = 18
CHUNK = 20_000            # texts scored at a time (bounds the gathered weights' memory)
CATALOGUE_MARK = "目录："
CATALOGUE_VALUE = 3.0     # the one-hot's value: higher lets the model lean on the catalogue more cheaply

# The catalogue's folding (full-width to plain) and digits as 0 in one pass over the text.
_FOLD = {**FOLD_WIDTH, **{ord(d): ord("0") for d in "123456789"}, **{0xFF10 + d: ord("0") for d in range(10)},
         ord("\n"): ord(" "), ord("\r"): ord(" "), 0: ord(" ")}
_MIX = np.uint64(0x9E3779B97F4A7C15)     # Fibonacci hashing: the top bits of h * φ·2^64
_STEP = np.uint64(0x100000001B3)


def fold(texts: pd.Series) -> pd.Series:
    """The text the n-grams are taken from."""
    return texts.fillna("").astype(str).str.translate(_FOLD).str.lower()


def ngrams(texts: pd.Series, bits: int = BITS, ngram_max: int = NGRAM_MAX
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, bucket, doc_value): for every character n-gram of every text, the text's row
    number and the n-gram's bucket; doc_value[d] is 1 / sqrt(text d's n-gram count)."""
    folded = fold(texts)
    codes = np.frombuffer(("\x00".join(folded) + "\x00").encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    doc_of = np.cumsum(codes == 0) - (codes == 0)       # the separator closes its text
    hashes, starts = [], []
    h = np.zeros(len(codes), dtype=np.uint64)
    valid = np.ones(len(codes), dtype=bool)
    for n in range(1, ngram_max + 1):
        tail = codes[n - 1:]
        h = h[:len(tail)] * _STEP + tail
        valid = valid[:len(tail)] & (tail != 0)
        where = np.flatnonzero(valid)
        hashes.append(((h[where] ^ np.uint64(n)) * _MIX) >> np.uint64(64 - bits))
        starts.append(where)
    bucket = np.concatenate(hashes).astype(np.int64)
    doc = doc_of[np.concatenate(starts)].astype(np.int64)
    counts = np.bincount(doc, minlength=len(folded)).astype(np.float64)
    return doc, bucket, 1.0 / np.sqrt(np.maximum(counts, 1.0))


def text_ngrams(text: str, ngram_max: int = NGRAM_MAX) -> list[str]:
    """One text's n-grams as strings, in the order `ngrams` hashes them (for explanations)."""
    folded = fold(pd.Series([text])).iloc[0]
    return [folded[i:i + n] for n in range(1, ngram_max + 1) for i in range(len(folded) - n + 1)]


@dataclass(frozen=True)
class Model:
    path: Path | None
    classes: tuple[str, ...]
    weights: np.ndarray        # (2^bits, classes) float32, zero where no n-gram was seen
    catalogue_weights: np.ndarray  # (classes, classes): row = the catalogue's topic
    intercept: np.ndarray      # (classes,)
    bits: int
    ngram_max: int
    version: str               # when and from what it was built, for the data page and notes

    def scores(self, texts: pd.Series, catalogue_topics) -> np.ndarray:
        """(len(texts), classes) decision values; `catalogue_topics`: the catalogue's topic
        of each text."""
        out = np.empty((len(texts), len(self.classes)), dtype=np.float64)
        for start in range(0, len(texts), CHUNK):
            part = texts.iloc[start:start + CHUNK]
            doc, bucket, doc_value = ngrams(part, self.bits, self.ngram_max)
            gathered = self.weights[bucket]
            for c in range(len(self.classes)):
                out[start:start + len(part), c] = np.bincount(doc, weights=gathered[:, c], minlength=len(part))
            out[start:start + len(part)] *= doc_value[:, None]
        return out + catalogue_features(catalogue_topics) @ self.catalogue_weights + self.intercept

    def probabilities(self, texts: pd.Series, catalogue_topics) -> pd.DataFrame:
        """(texts, classes) softmax probabilities, same index, a column per class."""
        scores = self.scores(texts.fillna("").astype(str), catalogue_topics)
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return pd.DataFrame(shifted / shifted.sum(axis=1, keepdims=True), index=texts.index, columns=list(self.classes))

    def explain(self, text: str, catalogue_topic: str, limit: int = 5) -> list[tuple[str, float]]:
        """The n-grams (and the catalogue's verdict, as 「目录：topic」) that most moved the
        text to its topic rather than the runner-up, with their share of that margin
        (n-grams inside a listed longer one are left out)."""
        texts = pd.Series([text])
        scores = self.scores(texts, [catalogue_topic])[0]
        first, second = np.argsort(scores)[::-1][:2]
        grams = text_ngrams(text, self.ngram_max)
        _doc, bucket, doc_value = ngrams(texts, self.bits, self.ngram_max)
        margin = (self.weights[bucket, first] - self.weights[bucket, second]) * doc_value[0]
        by_gram: dict[str, float] = {}
        for gram, value in zip(grams, margin):
            if gram.strip():
                by_gram[gram] = by_gram.get(gram, 0.0) + float(value)
        row = catalogue_features([catalogue_topic])[0] @ self.catalogue_weights
        by_gram[CATALOGUE_MARK + catalogue_topic] = float(row[first] - row[second])
        ranked = sorted((g for g in by_gram if by_gram[g] > 0), key=lambda g: -by_gram[g])
        chosen: list[str] = []
        for gram in ranked:
            if not any(gram in longer for longer in chosen):
                chosen.append(gram)
            if len(chosen) == limit:
                break
        total = max(float(scores[first] - scores[second]), 1e-9)
        return [(g, by_gram[g] / total) for g in chosen]


def default_model_path() -> Path:
    return settings.reference_dir() / MODEL_FILE


def load_model(path: Path | None = None) -> Model:
    """Reads the model file of the reference pack; cached per file version."""
    path = Path(path) if path is not None else default_model_path()
    return read_by_version(path, f"找不到热线话题模型：{path}（请运行 python -m etl model build）", _load_model)


@lru_cache(maxsize=4)
def _load_model(path: Path, mtime_ns: int, size: int) -> Model:
    with np.load(path, allow_pickle=False) as data:
        if str(data["format"]) != FORMAT:
            raise ValueError(f"{path} 不是本程序能读的话题模型（格式 {data['format']}，需要 {FORMAT}）")
        bits, ngram_max = int(data["bits"]), int(data["ngram_max"])
        classes = tuple(str(c) for c in data["classes"])
        if set(classes) != set(CLASSES):
            raise ValueError(f"{path}：模型的类别 {'、'.join(classes)} 与本程序的不符")
        weights = np.zeros((1 << bits, len(classes)), dtype=np.float32)
        weights[data["buckets"]] = data["weights"]
        return Model(path, classes, weights, data["catalogue_weights"].astype(np.float64),
                     data["intercept"].astype(np.float64), bits, ngram_max, str(data["version"]))


def catalogue_features(catalogue_topics) -> np.ndarray:
    """One-hot (texts, classes) of the catalogue's topic of each text."""
    index = pd.Categorical(np.asarray(catalogue_topics, dtype=object), categories=CLASSES).codes
    if (index < 0).any():
        raise ValueError("目录给出了模型不认识的话题")
    out = np.zeros((len(index), len(CLASSES)))
    out[np.arange(len(index)), index] = CATALOGUE_VALUE
    return out


def save_model(path: Path, classes, weights: np.ndarray, catalogue_weights: np.ndarray, intercept: np.ndarray,
               version: str, bits: int = BITS, ngram_max: int = NGRAM_MAX) -> None:
    """Writes the arrays `load_model` reads (only the buckets with a weight)."""
    buckets = np.flatnonzero(np.abs(weights).sum(axis=1) > 0)
    path = Path(path)
    partial = path.with_name(path.name + ".partial.npz")   # a loader never sees half a file
    np.savez_compressed(partial, format=np.array(FORMAT), classes=np.array(list(classes)),
                        buckets=buckets.astype(np.int32), weights=weights[buckets].astype(np.float32),
                        catalogue_weights=np.asarray(catalogue_weights, dtype=np.float32),
                        intercept=np.asarray(intercept, dtype=np.float32), bits=np.array(bits),
                        ngram_max=np.array(ngram_max), version=np.array(version))
    partial.replace(path)
