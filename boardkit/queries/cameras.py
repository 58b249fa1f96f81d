"""Queries of the road cameras (data-contract.md, "cameras"): the points of the overview map
and the wall screen, their online/offline counts, and the condition of the status rule
"camera offline too long" (docs/metrics.md, Neighbourhood status)."""
from __future__ import annotations

import pandas as pd

from ..data.db import SCOPE_SQL, Generation, Scope, query


def offline_past(at: str, hours: str) -> str:
    """SQL: a camera offline for more than `hours` (> 0) at `at`. Only a known time it went
    offline counts; for a past day that time at or before t(D) and the camera still offline
    in the stored list means it was offline all along."""
    return (f"(online = 'offline' AND {hours} > 0 AND offline_since IS NOT NULL "
            f"AND date_diff('second', offline_since, {at}) > {hours} * 3600)")


def camera_points(gen: Generation, scope: Scope) -> pd.DataFrame:
    """The cameras in scope as the latest loaded list has them, offline ones first."""
    return query(gen, f"""
        SELECT camera_id, name AS camera_name, road, neighbourhood, neighbourhood_code, lon, lat, online, offline_since
        FROM cameras WHERE {SCOPE_SQL} AND lon IS NOT NULL AND lat IS NOT NULL
        ORDER BY online = 'online', camera_id""", scope.params)


def camera_counts(points: pd.DataFrame) -> dict[str, int]:
    """{'online': n, 'offline': n} of the cameras `camera_points` gave (every camera has its
    place: the loader rejects a row without one, so the points are all the cameras in scope)."""
    return {state: int((points["online"] == state).sum()) for state in ("online", "offline")}
