"""An independent implementation of docs/metrics.md in pandas, for tests: the loaded tables
(tickets, roster reports and their versions, alarms, enterprises) are read whole and every
figure is recomputed from the definitions, without the board's SQL, its predicates or its
derived tables (persons, person_timeline, open_*)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

TABLES = ("hotline_tickets", "roster_reports", "roster_versions", "alarms", "enterprises")
REPLAY_AFTER = dt.timedelta(days=7)


def load_tables(db: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(Path(db).resolve()), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in TABLES}
    finally:
        con.close()


def data_now(tables, wall: dt.datetime | None = None) -> dt.datetime:
    """Now: the wall clock, or the newest time of any kind when the data ends more than 7
    days before it (a replay)."""
    t, a = tables["hotline_tickets"], tables["alarms"]
    newest = max(v for v in (t.received_at.max(), t.closed_at.max(), a.raised_at.max(), a.handled_at.max())
                 if pd.notna(v)).to_pydatetime()
    wall = wall or dt.datetime.now()
    return newest if wall - newest > REPLAY_AFTER else wall


def moment(day: dt.date, now: dt.datetime) -> pd.Timestamp:
    """t(D): 24:00 of D, or now when D is today."""
    return pd.Timestamp(now) if day >= now.date() else pd.Timestamp(day + dt.timedelta(days=1))


def _dates(series) -> pd.Series:
    return pd.to_datetime(series).dt.date


def persons_at(tables, day: dt.date) -> pd.DataFrame:
    """Each person's latest version known by `day`, with the day its status began (the first
    file of the run of versions carrying that status)."""
    v = tables["roster_versions"].copy()
    v["file_date"] = _dates(v.file_date).fillna(dt.date(1900, 1, 1))
    v = v[v.file_date <= day].sort_values(["person_key", "file_date", "run_id", "row_number"])
    rows = []
    for person, versions in v.groupby("person_key", sort=False):
        latest = versions.iloc[-1]
        since = latest.file_date
        for _, earlier in versions.iloc[::-1].iterrows():
            if earlier.status != latest.status:
                break
            since = earlier.file_date
        rows.append({"person_key": person, "measure": latest.measure, "status": latest.status,
                     "start": _d(latest.quarantine_start), "end": _d(latest.quarantine_end), "since": since})
    return pd.DataFrame(rows, columns=["person_key", "measure", "status", "start", "end", "since"])


def _d(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def blind_spot(tables, day: dt.date) -> int:
    """Persons reported by `day` only by an enterprise, living in the sub-district, with no
    community report by `day`: a report is known from its first file's date; where a person
    lives is their community report's neighbourhood if any (else their latest report's), and
    it must be resolved."""
    reports = tables["roster_reports"]
    v = tables["roster_versions"].copy()
    v["file_date"] = _dates(v.file_date).fillna(dt.date(1900, 1, 1))
    first_known = v.groupby("report_key").file_date.min()
    known = reports[reports.report_key.map(first_known) <= day]
    by_person = known.groupby("person_key").reported_by.agg(set)
    only_enterprise = set(by_person[by_person.apply(lambda kinds: kinds == {"enterprise"})].index)
    home = home_neighbourhoods(tables)
    resident = set(home[home.notna()].index)
    return len(only_enterprise & resident)


def home_neighbourhoods(tables) -> pd.Series:
    """Where each person lives (person_key → neighbourhood code, None if unresolved): their
    community report's neighbourhood if any, else their latest report's."""
    reports = tables["roster_reports"]
    home = reports.assign(community=reports.reported_by == "community") \
        .sort_values(["community", "run_id", "row_number"]).groupby("person_key").tail(1)
    return home.set_index("person_key").neighbourhood_code


def under_measure(person, day: dt.date) -> bool:
    """A person (a row of persons_at) is under their measure on `day`: started, not ended (a
    blank end is open-ended), active, or released/gone only up to the day it was reported."""
    return (person.measure not in (None, "none") and person.start is not None and person.start <= day
            and (person.end is None or day <= person.end) and (person.status == "active" or day <= person.since))


def roster_figures(tables, day: dt.date, k: int) -> dict:
    reports = tables["roster_reports"]
    arrived = _dates(reports.groupby("person_key").arrived_on.min())
    p = persons_at(tables, day)
    counted = p[p.apply(lambda person: under_measure(person, day), axis=1)] if len(p) else p
    quarantined = counted[counted.measure.isin(["home_quarantine", "central_quarantine"])
                          & (counted.status == "active")]
    ends = quarantined.end
    return {
        "arrivals": int((arrived == day).sum()),
        "home_quarantine": int((counted.measure == "home_quarantine").sum()),
        "central_quarantine": int((counted.measure == "central_quarantine").sum()),
        "health_observation": int((counted.measure == "health_observation").sum()),
        "ending_next_day": int((ends == day + dt.timedelta(days=1)).sum()),
        "ending_soon": int(ends.apply(lambda e: day + dt.timedelta(days=1) <= e <= day + dt.timedelta(days=k)).sum()),
        "blind_spot": blind_spot(tables, day),
    }


def figures(tables, day: dt.date, now: dt.datetime, thresholds: dict, pending_days: int = 3,
            k: int = 3) -> dict[str, float | None]:
    t, a, e = (tables[n] for n in ("hotline_tickets", "alarms", "enterprises"))
    d0 = pd.Timestamp(day)
    d1 = d0 + pd.Timedelta(days=1)
    at = moment(day, now)
    received = t[(t.received_at >= d0) & (t.received_at < d1)]
    closed = t[(t.closed_at >= d0) & (t.closed_at < d1)]
    closed_by = t.closed_at.where(t.closed_at.notna() | (t.status != "closed"), t.received_at)
    open_ = t[(t.received_at <= at) & ~(closed_by <= at) & (t.status != "returned")]
    rated = closed[closed.satisfaction.notna()]
    fc = received[received.first_contact.notna()]
    out = {
        "hotline_received": len(received),
        "epidemic_share": received.epidemic_related.mean() if len(received) else None,
        "hotline_open": len(open_),
        "hotline_overdue": int((open_.due_at < at).sum()),
        "on_time_rate": (closed.closed_at <= closed.due_at).mean() if len(closed) else None,
        "first_contact_rate": fc.first_contact.astype(bool).mean() if len(fc) else None,
        "satisfaction_rate": rated.satisfaction.isin(["satisfied", "basic"]).mean() if len(rated) else None,
        "satisfaction_score": rated.satisfaction.map({"satisfied": 1, "basic": 0.8, "fair": 0.6,
                                                      "unsatisfied": 0}).mean() if len(rated) else None,
    }
    out |= roster_figures(tables, day, k)
    raised = a[(a.raised_at >= d0) & (a.raised_at < d1)]
    answered_by = a.handled_at.where(a.handled_at.notna() | ~a.status.isin(["handled", "false_alarm"]),
                                     a.raised_at)
    unhandled = a[(a.raised_at <= at) & (a.status != "pre_reported") & ~(answered_by <= at)]
    age = (at - unhandled.raised_at).dt.total_seconds() / 60
    limit = unhandled.alarm_type.map(thresholds).astype(float)
    out |= {
        "alarm_alarms": len(raised),
        "alarm_door_open": int((raised.alarm_type == "door_open").sum()),
        "alarm_unhandled": len(unhandled),
        "alarm_past_threshold": int((age > limit).sum()),
        "alarm_door_open_past_threshold": int(((age > limit) & (unhandled.alarm_type == "door_open")).sum()),
        "median_response": raised.response_minutes.dropna().median() if raised.response_minutes.notna().any() else None,
    }
    applied = _dates(e.applied_on)
    decided = e.application_status.isin(["approved", "returned"])
    decided_on = _dates(e.reviewed_on.fillna(e.applied_on)).where(decided)
    is_decided = decided_on.apply(lambda x: x is not None and not pd.isna(x) and x <= day)
    pending = e.application_status.isin(["pending", "approved", "returned"]) \
        & applied.apply(lambda x: x is not None and not pd.isna(x) and x <= day) & ~is_decided
    age_days = applied.apply(lambda x: (day - x).days if x is not None and not pd.isna(x) else -1)
    known = e[applied.apply(lambda x: x is None or pd.isna(x) or x <= day) & e.utensil_pledge.notna()]
    out |= {
        "enterprise_approved": int(((e.application_status == "approved") & is_decided).sum()),
        "enterprise_pending": int(pending.sum()),
        "enterprise_returned": int(((e.application_status == "returned") & is_decided).sum()),
        "enterprise_pending_past_threshold": int((pending & (age_days > pending_days)).sum()),
        "enterprise_resumed": int((_dates(e.resumed_on) == day).sum()),
        "pledge_coverage": known.utensil_pledge.astype(bool).mean() if len(known) else None,
    }
    return {key: (None if v is None or v != v else float(v)) for key, v in out.items()}
