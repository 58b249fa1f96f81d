"""The source registry: one module per source in this package, each defining one Source
(its columns, key, table, checks, upsert inputs, load steps, freshness and labels).
Everything that handles sources iterates SOURCES; no other list of source names exists.
A new source is a new module here, its normalise SQL and its schema migration."""
from __future__ import annotations

import importlib
import pkgutil

from core import settings
from etl.sources.source import Column, Source

__all__ = ["BOARD_ORDER", "CLEAR_COLUMNS", "FRESH_ORDER", "SOURCES", "Column", "Source", "freshness_setting"]


def _discover() -> dict[str, Source]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "source":
            continue
        found += [v for v in vars(importlib.import_module(f"{__name__}.{module.name}")).values()
                  if isinstance(v, Source)]
    return {s.name: s for s in sorted(found, key=lambda s: (s.load_rank, s.name))}


# In load order: enterprises, roster (alarms find their flats in it), hotline, alarms.
SOURCES: dict[str, Source] = _discover()
# The board's order of the streams: hotline, roster, alarms, enterprises.
BOARD_ORDER: tuple[str, ...] = tuple(sorted(SOURCES, key=lambda name: SOURCES[name].board_rank))
# (table, column) stored in clear on purpose: the duty roster's staff work contacts, the one
# named exception to "no clear personal data" (README, threat model). The privacy tests
# scan every other column.
CLEAR_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    (source.table, column) for source in SOURCES.values() for column in source.clear_columns)
# The streams whose age the wall screen and the pages show, in the board's order.
FRESH_ORDER: tuple[str, ...] = tuple(name for name in BOARD_ORDER if SOURCES[name].freshness_hours is not None)


def freshness_setting(source: Source) -> str:
    """The setting of the hours after which the wall screen shows `source` as stale."""
    return f"screen_freshness_hours.{source.name}"


settings.register(*(settings.Setting(freshness_setting(SOURCES[name]), SOURCES[name].freshness_hours,
                                     SOURCES[name].freshness_help) for name in FRESH_ORDER))
