"""Personal data: the local secret behind person keys (HMAC-SHA256), and the one masking
pass for free text (phone, ID and room numbers), used by the loader, the purge, the notices
and the board.

The secret lives outside the repository, created on first use with mode 600. Without it,
the same ID number gets a new key: back it up with the database (README)."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from core import settings


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
# Area code (in brackets or not), then a local number of 7 or 8 digits; no space before an
# 8th digit ("(0571)2000000 1-101": the 1 is the next number's).
_LANDLINE = ("[(（]?0[1-9][0-9]{1,2}[)）]?" + _SEP + "[2-9]" + ("(?:" + _SEP + _D + ")") + "{6}"
             + "(?:[\\-－‐–—.．]?[0-9])?")
# A phone or ID number, in the order tried at each position. A match may take digits of a
# neighbouring number (separators can stand between any two digits), so the pass is run
# again on what it leaves, until nothing of the shape is left (REDACT_PASSES at most).
PERSONAL_NUMBER = f"{_ID18}|{_ID15}|{_MOBILE}|{_LANDLINE}"
REDACT_PASSES = 3
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


# The same pass in Python, for text that never goes through the loader's SQL (a notice's
# body, a filter typed into the board before it is logged). Step for step as macros.sql's
# `redact`, `room_free` and `scrub`, so both give the same text (tests/test_free_text.py).
_PERSONAL_RE = re.compile(PERSONAL_NUMBER)
_MOBILE_ALONE_RE = re.compile(MOBILE_ALONE)
_ROOM_AFTER_MARK_RE = re.compile(ROOM_AFTER_MARK)
_ROOM_BEFORE_SHI_RE = re.compile(ROOM_BEFORE_SHI)
_ROOM_ANY_RE = re.compile(f"{ROOM_AFTER_MARK}|{ROOM_BEFORE_SHI}")
_MARKED_ROOM_RE = re.compile(ROOM_MARK + "+[A-Za-z]?[0-9]*")


def _mask_personal_digits(d: str) -> str:
    if len(d) == 18:
        return d[:6] + "********" + d[14:]
    if len(d) == 15 and not d.startswith("0"):
        return d[:6] + "*****" + d[11:15]
    if d.startswith("0") and not d.startswith("00"):
        return d[:-8] + "****" + d[-4:]
    return d[-11:-8] + "****" + d[-4:]


def redact(text: str) -> str:
    """Phone and ID numbers in `text` replaced by their masked forms (138****5678)."""
    if not _PERSONAL_RE.search(text):
        return text
    text = _MOBILE_ALONE_RE.sub(lambda m: f"{m[1]}{m[2]}****{m[3]}{m[4]}", text)
    for _ in range(REDACT_PASSES):
        if not _PERSONAL_RE.search(text):
            break
        text = _PERSONAL_RE.sub(lambda m: _mask_personal_digits(re.sub("[^0-9Xx]", "", m[0]).upper()), text)
    return text


def has_room(text: str) -> bool:
    return _ROOM_ANY_RE.search(text) is not None


def mark_rooms(text: str) -> str:
    """`text` with ROOM_MARK before each room number."""
    text = text.replace(ROOM_MARK, "")
    for _ in range(2):  # a match takes the character after it, which may begin the next one
        text = _ROOM_AFTER_MARK_RE.sub(lambda m: f"{m[1]}{ROOM_MARK}{m[2]}{m[3] or ''}{m[4]}", text)
    return _ROOM_BEFORE_SHI_RE.sub(lambda m: f"{ROOM_MARK}{m[1]}{m[2]}", text)


def room_free(text: str) -> str:
    """`text` with each room number replaced by ***."""
    return _MARKED_ROOM_RE.sub(ROOM_MASK, mark_rooms(text)) if has_room(text) else text


def mask_free_text(text: str | None) -> str | None:
    """Free text as any viewer may see it: no clear phone, ID or room number (SQL: scrub).
    Rooms first: a number's pass may take a room's digits into a longer number."""
    if text is None:
        return None
    return redact(room_free(text))
