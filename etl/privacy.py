"""The local secret behind person keys (HMAC-SHA256). Lives outside the repository,
created on first use with mode 600. Without it, the same ID number gets a new key:
back it up with the database (README)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from . import settings


def secret_key(path: Path | None = None) -> bytes:
    path = Path(path or settings.secret_key_file())
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """(inner pad, outer pad) so SQL can compute HMAC-SHA256 with sha256() alone."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else None
    if block is None:
        import hashlib
        block = hashlib.sha256(key).digest().ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def person_key(id_type: str, id_number: str, key: bytes | None = None) -> str:
    """The same key the loader stores, computed in Python (for lookups and tests)."""
    import hashlib
    import hmac
    return hmac.new(key or secret_key(), f"{id_type}:{id_number}".encode(), hashlib.sha256).hexdigest()


# Personal numbers and room numbers in free text (ticket content, notes, addresses…).
# One definition, used by the loader's SQL (RE2, through the placeholders of
# etl/sql/macros.sql), the purge, the notices and anyone masking typed text in Python
# (`mask_free_text`). The expressions use only what RE2 and Python's `re` read alike:
# no look-around, [0-9] rather than \d. They read folded text (half-width digits); the
# marks a clerk types between digit groups are taken in either width.

# One optional mark between any two digits: 138-1234-5678, 138 1234 5678, 3101 1519 …
_SEP = "[ \\-－‐–—.．]?"


def _digits(*classes: str) -> str:
    """One digit class per position, an optional separator between each two."""
    return _SEP.join(classes)


_D = "[0-9]"
# GB 11643 shapes: region (first digit 1-8), birth date (a loose month/day), sequence, check.
_ID18 = _digits("[1-8]", *[_D] * 5, "[12]", "[089]", _D, _D, "[01]", _D, "[0-3]", _D, _D, _D, _D, "[0-9Xx]")
_ID15 = _digits("[1-8]", *[_D] * 5, _D, _D, "[01]", _D, "[0-3]", _D, _D, _D, _D)
_MOBILE = "(?:(?:\\+|＋|00)" + _SEP + ")?(?:86" + _SEP + ")?" + _digits("1", "[3-9]", *[_D] * 9)
# Area code (in brackets or not), then a local number of 7 or 8 digits.
_LANDLINE = ("[(（]?0[1-9][0-9]{1,2}[)）]?" + _SEP + "[2-9]" + ("(?:" + _SEP + _D + ")") + "{6,7}")
# A phone or ID number, in the order tried at each position. Any other digit run is taken
# whole (PLAIN), so that no number is read from the middle of a longer one.
PERSONAL_NUMBER = f"{_ID18}|{_ID15}|{_MOBILE}|{_LANDLINE}"
PLAIN_NUMBER = "[0-9]+"
# The common case, masked first and cheaply: an 11-digit mobile number standing alone.
MOBILE_ALONE = "(^|[^0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})([^0-9]|$)"
MOBILE_ALONE_MASK = "\\1\\2****\\3\\4"

# A room number: digits after a building mark (5幢301, 5栋301, 5座1201, 5#301室, 5单元301,
# 3号楼502, 200号1201室), after a building number and a dash (5-301), or before 室 (602室).
# Not followed by a unit or another digit: 3号1500人, 1-100元, 14天 stay as written.
_ROOM_AFTER = "[^0-9元角块人天个件次名位辆只箱份盒包瓶袋斤吨公米克升%％.．年月日时分秒号层楼岁平例倍台家户条张]"
_BUILDING_MARK = "幢|栋|座|单元|#|＃"
_DASH_LEAD = "(?:^|[^0-9])[0-9]{1,3}[\\-－]"
ROOM_AFTER_MARK = (f"((?:号楼|号|{_BUILDING_MARK}) ?|{_DASH_LEAD})"
                   "([A-Za-z]?[0-9]{3,4})( ?室)?(" + _ROOM_AFTER + "|$)")
ROOM_BEFORE_SHI = "([A-Za-z]?[0-9]{2,4})( ?室)"
# An address the quick split (at its first 号) cannot serve: a personal number anywhere, or
# a room before the first 号 (5幢301室, 5-301; no 号 at all).
ADDRESS_NEEDS_SPLIT = (f"{PERSONAL_NUMBER}|^[^号]*(?:(?:(?:{_BUILDING_MARK}) ?|{_DASH_LEAD})"
                       "[A-Za-z]?[0-9]{3,4}(?:" + _ROOM_AFTER + "|$)|" + ROOM_BEFORE_SHI + ")")
# Where a room number starts once marked (mark_rooms); what it is replaced by when masked.
ROOM_MARK = "\x1f"
ROOM_MASK = "***"
