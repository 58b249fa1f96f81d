"""The lock files (scripts/lock.sh) agree with the requirements they were made from:
every pin of requirements.txt / requirements-dev.txt is locked at the same version, and
every locked package carries hashes, so that the offline bundle and setup.sh, which
install with --require-hashes, install exactly what was tested."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)((?: \\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            out.update(pins(path.parent / line[3:].strip()))
        elif "==" in line:
            name, version = line.split("==")
            out[_name(name)] = version.strip()
    return out


def locked(path: Path) -> dict[str, tuple[str, int]]:
    return {_name(m[1]): (m[2], m[3].count("--hash=")) for m in ENTRY.finditer(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", ["requirements", "requirements-dev"])
def test_lock_matches_requirements_and_has_hashes(name):
    wanted = pins(REPO_ROOT / f"{name}.txt")
    lock = locked(REPO_ROOT / f"{name}.lock")
    stale = {n: (v, lock.get(n, ("missing",))[0]) for n, v in wanted.items() if lock.get(n, ("",))[0] != v}
    assert not stale, f"run bash scripts/lock.sh: requirement -> lock {stale}"
    assert all(hashes > 0 for _, hashes in lock.values())
    text = (REPO_ROOT / f"{name}.lock").read_text(encoding="utf-8")
    assert len(lock) == len(re.findall(r"^[A-Za-z0-9]", text, re.M))  # every entry pinned with ==

