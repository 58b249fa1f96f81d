"""Shared test set-up.

- The repository root is importable (`import etl`), whatever directory pytest runs from.
- For the whole session the person-key secret (BOARD_SECRET_KEY_FILE) and the default
  database (BOARD_DB) point into a temporary folder, so no test ever touches the real
  key or `data/board.duckdb`; subprocesses inherit the same environment.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# A fixed test key (never a real one): person keys in tests are reproducible.
TEST_SECRET_HEX = "5e" * 32
# Password hashes at a test cost (the setting's default, 2^17, takes most of a second each).
SCRYPT_N = 2 ** 10
# The wall screen's key in tests (loopback is no proof of presence: the screen needs it).
SCREEN_KEY = "test-screen-key"


@pytest.fixture(scope="session", autouse=True)
def isolated_board_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board-env")
    key_file = folder / "person-key.secret"
    key_file.write_text(TEST_SECRET_HEX)
    # Sign-in is off for page tests (test_auth.py turns it on); audit and users files are
    # temporary, so no test reads or writes the real ones; passwords hash at a low cost.
    changes = {"BOARD_SECRET_KEY_FILE": str(key_file), "BOARD_DB": str(folder / "db" / "board.duckdb"),
               "BOARD_REFERENCE": None, "BOARD_AUTH": "off", "BOARD_USERS": str(folder / "users.toml"),
               "BOARD_AUDIT": str(folder / "audit.sqlite"), "BOARD_SCRYPT_N": str(SCRYPT_N),
               "BOARD_SCREEN_KEY": SCREEN_KEY}
    saved = {name: os.environ.get(name) for name in changes}
    for name, value in changes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def secret_key() -> bytes:
    return bytes.fromhex(TEST_SECRET_HEX)


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A fresh database path (the live symlink of generations) for one test."""
    return tmp_path / "db" / "board.duckdb"


# The demo season the page tests run against: a replay of spring 2020 (so "now" is the
# last record, and every figure is reproducible), at a fifth of the sub-district volume.
DEMO_END = "2020-03-15"


@pytest.fixture(scope="session")
def demo_db(isolated_board_env, tmp_path_factory) -> Path:
    """A demo database built once per session through the real CLI path (raw files ->
    readers -> load). Tests that use it must not write to it."""
    import datetime as dt

    from demo.load import run_demo
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "board.duckdb"
    assert run_demo("subdistrict", 2020, dt.date.fromisoformat(DEMO_END), 45, folder / "files", db, 0.2) == 0
    return db


@pytest.fixture
def board_env(demo_db, monkeypatch) -> Path:
    """BOARD_DB pointing at the demo database, for AppTest page runs."""
    monkeypatch.setenv("BOARD_DB", str(demo_db))
    return demo_db


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module (the browser tests)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if str(REPO_ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from screenshot import CHROMIUM_ARGS
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def two_subdistrict_db(isolated_board_env, tmp_path_factory) -> tuple[Path, Path]:
    """(database, reference pack) of a district in miniature (board_helpers.TWO_SUBDISTRICTS):
    two weeks of demo files drawn from that pack, loaded through the real readers."""
    import datetime as dt

    from board_helpers import two_subdistrict_pack
    from demo.generate import write_demo_files
    from etl.load import LoadOptions, load_files
    folder = tmp_path_factory.mktemp("two-subdistricts")
    pack = two_subdistrict_pack(folder / "reference")
    db = folder / "db" / "board.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOARD_REFERENCE", str(pack))
        files = write_demo_files(folder / "files", seed=2020, end=dt.date.fromisoformat(DEMO_END), days=14,
                                 pack_dir=pack, volume_factor=0.05, verbose=False)
        load_files(None, files, db, LoadOptions())
    return db, pack


@pytest.fixture
def two_subdistrict_env(two_subdistrict_db, monkeypatch) -> tuple[Path, Path]:
    """BOARD_DB and BOARD_REFERENCE pointing at the two-sub-district database and its pack."""
    db, pack = two_subdistrict_db
    monkeypatch.setenv("BOARD_DB", str(db))
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))
    return two_subdistrict_db
