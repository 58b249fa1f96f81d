"""How well the FAQ catalogue classifies a labelled set of hotline texts.

    python -m etl.evaluate_classifier [CSV] [--catalogue faq.toml]

CSV columns: text, topic, epidemic_related (true/false). Prints accuracy per topic,
overall topic accuracy, epidemic-flag accuracy, the confusion matrix and every
misclassified row with the words that decided it. Exits 1 when below the bar
(topic ≥ 0.90, epidemic flag ≥ 0.95), so catalogue editors notice a regression.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from core import settings
from .classify import NON_EPIDEMIC, TOPICS, classify, load_catalogue

DEFAULT_CSV = settings.REPO_ROOT / "tests" / "data" / "hotline_labelled.csv"
TOPIC_BAR = 0.90
EPIDEMIC_BAR = 0.95
LABELS = (*TOPICS, NON_EPIDEMIC)


def read_labelled(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"text", "topic", "epidemic_related"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} 缺少列：{'、'.join(sorted(missing))}")
    frame["epidemic_related"] = frame["epidemic_related"].str.strip().str.lower().isin(["true", "1", "是"])
    frame["topic"] = frame["topic"].str.strip()
    return frame


def evaluate(labelled: pd.DataFrame, catalogue=None) -> dict:
    """The figures main() prints, for tests and for other callers."""
    predicted = classify(labelled["text"], catalogue or load_catalogue())
    topic_ok = predicted["topic"] == labelled["topic"]
    flag_ok = predicted["epidemic_related"] == labelled["epidemic_related"]
    per_topic = {t: float(topic_ok[labelled["topic"] == t].mean())
                 for t in LABELS if (labelled["topic"] == t).any()}
    confusion = pd.crosstab(pd.Categorical(labelled["topic"], LABELS), pd.Categorical(predicted["topic"], LABELS),
                            rownames=["实际"], colnames=["判定"], dropna=False)
    wrong = labelled.assign(predicted_topic=predicted["topic"], predicted_epidemic=predicted["epidemic_related"],
                            faq_question=predicted["faq_question"], topic_words=predicted["topic_words"])
    return {
        "rows": len(labelled),
        "topic_accuracy": float(topic_ok.mean()),
        "epidemic_accuracy": float(flag_ok.mean()),
        "per_topic": per_topic,
        "confusion": confusion,
        "misclassified": wrong[~(topic_ok & flag_ok)],
    }


def throughput(texts: pd.Series, catalogue, repeat_to: int = 100_000) -> float:
    """Texts per second on `repeat_to` texts made of the given ones (numbered so that
    no two are equal). Matching dominates the cost; deciding is memoised per set of
    matches, which real tickets share too."""
    times = -(-repeat_to // len(texts))
    sample = pd.concat([texts + f"（{i}）" for i in range(times)], ignore_index=True)[:repeat_to]
    started = time.perf_counter()
    classify(sample, catalogue)
    return repeat_to / (time.perf_counter() - started)


def print_confusion(confusion: pd.DataFrame) -> None:
    print("混淆矩阵（行：实际，列：判定）：")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(confusion.to_string())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.evaluate_classifier", description="评估热线工单分类准确率")
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV, help="标注数据（text,topic,epidemic_related）")
    parser.add_argument("--catalogue", type=Path, default=None, help="问答目录 faq.toml（默认参考数据包中的）")
    parser.add_argument("--speed", action="store_true", help="同时测量分类速度（条/秒）")
    args = parser.parse_args(argv)

    catalogue = load_catalogue(args.catalogue)
    labelled = read_labelled(args.csv)
    result = evaluate(labelled, catalogue)

    print(f"数据：{args.csv}（{result['rows']} 条）  目录：{catalogue.path}")
    print("各类别准确率：")
    for topic, accuracy in result["per_topic"].items():
        count = int((labelled["topic"] == topic).sum())
        print(f"  {topic:<13} {accuracy:6.1%}  （{count} 条）")
    print(f"类别总体准确率：{result['topic_accuracy']:.1%}（要求 ≥ {TOPIC_BAR:.0%}）")
    print(f"涉疫判断准确率：{result['epidemic_accuracy']:.1%}（要求 ≥ {EPIDEMIC_BAR:.0%}）")
    print_confusion(result["confusion"])
    wrong = result["misclassified"]
    print(f"判错 {len(wrong)} 条：")
    for row in wrong.itertuples():
        question = "" if pd.isna(row.faq_question) else f" 第{row.faq_question}问"
        print(f"  [{row.topic} → {row.predicted_topic}{question}] {row.text}  〔{row.topic_words or '无命中'}〕")
    if args.speed:
        print(f"分类速度：{throughput(labelled['text'], catalogue):,.0f} 条/秒")
    passed = result["topic_accuracy"] >= TOPIC_BAR and result["epidemic_accuracy"] >= EPIDEMIC_BAR
    print("结论：" + ("达标" if passed else "未达标"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
