"""The SQL checks of resident IDs (GB 11643) and credit codes (GB 32100) against
python-stdnum as the oracle, and the person key against Python's hmac.

Deliberate differences from stdnum, kept out of the oracle comparison and pinned here:
- `resident_id_valid` does not check that the region code existed at the birth date
  (stdnum does: 310115 only from 1993); the contract makes that a warning at most, and
  real people hold older codes. The oracle values use regions stdnum knows for all years.
- `resident_id_valid` refuses birth dates before 1890 (stdnum accepts any real date).
- `uscc_valid` accepts letters in the first two positions (GB 32100 registration
  authority and type codes such as `Y1`); stdnum wants digits there.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from etl.privacy import hmac_pads, person_key
from etl.macros import install_macros

REGIONS = ["110101", "310101", "310104", "310105", "310110"]  # no validity dates in stdnum's table
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# A few hundred generated values per oracle; no example database written into the repository.
ORACLE = settings(max_examples=400, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    install_macros(con)
    yield con
    con.close()


def sql_bool(con, macro: str, value: str) -> bool:
    return bool(con.execute(f"SELECT coalesce({macro}(?), false)", [value]).fetchall()[0][0])


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# ------------------------------------------------------------------ resident IDs

birth = st.one_of(
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    st.text("0123456789", min_size=8, max_size=8),          # mostly impossible dates
    st.sampled_from(["19000229", "20000229", "19990229", "20201231", "20200230"]),
)
resident_like = st.builds(
    lambda region, born, seq, check, right: (region + born + seq) + (
        ric.calc_check_digit(region + born + seq + "0") if right else check),
    st.sampled_from(REGIONS), birth, st.text("0123456789", min_size=3, max_size=3),
    st.sampled_from("0123456789X"), st.booleans())
noise = st.text("0123456789X", min_size=15, max_size=19)


@ORACLE
@given(st.one_of(resident_like, resident_like, noise))
def test_resident_id_valid_matches_stdnum(con, number):
    expected = ric.is_valid(number) and number[6:14] >= "18900101"  # births before 1890: refused on purpose
    assert sql_bool(con, "resident_id_valid", number) == expected, number


def test_resident_id_deliberate_differences(con):
    pudong_1980 = with_check("31011519800101123")      # 310115 was created in 1993
    assert sql_bool(con, "resident_id_valid", pudong_1980) and not ric.is_valid(pudong_1980)
    born_1885 = with_check("11010118850101123")
    assert not sql_bool(con, "resident_id_valid", born_1885) and ric.is_valid(born_1885)
    # The loader upper-cases first (id_text): a lowercase x check digit is valid.
    x_number = next(n for n in (with_check(f"31010119900101{s:03d}") for s in range(1000)) if n.endswith("X"))
    assert con.execute("SELECT resident_id_valid(id_text(?))", [x_number.lower()]).fetchall() == [(True,)]


# ------------------------------------------------------------------ credit codes

def _uscc_check(first17: str, fallback: str) -> str:
    return uscc.calc_check_digit(first17) if all(c in USCC_ALPHABET for c in first17) else fallback


uscc_like = st.builds(
    lambda head, body, check, right: head + body + (_uscc_check(head + body, check) if right else check),
    st.text("0123456789", min_size=8, max_size=8),
    st.text(USCC_ALPHABET + "IOSVZ", min_size=9, max_size=9),
    st.sampled_from(USCC_ALPHABET + "IOZ"), st.booleans())


@ORACLE
@given(st.one_of(uscc_like, uscc_like, st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=16, max_size=19)))
def test_uscc_valid_matches_stdnum(con, code):
    head_is_digits = code[:2].isdigit()
    expected = uscc.is_valid(code) if head_is_digits else (
        len(code) == 18 and code[2:8].isdigit() and all(c in USCC_ALPHABET for c in code)
        and code[-1] == uscc.calc_check_digit(code[:17]))
    assert sql_bool(con, "uscc_valid", code) == expected, code


def test_uscc_real_examples(con):
    for code in ("91110000600037341L", "91310115MA1FL0001N", "91310000MA1FL4J3XE"):
        assert sql_bool(con, "uscc_valid", code) == uscc.is_valid(code), code
    letters_first = "Y1" + "310115" + "MA1FL0001"
    letters_first += uscc.calc_check_digit(letters_first)
    assert sql_bool(con, "uscc_valid", letters_first) and not uscc.is_valid(letters_first)


# ------------------------------------------------------------------ person key

# The expression etl/sql/normalise/roster.sql computes the key with (taken from the file).
ROSTER_HMAC = next(line.strip().removesuffix(" AS person_key,")
                   for line in (Path(__file__).resolve().parent.parent / "etl" / "sql" / "normalise" / "roster.sql")
                   .read_text(encoding="utf-8").splitlines() if line.strip().endswith("AS person_key,"))


def test_roster_sql_hmac_expression_found():
    assert ROSTER_HMAC.startswith("sha256(k.opad") and "k.ipad" in ROSTER_HMAC and "id_number" in ROSTER_HMAC

@settings(ORACLE, max_examples=100)
@given(key=st.binary(min_size=1, max_size=100), id_type=st.sampled_from(["resident_id", "passport"]),
       number=st.text("0123456789X", min_size=1, max_size=20))
def test_person_key_sql_equals_python_hmac(con, key, id_type, number):
    """The loader's SQL HMAC (inner/outer pads, sha256 only) = hmac.new(key, "type:number", sha256)."""
    ipad, opad = hmac_pads(key)
    [(sql_key,)] = con.execute(
        f"SELECT {ROSTER_HMAC} FROM (SELECT $id_type AS id_type, $id_number AS id_number), "
        "(SELECT $ipad::BLOB AS ipad, $opad::BLOB AS opad) k",
        {"ipad": ipad, "opad": opad, "id_type": id_type, "id_number": number}).fetchall()
    expected = hmac.new(key, f"{id_type}:{number}".encode(), hashlib.sha256).hexdigest()
    assert sql_key == expected == person_key(id_type, number, key)


# ------------------------------------------------------------------ region codes (warning)

def test_region_warning_matches_stdnum(con):
    """derive.flag_id_regions: for IDs that pass the SQL check, `id_region_ok` is exactly
    stdnum's verdict on the region code at the birth year (the rest of the check agreeing)."""
    from etl.derive import flag_id_regions
    regions = REGIONS + ["310115", "420902", "421102", "340102", "330302", "999999", "310225"]
    numbers = [with_check(f"{region}{year}0615{seq:03d}") for region in regions
               for year in (1950, 1983, 1984, 1992, 1993, 2001, 2002) for seq in (1, 2)]
    con.execute("CREATE OR REPLACE TEMP TABLE n AS SELECT 'resident_id' AS id_type, x AS id_number, "
                "resident_id_valid(x) AS id_valid FROM unnest(?) t(x)", [numbers])
    flag_id_regions(con)
    got = dict(con.execute("SELECT id_number, id_region_ok FROM n").fetchall())
    assert all(got[n] is not None for n in numbers)
    assert {n: got[n] for n in numbers} == {n: ric.is_valid(n) for n in numbers}
    assert 0 < sum(got.values()) < len(numbers)  # both verdicts occur
