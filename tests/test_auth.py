"""Sign-in, roles, scope and audit (issue: access and privacy)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from boardkit import audit
from boardkit.auth import client_allowed, scope_for
from etl.users import add_user, hash_password, load_users, reset_password, verify_password

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def signed_env(board_env, tmp_path, monkeypatch):
    users = tmp_path / "users.toml"
    monkeypatch.setenv("BOARD_AUTH", "required")
    monkeypatch.setenv("BOARD_USERS", str(users))
    monkeypatch.setenv("BOARD_AUDIT", str(tmp_path / "audit.sqlite"))
    add_user("lead", "leader", "correct-horse", path=users)
    add_user("bayi", "neighbourhood", "bayi-pass-1", ("310115010001",), path=users)
    return users


def _sign_in(name: str, password: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    return at


def test_password_hash_is_salted_scrypt():
    first, second = hash_password("secret-1"), hash_password("secret-1")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("secret-1", first) and not verify_password("secret-2", first)
    assert not verify_password("x", "garbage")


def test_users_file_is_private_and_reset_works(tmp_path):
    path = tmp_path / "users.toml"
    add_user("a", "staff", "password-1", path=path)
    assert path.stat().st_mode & 0o077 == 0
    reset_password("a", "password-2", path=path)
    assert verify_password("password-2", load_users(path)["a"].password_hash)
    with pytest.raises(ValueError):
        add_user("b", "neighbourhood", "password-3", path=path)  # needs its neighbourhood


def test_wrong_password_is_refused_and_audited(signed_env, tmp_path):
    at = _sign_in("lead", "wrong-password")
    assert not at.exception
    assert any("不正确" in e.value for e in at.error)
    assert not at.metric  # no data shown
    log = audit.recent(10)
    assert list(log["event"]) == ["sign_in_failed"] and log["user"][0] == "lead"


def test_sign_in_shows_the_board_and_audits_sign_in_and_view(signed_env):
    at = _sign_in("lead", "correct-horse")
    assert not at.exception
    assert at.metric, "the overview shows its figures once signed in"
    events = list(audit.recent(10)["event"])
    assert "sign_in" in events and "view" in events


def test_expired_session_asks_to_sign_in_again(signed_env, tmp_path, monkeypatch):
    import shutil
    pack = tmp_path / "reference"
    shutil.copytree(REPO / "data" / "reference", pack)
    (pack / "settings.toml").write_text("session_minutes = 0\n", encoding="utf-8")
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))
    at = _sign_in("lead", "correct-horse")  # signs in, then the session has already run out
    assert not at.exception
    assert any("过期" in i.value for i in at.info)
    assert not at.metric


def test_neighbourhood_user_sees_only_its_neighbourhood(signed_env):
    at = _sign_in("bayi", "bayi-pass-1")
    assert not at.exception
    status = next(df.value for df in at.dataframe if "居民区" in df.value.columns)
    assert set(status["居民区"]) == {"八一居民区"}


def test_roles_to_scopes():
    assert scope_for("leader").codes is None and scope_for("leader").show_room
    assert scope_for("staff").codes is None and not scope_for("staff").show_room
    assert scope_for("neighbourhood", ("X",)).codes == ("X",)
    assert not scope_for("screen").show_room


def test_screen_client_allow_list():
    assert not client_allowed("127.0.0.1", "127.0.0.1,::1"), "loopback is no proof of presence"
    assert client_allowed("10.1.2.7", "10.1.2.0/24")
    assert not client_allowed("10.1.3.7", "10.1.2.0/24")
    assert not client_allowed(None, "127.0.0.1")
    assert not client_allowed("not-an-ip", "127.0.0.1")


def test_download_is_audited_with_its_row_count(tmp_path):
    path = tmp_path / "audit.sqlite"
    audit.record("download", "lead", "leader", "查询", {"file": "查询_12345工单.csv"}, 42, path=path)
    row = audit.recent(1, "download", path=path).iloc[0]
    assert (row["user"], row["rows"]) == ("lead", 42) and "查询_12345工单.csv" in row["detail"]
