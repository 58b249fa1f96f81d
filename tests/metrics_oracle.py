"""An independent implementation of metrics.md in pandas, for tests: small demo tables are
loaded whole and every figure is recomputed without the board's SQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd


def load_tables(db: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(Path(db).resolve()), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").df()
                for t in ("hotline_tickets", "persons", "alarms", "enterprises")}
    finally:
        con.close()


def data_now(tables) -> dt.datetime:
    return max(tables["hotline_tickets"]["received_at"].max(), tables["alarms"]["raised_at"].max()).to_pydatetime()


def figures(tables, day: dt.date, now: dt.datetime, thresholds: dict, pending_days: int = 3,
            k: int = 3) -> dict[str, float | None]:
    t, p, a, e = (tables[n] for n in ("hotline_tickets", "persons", "alarms", "enterprises"))
    d0 = pd.Timestamp(day)
    d1 = d0 + pd.Timedelta(days=1)
    now = pd.Timestamp(now)
    received = t[(t.received_at >= d0) & (t.received_at < d1)]
    closed = t[(t.closed_at >= d0) & (t.closed_at < d1)]
    open_ = t[(t.received_at <= now) & ~(t.closed_at <= now) & (t.status != "returned")]
    rated = closed[closed.satisfaction.notna()]
    fc = received[received.first_contact.notna()]
    out = {
        "hotline_received": len(received),
        "epidemic_share": received.epidemic_related.mean() if len(received) else None,
        "hotline_open": len(open_),
        "hotline_overdue": int((open_.due_at < now).sum()),
        "on_time_rate": (closed.closed_at <= closed.due_at).mean() if len(closed) else None,
        "first_contact_rate": fc.first_contact.astype(bool).mean() if len(fc) else None,
        "satisfaction_rate": rated.satisfaction.isin(["satisfied", "basic"]).mean() if len(rated) else None,
        "satisfaction_score": rated.satisfaction.map({"satisfied": 1, "basic": 0.8, "fair": 0.6,
                                                      "unsatisfied": 0}).mean() if len(rated) else None,
    }
    today = now.date()
    active = p[(p.status == "active") & (pd.to_datetime(p.quarantine_start).dt.date <= today)
               & (pd.to_datetime(p.quarantine_end).dt.date >= today)]
    ends = pd.to_datetime(p.quarantine_end).dt.date
    quarantined = p[p.measure.isin(["home_quarantine", "central_quarantine"]) & (p.status == "active")]
    q_ends = pd.to_datetime(quarantined.quarantine_end).dt.date
    out |= {
        "arrivals": int((pd.to_datetime(p.arrived_on).dt.date == day).sum()),
        "home_quarantine": int((active.measure == "home_quarantine").sum()),
        "central_quarantine": int((active.measure == "central_quarantine").sum()),
        "health_observation": int((active.measure == "health_observation").sum()),
        "ending_next_day": int((q_ends == day + dt.timedelta(days=1)).sum()),
        "ending_soon": int(((q_ends >= day + dt.timedelta(days=1)) & (q_ends <= day + dt.timedelta(days=k))).sum()),
    }
    del ends
    raised = a[(a.raised_at >= d0) & (a.raised_at < d1)]
    unhandled = a[(a.raised_at <= now) & (a.status.isin(["open", "in_progress"])
                                         | (a.status.isin(["handled", "false_alarm"]) & (a.handled_at > now)))]
    age = (now - unhandled.raised_at).dt.total_seconds() / 60
    limit = unhandled.alarm_type.map(thresholds)
    out |= {
        "alarm_alarms": len(raised),
        "alarm_door_open": int((raised.alarm_type == "door_open").sum()),
        "alarm_unhandled": len(unhandled),
        "alarm_past_threshold": int((age > limit).sum()),
        "alarm_door_open_past_threshold": int(((age > limit) & (unhandled.alarm_type == "door_open")).sum()),
        "median_response": raised.response_minutes.dropna().median() if raised.response_minutes.notna().any() else None,
    }
    applied = pd.to_datetime(e.applied_on).dt.date
    pending = e[e.application_status == "pending"]
    pending_age = (pd.Timestamp(today) - pd.to_datetime(pending.applied_on)).dt.days
    known = e[e.utensil_pledge.notna()]
    reviewed = pd.to_datetime(e.reviewed_on.fillna(e.resumed_on).fillna(e.applied_on)).dt.date
    out |= {
        "enterprise_approved": int(((e.application_status == "approved") & (reviewed <= today)).sum()),
        "enterprise_pending": int(((e.application_status == "pending") & (applied <= today)).sum()),
        "enterprise_returned": int(((e.application_status == "returned")
                                    & (pd.to_datetime(e.reviewed_on.fillna(e.applied_on)).dt.date <= today)).sum()),
        "enterprise_pending_past_threshold": int((pending_age > pending_days).sum()),
        "enterprise_resumed": int((pd.to_datetime(e.resumed_on).dt.date == day).sum()),
        "pledge_coverage": known.utensil_pledge.astype(bool).mean() if len(known) else None,
    }
    return {key: (None if v is None or v != v else float(v)) for key, v in out.items()}
