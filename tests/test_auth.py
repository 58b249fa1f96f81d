"""Sign-in, roles, scope and audit."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from boardkit.app import audit
from boardkit.app.auth import client_allowed, scope_for
from core.users import add_user, hash_password, load_users, reset_password, verify_password
from page_helpers import fill_sign_in

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
    fill_sign_in(at, (name, password))
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


# --- Issue 19 and 18.6: sessions on the server, throttled sign-in, hashes, roles, screen, audit ---

def test_sign_in_is_throttled_per_user_and_client_never_locked_out(tmp_path):
    from boardkit.app import sessions
    store = tmp_path / "sessions.sqlite"
    now = 1_000_000.0
    for n in range(200):  # 200 wrong passwords in a row, as fast as the form allows
        if sessions.sign_in_wait("lead", "10.0.0.9", now, store) == 0:
            sessions.record_failure("lead", "10.0.0.9", now, store)
        now += 1
    wait = sessions.sign_in_wait("lead", "10.0.0.9", now, store)
    assert wait > 0, "the right password is not even tried right after a run of failures"
    assert sessions.sign_in_wait("lead", "10.0.0.10", now, store) == 0, "another client is not held back"
    assert sessions.sign_in_wait("lead", "10.0.0.9", now + wait, store) == 0, "a delay, never a lock-out"
    delays = []
    for _ in range(3):
        sessions.record_failure("bob", "c", now, store)
    for _ in range(4):
        sessions.record_failure("bob", "c", now, store)
        delays.append(sessions.sign_in_wait("bob", "c", now, store))
    assert delays == sorted(delays) and delays[-1] > delays[0], delays
    sessions.clear_failures("bob", "c", store)
    assert sessions.sign_in_wait("bob", "c", now, store) == 0


def test_unknown_names_cost_the_same_scrypt_work(tmp_path, monkeypatch):
    from core.users import check_password
    monkeypatch.setenv("BOARD_SCRYPT_N", str(2 ** 14))
    users = {"lead": load_users(_one_user(tmp_path))["lead"]}

    def timed(name: str) -> float:
        start = time.perf_counter()
        for _ in range(4):
            assert check_password(users, name, "wrong-password") is None
        return time.perf_counter() - start
    timed("nobody")  # the decoy hash is made once
    # Interleaved rounds, the fastest of each: another process on the machine slows a round,
    # never speeds one up.
    rounds = [(timed("lead"), timed("nobody")) for _ in range(3)]
    known, unknown = min(k for k, _ in rounds), min(u for _, u in rounds)
    assert unknown > 0.6 * known, (known, unknown)


def _one_user(tmp_path, n: int = 2 ** 14) -> Path:
    from core.users import User, save_users
    path = tmp_path / "users.toml"
    save_users({"lead": User("lead", "leader", (), hash_password("correct-horse", {"n": n, "r": 8, "p": 1}))}, path)
    return path


def test_hashes_carry_their_parameters_and_are_upgraded(tmp_path, monkeypatch):
    from core.settings import get
    from core.users import needs_rehash, upgrade_hash
    assert get("password.scrypt_n") >= 2 ** 17
    monkeypatch.setenv("BOARD_SCRYPT_N", str(2 ** 11))
    stored = hash_password("secret-1")
    assert stored.startswith("scrypt$n=2048,r=8,p=1$") and verify_password("secret-1", stored)
    legacy_path = _one_user(tmp_path)  # written at 2^14
    user = load_users(legacy_path)["lead"]
    assert needs_rehash(user.password_hash)
    upgrade_hash(user, "correct-horse", legacy_path)
    upgraded = load_users(legacy_path)["lead"]
    assert upgraded.password_hash.startswith("scrypt$n=2048,") and not needs_rehash(upgraded.password_hash)
    assert verify_password("correct-horse", upgraded.password_hash)
    assert upgraded.password_version == user.password_version, "an upgrade is no password change"
    # a hash written before parameters were stored still verifies (N = 2^14)
    import base64
    import hashlib
    salt = b"s" * 16
    old = "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(
        hashlib.scrypt(b"pw-123456", salt=salt, n=2 ** 14, r=8, p=1, dklen=32)).decode()
    assert verify_password("pw-123456", old) and needs_rehash(old)


def test_session_store_revocation_idle_expiry_and_password_version(tmp_path):
    from boardkit.app import sessions
    store = tmp_path / "sessions.sqlite"
    key, handoff = sessions.create("lead", 1, now=100.0, path=store)
    live = sessions.current(key, 600, now=200.0, path=store)
    assert live.user == "lead" and live.password_version == 1 and live.handoff_pending
    session_id = sessions.claim(handoff, now=201.0, path=store)
    assert session_id and sessions.claim(handoff, now=202.0, path=store) is None, "a hand-off is claimed once"
    cookie = sessions.cookie_value(session_id)
    assert sessions.key_of_cookie(cookie, store) == key
    assert sessions.key_of_cookie(session_id + ".forged", store) is None
    assert not sessions.current(key, 600, now=203.0, path=store).handoff_pending
    # an automatic refresh does not count as activity; a user's action does
    assert sessions.current(key, 600, touch=False, now=700.0, path=store)
    assert sessions.current(key, 600, now=799.0, path=store)
    assert sessions.current(key, 600, now=1398.0, path=store)
    assert sessions.current(key, 600, now=2000.0, path=store) is None, "idle for longer than the setting"
    other, _ = sessions.create("lead", 1, now=3000.0, path=store)
    third, _ = sessions.create("bayi", 1, now=3000.0, path=store)
    assert sessions.end_sessions("lead", now=3001.0, path=store) == 2
    assert sessions.current(other, 600, now=3002.0, path=store) is None
    assert sessions.current(third, 600, now=3002.0, path=store), "another user's session goes on"


def _next_interaction(at: AppTest) -> AppTest:
    """The tab's next click. On a server every run starts in board.py, which checks the
    session; AppTest runs the page alone after its first run (it resets Streamlit's
    pages-folder mode each run), so the page's context is removed first and the page hands
    over to board.py, as a page run alone does."""
    del at.session_state["ctx"]
    at.run()
    return at


def test_password_reset_ends_a_live_session(signed_env):
    at = _sign_in("lead", "correct-horse")
    assert at.metric
    reset_password("lead", "new-horse-22", path=signed_env)
    _next_interaction(at)
    assert not at.exception and not at.metric and any("登录" in t.value for t in at.title)


def test_sign_out_ends_the_users_other_sessions(signed_env):
    first, second = _sign_in("lead", "correct-horse"), _sign_in("lead", "correct-horse")
    next(b for b in first.button if b.label == "退出登录").click()
    first.run()
    _next_interaction(second)
    assert not second.metric and any("登录" in t.value for t in second.title)


def test_demo_accounts_raise_a_red_banner(board_env, tmp_path, monkeypatch):
    from core.users import ensure_demo_users
    users = tmp_path / "users.toml"
    monkeypatch.setenv("BOARD_AUTH", "required")
    monkeypatch.setenv("BOARD_USERS", str(users))
    ensure_demo_users(users)
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.run()
    assert any("演示账号" in e.value for e in at.error)
    reset_password("leader", "a-real-secret-1", path=users)
    reset_password("staff", "a-real-secret-2", path=users)
    reset_password("bayi", "a-real-secret-3", path=users)
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.run()
    assert not any("演示账号" in e.value for e in at.error)


def test_auth_off_in_a_reference_pack_is_ignored(board_env, tmp_path, monkeypatch):
    import shutil
    pack = tmp_path / "reference"
    shutil.copytree(REPO / "data" / "reference", pack)
    (pack / "settings.toml").write_text('auth = "off"\n', encoding="utf-8")
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))
    monkeypatch.delenv("BOARD_AUTH")
    monkeypatch.setenv("BOARD_USERS", str(_one_user(tmp_path)))
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.run()
    assert not at.exception and not at.metric
    assert any("登录" in t.value for t in at.title)


def test_auth_off_from_the_environment_shows_a_banner(board_env):
    at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
    at.run()  # conftest: BOARD_AUTH=off; AppTest runs count as local
    assert at.metric and any("BOARD_AUTH=off" in e.value for e in at.error)


def test_screen_needs_a_real_address_or_its_key(board_env, monkeypatch):
    monkeypatch.setenv("BOARD_SCREEN_KEY", "wall-key-1")

    def screen(params: dict) -> AppTest:
        at = AppTest.from_file(str(REPO / "board.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/screen.py")
        at.query_params.update(params)
        return _next_interaction(at)  # through board.py, which checks the screen's client
    refused = screen({})  # AppTest has no client address: like a loopback or proxied client
    assert any("大屏未开放" in e.value for e in refused.error) and not refused.get("html")
    assert screen({"key": "wrong"}).error
    shown = screen({"key": "wall-key-1"})
    assert not shown.exception and not any("大屏未开放" in e.value for e in shown.error) and shown.get("html")
    assert audit.recent(5, "screen_refused")["detail"].str.contains("本机或未知").all()


def test_unknown_roles_see_nothing_and_are_told_why(board_env, tmp_path, monkeypatch):
    from core.users import User, save_users
    assert scope_for("neighborhood").codes == () and scope_for("Neighbourhood").codes == ()
    assert not scope_for("Leader").show_room
    users = tmp_path / "users.toml"
    save_users({"typo": User("typo", "neighborhood", ("310115010001",), hash_password("typo-pass-1"))}, users)
    monkeypatch.setenv("BOARD_AUTH", "required")
    monkeypatch.setenv("BOARD_USERS", str(users))
    at = _sign_in("typo", "typo-pass-1")
    assert not at.exception
    assert any("角色“neighborhood”未知" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
    at.switch_page("pages/data.py")
    _next_interaction(at)
    assert not at.exception and not at.dataframe and any("角色“neighborhood”未知" in e.value for e in at.error)


def test_user_names_are_validated_and_the_users_file_always_parses(tmp_path):
    path = tmp_path / "users.toml"
    for bad in ['张三"', "a b", "", "x\n[users.evil]", "名" * 40]:
        with pytest.raises(ValueError):
            add_user(bad, "staff", "password-1", path=path)
    add_user("张三", "neighbourhood", "password-1", ('31"\\0\x7f',), path=path)
    add_user("li.si@ops", "staff", "password-2", path=path)
    users = load_users(path)
    assert users["张三"].neighbourhoods == ('31"\\0\x7f',) and users["li.si@ops"].role == "staff"


def test_audit_masks_typed_numbers_and_finds_who_looked_one_up(tmp_path):
    path = tmp_path / "audit.sqlite"
    audit.record("view", "lead", "leader", "查询", {"q": "13812345678 张三"}, path=path)
    audit.record("view", "staff", "staff", "查询", {"q": "310115198001011234"}, path=path)
    audit.record("view", "bayi", "neighbourhood", "查询", {"q": "八一"}, path=path)
    log = audit.recent(10, path=path)
    assert not log["detail"].str.contains("13812345678|198001011234").any(), list(log["detail"])
    assert log["detail"].str.contains("138****5678", regex=False).any()
    assert list(audit.recent(10, path=path, number="138-1234-5678")["user"]) == ["lead"]
    assert list(audit.recent(10, path=path, number="+86 138 1234 5678")["user"]) == ["lead"]
    assert list(audit.recent(10, path=path, number="310115198001011234")["user"]) == ["staff"]
    assert audit.recent(10, path=path, number="13999999999").empty
    assert audit.number_tokens('{"from": "2020-03-01", "to": "2020-03-14"}') == []  # dates are no numbers


def test_audit_keeps_entries_for_its_retention_only(tmp_path, monkeypatch):
    import sqlite3
    from core.settings import get
    assert get("audit.retention_days") >= 180
    path = tmp_path / "audit.sqlite"
    audit.record("view", "lead", "leader", "总览", path=path)
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO audit (at, user, event) VALUES ('2000-01-01T00:00:00', 'old', 'view')")
    con.close()
    monkeypatch.setattr(audit, "_PURGED", set())  # a new process: the log is trimmed at its start
    assert list(audit.recent(10, path=path)["user"]) == ["lead"]


def test_grid_export_is_off_and_every_download_is_audited():
    import re
    import tomllib
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    # Tables come with audited_table's buttons; the two with buttons of their own say so.
    own_buttons = {"explore.py": 1, "data.py": 1}
    for page in sorted((REPO / "pages").glob("*.py")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\.download_button\(", text), f"{page.name}: a download outside the audit"
        bare = len(re.findall(r"\b\w+\.dataframe\(", text))
        assert bare == own_buttons.get(page.name, 0), f"{page.name}: {bare} table(s) without audited downloads"


def test_a_pages_tables_each_offer_audited_csv_and_excel(board_env):
    from page_helpers import open_page
    at = open_page("pages/hotline.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert len(at.dataframe) >= 2 and labels.count("CSV") == labels.count("Excel") == len(at.dataframe), labels


def test_audit_page_finds_who_looked_up_a_number(board_env, tmp_path, monkeypatch):
    from page_helpers import open_page
    monkeypatch.setenv("BOARD_AUDIT", str(tmp_path / "audit.sqlite"))
    audit.record("view", "lead", "leader", "查询", {"q": "13812345678"})
    audit.record("view", "staff", "staff", "查询", {"q": "八一"})
    at = open_page("pages/audit.py")
    box = next(t for t in at.text_input if "查号码" in t.label)
    box.input("138 1234 5678").run()
    frame = at.dataframe[0].value
    assert list(frame["用户"]) == ["lead"] and "138****5678" in frame["筛选/文件"].iloc[0]
