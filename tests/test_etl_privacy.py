"""No clear personal data in the database: after loading every fixture (clear names, ID
numbers and phones in their columns, inside ticket texts and alarm notes, and in rows that
are rejected), every VARCHAR column of every table and view is scanned — but the duty
roster's staff contacts (etl.sources.CLEAR_COLUMNS), the one named exception, which are
in clear there and nowhere else."""
from __future__ import annotations

import hashlib
import re

import pytest

from etl.sources import CLEAR_COLUMNS
from etl_helpers import FILES, connect, load, personal_values

EXTRA = {"hotline": ["hotline_day1.csv", "hotline_day2.csv", "hotline_day3_stale.csv", "hotline_missing_received.csv"],
         "alarms": ["alarms_day1.csv", "alarms_day2.csv", "alarms_day3_stale.csv"], "duty": ["duty.csv"]}
# The staff contacts of duty.csv: the loaded duty's, and those of its rejected rows.
DUTY_NAMES, DUTY_PHONES = ("郑重", "王五"), ("13900000009", "13900000008", "13900000007")

# An 18-digit resident ID or an 11-digit mobile standing on its own (not inside a hex hash).
ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_SHAPE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def all_text(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("privacy") / "board.duckdb"
    for source in ("enterprises", "roster", "hotline", "alarms", "duty"):
        results = load(source, FILES.get(source, []) + EXTRA.get(source, []), db_path)
        assert {r.status for r in results} <= {"loaded", "refused"}
    con = connect(db_path)
    try:
        columns = con.execute("""SELECT c.table_name, c.column_name FROM information_schema.columns c
                                 WHERE c.data_type = 'VARCHAR' ORDER BY 1, 2""").fetchall()
        values = []
        for table, column in columns:
            for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
                                        ).fetchall():
                values.append((f"{table}.{column}", value))
        tables = {t for t, _ in columns}
    finally:
        con.close()
    named = {f"{table}.{column}" for table, column in CLEAR_COLUMNS}
    return [v for v in values if v[0] not in named], tables, [v for v in values if v[0] in named]


def test_staff_contacts_in_clear_only_where_named(all_text):
    """The exception is exactly the duty table's name and phone, and nothing of it leaks
    into another column (a rejected duty row shows its name and phone masked)."""
    values, _, clear = all_text
    assert CLEAR_COLUMNS == {("duty_shifts", "name"), ("duty_shifts", "phone")}
    assert sorted(clear) == [("duty_shifts.name", "郑重"), ("duty_shifts.phone", "13900000009")]
    assert [(w, v) for w, v in values for n in DUTY_NAMES + DUTY_PHONES if n in v] == []


def test_scan_covers_the_data_tables(all_text):
    values, tables, _ = all_text
    assert {"hotline_tickets", "roster_reports", "alarms", "enterprises", "etl_rejects", "etl_warnings",
            "etl_runs", "persons"} <= tables
    assert len(values) > 300


def test_no_clear_id_or_phone_or_name(all_text):
    values, _, _ = all_text
    clear = personal_values()
    needles = set(clear["resident_ids"]) | {i.lower() for i in clear["resident_ids"]} | set(clear["passports"]) \
        | set(clear["phones"]) | set(clear["names"])
    leaks = [(where, value, n) for where, value in values for n in needles if n in value]
    assert leaks == []


def test_no_id_or_mobile_shaped_text(all_text):
    values, _, _ = all_text
    leaks = [(where, value) for where, value in values if ID_SHAPE.search(value) or MOBILE_SHAPE.search(value)]
    assert leaks == []


def test_no_unkeyed_hash_of_an_id(all_text):
    """A plain SHA-256/MD5 of an ID could be reversed by trying every birth date and sequence."""
    values, _, _ = all_text
    stored = {value for _, value in values}
    for number in personal_values()["resident_ids"]:
        for text in (number, f"resident_id:{number}"):
            assert hashlib.sha256(text.encode()).hexdigest() not in stored
            assert hashlib.md5(text.encode()).hexdigest() not in stored


def test_masked_forms_are_there(all_text):
    """The scan is meaningful: the masked forms of the same values are stored."""
    values, _, _ = all_text
    stored = {value for _, value in values}
    assert {"张**", "欧阳**", "138****5678", "陈**"} <= stored
    assert any("310115********1232" in v for v in stored)  # the ID typed into ticket H003
    assert any("177****5678" in v for v in stored)          # the phone in alarm BJ002's note
