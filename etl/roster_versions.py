"""Every version of a roster report, dated by its file (metrics.md, Roster: "the latest
report known by D"). The loader upserts a file's reports into `roster_reports` (one row per
report, the latest) and then appends here the reports as that file left them."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

# A date in a file's name: 来沪人员_20200210.xlsx, 排摸_2020-02-10.csv.
_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})-?([01]\d)-?([0-3]\d)(?!\d)")


def name_date(path: Path) -> dt.date | None:
    """The date in the file's name, or None."""
    for match in _NAME_DATE.finditer(Path(path).name):
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            continue
    return None


def append(con, runs: dict[int, Path]) -> None:
    """The reports the runs `runs` (run -> its file) upserted, each as a version dated by its
    file: the name's date, else the newest arrival or quarantine start inside it (never the
    load day). Each report of the runs appears once (one file, or one layer of a batch).
    A version identical in measure, dates and status to the person's version before it (by
    file date, then run and row) is not added: a cumulative daily sheet repeats most rows
    unchanged."""
    con.execute("CREATE OR REPLACE TEMP TABLE _version_runs (run_id INTEGER, name_date DATE)")
    con.executemany("INSERT INTO _version_runs VALUES (?, ?)", [(run, name_date(path)) for run, path in runs.items()])
    con.execute("""
        INSERT INTO roster_versions
        WITH file AS (
            SELECT f.run_id, coalesce(f.name_date, max(greatest(r.arrived_on, r.quarantine_start))) AS file_date
            FROM _version_runs f LEFT JOIN roster_reports r USING (run_id) GROUP BY f.run_id, f.name_date),
        new AS (SELECT r.report_key, r.person_key, f.file_date, r.run_id, r.row_number,
                       r.measure, r.quarantine_start, r.quarantine_end, r.status
                FROM roster_reports r JOIN file f USING (run_id)),
        timeline AS (  -- the persons' versions so far and the new ones, in the order they hold
            SELECT *, true AS is_new FROM new
            UNION ALL
            SELECT v.report_key, v.person_key, v.file_date, v.run_id, v.row_number,
                   v.measure, v.quarantine_start, v.quarantine_end, v.status, false
            FROM roster_versions v WHERE v.person_key IN (SELECT person_key FROM new)),
        ordered AS (
            SELECT *, struct_pack(m := measure, s := quarantine_start, e := quarantine_end, st := status) AS held,
                   lag(struct_pack(m := measure, s := quarantine_start, e := quarantine_end, st := status))
                       OVER (PARTITION BY person_key
                             ORDER BY coalesce(file_date, DATE '1900-01-01'), run_id, row_number) AS held_before
            FROM timeline)
        SELECT report_key, person_key, file_date, run_id, row_number, measure, quarantine_start, quarantine_end, status
        FROM ordered WHERE is_new AND (held_before IS NULL OR held_before IS DISTINCT FROM held)""")
