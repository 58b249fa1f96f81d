"""Sign-in, roles and scope for the board.

Roles decide scope, never what is stored (the database holds no clear personal data):
leader — every neighbourhood, rooms shown; staff — every neighbourhood, no rooms;
neighbourhood — its own neighbourhoods' rows only, rooms shown; subdistrict (a 街道 head in a
district or city deployment: the leader of its own area) — the rows of the neighbourhoods the
reference pack puts in its sub-district, rooms shown, no audit page; any other role, and a
sub-district the pack does not know or gives no neighbourhood, sees nothing (fail closed).
The wall screen needs no sign-in but only answers the configured client addresses, or a
screen key in its address, and never shows rows.

Sessions live on the server (boardkit/app/sessions.py): a tab keeps its session's key; a
reload or a new tab finds the session again through the signed HttpOnly cookie.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import math
from dataclasses import dataclass

import streamlit as st

from core import settings
from core.localtime import local_today
from core.users import ROLES, User, check_password, demo_accounts_present, load_users, needs_rehash, upgrade_hash
from etl.reference import pack_subdistricts

from ..render.markup import md
from . import audit, sessions
from ..render import exports
from ..data.db import Scope

_SESSION = "_session_key"
_HANDOFF = "_session_handoff"
_LOOPBACK_NAMES = {"localhost"}


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str
    scope: Scope
    area: str = ""     # a sub-district head's sub-district, as the pages name it
    problem: str = ""  # why a known role sees nothing (fail closed)

    @property
    def is_leader(self) -> bool:
        return self.role == "leader"

    @property
    def role_known(self) -> bool:
        return self.role in ROLES

    @property
    def refusal(self) -> str:
        """Why this viewer is shown no data at all ("" when it is shown its scope)."""
        if not self.role_known:
            return (f"账号 {md(self.name)} 的角色“{md(self.role)}”未知（可选：{'、'.join(ROLES)}），"
                    "因此看不到任何居民区的数据。请管理员用 python -m etl users add 重新设置角色。")
        return self.problem


def scope_for(role: str, codes: tuple[str, ...] = ()) -> Scope:
    """Exact role names only: a misspelt or unknown role gets no neighbourhood at all.
    `codes`: the neighbourhoods of a committee, or of a sub-district head's sub-district."""
    if role == "leader":
        return Scope(None, show_room=True)
    if role == "staff":
        return Scope(None, show_room=False)
    if role in ("neighbourhood", "subdistrict"):
        return Scope(tuple(codes), show_room=True)
    if role == "screen":  # aggregates of the whole area, never rows (boardkit.screen)
        return Scope(None, show_room=False)
    return Scope((), show_room=False)


def viewer_of(user: User) -> Viewer:
    """The viewer a user is. A sub-district head's neighbourhoods are those the reference pack
    puts in its sub-district now (read on every run, so a changed pack applies at once); an
    unknown sub-district, one without neighbourhoods or an unreadable pack gives an empty
    scope — no neighbourhood, never all of them — and says why."""
    if user.role != "subdistrict":
        return Viewer(user.name, user.role, scope_for(user.role, user.neighbourhoods))
    try:
        area = pack_subdistricts().get(user.subdistrict)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Viewer(user.name, user.role, scope_for(user.role),
                      problem=f"参考数据包无法读取（{md(str(exc))}），街道账号因此看不到任何居民区的数据。")
    if area is None or not area.neighbourhoods:
        return Viewer(user.name, user.role, scope_for(user.role), problem=(
            f"账号 {md(user.name)} 所属的街道“{md(user.subdistrict or '未指定')}”在参考数据包中"
            f"{'没有居民区' if area else '不存在'}，因此看不到任何居民区的数据。"
            "请管理员检查参考数据包，或用 python -m etl users add 重新设置街道。"))
    return Viewer(user.name, user.role, scope_for(user.role, area.neighbourhoods), area=area.name)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def client_allowed(address: str | None, allowed: str) -> bool:
    """Only a real client address counts: a missing one (Streamlit reports loopback clients
    as none) or a loopback one proves nothing — a same-host proxy makes every client
    127.0.0.1 — so loopback entries of the list never admit anyone."""
    if not address or _is_loopback(address):
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


def screen_key_matches(given: str | None) -> bool:
    key = settings.screen_key()
    return bool(key) and hmac.compare_digest((given or "").encode(), key.encode())


def screen_viewer() -> Viewer:
    """The wall screen: no sign-in; the allowed client addresses or the screen key only;
    aggregates only."""
    address = client_address()
    if not (client_allowed(address, str(settings.get("screen_allowed_clients")))
            or screen_key_matches(st.query_params.get("key"))):
        audit.record("screen_refused", None, "screen", "screen", {"client": address or "本机或未知"})
        st.error("大屏未开放给此地址：请在设置项 screen_allowed_clients 中写入墙面电脑的地址，"
                 "或以 /screen?key=大屏密钥 打开（设置项 screen_key）。本机回环地址不算数。")
        st.stop()
    return Viewer("大屏", "screen", scope_for("screen"))


def serves_loopback_only() -> bool:
    """The server listens on a loopback address only (or there is no server: AppTest)."""
    if not st.context.headers:  # no HTTP connection behind this run: AppTest
        return True
    address = str(st.get_option("server.address") or "")
    return address in _LOOPBACK_NAMES or _is_loopback(address)


def auth_off() -> bool:
    """BOARD_AUTH=off from the environment, honoured on a loopback-only server."""
    return settings.auth_off_requested() and serves_loopback_only()


def client_address() -> str | None:
    """The client's address as the server saw it (after a trusted proxy's X-Forwarded-For);
    None for a loopback client, and where no HTTP connection is behind the run (AppTest)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def _client() -> str:
    return client_address() or "本机或未知"


def signed_in_viewer(touch: bool = True) -> Viewer | None:
    """The viewer of this session, or None when nobody is signed in (or the session ended:
    the sign-in page then says so). Checked against the session store on every run; `touch`:
    this run is the viewer's activity (an automatic refresh is not)."""
    if auth_off():
        return Viewer("开发", "leader", scope_for("leader"))
    cookie = st.context.cookies.get(sessions.COOKIE)
    key = st.session_state.get(_SESSION) or sessions.key_of_cookie(cookie if isinstance(cookie, str) else None)
    if not key:
        return None
    live = sessions.current(key, int(settings.get("session_minutes")) * 60, touch=touch)
    user = load_users().get(live.user) if live else None
    if user is None or user.password_version != live.password_version:
        if st.session_state.pop(_SESSION, None):
            st.session_state["_expired"] = True
        return None
    st.session_state[_SESSION] = key
    if live.handoff_pending and _HANDOFF in st.session_state:
        _claim_cookie(st.session_state[_HANDOFF])
    return viewer_of(user)


def _claim_cookie(token: str) -> None:
    """The browser posts the hand-off token to board_server.py's route, whose answer sets
    the HttpOnly cookie. Drawn on every run until the store says it was claimed."""
    st.html(f"<script>fetch({json.dumps(sessions.CLAIM_PATH)}, {{method: 'POST', body: {json.dumps(token)}, "
            "credentials: 'same-origin'}).catch(() => {});</script>", unsafe_allow_javascript=True, width=1)


def sign_in_page() -> None:
    """The page a signed-out session sees."""
    st.title("一屏观 · 登录")
    users = load_users()
    if not users:
        st.warning("还没有配置任何用户。请在服务器上运行：")
        st.code("python -m etl users add 用户名 --role leader", language="bash")
        return
    if st.session_state.pop("_expired", False):
        st.info("登录已过期或已在别处退出，请重新登录。")
    with st.form("sign_in"):
        name = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        _sign_in(users, name, password)


def _sign_in(users: dict, name: str, password: str) -> None:
    client = _client()
    wait = sessions.sign_in_wait(name, client)
    if wait > 0:
        audit.record("sign_in_throttled", name or None, detail={"client": client, "wait_seconds": math.ceil(wait)})
        st.error(f"连续输错次数过多，请 {math.ceil(wait)} 秒后再试。")
        return
    user = check_password(users, name, password)  # the same scrypt work for unknown names
    if user is None:
        failures = sessions.record_failure(name, client)
        audit.record("sign_in_failed", name or None, detail={"client": client, "failures": failures})
        st.error("用户名或密码不正确。")
        return
    sessions.clear_failures(name, client)
    if needs_rehash(user.password_hash):
        upgrade_hash(user, password)
    st.session_state[_SESSION], st.session_state[_HANDOFF] = sessions.create(user.name, user.password_version)
    audit.record("sign_in", user.name, user.role, detail={"client": client})
    st.rerun()


def sign_out_button(viewer: Viewer) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{md(viewer.name)}（{md(viewer.role)}）")
        if not auth_off():
            st.button("退出登录", on_click=_sign_out, args=(viewer,))


def _sign_out(viewer: Viewer) -> None:
    """A callback: it runs before the next run, whichever script that run starts with."""
    audit.record("sign_out", viewer.name, viewer.role)
    sessions.end_sessions(viewer.name)  # every tab, browser and board process
    st.session_state.pop(_SESSION, None)


# The red banners of a configuration that is not fit for real use (every page shows them).
AUTH_OFF_BANNER = "登录已关闭（环境变量 BOARD_AUTH=off，仅限本机开发测试）：任何打开看板的人都以领导身份查看全部数据。"
DEMO_ACCOUNTS_BANNER = "演示账号仍可用公开的密码登录"


def banners(viewer: Viewer | None) -> None:
    """Warnings every page shows above its content."""
    if auth_off():
        st.error(AUTH_OFF_BANNER)
    elif settings.auth_off_requested():
        st.warning("环境变量 BOARD_AUTH=off 未生效：看板监听的不是本机回环地址，登录仍然开启。")
    demo = demo_accounts_present(load_users())
    if demo:
        st.error(f"{DEMO_ACCOUNTS_BANNER}（{'、'.join(demo)}）：正式使用前请删除或重置这些账号"
                 "（python -m etl users reset-password 用户名）。")
    if viewer is not None and viewer.refusal:
        st.error(viewer.refusal)


def record_view(viewer: Viewer, page_title: str) -> None:
    """One audit entry per page and filter combination a session looks at."""
    params = st.query_params.to_dict()
    key = (page_title, tuple(sorted(params.items())))
    if st.session_state.get("_last_view") != key:
        st.session_state["_last_view"] = key
        audit.record("view", viewer.name, viewer.role, page_title, params)


def audited_download(label: str, data, file_name: str, rows: int, container=st, **kwargs) -> None:
    """st.download_button (in `container`) that writes who downloaded what, and how many rows."""
    viewer: Viewer | None = st.session_state.get("viewer")
    container.download_button(label, data, file_name=file_name, on_click=audit.record,
                       args=("download", viewer.name if viewer else None, viewer.role if viewer else None,
                             st.session_state.get("_last_view", ("", ))[0], {"file": file_name}, rows),
                       **kwargs)


def audited_table(container, title: str, frame, **dataframe_kwargs) -> None:
    """`container.dataframe(frame, …)` — the grid's own export is off (.streamlit/config.toml:
    it passes no audit and no formula check) — with audited CSV and Excel buttons below.
    `title` names the table in the file name and must be unique on its page."""
    container.dataframe(frame, **dataframe_kwargs)
    ctx = st.session_state.get("ctx")
    words = [st.session_state.get("_last_view", ("看板",))[0], title]
    day = ctx.clock.day if ctx is not None else local_today()
    with container.container(horizontal=True):
        audited_download("CSV", lambda: exports.csv_bytes(frame), exports.file_name(words, day, "csv"), len(frame),
                         key=f"download-{title}-csv", type="tertiary", icon=":material/download:")
        audited_download("Excel", lambda: exports.xlsx_bytes({title: frame}), exports.file_name(words, day, "xlsx"),
                         len(frame), key=f"download-{title}-xlsx", type="tertiary", icon=":material/download:")
