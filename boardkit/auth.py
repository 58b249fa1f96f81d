"""Sign-in, roles and scope for the board.

Roles decide scope, never what is stored (the database holds no clear personal data):
leader — every neighbourhood, rooms shown; staff — every neighbourhood, no rooms;
neighbourhood — its own neighbourhoods' rows only, rooms shown. The wall screen needs
no sign-in but only answers the configured client addresses and never shows rows.
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

import streamlit as st

from etl import settings
from etl.users import load_users, verify_password

from . import audit
from .db import Scope

_SESSION = "_viewer"


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str
    scope: Scope

    @property
    def is_leader(self) -> bool:
        return self.role == "leader"


def scope_for(role: str, codes: tuple[str, ...] = ()) -> Scope:
    if role == "leader":
        return Scope(None, show_room=True)
    if role == "neighbourhood":
        return Scope(tuple(codes), show_room=True)
    return Scope(None, show_room=False)  # staff, screen, anything else: no rooms


def client_allowed(address: str | None, allowed: str) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in (a.strip() for a in allowed.split(",") if a.strip()):
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def screen_viewer() -> Viewer:
    """The wall screen: no sign-in; only the allowed client addresses; aggregates only."""
    # Streamlit reports a localhost client as None (st.context.ip_address): that is 127.0.0.1.
    address = st.context.ip_address or "127.0.0.1"
    if not client_allowed(address, str(settings.get("screen_allowed_clients"))):
        audit.record("screen_refused", None, "screen", "screen", {"client": address})
        st.error("本机地址不在大屏允许列表中（设置项 screen_allowed_clients）。")
        st.stop()
    return Viewer("大屏", "screen", scope_for("screen"))


def signed_in_viewer() -> Viewer | None:
    """The viewer of this session, or None when nobody is signed in (or the session
    expired: the sign-in page then says so). No UI here."""
    if settings.auth_mode() == "off":
        return Viewer("开发", "leader", scope_for("leader"))
    session = st.session_state.get(_SESSION)
    if not session:
        return None
    users = load_users()
    timeout = int(settings.get("session_minutes")) * 60
    if _now() - session["last_seen"] >= timeout or session["name"] not in users:
        st.session_state.pop(_SESSION, None)
        st.session_state["_expired"] = True
        return None
    session["last_seen"] = _now()
    user = users[session["name"]]
    return Viewer(user.name, user.role, scope_for(user.role, user.neighbourhoods))


def sign_in_page() -> None:
    """The page a signed-out session sees."""
    st.title("一屏观 · 登录")
    users = load_users()
    if not users:
        st.warning("还没有配置任何用户。请在服务器上运行：")
        st.code("python -m etl users add 用户名 --role leader", language="bash")
        return
    if st.session_state.pop("_expired", False):
        st.info("登录已过期，请重新登录。")
    with st.form("sign_in"):
        name = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        user = users.get(name)
        if user and verify_password(password, user.password_hash):
            st.session_state[_SESSION] = {"name": user.name, "last_seen": _now()}
            audit.record("sign_in", user.name, user.role)
            st.rerun()
        audit.record("sign_in_failed", name or None)
        st.error("用户名或密码不正确。")


def sign_out_button(viewer: Viewer) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{viewer.name}（{viewer.role}）")
        if settings.auth_mode() != "off" and st.button("退出登录"):
            audit.record("sign_out", viewer.name, viewer.role)
            st.session_state.pop(_SESSION, None)
            st.rerun()


def record_view(viewer: Viewer, page_title: str) -> None:
    """One audit entry per page and filter combination a session looks at."""
    params = st.query_params.to_dict()
    key = (page_title, tuple(sorted(params.items())))
    if st.session_state.get("_last_view") != key:
        st.session_state["_last_view"] = key
        audit.record("view", viewer.name, viewer.role, page_title, params)


def audited_download(label: str, data, file_name: str, rows: int, **kwargs) -> None:
    """st.download_button that writes who downloaded what, and how many rows."""
    viewer: Viewer | None = st.session_state.get("viewer")
    st.download_button(label, data, file_name=file_name, on_click=audit.record,
                       args=("download", viewer.name if viewer else None, viewer.role if viewer else None,
                             st.session_state.get("_last_view", ("", ))[0], {"file": file_name}, rows),
                       **kwargs)
