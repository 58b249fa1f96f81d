"""The conditions of docs/metrics.md at a moment, written once and named: every figure,
list, status rule and map that counts open tickets, unhandled alarms, persons under a
measure or pending applications uses these, so that a list's length equals its figure.

Each takes SQL for the moment ("$at") or the day ("$day") — placeholders of this code base,
never data — and reads the columns of its relation unqualified.
"""
from __future__ import annotations

from core import settings

QUARANTINE = "('home_quarantine', 'central_quarantine')"
# The measures with a period (quarantine or health observation), as a SQL list.
PERIOD_MEASURES = "('home_quarantine', 'central_quarantine', 'health_observation')"
ALARM_TYPES = ("door_open", "tamper", "doorbell", "offline", "low_battery")
# An alarm's type's threshold in minutes, from the bound parameters thresholds() gives.
THRESHOLD_SQL = """CASE alarm_type WHEN 'door_open' THEN $t_door_open WHEN 'tamper' THEN $t_tamper
    WHEN 'doorbell' THEN $t_doorbell WHEN 'offline' THEN $t_offline ELSE $t_low_battery END"""
# Answered: handled or a false alarm (its response minutes count).
ALARM_ANSWERED = "status IN ('handled', 'false_alarm')"


def thresholds() -> dict:
    """The parameters THRESHOLD_SQL reads: each alarm type's threshold in minutes (settings)."""
    return {f"t_{t}": float(settings.get(f"alarm_threshold_minutes.{t}")) for t in ALARM_TYPES}


def ticket_closed_by(at: str) -> str:
    """Closed by `at` (NULL while open): a ticket marked closed without a time counts as
    closed when received (the loader warns)."""
    return f"coalesce(closed_at, CASE WHEN status = 'closed' THEN received_at END) <= {at}"


def ticket_open(at: str) -> str:
    """Received by `at`, not closed by then, not returned."""
    return f"received_at <= {at} AND status <> 'returned' AND NOT coalesce({ticket_closed_by(at)}, false)"


def ticket_overdue(at: str) -> str:
    """Open at `at` and past its due date."""
    return f"{ticket_open(at)} AND due_at < {at}"


def alarm_unhandled(at: str) -> str:
    """Raised by `at` and not answered by then. A pre-reported alarm never waits; a handled
    or false alarm without a time counts as answered when raised (the loader warns)."""
    return (f"raised_at <= {at} AND status <> 'pre_reported' AND NOT coalesce(coalesce(handled_at, "
            f"CASE WHEN {ALARM_ANSWERED} THEN raised_at END) <= {at}, false)")


def alarm_waited(at: str, factor: str = "1", threshold: str = "threshold") -> str:
    """Waiting at `at` for longer than `factor` times the type's threshold in minutes:
    `threshold` is a column holding it (the figures' relation has one) or THRESHOLD_SQL."""
    return f"date_diff('second', raised_at, {at}) > ({threshold}) * 60 * {factor}"


def alarm_past_threshold(at: str, threshold: str = "threshold") -> str:
    """Unhandled at `at` and waiting longer than its type's threshold (超时未处置)."""
    return f"{alarm_unhandled(at)} AND {alarm_waited(at, threshold=threshold)}"


def person_known(day: str) -> str:
    """Over `person_timeline`: the person's latest version known by `day` (from files dated
    up to it)."""
    return f"valid_from <= {day} AND (valid_to IS NULL OR {day} < valid_to)"


def under_measure(day: str) -> str:
    """Over `person_timeline`: under the version's measure on `day`: started, not ended (a
    blank end is open-ended), and active or released/gone only on that very day (the date of
    the first file that carried the status)."""
    return (f"{person_known(day)} AND measure IS NOT NULL AND measure <> 'none' "
            f"AND quarantine_start <= {day} AND (quarantine_end IS NULL OR {day} <= quarantine_end) "
            f"AND (status = 'active' OR {day} <= status_since)")


def under_quarantine(day: str) -> str:
    """Over `person_timeline`: under home or central quarantine on `day`."""
    return f"{under_measure(day)} AND measure IN {QUARANTINE}"


def quarantine_ending(day: str, first: str, last: str) -> str:
    """Over `person_timeline`: under a quarantine measure on `day`, still active, ending on
    `day`+`first` … `day`+`last`."""
    return (f"{under_quarantine(day)} AND status = 'active' "
            f"AND quarantine_end BETWEEN {day} + {first} AND {day} + {last}")


def enterprise_decided_on() -> str:
    """The day an application was decided (a decision without a review date counts from the
    application: the loader warns); NULL while undecided."""
    return ("CASE WHEN application_status IN ('approved', 'returned') "
            "THEN coalesce(reviewed_on, applied_on) END")


def enterprise_pending(day: str) -> str:
    """Applied by `day` and not decided by then."""
    return (f"application_status IN ('pending', 'approved', 'returned') AND applied_on <= {day} "
            f"AND NOT coalesce({enterprise_decided_on()} <= {day}, false)")


def enterprise_pending_past(day: str, days: str) -> str:
    """Pending on `day` and applied more than `days` days before it (审核超期)."""
    return f"{enterprise_pending(day)} AND date_diff('day', applied_on, {day}) > {days}"


def enterprise_status(day: str, status: str) -> str:
    """Decided (`status`: approved or returned) by `day`."""
    assert status in ("approved", "returned"), status
    return f"application_status = '{status}' AND {enterprise_decided_on()} <= {day}"


def persons_reported(persons_where: str) -> str:
    """A relation of the persons `persons_where` selects among those an enterprise reported
    and who live in the sub-district (a resolved neighbourhood), with when the first
    enterprise report and the first community report of each became known, by their files'
    dates (`enterprise_known_on`, `community_known_on`: derived in etl/derived.py; a version
    without a date counts as known from the start, as in person_timeline), and the person's
    row in `persons` (`person_row`)."""
    return f"""(SELECT rowid AS person_row, * FROM persons
    WHERE {persons_where} AND has_enterprise_report AND neighbourhood_code IS NOT NULL)"""


def blind_spot(day: str) -> str:
    """Over `persons_reported`: reported by an enterprise by `day` and by no committee by then
    (the committees' blind spot on that day)."""
    return f"enterprise_known_on <= {day} AND NOT coalesce(community_known_on <= {day}, false)"


def enterprise_status_on(day: str) -> str:
    """The application's status on `day` from its dates (not_applied, pending, approved,
    returned), as the figures count it."""
    return (f"CASE WHEN {enterprise_status(day, 'approved')} THEN 'approved' "
            f"WHEN {enterprise_status(day, 'returned')} THEN 'returned' "
            f"WHEN {enterprise_pending(day)} THEN 'pending' ELSE 'not_applied' END")
