"""Tiny hand-made databases for query tests: a few tickets with known topics, questions
and neighbourhoods, in a file built from the real schema (the page tests' helpers live in
page_helpers.py)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from boardkit.data.db import Generation

SCHEMA = Path(__file__).resolve().parent.parent / "etl" / "sql" / "schema_v1.sql"


def ticket(n: int, received_at: dt.datetime, topic: str | None, faq_question: int | None = None,
           code: str = "NB01", content: str | None = None, **extra) -> dict:
    """One hotline ticket: `topic` None is a non-epidemic ticket; the neighbourhood is
    named after its code (居民区NB01)."""
    row = {"ticket_id": f"T{n:05d}", "received_at": received_at, "request_type": "inquiry",
           "content": content or f"测试工单{n}", "neighbourhood": f"居民区{code}", "neighbourhood_code": code,
           "due_at": received_at + dt.timedelta(days=1), "status": "in_progress",
           "epidemic_related": topic is not None and topic != "non_epidemic",
           "topic": topic or "non_epidemic", "faq_question": faq_question, "run_id": 1}
    row.update(extra)
    return row


def tiny_db(path: Path, tickets: list[dict]) -> Generation:
    """A database file holding `tickets` (and the schema's empty tables); its Generation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        for row in tickets:
            names = list(row)
            con.execute(f"INSERT INTO hotline_tickets ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                        [row[n] for n in names])
        con.execute("INSERT INTO etl_runs (run_id, source, file_name, status, generation) "
                    "VALUES (1, 'hotline', 'tiny.csv', 'loaded', 1)")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return Generation(str(path), 1, os.path.getmtime(path))


# A district-like reference pack in miniature: two sub-districts of three neighbourhoods each.
TWO_SUBDISTRICTS = [
    {"code": "310115010", "name": "南码头路街道", "bounds": (121.50, 31.18, 121.52, 31.20),
     "neighbourhoods": [("310115010001", "八一居民区", ()), ("310115010002", "东三居民区", ()),
                        ("310115010003", "南一居民区", ())]},
    {"code": "310115011", "name": "塘桥街道", "bounds": (121.52, 31.18, 121.54, 31.20),
     "neighbourhoods": [("310115011001", "塘东居民区", ()), ("310115011002", "塘西居民区", ()),
                        ("310115011003", "蓝村居民区", ())]},
]


def two_subdistrict_pack(folder: Path) -> Path:
    """The default pack (its FAQ catalogue, topic model, holidays) with TWO_SUBDISTRICTS as
    its map and address index."""
    import shutil

    from core import settings
    from etl.refpack import write_pack
    shutil.copytree(settings.default_reference_dir(), folder)
    write_pack(folder, TWO_SUBDISTRICTS)
    return folder
