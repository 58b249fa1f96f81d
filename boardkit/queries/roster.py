"""Queries of the roster page (metrics.md, Roster), on the `persons` view: one row per
person, whoever reported them. Page filters (measure, status, who reported) are bound."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data import predicates as P
from ..data.db import SCOPE_SQL, Generation, Scope, query

# Who reported a person: only the committee, only an enterprise, or both.
SOURCE_KIND_SQL = """CASE WHEN has_community_report AND has_enterprise_report THEN 'both'
                          WHEN has_community_report THEN 'community' ELSE 'enterprise' END"""
# Who reported a person, over rows of `person_timeline` (each person's home is that of `persons`).
SOURCE_OF_KEY_SQL = f"""person_id IN (SELECT person_id FROM persons WHERE ({SOURCE_KIND_SQL}) = $source)"""
ARRIVED_SQL = "arrived_on BETWEEN $start AND $end"


def _measure_status_filter(measure: str | None, status: str | None) -> str:
    """The measure and status filters, those chosen, over rows with a `person_id`: they read
    each person's version known by the report day $day (docs/metrics.md, Roster), not the
    latest report."""
    chosen = [P.person_known("CAST($day AS DATE)")]
    if measure is not None:
        chosen.append("coalesce(measure, 'none') = $measure")
    if status is not None:
        chosen.append("status = $status")
    return f"person_id IN (SELECT person_id FROM person_timeline WHERE {' AND '.join(chosen)})"


def _timeline_filter(measure: str | None, status: str | None, source: str | None,
                     source_sql: str = SOURCE_OF_KEY_SQL) -> str:
    """The page filters, only those chosen, over rows of `person_timeline` (or, with
    `source_sql` testing `source_kind`, of `persons`): a query then reads neither `persons`
    nor the timeline again for a filter nobody chose (even an empty semi-join reads every
    row's key)."""
    chosen = ["true"]
    if measure is not None or status is not None:
        chosen.append(_measure_status_filter(measure, status))
    if source is not None:
        chosen.append(source_sql)
    return " AND ".join(chosen)


def _persons(measure: str | None, status: str | None, source: str | None) -> str:
    """The persons a viewer may see, with who reported them (`source_kind`) and the page
    filters applied."""
    return f"""(SELECT * FROM (SELECT *, {SOURCE_KIND_SQL} AS source_kind FROM persons WHERE {SCOPE_SQL})
               WHERE {_timeline_filter(measure, status, source, "source_kind = $source")})"""


def _params(scope: Scope, measure: str | None, status: str | None, source: str | None,
            day: dt.date | None = None, **extra) -> dict:
    """The page filters; `day` is the report day whose versions the measure and status
    filters read (None: each person's latest)."""
    return {"measure": measure, "status": status, "source": source, "day": day or dt.date.max,
            **scope.params, **extra}


def arrivals_by_day_and_source(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                               measure: str | None = None, status: str | None = None,
                               source: str | None = None, day: dt.date | None = None) -> pd.DataFrame:
    """(day, source_kind, n): persons by arrival day (each person once) and who reported them."""
    return query(gen, f"""
        SELECT arrived_on AS day, source_kind, count(*) AS n FROM {_persons(measure, status, source)} p
        WHERE {ARRIVED_SQL} GROUP BY ALL ORDER BY day, source_kind""",
                 _params(scope, measure, status, source, day, start=start, end=end))


def arrivals_by_province(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                         measure: str | None = None, status: str | None = None,
                         source: str | None = None, top: int = 15, day: dt.date | None = None) -> pd.DataFrame:
    """(province, n): persons arrived in [start, end] by origin province, most first; the
    province of a person is that of their latest report that names one (NULL: not recognised)."""
    return query(gen, f"""
        WITH counted AS (SELECT origin_province AS province, count(*) AS n FROM {_persons(measure, status, source)} p
                         WHERE {ARRIVED_SQL} GROUP BY ALL),
        ranked AS (SELECT *, row_number() OVER (ORDER BY province IS NULL, n DESC, province) AS rank FROM counted)
        SELECT CASE WHEN rank <= $top THEN province ELSE '其他省份' END AS province,
               CAST(sum(n) AS BIGINT) AS n, min(rank) AS rank
        FROM ranked GROUP BY 1 ORDER BY rank""",
                 _params(scope, measure, status, source, day, start=start, end=end, top=top))


def persons_by_neighbourhood(gen: Generation, scope: Scope, start: dt.date, end: dt.date, day: dt.date,
                             k: int, measure: str | None = None, status: str | None = None,
                             source: str | None = None) -> pd.DataFrame:
    """One row per neighbourhood: arrivals in [start, end]; persons under each measure on the
    report day `day`, quarantines ending the day after it and in the k days after it, and the
    next ending date after it, by each person's latest report known by `day` (as the KPIs
    count them; the measure and status filters apply to that report)."""
    return query(gen, f"""
        WITH present AS (SELECT neighbourhood_code, any_value(neighbourhood) AS neighbourhood,
                                count(*) FILTER ({ARRIVED_SQL}) AS arrivals
                         FROM {_persons(measure, status, source)} p GROUP BY neighbourhood_code),
        state AS (
            SELECT neighbourhood_code,
               count(*) FILTER (measure = 'home_quarantine') AS home_quarantine,
               count(*) FILTER (measure = 'central_quarantine') AS central_quarantine,
               count(*) FILTER (measure = 'health_observation') AS health_observation,
               count(*) FILTER ({P.quarantine_ending("$day", "1", "1")}) AS ending_next_day,
               count(*) FILTER ({P.quarantine_ending("$day", "1", "CAST($k AS INTEGER)")}) AS ending_soon,
               min(quarantine_end) FILTER ({P.quarantine_ending("$day", "1", "36500")}) AS next_end
            FROM person_timeline
            WHERE {SCOPE_SQL} AND valid_from <= $day AND quarantine_start <= $day
              AND (quarantine_end IS NULL OR quarantine_end >= $day)
              AND {P.under_measure("$day")} AND {_timeline_filter(measure, status, source)}
            GROUP BY neighbourhood_code)
        SELECT present.neighbourhood_code, present.neighbourhood,
               arrivals, coalesce(home_quarantine, 0) AS home_quarantine,
               coalesce(central_quarantine, 0) AS central_quarantine,
               coalesce(health_observation, 0) AS health_observation,
               coalesce(ending_next_day, 0) AS ending_next_day, coalesce(ending_soon, 0) AS ending_soon, next_end
        FROM present
        LEFT JOIN state ON state.neighbourhood_code IS NOT DISTINCT FROM present.neighbourhood_code
        ORDER BY present.neighbourhood_code IS NULL, arrivals DESC, present.neighbourhood_code""",
                 _params(scope, measure, status, source, day, start=start, end=end, k=k))


def persons_by_source(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                      measure: str | None = None, status: str | None = None, day: dt.date | None = None) -> pd.DataFrame:
    """(source_kind, n): persons arrived in [start, end] by who reported them."""
    return query(gen, f"""
        SELECT source_kind, count(*) AS n FROM {_persons(measure, status, None)} p WHERE {ARRIVED_SQL}
        GROUP BY ALL ORDER BY source_kind""", _params(scope, measure, status, None, day, start=start, end=end))


def quarantine_timeline(gen: Generation, scope: Scope, start: dt.date, end: dt.date,
                        measure: str | None = None, status: str | None = None,
                        source: str | None = None, day: dt.date | None = None) -> pd.DataFrame:
    """Per day d of [start, end], as known on d (each person's latest report by d, as the
    figures of d count them): persons under a quarantine or observation measure on d (the
    sum of 居家隔离, 集中隔离 and 健康观察 of d), those whose period starts on d and those
    whose period ends on d."""
    # Each version holds on the days [lo, hi]: known (valid_from … valid_to − 1), within its
    # period (a blank end is open-ended) and active, or released/gone up to the day its status
    # was first reported (predicates.under_measure). Counted as arrivals and departures summed
    # over the days, not as a join of every day with every version.
    return query(gen, f"""
        WITH days AS (SELECT CAST(d AS DATE) AS day FROM range(CAST($start AS DATE), CAST($end AS DATE) + 1,
                                                              INTERVAL 1 DAY) r(d)),
        held AS (SELECT quarantine_start, quarantine_end,
                        greatest(valid_from, quarantine_start) AS lo,
                        least(coalesce(valid_to - 1, DATE '9999-12-31'), coalesce(quarantine_end, DATE '9999-12-31'),
                              CASE WHEN status = 'active' THEN DATE '9999-12-31' ELSE status_since END) AS hi
                 FROM person_timeline
                 WHERE {SCOPE_SQL} AND measure IN {P.PERIOD_MEASURES} AND quarantine_start <= $end
                   AND valid_from <= $end AND (valid_to IS NULL OR valid_to > $start)
                   AND (quarantine_end IS NULL OR quarantine_end >= $start)
                   AND {_timeline_filter(measure, status, source)}),
        q AS (SELECT * FROM held WHERE lo <= hi AND lo <= $end AND hi >= $start),
        starts AS (SELECT quarantine_start AS day, count(*) AS n FROM q
                   WHERE quarantine_start BETWEEN lo AND hi GROUP BY ALL),
        ends AS (SELECT quarantine_end AS day, count(*) AS n FROM q WHERE quarantine_end BETWEEN lo AND hi GROUP BY ALL),
        -- in on a day: held from lo (those before the window count on its first day) to hi
        entering AS (SELECT greatest(lo, CAST($start AS DATE)) AS day, count(*) AS n FROM q GROUP BY ALL),
        leaving AS (SELECT hi + 1 AS day, count(*) AS n FROM q WHERE hi < $end GROUP BY ALL)
        SELECT days.day,
               CAST(sum(coalesce(entering.n, 0) - coalesce(leaving.n, 0)) OVER (ORDER BY days.day) AS BIGINT)
                   AS in_quarantine,
               coalesce(starts.n, 0) AS starting, coalesce(ends.n, 0) AS ending
        FROM days LEFT JOIN entering USING (day) LEFT JOIN leaving USING (day)
             LEFT JOIN starts USING (day) LEFT JOIN ends USING (day)
        ORDER BY days.day""",
                 _params(scope, measure, status, source, day, start=start, end=end))


def _person_columns(show_room: bool, state: str = "p") -> str:
    """The masked person columns; `room` only for a scope that may see it. Measure, dates and
    status come from the relation `state` (a version known by a day, or `p` itself)."""
    room = "p.room," if show_room else ""
    return f"""p.name_masked, p.id_masked, p.phone_masked, p.neighbourhood, p.address, {room}
               p.arrived_on, {state}.measure, {state}.quarantine_start, {state}.quarantine_end, {state}.status"""


def blind_spot_persons(gen: Generation, scope: Scope, day: dt.date, limit: int = 1000) -> pd.DataFrame:
    """Persons reported by `day` only by an enterprise who live in the sub-district (a
    resolved neighbourhood) and whom no committee had reported by then: the committees' blind
    spot on that day (the figure 居委盲区 counts the same persons). Newest first."""
    # Persons carry their employers' USCCs and when enterprises and committees first
    # reported them (etl/derived.py): the list reads them, not the three million reports.
    return query(gen, f"""
        WITH p AS (SELECT * FROM persons WHERE rowid IN (  -- chosen by rowid, then read whole
                       SELECT person_row FROM {P.persons_reported(SCOPE_SQL)} r
                       WHERE {P.blind_spot("$day")}
                       ORDER BY arrived_on DESC, neighbourhood, name_masked LIMIT $limit)),
        employers AS (SELECT p.person_key, string_agg(DISTINCT coalesce(e.name, u.uscc), '；') AS employers
                      FROM p, unnest(p.employer_usccs) u(uscc) LEFT JOIN enterprises e ON e.uscc = u.uscc
                      GROUP BY ALL)
        SELECT {_person_columns(scope.show_room)}, employers.employers
        FROM p LEFT JOIN employers USING (person_key)
        ORDER BY p.arrived_on DESC, p.neighbourhood, p.name_masked""",
                 {**scope.params, "day": day, "limit": limit})


def count_persons(gen: Generation, scope: Scope, measure: str | None = None, status: str | None = None,
                  source: str | None = None, day: dt.date | None = None) -> int:
    """How many persons the filters select among those known by `day` (the person table shows
    at most its limit)."""
    # A person known by `day` has exactly one version known by it (the versions of a person
    # follow one another), so the persons are counted on the timeline.
    frame = query(gen, f"""SELECT count(*) AS n FROM person_timeline
                           WHERE {SCOPE_SQL} AND {P.person_known("CAST($day AS DATE)")}
                             AND {_timeline_filter(measure, status, source)}""",
                  _params(scope, measure, status, source, day))
    return int(frame.at[0, "n"])


def persons_ending_first(gen: Generation, scope: Scope, day: dt.date, measure: str | None = None,
                         status: str | None = None, source: str | None = None,
                         limit: int = 1000) -> pd.DataFrame:
    """The persons the filters select among those known by `day`, masked, each with the report
    known by `day` (measure, dates, status): those in care first, soonest quarantine end
    first (a period already over while still in care comes first: its release was not
    recorded), then the latest arrivals."""
    # person_id last: equal rows (a city has many 张** arriving the same day) in one order,
    # so the list does not reshuffle from one run to the next.
    order = "v.status <> 'active', v.quarantine_end NULLS LAST, p.arrived_on DESC, p.name_masked, v.person_id"
    # The first `limit` by their sort columns, then only those rows read whole: a city has
    # millions of persons, and sorting them with their text reads it all. The versions are
    # cut first at the `limit`-th one by the first two sort columns (`head`, one number in
    # the same order; ties at the cut all kept), so only those few are joined to `persons`.
    # The cut is found first and bound; when it falls among the active (as it does but for
    # a list of released persons), the conditions it implies on status and end are given
    # too, so that the scan itself drops the versions past it before reading their keys.
    rank = "CASE WHEN status = 'active' THEN 0 WHEN status <> 'active' THEN 1 ELSE 2 END"
    head = f"""CAST({rank} AS BIGINT) * 100000000000
                  + coalesce(date_diff('day', DATE '1970-01-01', quarantine_end) + 10000000000, 99999999999)"""
    versions = f"""person_timeline WHERE {SCOPE_SQL} AND {P.person_known("CAST($day AS DATE)")}
                     AND {_timeline_filter(measure, status, source)}"""
    params = _params(scope, measure, status, source, day, limit=limit)
    cut = query(gen, f"""SELECT * FROM (SELECT {head} AS head, {rank} AS status_rank, quarantine_end
                                         FROM {versions} ORDER BY head LIMIT $limit)
                         ORDER BY head DESC LIMIT 1""", params)
    implied = ""
    if cut.empty:   # nothing to list: a cut below every head keeps the frame's columns
        params.update(cut=-1)
    else:
        if cut.at[0, "status_rank"] == 0:
            implied = "AND status = 'active'" + ("" if pd.isna(cut.at[0, "quarantine_end"]) else
                                                 " AND quarantine_end <= $cut_end")
        params.update(cut=int(cut.at[0, "head"]), cut_end=None if pd.isna(cut.at[0, "quarantine_end"])
                      else pd.Timestamp(cut.at[0, "quarantine_end"]).date())
    return query(gen, f"""
        WITH v AS (SELECT person_id, measure, quarantine_start, quarantine_end, status FROM {versions}
                     {implied} AND {head} <= $cut),
        chosen AS (SELECT p.rowid AS person_row, v.* FROM v JOIN persons p USING (person_id)
                   WHERE {SCOPE_SQL.replace("neighbourhood_code", "p.neighbourhood_code")}
                   ORDER BY {order} LIMIT $limit)
        SELECT {_person_columns(scope.show_room, state="v")}, {SOURCE_KIND_SQL} AS source_kind, p.id_valid,
               coalesce(v.status = 'active' AND v.measure <> 'none' AND v.quarantine_end < $day, false) AS past_end
        FROM chosen v JOIN persons p ON p.rowid = v.person_row
        ORDER BY {order}
        LIMIT $limit""", params)
