"""Hotline ticket topics from the FAQ catalogue (社区防控25问, `faq.toml` in the reference pack).

Explainable rules, so that the hotline team can see and fix why a ticket landed where
it did by editing the catalogue, not code:

- Every keyword of every question, and every general epidemic word, goes into one
  regex (a trie of the words, longest match first), compiled once per catalogue and
  run as a lookahead, so overlapping phrases are all found (居家隔离期间: 居家隔离 and
  隔离期间).
  A ticket's matches are those not contained in a longer match; full-width letters and
  digits are folded and everything lower-cased first.
- A match credits each question that has a keyword contained in it (the longest such
  keyword). A question's score is the total length of its credited keywords, each
  counted once and none counted inside a longer one: longer phrases are more specific.
- The topic is the category with the highest score, computed the same way over all
  its questions' keywords; the FAQ question is that category's best question. Ties go
  to more strong (not weak) keyword length, then the longest single keyword, then the
  lower number. Scoring per category lets
  several plain words that agree (公司、员工、复工) outweigh one specific word of
  another category (隔离).
- A ticket is epidemic-related iff it matched a general epidemic word, a keyword that
  is not a weak word, or at least `weak_quorum` (default 3) different weak keywords of
  one category. Weak words (小区, 物业, 快递, 房东, …) help choose the topic, but one or two
  of them leave the ticket `non_epidemic`: "外卖、送上楼、门口" together is a lockdown
  request, "房东、押金" is an everyday dispute.
- Epidemic words without any question: the catalogue's `fallback_topic`.

`topic_words` lists the matches that decided the result, so a clerk can check it.
"""
from __future__ import annotations

import re
from functools import lru_cache
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core import settings

NON_EPIDEMIC = "non_epidemic"
TOPICS = ("quarantine", "community", "enterprise", "health")
WORD_SEPARATOR = "、"


@dataclass(frozen=True)
class Question:
    no: int
    topic: str
    question: str
    answer: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    path: Path | None
    category_names: dict[str, str]
    questions: tuple[Question, ...]
    epidemic_words: frozenset[str]
    weak_words: frozenset[str]
    fallback_topic: str
    weak_quorum: int = 3
    # Derived once in __post_init__; per-ticket work only looks these up.
    pattern: re.Pattern = field(init=False, repr=False)
    # match -> ((question index, longest keyword of that question inside the match), ...)
    credits: dict[str, tuple[tuple[int, str], ...]] = field(init=False, repr=False)
    # match -> ((topic, longest keyword of that topic inside the match), ...)
    topic_credits: dict[str, tuple[tuple[str, str], ...]] = field(init=False, repr=False)
    # word -> the longer words of the vocabulary that contain it
    containers: dict[str, frozenset[str]] = field(init=False, repr=False)
    epidemic_tokens: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        vocabulary = {k for q in self.questions for k in q.keywords} | set(self.epidemic_words)
        credits, topic_credits = {}, {}
        for token in vocabulary:
            row, by_topic = [], {}
            for index, q in enumerate(self.questions):
                inside = [k for k in q.keywords if k in token]
                if inside:
                    keyword = max(inside, key=len)
                    row.append((index, keyword))
                    if len(keyword) > len(by_topic.get(q.topic, "")):
                        by_topic[q.topic] = keyword
            credits[token] = tuple(row)
            topic_credits[token] = tuple(by_topic.items())
        containers = {w: frozenset(o for o in vocabulary if w != o and w in o) for w in vocabulary}
        epidemic_tokens = {t for t in vocabulary
                           if t in self.epidemic_words or (t not in self.weak_words and credits[t])}
        object.__setattr__(self, "pattern", _scanner(vocabulary))
        object.__setattr__(self, "credits", credits)
        object.__setattr__(self, "topic_credits", topic_credits)
        object.__setattr__(self, "containers", containers)
        object.__setattr__(self, "epidemic_tokens", frozenset(epidemic_tokens))

    def question(self, no: int) -> Question:
        return next(q for q in self.questions if q.no == no)


# Full-width ASCII (Ｎ９５, ＡＰＰ) and the ideographic space to their plain forms. Only
# these matter for keywords; full NFKC would do the same here at half the speed.
FOLD_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(texts: pd.Series) -> pd.Series:
    """Full-width letters and digits folded, lower case, so `Ｎ９５` finds `n95`."""
    return texts.fillna("").astype(str).str.translate(FOLD_WIDTH).str.lower()


def _fold(word: str) -> str:
    return str(word).translate(FOLD_WIDTH).lower().strip()


def default_catalogue_path() -> Path:
    return settings.reference_dir() / "faq.toml"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Reads and checks the catalogue; mistakes are reported in Chinese for the editors.
    Cached per file version: a loader classifies hundreds of files with one catalogue."""
    path = Path(path) if path is not None else default_catalogue_path()
    return read_by_version(path, f"找不到热线问答目录：{path}", _load_catalogue)


def read_by_version(path: Path, missing: str, reader):
    """reader(path, mtime_ns, size): a reader cached (lru_cache) per version of the file."""
    if not path.exists():
        raise FileNotFoundError(missing)
    stat = path.stat()
    return reader(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load_catalogue(path: Path, mtime_ns: int, size: int) -> Catalogue:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path} 格式有误：{e}") from None
    categories = {c["topic"]: c.get("name", c["topic"]) for c in data.get("category", [])}
    unknown = set(categories) - set(TOPICS)
    if unknown:
        raise ValueError(f"{path}：类别代码只能是 {'、'.join(TOPICS)}，发现 {'、'.join(sorted(unknown))}")
    questions, seen = [], set()
    for raw in data.get("question", []):
        no = int(raw.get("no", 0))
        if no in seen:
            raise ValueError(f"{path}：问题编号 {no} 重复")
        seen.add(no)
        if raw.get("topic") not in categories:
            raise ValueError(f"{path}：第{no}问的类别“{raw.get('topic')}”不在 [[category]] 中")
        keywords = tuple(dict.fromkeys(w for w in map(_fold, raw.get("keywords", [])) if w))
        if not keywords:
            raise ValueError(f"{path}：第{no}问没有关键词")
        questions.append(Question(no, raw["topic"], raw.get("question", ""), raw.get("answer", ""), keywords))
    epidemic = data.get("epidemic", {})
    fallback = epidemic.get("fallback_topic", "community")
    if fallback not in categories:
        raise ValueError(f"{path}：fallback_topic“{fallback}”不在 [[category]] 中")
    return Catalogue(
        path=path,
        category_names=categories,
        questions=tuple(sorted(questions, key=lambda q: q.no)),
        epidemic_words=frozenset(w for w in map(_fold, epidemic.get("words", [])) if w),
        weak_words=frozenset(w for w in map(_fold, epidemic.get("weak_words", [])) if w),
        fallback_topic=fallback,
        weak_quorum=int(epidemic.get("weak_quorum", 3)),
    )


def _trie_alternation(words) -> str:
    """One regex for all words, with shared prefixes factored out (隔离(?:期间|期满)?):
    the engine then tries a few branches per position instead of every word. Greedy
    optional tails make it match the longest word starting at a position."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _scanner(vocabulary) -> re.Pattern:
    """Finds, at every position, the longest word starting there. The match is a
    zero-width lookahead so overlapping words are all found; the leading class of first
    characters lets the engine skip other positions fast, and the trie beats a flat
    alternation."""
    if not vocabulary:
        return re.compile("(?!)")
    first_chars = "".join(sorted({w[0] for w in vocabulary}))
    return re.compile(f"(?=[{re.escape(first_chars)}])(?=({_trie_alternation(vocabulary)}))")


def _outermost(words, containers: dict[str, frozenset[str]]) -> list[str]:
    """The distinct words not contained in another of them, in their first order."""
    unique = dict.fromkeys(words)
    return [w for w in unique if containers[w].isdisjoint(unique)]


def _score(keywords: list[str], catalogue: Catalogue) -> tuple[int, int, int]:
    """(total length, total length of the strong ones, longest) of the keywords, none
    counted inside a longer one. The strong total breaks ties: a specific word says
    more than an everyday one (消毒 beats 小区 for 小区消毒)."""
    outermost = _outermost(keywords, catalogue.containers)
    lengths = [len(k) for k in outermost]
    strong = sum(len(k) for k in outermost if k not in catalogue.weak_words)
    return sum(lengths), strong, max(lengths)


def _decide(found: tuple[str, ...], catalogue: Catalogue) -> tuple[bool, str, int | None, str]:
    """(epidemic_related, topic, faq_question, topic_words) for one ticket's matches."""
    containers = catalogue.containers
    tokens = _outermost(found, containers)
    topic_keywords: dict[str, list[str]] = {}
    for token in tokens:
        for topic, keyword in catalogue.topic_credits[token]:
            topic_keywords.setdefault(topic, []).append(keyword)
    epidemic = not catalogue.epidemic_tokens.isdisjoint(tokens) or (
        catalogue.weak_quorum > 0
        and max((len(set(k)) for k in topic_keywords.values()), default=0) >= catalogue.weak_quorum)
    if not epidemic:
        return False, NON_EPIDEMIC, None, ""
    general = [t for t in tokens if t in catalogue.epidemic_words]
    if not topic_keywords:
        return True, catalogue.fallback_topic, None, WORD_SEPARATOR.join(general)

    # Only the best-scoring categories need their questions ranked.
    topic_score = {t: _score(k, catalogue)[:2] for t, k in topic_keywords.items()}
    top = max(topic_score.values())
    leaders = {t for t, score in topic_score.items() if score == top}
    question = _best_question(tokens, leaders, catalogue)
    return True, question.topic, question.no, _deciding_words(tokens, question.topic, general, catalogue)


def _best_question(tokens: list[str], topics: set[str], catalogue: Catalogue) -> Question | None:
    """The question of one of `topics` that the ticket's outermost matches score best for."""
    questions = catalogue.questions
    question_keywords: dict[int, list[str]] = {}
    for token in tokens:
        for index, keyword in catalogue.credits[token]:
            if questions[index].topic in topics:
                question_keywords.setdefault(index, []).append(keyword)
    if not question_keywords:
        return None
    return questions[max(question_keywords, key=lambda i: (*_score(question_keywords[i], catalogue), -i))]


def _deciding_words(tokens: list[str], topic: str, general: list[str], catalogue: Catalogue) -> str:
    deciding = [t for t in tokens if any(tp == topic for tp, _k in catalogue.topic_credits[t])]
    return WORD_SEPARATOR.join(dict.fromkeys(deciding + general))


def questions_within(texts: pd.Series, topics: pd.Series, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """faq_question and topic_words for each text when its topic is already decided (by the
    topic model): the catalogue's best question of that topic, None when the ticket
    matches none of its keywords (and none at all for non_epidemic)."""
    catalogue = catalogue or load_catalogue()
    matches = normalise(texts).str.findall(catalogue.pattern)
    rows = []
    for found, topic in zip(matches, topics):
        tokens = _outermost(found, catalogue.containers)
        general = [t for t in tokens if t in catalogue.epidemic_words]
        question = _best_question(tokens, {topic}, catalogue) if topic != NON_EPIDEMIC else None
        if question is None:
            rows.append((None, WORD_SEPARATOR.join(general) if topic != NON_EPIDEMIC else ""))
        else:
            rows.append((question.no, _deciding_words(tokens, topic, general, catalogue)))
    frame = pd.DataFrame(rows, index=texts.index, columns=["faq_question", "topic_words"])
    frame["faq_question"] = frame["faq_question"].astype("Int64")
    return frame


def classify(texts: pd.Series, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """epidemic_related, topic, faq_question, topic_words for each text, same index."""
    catalogue = catalogue or load_catalogue()
    matches = normalise(texts).str.findall(catalogue.pattern)
    # Tickets repeat their wording a lot (templates, copied complaints): decide each
    # distinct set of matches once.
    decided: dict[tuple[str, ...], tuple] = {}
    rows = []
    for found in matches:
        key = tuple(found)
        result = decided.get(key)
        if result is None:
            result = decided[key] = _decide(key, catalogue)
        rows.append(result)
    frame = pd.DataFrame(rows, index=texts.index,
                         columns=["epidemic_related", "topic", "faq_question", "topic_words"])
    if frame.empty:
        frame = frame.astype({"epidemic_related": bool, "topic": str, "topic_words": str})
    frame["epidemic_related"] = frame["epidemic_related"].astype(bool)
    frame["faq_question"] = frame["faq_question"].astype("Int64")
    return frame
