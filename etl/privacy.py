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
