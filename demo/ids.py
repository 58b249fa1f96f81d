"""Personal data and identifiers for the demo generator, vectorised with numpy.

Names come from Faker's zh_CN lists (surnames with their weights, plus a few compound
surnames); resident ID numbers carry a correct GB 11643 check digit and a region code
that existed in the birth year (python-stdnum's own table, so `stdnum.cn.ric` accepts
them); USCCs carry a correct GB 11714 organisation-code check and GB 32100 check
character. Every function takes a numpy Generator: same seed, same values.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from faker.providers.person.zh_CN import Provider as _Person

# ---------------------------------------------------------------- names

_COMPOUND = {"欧阳": 0.30, "司马": 0.06, "上官": 0.08, "诸葛": 0.05, "东方": 0.04,
             "皇甫": 0.04, "令狐": 0.03, "慕容": 0.03, "尉迟": 0.02, "司徒": 0.06}


@lru_cache(maxsize=1)
def _surnames() -> tuple[np.ndarray, np.ndarray]:
    weights = dict(_Person.last_names)
    for name, w in _COMPOUND.items():
        weights[name] = max(weights.get(name, 0.0), w)
    names = np.array(sorted(weights), dtype=object)
    p = np.array([weights[n] for n in names], dtype=float)
    return names, p / p.sum()


@lru_cache(maxsize=1)
def _given() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    male = np.array(sorted(set(_Person.first_names_male)), dtype=object)
    female = np.array(sorted(set(_Person.first_names_female)), dtype=object)
    male1 = np.array([n for n in male if len(n) == 1], dtype=object)
    female1 = np.array([n for n in female if len(n) == 1], dtype=object)
    return male, female, male1, female1


def names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese full names; `male` is a boolean array (its length is the count)."""
    n = len(male)
    surnames, p = _surnames()
    last = surnames[rng.choice(len(surnames), size=n, p=p)]
    m, f, m1, f1 = _given()
    given = np.where(male, m[rng.integers(0, len(m), n)], f[rng.integers(0, len(f), n)])
    # A third of the single-character given names get a second character.
    two = rng.random(n) < 0.35
    extra = np.where(male, m1[rng.integers(0, len(m1), n)], f1[rng.integers(0, len(f1), n)])
    single = np.frompyfunc(len, 1, 1)(given) == 1
    given = np.where(two & single, given + extra, given)
    return last + given


# ---------------------------------------------------------------- phones

MOBILE_PREFIXES = np.array([134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159,
                            182, 183, 187, 188, 130, 131, 132, 155, 156, 185, 186, 166, 133,
                            153, 173, 177, 180, 181, 189, 199, 198])


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mobile numbers `1[3-9]\\d{9}` as strings."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)].astype(np.int64)
    number = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return number.astype(str).astype(object)


def landlines(rng: np.random.Generator, n: int) -> np.ndarray:
    """Shanghai landlines: `58881234` or `021-58881234`."""
    number = (rng.choice([5, 6], n) * 10_000_000 + rng.integers(0, 10_000_000, n)).astype(str)
    area = np.where(rng.random(n) < 0.5, "021-", "")
    return (area.astype(object) + number.astype(object))


# ---------------------------------------------------------------- resident IDs (GB 11643)

_RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_RIC_CHECK = np.array(list("10X98765432"), dtype=object)
_POW17 = 10 ** np.arange(16, -1, -1, dtype=np.int64)
YEAR0, YEAR1 = 1930, 2035


@lru_cache(maxsize=1)
def _region_table() -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """province (2 digits) -> (codes, counts per year, padded code index per year).

    Read from python-stdnum's region list so that every code we hand out existed in
    the birth year we pair it with (which is what `stdnum.cn.ric` checks)."""
    text = (resources.files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    rows: dict[int, list[tuple[int, int, int]]] = {}
    province = None
    for line in text.splitlines():
        m = re.match(r"^(\d\d) province=", line)
        if m:
            province = int(m.group(1))
            continue
        m = re.match(r'^  (\d{4}) county="(.*)"', line)
        if not (m and province) or m.group(1).endswith(("00", "01")):
            continue
        code = province * 10_000 + int(m.group(1))
        for part in m.group(2).split(","):
            lo, hi = 0, 9999
            if part.startswith("["):
                span = part[1:].split("]")[0]
                a, b = span.split("-")
                lo, hi = int(a or 0), int(b or 9999)
            rows.setdefault(province, []).append((code, lo, hi))
    table = {}
    years = np.arange(YEAR0, YEAR1 + 1)
    for prov, entries in rows.items():
        codes = np.array([c for c, _, _ in entries], dtype=np.int64)
        lo = np.array([a for _, a, _ in entries])
        hi = np.array([b for _, _, b in entries])
        valid = (lo[None, :] <= years[:, None]) & (years[:, None] <= hi[None, :])
        counts = valid.sum(axis=1)
        padded = np.zeros((len(years), max(1, counts.max())), dtype=np.int64)
        for i in range(len(years)):
            idx = np.flatnonzero(valid[i])
            padded[i, :len(idx)] = idx
        table[prov] = (codes, counts, padded)
    return table


def region_codes(rng: np.random.Generator, province: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """A county code of `province` that existed in `birth_year` (vectorised per province)."""
    table = _region_table()
    out = np.zeros(len(province), dtype=np.int64)
    years = np.clip(birth_year, YEAR0, YEAR1) - YEAR0
    for prov in np.unique(province):
        sel = np.flatnonzero(province == prov)
        codes, counts, padded = table[int(prov)]
        cnt = counts[years[sel]]
        if (cnt == 0).any():  # e.g. Hainan before 1988, Chongqing before 1997
            raise ValueError(f"province {prov} has no region code for some birth years")
        k = (rng.random(len(sel)) * cnt).astype(np.int64)
        out[sel] = codes[padded[years[sel], k]]
    return out


def ric_check(body: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for 17-digit bodies given as int64."""
    digits = (body[:, None] // _POW17[None, :]) % 10
    return _RIC_CHECK[(digits @ _RIC_WEIGHTS) % 11]


def resident_ids(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray,
                 male: np.ndarray, wrong_check: float = 0.0) -> np.ndarray:
    """18-character resident ID numbers; `birth` is datetime64[D]; a `wrong_check`
    share gets a wrong check character (as typed by hand)."""
    n = len(region)
    days = pd.DatetimeIndex(birth)
    ymd = (days.year * 10_000 + days.month * 100 + days.day).to_numpy(dtype=np.int64)
    seq = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)  # odd for men, even for women
    seq = np.where(seq == 0, 2, seq)
    body = region * 10 ** 11 + ymd * 1000 + seq
    check = ric_check(body)
    if wrong_check:
        bad = rng.random(n) < wrong_check
        if bad.any():
            shift = rng.integers(1, 11, bad.sum())
            pos = np.array([("10X98765432".index(c)) for c in check[bad]])
            check[bad] = _RIC_CHECK[(pos + shift) % 11]
    return body.astype(str).astype(object) + check


# ---------------------------------------------------------------- USCC (GB 32100)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ALPHA = np.array(list(USCC_ALPHABET), dtype=object)
# Characters allowed in the body of a new-style organisation code after "MA".
_ORG_CHARS = np.arange(len(USCC_ALPHABET))
_ORG_VALUES = np.array([int(c, 36) for c in USCC_ALPHABET])  # GB 11714: A=10 ... Z=35


def usccs(rng: np.random.Generator, region: np.ndarray, individual: np.ndarray,
          wrong_check: float = 0.0) -> np.ndarray:
    """Unified Social Credit Codes: `91` (company) or `92` (individual business) +
    region + organisation code (with its GB 11714 check) + GB 32100 check."""
    n = len(region)
    idx = np.zeros((n, 18), dtype=np.int64)
    idx[:, 0] = 9
    idx[:, 1] = np.where(individual, 2, 1)
    idx[:, 2:8] = (region[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    # Organisation code: old style 8 digits, or new style "MA" + 6 characters.
    new = rng.random(n) < 0.6
    body = rng.integers(0, 10, (n, 8))
    body[new, 0] = USCC_ALPHABET.index("M")
    body[new, 1] = USCC_ALPHABET.index("A")
    body[new, 2] = rng.integers(1, 3, new.sum())  # MA1..., MA2...
    body[new, 3:] = _ORG_CHARS[rng.integers(0, len(_ORG_CHARS), (new.sum(), 5))]
    # GB 11714 values: digits 0-9, letters A=10 ... Z=35.
    values = _ORG_VALUES[body]
    c9 = 11 - (values @ _ORG_WEIGHTS) % 11
    org_check = np.where(c9 == 10, USCC_ALPHABET.index("X"), np.where(c9 == 11, 0, c9))
    idx[:, 8:16] = body
    idx[:, 16] = org_check
    check = (31 - (idx[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    if wrong_check:
        bad = rng.random(n) < wrong_check
        check = np.where(bad, (check + rng.integers(1, 31, n)) % 31, check)
    idx[:, 17] = check
    chars = _ALPHA[idx]
    return _join_columns(chars)


def _join_columns(chars: np.ndarray) -> np.ndarray:
    out = chars[:, 0].copy()
    for j in range(1, chars.shape[1]):
        out = out + chars[:, j]
    return out


# ---------------------------------------------------------------- other documents

def passports(rng: np.random.Generator, n: int) -> np.ndarray:
    """Chinese ordinary passports `E12345678` or foreign ones `G1234567`."""
    letter = np.array(["E", "E", "E", "G", "P", "K"], dtype=object)[rng.integers(0, 6, n)]
    return letter + rng.integers(10_000_000, 99_999_999, n).astype(str).astype(object)


def hk_macau_permits(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(["C", "H", "M"], dtype=object)[rng.integers(0, 3, n)] + \
        rng.integers(10_000_000, 99_999_999, n).astype(str).astype(object)


def taiwan_permits(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(10_000_000, 99_999_999, n).astype(str).astype(object)
