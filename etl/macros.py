"""The SQL macros every step of a load uses (etl/sql/macros.sql: fold, parse_ts, masks…)."""
from __future__ import annotations

import functools
import zlib
from pathlib import Path

from . import privacy

FREE_TEXT_PATTERNS = ("PERSONAL_NUMBER", "MOBILE_ALONE", "MOBILE_ALONE_MASK", "ROOM_AFTER_MARK", "ROOM_BEFORE_SHI", "ROOM_MASK",
                      "ADDRESS_NEEDS_SPLIT")


@functools.lru_cache(maxsize=1)
def _macros_text() -> tuple[str, str]:
    """macros.sql, read once a process, and the marker table that says it is installed."""
    text = (Path(__file__).parent / "sql" / "macros.sql").read_text(encoding="utf-8")
    for name in FREE_TEXT_PATTERNS:  # patterns defined once, in etl/privacy.py
        text = text.replace("{{" + name + "}}", "'" + getattr(privacy, name).replace("'", "''") + "'")
    text = text.replace("{{REDACT_PASSES}}", str(int(privacy.REDACT_PASSES)))
    return text, f"_macros_{zlib.crc32(text.encode()):08x}"


def install_macros(con) -> None:
    """The SQL macros every step uses (fold, parse_ts, masks…), once per connection:
    defining them again for each file of a batch of small files would cost more than
    loading the file."""
    text, marker = _macros_text()
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                   [marker]).fetchall()[0][0]:
        return
    con.execute(text)
    con.execute(f"CREATE TEMP TABLE {marker} (installed BOOLEAN)")
