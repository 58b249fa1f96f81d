"""Local users and roles for sign-in on a closed network (no outside identity provider).

The users file (TOML, default data/users.toml, git-ignored) holds for each user a role,
for the `neighbourhood` role the neighbourhood codes, for the `subdistrict` role the
sub-district code (its neighbourhoods are read from the reference pack when the user uses
the board, so the pack decides them), a scrypt password hash and a password version.
scrypt is in Python's standard library (OpenSSL): memory-hard, nothing to install on the
closed machine, and well kept — so no third-party auth package is needed.

A hash carries its own parameters (`scrypt$n=131072,r=8,p=1$salt$digest`), so raising the
cost in the settings upgrades each password at its owner's next sign-in. The password
version changes only when the password does (reset), never on such an upgrade: sessions
remember it, and a reset therefore ends every session of that user.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from core import settings

ROLES = {"leader": "领导（全部居民区，可见房号）", "staff": "工作人员（全部居民区，不显示房号）",
         "neighbourhood": "居委（仅本居民区，可见房号）", "subdistrict": "街道（仅本街道的居民区，可见房号）"}
# Hashes written before parameters were stored: scrypt$salt$digest with these.
_LEGACY_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
# Letters (Chinese included), digits and . _ - @; no quotes, spaces or control characters.
_NAME = re.compile(r"[\w.@-]{1,32}")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    neighbourhoods: tuple[str, ...] = ()
    password_hash: str = ""
    password_version: int = 1
    subdistrict: str = ""  # the `subdistrict` role's sub-district code


def scrypt_parameters() -> dict:
    """The cost new hashes get: settings `password.scrypt_*`; BOARD_SCRYPT_N (tests) first."""
    n = int(os.environ.get("BOARD_SCRYPT_N") or settings.get("password.scrypt_n"))
    return {"n": n, "r": int(settings.get("password.scrypt_r")), "p": int(settings.get("password.scrypt_p"))}


def _scrypt(password: str, salt: bytes, params: dict, length: int = 32) -> bytes:
    # scrypt needs 128·n·r bytes; OpenSSL's default ceiling (32 MiB) is below n = 2^17.
    return hashlib.scrypt(password.encode(), salt=salt, dklen=length, maxmem=256 * params["n"] * params["r"] + 2 ** 20,
                          **params)


def hash_password(password: str, params: dict | None = None) -> str:
    params = params or scrypt_parameters()
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, params)
    cost = ",".join(f"{k}={params[k]}" for k in ("n", "r", "p"))
    return f"scrypt${cost}$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def _parse(stored: str) -> tuple[dict, bytes, bytes]:
    parts = stored.split("$")
    if parts[0] != "scrypt" or len(parts) not in (3, 4):
        raise ValueError("not a scrypt hash")
    params = dict(_LEGACY_SCRYPT)
    if len(parts) == 4:
        params = {k: int(v) for k, v in (item.split("=") for item in parts[1].split(","))}
        if set(params) != {"n", "r", "p"}:
            raise ValueError("scrypt parameters missing")
    return params, base64.b64decode(parts[-2]), base64.b64decode(parts[-1])


def verify_password(password: str, stored: str) -> bool:
    try:
        params, salt, expected = _parse(stored)
        actual = _scrypt(password, salt, params, len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    try:
        return _parse(stored)[0] != scrypt_parameters()
    except (ValueError, TypeError):
        return True


@functools.lru_cache(maxsize=4)
def _decoy_hash(cost: tuple) -> str:
    return hash_password(secrets.token_hex(16), dict(zip(("n", "r", "p"), cost)))


def check_password(users: dict[str, User], name: str, password: str) -> User | None:
    """The user when the password is right. An unknown name costs the same scrypt run as a
    known one (against a decoy hash), so response times do not tell which names exist."""
    user = users.get(name)
    if user is None:
        params = scrypt_parameters()
        verify_password(password, _decoy_hash(tuple(params[k] for k in ("n", "r", "p"))))
        return None
    return user if verify_password(password, user.password_hash) else None


def upgrade_hash(user: User, password: str, path: Path | None = None) -> None:
    """Re-hashes a correct password with the current cost; the password version stays."""
    users = load_users(path)
    if user.name in users:
        users[user.name] = replace(users[user.name], password_hash=hash_password(password))
        save_users(users, path)


def load_users(path: Path | None = None) -> dict[str, User]:
    path = Path(path or settings.users_file())
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {name: User(name, entry["role"], tuple(entry.get("neighbourhoods", ())), entry.get("password", ""),
                       int(entry.get("password_version", 1)), str(entry.get("subdistrict", "")))
            for name, entry in data.get("users", {}).items()}


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (\\" \\\\ \\n \\uXXXX …), except that
    TOML also wants DEL escaped."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Written whole to a temp file and renamed, mode 600: the file holds password hashes.
    Every string is a quoted, escaped TOML string, so no name can break the file."""
    path = Path(path or settings.users_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# 一屏观用户文件：由 python -m etl users 维护，请勿手工填写密码。\n"]
    for user in users.values():
        codes = ", ".join(toml_string(c) for c in user.neighbourhoods)
        area = f"subdistrict = {toml_string(user.subdistrict)}\n" if user.subdistrict else ""
        lines.append(f"\n[users.{toml_string(user.name)}]\nrole = {toml_string(user.role)}\n"
                     f"neighbourhoods = [{codes}]\n{area}password = {toml_string(user.password_hash)}\n"
                     f"password_version = {int(user.password_version)}\n")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    os.replace(tmp, path)


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name or ""):
        raise ValueError(f"用户名 {name!r} 不可用：1–32 个字母、汉字、数字或 . _ - @，不含空格与引号")


def add_user(name: str, role: str, password: str, neighbourhoods: tuple[str, ...] = (),
             path: Path | None = None, subdistrict: str = "") -> User:
    """`subdistrict`: the sub-district code of the `subdistrict` role (the CLI checks it
    against the reference pack), for that role only."""
    check_name(name)
    if role not in ROLES:
        raise ValueError(f"未知角色 {role}：可选 {'、'.join(ROLES)}")
    if role == "neighbourhood" and not neighbourhoods:
        raise ValueError("居委角色须指定所属居民区（--neighbourhood 代码或名称）")
    if (role == "subdistrict") != bool(subdistrict) or (role == "subdistrict" and neighbourhoods):
        raise ValueError("街道角色须指定所属街道（--subdistrict 名称或代码），且只用于街道角色、不另指定居民区")
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    users = load_users(path)
    version = users[name].password_version + 1 if name in users else 1
    users[name] = User(name, role, neighbourhoods, hash_password(password), version, subdistrict)
    save_users(users, path)
    return users[name]


def reset_password(name: str, password: str, path: Path | None = None) -> None:
    """A new password and a new password version: every session of the user ends."""
    users = load_users(path)
    if name not in users:
        raise KeyError(f"没有用户 {name}")
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    old = users[name]
    users[name] = replace(old, password_hash=hash_password(password), password_version=old.password_version + 1)
    save_users(users, path)


# Demo accounts (README): one per role, only ever written by `python -m etl demo`.
DEMO_USERS = (("leader", "leader", (), "leader-2020"), ("staff", "staff", (), "staff-2020"),
              ("bayi", "neighbourhood", ("310115010001",), "bayi-2020"))


def ensure_demo_users(path: Path | None = None) -> bool:
    """Creates the demo accounts when there is no users file yet; never touches a real one."""
    path = Path(path or settings.users_file())
    if path.exists():
        return False
    for name, role, codes, password in DEMO_USERS:
        add_user(name, role, password, codes, path)
    return True


@functools.lru_cache(maxsize=16)
def _is_demo_password(password_hash: str, password: str) -> bool:
    return verify_password(password, password_hash)


def demo_accounts_present(users: dict[str, User]) -> list[str]:
    """The published demo accounts still signing in with their published passwords (one
    scrypt run per account and hash, remembered)."""
    return [name for name, _, _, password in DEMO_USERS
            if name in users and _is_demo_password(users[name].password_hash, password)]
