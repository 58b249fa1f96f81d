"""The duty roster (值班表): who is on duty at a moment, and the configured shifts with a
role nobody covers in the days ahead.

The roster is the operations centre's, the same for every scope: a neighbourhood viewer
sees whom to call like anyone else (`scope` is taken so the scope test checks these too).
Full names are for signed-in pages; the wall screen takes `name_masked` (the surname)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.sources.duty import ROLE_ORDER, configured_shifts

from ..data.db import Generation, Scope, query



def _role_rank(column: str) -> str:
    """The roles in the board's order, as SQL over `column` (codes of etl/sources/duty.py)."""
    return f"list_position([{', '.join(repr(r) for r in ROLE_ORDER)}], {column})"


# The days a missing duty is looked for: today and the next 7.
AHEAD_DAYS = 7


def on_duty(gen: Generation, scope: Scope, now: dt.datetime) -> pd.DataFrame:
    """Everyone whose shift covers `now` (a shift crossing midnight covers the small hours of
    the next day): shift, its hours, role, name, the surname form and phone, by role (lead,
    chief, officer) then shift start; and on every row the duty phone: an officer's (the
    desk), else the chief's, else the leader's."""
    return query(gen, f"""
        SELECT shift, starts_at, ends_at, role, name, name_masked, phone,
               first_value(phone IGNORE NULLS) OVER (ORDER BY {_role_rank("role")} DESC, starts_at, name
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS duty_phone
        FROM duty_shifts WHERE starts_at <= $now AND $now < ends_at
        ORDER BY {_role_rank("role")}, starts_at, name""", {"now": now})


def roster_loaded(gen: Generation, scope: Scope) -> bool:
    """Whether any duty roster was loaded (nobody on duty is then a gap, not a missing file)."""
    return bool(query(gen, "SELECT EXISTS (SELECT 1 FROM duty_shifts) AS loaded")["loaded"].iloc[0])


def uncovered_shifts(gen: Generation, scope: Scope, today: dt.date, days: int = AHEAD_DAYS) -> pd.DataFrame:
    """Each configured shift (setting duty_shifts) of `today` and the `days` after it with a
    role it needs (duty_roles) that nobody is on: duty_date, shift, role, by date."""
    needed = [(today + dt.timedelta(days=k), s.name, role, s.starts)
              for k in range(days + 1) for s in configured_shifts() for role in s.roles]
    if not needed:
        return pd.DataFrame({"duty_date": [], "shift": [], "role": []})
    return query(gen, f"""
        SELECT n.duty_date, n.shift, n.role
        FROM (SELECT unnest($days) AS duty_date, unnest($shifts) AS shift, unnest($roles) AS role,
                     unnest($starts) AS starts) n
        WHERE NOT EXISTS (SELECT 1 FROM duty_shifts d
                          WHERE d.duty_date = n.duty_date AND d.shift = n.shift AND d.role = n.role)
        ORDER BY n.duty_date, n.starts, {_role_rank("n.role")}""",
                 {"days": [d for d, _, _, _ in needed], "shifts": [s for _, s, _, _ in needed],
                  "roles": [r for _, _, r, _ in needed], "starts": [t for _, _, _, t in needed]})
