"""`python -m etl rederive`: re-runs derivations on stored rows after the FAQ catalogue,
the topic model, the clerks' topic corrections, the reference pack or the settings
changed, as one new generation."""
from __future__ import annotations

from pathlib import Path

from . import derive, derived, store
from .macros import install_macros
from .sources import SOURCES


def rederive(db_path: Path) -> list[str]:
    lines = []
    with store.writer_lock(db_path), store.new_generation(db_path) as con:
        lines.extend(derive.load_reference(con))
        derive.load_corrections(con, db_path)
        install_macros(con)
        for source in SOURCES.values():
            if source.rederive:
                lines.extend(source.rederive(con))
        # Tables changed above, and records may have found their neighbourhood.
        for kind in derived.REBUILT_WHOLE:
            derived.mark(con, kind)
    return lines
