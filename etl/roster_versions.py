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


def append(con, run_id: int, path: Path) -> None:
    """The reports run `run_id` upserted, each as a version dated by the file: its name's
    date, else the newest arrival or quarantine start inside it (never the load day). A
    version identical in measure, dates and status to the person's version before it (by
    file date) is not added: a cumulative daily sheet repeats most rows unchanged."""
    con.execute("""
        INSERT INTO roster_versions
        WITH file AS (SELECT coalesce(CAST($name_date AS DATE),
                                      (SELECT max(greatest(arrived_on, quarantine_start)) FROM roster_reports
                                       WHERE run_id = $run)) AS file_date),
        new AS (SELECT r.report_key, r.person_key, f.file_date, r.run_id, r.row_number,
                       r.measure, r.quarantine_start, r.quarantine_end, r.status
                FROM roster_reports r, file f WHERE r.run_id = $run),
        before AS (  -- each person's version in force at the file's date
            SELECT v.person_key, arg_max(struct_pack(m := v.measure, s := v.quarantine_start,
                                                     e := v.quarantine_end, st := v.status),
                                         struct_pack(d := coalesce(v.file_date, DATE '1900-01-01'),
                                                     r := v.run_id, n := v.row_number)) AS held
            FROM roster_versions v, file f
            WHERE v.person_key IN (SELECT person_key FROM new)
              AND coalesce(v.file_date, DATE '1900-01-01') <= coalesce(f.file_date, DATE '1900-01-01')
            GROUP BY v.person_key)
        SELECT n.* FROM new n LEFT JOIN before b USING (person_key)
        WHERE b.held IS NULL OR b.held IS DISTINCT FROM struct_pack(m := n.measure, s := n.quarantine_start,
                                                                    e := n.quarantine_end, st := n.status)""",
                {"run": run_id, "name_date": name_date(path)})
