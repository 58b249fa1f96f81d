"""Queries of the work-resumption page (metrics.md, Enterprises). Page filters (industry,
application status) are bound values."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data import predicates as P
from ..data.db import SCOPE_SQL, Generation, Scope, query

STATUSES = ("not_applied", "pending", "approved", "returned")
FILTER_SQL = """(CAST($industry AS VARCHAR) IS NULL OR coalesce(industry, '未填') = $industry)
  AND (CAST($status AS VARCHAR) IS NULL OR application_status = $status)"""
# The enterprises with their application status on the report day $day (docs/metrics.md,
# Enterprises: from the dates, not as it stands today); the status filter and every
# distribution read it. The predicates agree on it: pending on $day over it is pending on
# $day over the table.
ENTERPRISES_ON = f"(SELECT * REPLACE ({P.enterprise_status_on('$day')} AS application_status) FROM enterprises)"
# $today: the report day D (pending on D, aged to D: docs/metrics.md, Enterprises).
PENDING_AGE_SQL = "date_diff('day', applied_on, CAST($today AS DATE))"


def _params(scope: Scope, industry: str | None, status: str | None = None, **extra) -> dict:
    return {"industry": industry, "status": status, **scope.params, **extra}


def industries(gen: Generation, scope: Scope) -> list[str]:
    """The industries present in scope, most enterprises first (the filter's options)."""
    frame = query(gen, f"""SELECT coalesce(industry, '未填') AS industry, count(*) AS n FROM enterprises
                           WHERE {SCOPE_SQL} GROUP BY ALL ORDER BY n DESC, industry""", scope.params)
    return frame["industry"].tolist()


def enterprises_by_status(gen: Generation, scope: Scope, day: dt.date, industry: str | None = None) -> pd.DataFrame:
    """(application_status, n) for every status, zeros included, in funnel order."""
    return query(gen, f"""
        WITH s AS (SELECT * FROM (VALUES ('not_applied', 1), ('pending', 2), ('approved', 3), ('returned', 4))
                   v(application_status, o))
        SELECT s.application_status, count(e.uscc) AS n
        FROM s LEFT JOIN (SELECT * FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}) e USING (application_status)
        GROUP BY s.application_status, s.o ORDER BY s.o""", _params(scope, industry, day=day))


def pending_age_days(gen: Generation, scope: Scope, today: dt.date, industry: str | None = None) -> pd.DataFrame:
    """(bin, n): pending applications by whole days since applying (metrics.md: pending age)."""
    return query(gen, f"""
        SELECT {PENDING_AGE_SQL} AS bin, count(*) AS n FROM enterprises
        WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {P.enterprise_pending("$today")}
        GROUP BY ALL ORDER BY bin""", _params(scope, industry, today=today))


def pending_past_threshold_oldest_first(gen: Generation, scope: Scope, today: dt.date, days: int,
                                        industry: str | None = None) -> pd.DataFrame:
    """Applications pending longer than `days` days, the longest waiting first."""
    return query(gen, f"""
        SELECT name, uscc, industry, neighbourhood, address, applied_on, {PENDING_AGE_SQL} AS age_days,
               employees_total, employees_from_outside, contact_phone_masked
        FROM enterprises
        WHERE {SCOPE_SQL} AND {FILTER_SQL} AND {P.enterprise_pending("$today")} AND {PENDING_AGE_SQL} > $days
        ORDER BY applied_on, name""", _params(scope, industry, today=today, days=days))


def enterprises_by_industry_and_status(gen: Generation, scope: Scope, day: dt.date, industry: str | None = None,
                                       status: str | None = None) -> pd.DataFrame:
    """(industry, application_status, n), industries with the most enterprises first."""
    return query(gen, f"""
        SELECT coalesce(industry, '未填') AS industry, application_status, count(*) AS n,
               CAST(sum(count(*)) OVER (PARTITION BY coalesce(industry, '未填')) AS BIGINT) AS total
        FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}
        GROUP BY 1, 2 ORDER BY total DESC, industry, application_status""", _params(scope, industry, status, day=day))


def enterprises_by_neighbourhood_and_status(gen: Generation, scope: Scope, today: dt.date, days: int,
                                            industry: str | None = None, status: str | None = None) -> pd.DataFrame:
    """(neighbourhood_code, neighbourhood, application_status, n, pending_past_threshold),
    neighbourhoods with the most enterprises first."""
    return query(gen, f"""
        SELECT neighbourhood_code, any_value(neighbourhood) AS neighbourhood, application_status, count(*) AS n,
               count(*) FILTER ({P.enterprise_pending("$today")} AND {PENDING_AGE_SQL} > $days) AS pending_past_threshold,
               CAST(sum(count(*)) OVER (PARTITION BY neighbourhood_code) AS BIGINT) AS total
        FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}
        GROUP BY neighbourhood_code, application_status
        ORDER BY total DESC, neighbourhood_code, application_status""",
                 _params(scope, industry, status, today=today, day=today, days=days))


def staff_by_industry(gen: Generation, scope: Scope, day: dt.date, industry: str | None = None,
                      status: str | None = None) -> pd.DataFrame:
    """(industry, enterprises, employees_total, employees_from_outside, employees_on_site),
    the most employees first: how many staff came from outside Shanghai, how many are back."""
    return query(gen, f"""
        SELECT coalesce(industry, '未填') AS industry, count(*) AS enterprises,
               CAST(coalesce(sum(employees_total), 0) AS BIGINT) AS employees_total,
               CAST(coalesce(sum(employees_from_outside), 0) AS BIGINT) AS employees_from_outside,
               CAST(coalesce(sum(employees_on_site), 0) AS BIGINT) AS employees_on_site
        FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}
        GROUP BY ALL ORDER BY employees_total DESC, industry""", _params(scope, industry, status, day=day))


def pledge_coverage_by_industry(gen: Generation, scope: Scope, day: dt.date, catering: str, industry: str | None = None,
                                status: str | None = None) -> pd.DataFrame:
    """(industry, enterprises, pledged, declined, unknown, coverage): the 公筷公勺 pledge,
    coverage = pledged / known (metrics.md); catering first, then by enterprises."""
    return query(gen, f"""
        SELECT * FROM (SELECT coalesce(industry, '未填') AS industry, count(*) AS enterprises,
               count(*) FILTER (utensil_pledge) AS pledged,
               count(*) FILTER (NOT utensil_pledge) AS declined,
               count(*) FILTER (utensil_pledge IS NULL) AS unknown,
               CASE WHEN count(utensil_pledge) > 0
                    THEN count(*) FILTER (utensil_pledge) / count(utensil_pledge) END AS coverage
        FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}
        GROUP BY ALL)
        ORDER BY industry <> $catering, enterprises DESC, industry""",
                 _params(scope, industry, status, day=day, catering=catering))


def enterprise_map_points(gen: Generation, scope: Scope, day: dt.date, industry: str | None = None,
                          status: str | None = None) -> pd.DataFrame:
    """Rows to draw: each enterprise with coordinates as a point (kind 'point', n 1, its
    status), the others counted at their neighbourhood's centroid (kind 'centroid', status
    NULL); enterprises with neither are left out (counted in `unplaced` of the first row)."""
    return query(gen, f"""
        WITH e AS (SELECT * FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}),
        placed AS (
            SELECT 'point' AS kind, lon, lat, 1 AS n, name AS label, application_status AS status FROM e
            WHERE lon IS NOT NULL AND lat IS NOT NULL
            UNION ALL
            SELECT 'centroid', any_value(r.centroid_lon), any_value(r.centroid_lat), count(*),
                   any_value(r.name), NULL
            FROM e JOIN ref_neighbourhoods r ON r.code = e.neighbourhood_code
            WHERE (e.lon IS NULL OR e.lat IS NULL) AND r.centroid_lon IS NOT NULL
            GROUP BY e.neighbourhood_code)
        SELECT *, (SELECT count(*) FROM e) - (SELECT coalesce(sum(n), 0) FROM placed) AS unplaced
        FROM placed ORDER BY kind, n DESC""", _params(scope, industry, status, day=day))


def enterprises_table(gen: Generation, scope: Scope, day: dt.date, industry: str | None = None, status: str | None = None,
                      limit: int = 1000) -> pd.DataFrame:
    """The enterprises the filters select, latest application first (never applied last)."""
    return query(gen, f"""
        SELECT name, uscc, industry, neighbourhood, address, application_status, applied_on, reviewed_on,
               resumed_on, employees_total, employees_from_outside, employees_on_site, utensil_pledge,
               contact_phone_masked
        FROM {ENTERPRISES_ON} e WHERE {SCOPE_SQL} AND {FILTER_SQL}
        ORDER BY applied_on DESC NULLS LAST, name LIMIT $limit""", _params(scope, industry, status, day=day, limit=limit))


def outline(gen: Generation, scope: Scope) -> pd.DataFrame:
    """The outlines (code, name, polygon_json) to draw the map on: the neighbourhoods of one
    sub-district, or the sub-districts when the scope spans several (a city's thousands of
    neighbourhood polygons are slow to send on every run and to draw)."""
    return query(gen, """
        WITH nb AS (SELECT * FROM ref_neighbourhoods WHERE ($scope_all OR list_contains($scope_codes, code))),
        several AS (SELECT count(DISTINCT subdistrict_code) > 1 AS yes FROM nb)
        SELECT code AS neighbourhood_code, name, polygon_json FROM nb
        WHERE polygon_json IS NOT NULL AND NOT (SELECT yes FROM several)
        UNION ALL
        SELECT code, name, polygon_json FROM ref_subdistricts
        WHERE (SELECT yes FROM several) AND code IN (SELECT subdistrict_code FROM nb)""", scope.params)
