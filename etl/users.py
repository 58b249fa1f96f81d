"""Local users and roles for sign-in on a closed network (no outside identity provider).

The users file (TOML, default data/users.toml, git-ignored) holds for each user a role,
for the `neighbourhood` role the neighbourhood codes, and a scrypt password hash.
scrypt is in Python's standard library (OpenSSL): memory-hard, nothing to install on
the closed machine, and well kept — so no third-party auth package is needed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import settings

ROLES = {"leader": "领导（全部居民区，可见房号）", "staff": "工作人员（全部居民区，不显示房号）",
         "neighbourhood": "居委（仅本居民区，可见房号）"}
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    neighbourhoods: tuple[str, ...] = ()
    password_hash: str = ""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=len(expected), **_SCRYPT)
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


def load_users(path: Path | None = None) -> dict[str, User]:
    path = Path(path or settings.users_file())
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {name: User(name, entry["role"], tuple(entry.get("neighbourhoods", ())), entry.get("password", ""))
            for name, entry in data.get("users", {}).items()}


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Written whole to a temp file and renamed, mode 600: the file holds password hashes."""
    path = Path(path or settings.users_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# 一屏观用户文件：由 python -m etl users 维护，请勿手工填写密码。\n"]
    for user in users.values():
        codes = ", ".join(f'"{c}"' for c in user.neighbourhoods)
        lines.append(f'\n[users."{user.name}"]\nrole = "{user.role}"\nneighbourhoods = [{codes}]\n'
                     f'password = "{user.password_hash}"\n')
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    os.replace(tmp, path)


def add_user(name: str, role: str, password: str, neighbourhoods: tuple[str, ...] = (),
             path: Path | None = None) -> User:
    if role not in ROLES:
        raise ValueError(f"未知角色 {role}：可选 {'、'.join(ROLES)}")
    if role == "neighbourhood" and not neighbourhoods:
        raise ValueError("居委角色须指定所属居民区（--neighbourhood 代码或名称）")
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    users = load_users(path)
    users[name] = User(name, role, neighbourhoods, hash_password(password))
    save_users(users, path)
    return users[name]


def reset_password(name: str, password: str, path: Path | None = None) -> None:
    users = load_users(path)
    if name not in users:
        raise KeyError(f"没有用户 {name}")
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    old = users[name]
    users[name] = User(old.name, old.role, old.neighbourhoods, hash_password(password))
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
