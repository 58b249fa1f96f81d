"""Clerks' corrections of hotline topics: `python -m etl corrections add <file>`.

The board writes no database: its 12345 page offers the report day's least certain
tickets as a download (boardkit/queries/hotline.py, `low_confidence_tickets`); a clerk
fills in 更正话题 (a topic's name or code; the model's own topic to confirm it) and this
command takes the file back. Corrections are kept in `data/corrections/hotline_topics.csv`
beside the database — not in the reference pack: they carry residents' (masked) ticket
texts, so they are private and the purge blanks the text of old ones — then applied on
every load and `rederive` (etl/derive.py), and they join the pack's example texts at the
next `python -m etl model build`.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from core import settings
from .topic_model import CLASSES

COLUMNS = ["ticket_id", "topic", "text", "received_on", "corrected_at"]
# The download's column names (boardkit/queries/hotline.py writes them, this reads them).
TICKET_ID, CONTENT, RECEIVED, MODEL_TOPIC, CONFIDENCE, CORRECTED = (
    "工单编号", "诉求内容（已脱敏）", "受理时间", "模型话题", "把握", "更正话题")


def corrections_path(db_path: Path | None = None) -> Path:
    return Path(db_path or settings.db_path()).parent / "corrections" / "hotline_topics.csv"


def read_corrections(db_path: Path | None = None, with_text: bool = False) -> pd.DataFrame:
    """The latest correction of each ticket (COLUMNS); with `with_text`, only those whose
    text the purge has not blanked (for training)."""
    path = corrections_path(db_path)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS, dtype=object)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = frame.drop_duplicates("ticket_id", keep="last").reset_index(drop=True)
    return frame[frame["text"] != ""].reset_index(drop=True) if with_text else frame


def topic_code(value: str, names: dict[str, str]) -> str | None:
    """A topic code from a clerk's cell: the code itself or its Chinese name; None when blank."""
    value = str(value).strip()
    if not value:
        return None
    if value in CLASSES:
        return value
    by_name = {name: code for code, name in names.items()}
    if value in by_name:
        return by_name[value]
    raise ValueError(f"“{value}”不是话题：请填写 {'、'.join(names.values())} 之一")


def parse_download(path: Path, names: dict[str, str], now: dt.datetime) -> pd.DataFrame:
    """The rows of a clerk's file (the board's CSV or Excel download) with 更正话题 filled,
    as COLUMNS. A bad file is refused whole, naming its row."""
    if Path(path).suffix.lower() in (".xlsx", ".xls"):
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="calamine")
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {TICKET_ID, CONTENT, RECEIVED, CORRECTED} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} 不是看板下载的待确认工单清单：缺少列 {'、'.join(sorted(missing))}")
    rows = []
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        cells = dict(zip(frame.columns, row))
        try:
            topic = topic_code(cells[CORRECTED], names)
        except ValueError as e:
            raise ValueError(f"{path} 第 {number} 行：{e}") from None
        if topic is None:
            continue
        ticket = cells[TICKET_ID].lstrip("'").strip()
        if not ticket:
            raise ValueError(f"{path} 第 {number} 行：工单编号为空")
        rows.append((ticket, topic, cells[CONTENT].removeprefix("'"), cells[RECEIVED][:10],
                     now.isoformat(timespec="seconds")))
    return pd.DataFrame(rows, columns=COLUMNS)


def add(rows: pd.DataFrame, db_path: Path | None = None) -> Path:
    """Appends the rows (a later correction of a ticket wins when read)."""
    path = corrections_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame(columns=COLUMNS)
    merged = pd.concat([old, rows], ignore_index=True)[COLUMNS]
    tmp = path.with_suffix(".tmp")
    merged.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)
    return path


def blank_old_texts(cutoff: dt.date, db_path: Path | None = None) -> int:
    """Blanks the text of corrections of tickets received before `cutoff` (the purge);
    the ticket's topic stays corrected. Returns how many were blanked."""
    path = corrections_path(db_path)
    if not path.exists():
        return 0
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    old = (frame["text"] != "") & (frame["received_on"] < cutoff.isoformat())
    if old.any():
        frame.loc[old, "text"] = ""
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False, encoding="utf-8")
        tmp.replace(path)
    return int(old.sum())
