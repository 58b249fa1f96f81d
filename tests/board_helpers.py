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
