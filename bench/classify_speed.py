"""Hotline topic classification alone (catalogue + topic model, as the loader runs it), on
the demo season's ticket texts.

    python -m bench.classify_speed [--tickets 100000] [--workers 2]

The texts are the sub-district demo season's (demo/model.hotline_model: ~10,000
tickets), repeated with a number appended to each copy until `--tickets`, so no two are
equal. Prints their mean length and tickets per second in one process and in `--workers`
processes (each classifies its share; explanations are not computed: the board computes
them only for the tickets it shows).
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from demo import model as M
from etl.classify import load_catalogue
from etl.classify_tickets import classify_tickets
from demo.generate import SCALES
from etl.reference import load_pack
from etl.topic_model import load_model

SEED = 2020


def demo_texts(end: dt.date = dt.date(2020, 5, 31)) -> pd.Series:
    """Each ticket's text of the sub-district demo season ending before `end`."""
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(SEED).spawn(6)]
    season = M.make_season(end, SCALES["subdistrict"]["days"])
    geo = M.Geo.from_pack(load_pack(), rng[0])
    tickets, texts = M.hotline_model(rng[2], season, geo, SCALES["subdistrict"]["hotline"], SEED)
    return pd.Series(np.asarray(texts, dtype=object)[tickets["content"].to_numpy()])


def sample(texts: pd.Series, size: int) -> pd.Series:
    copies = -(-size // len(texts))
    return pd.concat([texts + f"（{i}）" for i in range(copies)], ignore_index=True)[:size]


def _classify(texts: list[str]) -> int:
    return len(classify_tickets(pd.Series(texts)))


def timed(texts: pd.Series, workers: int) -> float:
    """Tickets per second."""
    started = time.perf_counter()
    if workers == 1:
        classify_tickets(texts)
    else:
        parts = np.array_split(np.asarray(texts, dtype=object), workers)
        with ProcessPoolExecutor(workers) as pool:
            assert sum(pool.map(_classify, [list(p) for p in parts])) == len(texts)
    return len(texts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.classify_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    load_catalogue(), load_model()      # read once, before the clock (forked workers share them)
    season = demo_texts()
    texts = sample(season, args.tickets)
    print(f"演示季工单 {len(season):,} 条，平均长度 {season.str.len().mean():.1f} 字；计时 {len(texts):,} 条")
    classify_tickets(texts[:2000])      # warm-up
    print(f"1 个进程：{timed(texts, 1):,.0f} 条/秒")
    if args.workers > 1:
        print(f"{args.workers} 个进程：{timed(texts, args.workers):,.0f} 条/秒")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
