"""Queries of the 数据 page: load history, rejects and warnings, the committees' fix-lists.

Rejects and warnings carry the neighbourhood's name as the row gave it (or NULL); it is
matched to the reference pack for scope, and an unmatched one counts as "no
neighbourhood", which only whole-area viewers see (as SCOPE_SQL does everywhere)."""
from __future__ import annotations

import os

import pandas as pd

from ..data.db import SCOPE_SQL, Generation, Scope, query, scalar

UNKNOWN = "未识别居民区"

ISSUES = """
    SELECT i.*, n.code AS neighbourhood_code, coalesce(n.name, i.neighbourhood, '未识别居民区') AS committee
    FROM (SELECT 'reject' AS kind, * FROM etl_rejects
          UNION ALL BY NAME SELECT 'warning' AS kind, * FROM etl_warnings) i
    LEFT JOIN ref_neighbourhoods n ON n.name = i.neighbourhood"""

# A restricted viewer sees the runs that touched their neighbourhoods' records or issues.
# run_neighbourhoods (derived) holds which runs loaded records of which neighbourhood.
RUNS_IN_SCOPE = f"""($scope_all OR run_id IN (
    SELECT run_id FROM run_neighbourhoods WHERE {SCOPE_SQL}
    UNION SELECT run_id FROM ({ISSUES}) WHERE {SCOPE_SQL}))"""


def load_history(gen: Generation, scope: Scope, sources: tuple = (), statuses: tuple = ()) -> pd.DataFrame:
    """etl_runs, newest first; `sources`/`statuses` narrow it (empty: all)."""
    return query(gen, f"""
        SELECT run_id, file_name, source, started_at, finished_at, rows_read, rows_loaded,
               rows_rejected, rows_warned, status, message, generation
        FROM etl_runs
        WHERE {RUNS_IN_SCOPE}
          AND (len($sources) = 0 OR list_contains($sources, source))
          AND (len($statuses) = 0 OR list_contains($statuses, status))
        ORDER BY run_id DESC""",
        {"sources": list(sources), "statuses": list(statuses), **scope.params})


def run_totals(gen: Generation, scope: Scope) -> dict:
    frame = query(gen, f"""
        SELECT count(*) AS files, count(*) FILTER (status = 'loaded') AS loaded,
               count(*) FILTER (status = 'refused') AS refused,
               count(*) FILTER (status = 'skipped_duplicate') AS skipped,
               coalesce(sum(rows_read), 0) AS rows_read, coalesce(sum(rows_loaded), 0) AS rows_loaded,
               coalesce(sum(rows_rejected), 0) AS rows_rejected, coalesce(sum(rows_warned), 0) AS rows_warned,
               max(finished_at) AS last_load
        FROM etl_runs WHERE {RUNS_IN_SCOPE}""", scope.params)
    return frame.iloc[0].to_dict()


def issues_by_file(gen: Generation, scope: Scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT file_name, source, count(*) FILTER (kind = 'reject') AS rejects,
               count(*) FILTER (kind = 'warning') AS warnings, max(run_id) AS run_id
        FROM ({ISSUES}) WHERE {SCOPE_SQL}
        GROUP BY file_name, source ORDER BY run_id DESC, file_name""", scope.params)


def issues_by_neighbourhood(gen: Generation, scope: Scope) -> pd.DataFrame:
    return query(gen, f"""
        SELECT neighbourhood_code, committee, count(*) FILTER (kind = 'reject') AS rejects,
               count(*) FILTER (kind = 'warning') AS warnings, count(DISTINCT file_name) AS files
        FROM ({ISSUES}) WHERE {SCOPE_SQL}
        GROUP BY ALL ORDER BY neighbourhood_code NULLS LAST, committee""", scope.params)


def unseparated_rooms(gen: Generation, scope: Scope) -> int:
    """Rows loaded with an address whose room could not be cut off cleanly (warning
    `room_unseparated`, etl/checks.py): on the fix-list, and counted on the page."""
    return int(scalar(gen, f"""SELECT count(*) FROM ({ISSUES})
        WHERE kind = 'warning' AND reason_code = 'room_unseparated' AND {SCOPE_SQL}""", scope.params))


def fix_list(gen: Generation, scope: Scope, codes: tuple = (), unknown: bool = False,
             sources: tuple = ()) -> pd.DataFrame:
    """Rejects and warnings for the chosen neighbourhoods (codes) and, when `unknown`, the
    rows no neighbourhood could be found for; by committee, file and row."""
    return query(gen, f"""
        SELECT committee, kind, source, file_name, row_number, column_name, value_masked, reason, run_id
        FROM ({ISSUES})
        WHERE {SCOPE_SQL}
          AND (list_contains($codes, neighbourhood_code) OR ($unknown AND neighbourhood_code IS NULL))
          AND (len($sources) = 0 OR list_contains($sources, source))
        ORDER BY neighbourhood_code NULLS LAST, committee, run_id, file_name, row_number, column_name""",
        {"codes": list(codes), "unknown": bool(unknown), "sources": list(sources), **scope.params})


def database_info(gen: Generation, scope: Scope) -> dict:
    """The generation on screen, its schema version and the file's size on disk."""
    version = scalar(gen, "SELECT value FROM meta WHERE key = 'schema_version'")
    return {"generation": gen.number, "schema_version": version, "path": gen.path,
            "size_bytes": os.path.getsize(gen.path) if os.path.exists(gen.path) else None}
