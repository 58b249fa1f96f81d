"""Tickets open and alarms unhandled at a moment, without reading ten million rows.

A ticket is open at a moment when it was received by then and not closed by then. Those
never closed are few and sit in `open_tickets` (etl/derived.py copies them after every
write); those closed after the moment sit in the recent end of `hotline_tickets`, which
DuckDB reaches through its zone maps on closed_at (rows arrive in time order, and a ticket
closes days after it arrives). The union holds every ticket that may be open at any moment
after `since`; each query still applies its exact rule on top. Alarms likewise: open or
in progress in `open_alarms`, handled after the moment in `alarms`.

`since` is SQL written in this code base (one of MOMENTS),
never data; the moment itself is a bound parameter.
"""
from __future__ import annotations

from .predicates import ALARM_ANSWERED

# The moment expressions queries pass (the moment itself is a bound parameter).
MOMENTS = ("$now", "$pnow", "$at", "$pat", "CAST($start AS DATE) + 1")


def _checked(since: str) -> str:
    if since not in MOMENTS:
        raise ValueError(f"not a moment expression of ours: {since}")
    return since


def tickets_open_after(since: str) -> str:
    """Every ticket that may be open at some moment after `since`, as a subquery."""
    return (f"(SELECT * FROM open_tickets UNION ALL BY NAME "
            f"SELECT * FROM hotline_tickets WHERE closed_at > {_checked(since)})")


def alarms_unhandled_after(since: str) -> str:
    """Every alarm that may be unhandled at some moment after `since`, as a subquery."""
    return (f"(SELECT * FROM open_alarms UNION ALL BY NAME "
            f"SELECT * FROM alarms WHERE handled_at > {_checked(since)} AND {ALARM_ANSWERED})")
