"""One browser tab of the board, speaking Streamlit's own websocket protocol (the BackMsg and
ForwardMsg protobufs that ship inside the installed streamlit package), for load tests and
for the proxy stack's test.

What a browser does, and this tab does too:
- loads the page over HTTP first, which gives it the proxy's affinity cookie (and Streamlit's
  XSRF cookie), then opens `/_stcore/stream` with those cookies, so the page and the
  websocket land on one replica;
- asks for a run with `rerun_script` (ClientState: query string, page, widget states, the
  hashes of large messages it already holds) and keeps the URL's query string as the app
  changes it (`page_info_changed`);
- keeps the value of every widget it changed and sends them with each run; after a full run,
  forgets widgets the run no longer drew; on a page switch keeps only the widgets of the
  main script (board.py's shared filters) and drops the query string;
- reruns a fragment every `run_every` seconds when the server asks (`auto_rerun`), until the
  next full run;
- on a lost connection, connects again (through the proxy: possibly to another replica) and
  asks for the page it was on;
- after signing in through the form, claims the session cookie as the page's script does
  (POSTs the hand-off token the run drew), so a reconnect to another replica is still
  signed in. The tab runs no other script of the page.

A run counts as good when it finished (`script_finished`) without a compile error and no
exception element was drawn during it.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import http.client
import json
import random
import re
import ssl
import time
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from boardkit.app.sessions import CLAIM_PATH

FINISHED = ForwardMsg.ScriptFinishedStatus
GOOD_ENDS = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# A browser drops a cached large message when no run has used it for this many runs.
CACHE_RUNS = 5
# The hand-off token in the script the board draws after a sign-in (boardkit.app.auth).
_CLAIM = re.compile(re.escape(f"fetch({json.dumps(CLAIM_PATH)}, {{method: 'POST', body: ") + r'(".*?"), ')


class RunFailed(Exception):
    """A run that did not finish cleanly: the reason is the message."""


@dataclasses.dataclass
class Widget:
    id: str
    kind: str                 # the Element field: selectbox, multiselect, date_input, …
    proto: object             # that field's protobuf (options, default, min, max, …)
    form_id: str
    script_hash: str          # the script that drew it (board.py's or a page's)


@dataclasses.dataclass
class RunResult:
    seconds: float
    status: int
    exceptions: list[str]
    widgets: dict[str, Widget]
    fragment: bool


def ssl_context(cafile: str | None, insecure: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class Tab:
    """A tab open at `base_url` + `path`. `cookies` ("name=value; …") stands for a sign-in
    the browser already holds (a session cookie); otherwise sign in with `sign_in()`.
    `source` (a local address to connect from) and `headers` (sent with the page and the
    websocket) let a test play a client elsewhere on the network, or a forging one."""

    def __init__(self, base_url: str, path: str = "", *, context: ssl.SSLContext | None = None,
                 cookies: str = "", timeout: float = 60.0, source: str | None = None,
                 headers: dict[str, str] | None = None, query: str = ""):
        self.base_url = base_url.rstrip("/")
        self.source = source
        self.headers = dict(headers or {})
        self.path = path.strip("/")
        self.context = context
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in cookies.split(";"))):
            name, _, value = part.partition("=")
            self.cookies[name] = value
        self.ws = None
        self.session_id = ""
        self.main_script_hash = ""
        self.page_script_hash = ""
        self.pages: dict[str, str] = {}        # url path ("" = the default page) -> script hash
        self.query_string = query  # the URL's query string, as the browser's address bar holds it
        self.values: dict[str, WidgetState] = {}  # widgets this tab changed, by id
        self.widgets: dict[str, Widget] = {}      # drawn by the latest full run
        self.widget_scripts: dict[str, str] = {}
        self.auto_reruns: dict[str, float] = {}   # fragment id -> interval (s)
        self._cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, run number)
        self._runs = 0
        self._reader: asyncio.Task | None = None
        self._inbox: asyncio.Queue = asyncio.Queue()
        self.lock = asyncio.Lock()  # one request in flight per tab, as a browser's queue
        self._reconnecting = asyncio.Lock()
        self.claim_token = ""  # drawn by the latest run that asked the browser to claim its cookie
        self.signed_in = False  # through the form, by this tab

    # -- connection ----------------------------------------------------------------------
    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _load_page(self) -> int:
        """GET the page as a browser does before its websocket; keeps the cookies it sets."""
        return self._http("GET", f"/{self.path}" + (f"?{self.query_string}" if self.query_string else ""))

    def _http(self, method: str, path: str, body: bytes | None = None) -> int:
        """One request to the board with this tab's cookies; keeps the cookies it sets."""
        parts = urlsplit(self.base_url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        kwargs = {"context": self.context} if parts.scheme == "https" else {}
        if self.source:
            kwargs["source_address"] = (self.source, 0)
        con = cls(parts.hostname, parts.port, timeout=self.timeout, **kwargs)
        try:
            con.request(method, f"{parts.path}{path}", body=body,
                        headers={**self.headers, "Cookie": self._cookie_header()})
            answer = con.getresponse()
            answer.read()
            for header in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return answer.status
        finally:
            con.close()

    async def connect(self) -> None:
        status = await asyncio.to_thread(self._load_page)
        if status != 200:
            raise RunFailed(f"page answered HTTP {status}")
        parts = urlsplit(self.base_url)
        ws_url = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}{parts.path}/_stcore/stream"
        # Subprotocols carry Streamlit's tokens: the protocol, the XSRF token (the browser's
        # placeholder when it holds none), the session to resume after a reconnect.
        xsrf = self.cookies.get("_streamlit_xsrf", "PLACEHOLDER_AUTH_TOKEN")
        protocols = ["streamlit", xsrf] + ([self.session_id] if self.session_id else [])
        extra = {"local_addr": (self.source, 0)} if self.source else {}
        self.ws = await connect(ws_url, subprotocols=protocols, ssl=self.context if parts.scheme == "https" else None,
                                additional_headers={**self.headers, "Cookie": self._cookie_header(),
                                                    "Origin": self.base_url},
                                max_size=None, open_timeout=self.timeout, **extra)
        self._inbox = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                await self._inbox.put(msg)
        except ConnectionClosed:
            pass
        finally:
            await self._inbox.put(None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    @property
    def connected(self) -> bool:
        return self.ws is not None and self.ws.state is State.OPEN

    async def reconnect(self) -> RunResult | None:
        """After a lost connection: connect again and ask for the page the tab was on (None
        when another task of this tab has done so already)."""
        async with self._reconnecting:
            if self.connected:
                return None
            await self.close()
            await self.connect()
            return await self._rerun(lambda: self._client_state(page_script_hash=self.page_script_hash))

    # -- runs ----------------------------------------------------------------------------
    def _client_state(self, **fields) -> BackMsg:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = fields.pop("query_string", self.query_string)
        state.cached_message_hashes.extend(self._cache)
        for value in fields.pop("values", self.values.values()):
            state.widget_states.widgets.append(value)
        for name, value in fields.items():
            setattr(state, name, value)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.timezone_offset = -480
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"{self.base_url}/{self.path}"
        return msg

    async def first_run(self) -> RunResult:
        """The run a browser asks for when the page has loaded: the page named by the path."""
        return await self._rerun(self._client_state(page_name=self.path, page_script_hash=""))

    async def rerun(self) -> RunResult:
        return await self._rerun(self._client_state(page_script_hash=self.page_script_hash))

    async def rerun_fragment(self, fragment_id: str) -> RunResult | None:
        """The fragment's own rerun; None when a full run in between removed the fragment
        (the browser cancels its timer then)."""
        return await self._rerun(lambda: fragment_id in self.auto_reruns and self._client_state(
            page_script_hash=self.page_script_hash, fragment_id=fragment_id, is_auto_rerun=True))

    async def switch_page(self, url_path: str) -> RunResult:
        """A click in the navigation: the query string goes, board.py's widgets stay."""
        self.values = {i: v for i, v in self.values.items()
                       if self.widget_scripts.get(i) == self.main_script_hash}
        self.path = url_path
        return await self._rerun(self._client_state(page_script_hash=self.pages[url_path], query_string=""))

    async def set_widgets(self, values: list[WidgetState], triggers: list[WidgetState] = ()) -> RunResult:
        """The user changed widgets (or pressed a button: `triggers`, sent once)."""
        for value in values:
            self.values[value.id] = value
        return await self._rerun(self._client_state(page_script_hash=self.page_script_hash,
                                                    values=list(self.values.values()) + list(triggers)))

    async def _rerun(self, request) -> RunResult | None:
        """Sends `request` (a BackMsg, or a function that makes it once this tab's earlier
        request has ended, or returns a false value when it is no longer wanted) and reads
        until the run has ended."""
        async with self.lock:
            if self.ws is None:
                raise RunFailed("not connected")
            if callable(request):
                request = request()
                if not request:
                    return None
            fragment = bool(request.rerun_script.fragment_id)
            t0 = time.perf_counter()
            try:
                await self.ws.send(request.SerializeToString())
            except ConnectionClosed:
                raise RunFailed("connection lost") from None
            exceptions: list[str] = []
            drawn: dict[str, Widget] = {}
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.timeout
            while True:
                try:
                    msg = await asyncio.wait_for(self._inbox.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    raise RunFailed(f"no end of run within {self.timeout:.0f} s") from None
                if msg is None:
                    raise RunFailed("connection lost")
                status = self._apply(msg, exceptions, drawn)
                if status is None or status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun() in the script: the next run follows
                seconds = time.perf_counter() - t0
                if status == FINISHED.FINISHED_SUCCESSFULLY:
                    self._end_full_run(drawn)
                return RunResult(seconds, status, exceptions, drawn, fragment)

    def _end_full_run(self, drawn: dict[str, Widget]) -> None:
        self._runs += 1
        self.widgets = drawn
        self.values = {i: v for i, v in self.values.items() if i in drawn}
        self._cache = {h: (m, n) for h, (m, n) in self._cache.items() if self._runs - n < CACHE_RUNS}

    def _apply(self, msg: ForwardMsg, exceptions: list[str], drawn: dict[str, Widget]) -> int | None:
        """Takes one message in as the browser would; the end status when the run ended."""
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                raise RunFailed("the server referred to a message this tab does not hold")
            self._cache[msg.ref_hash] = (cached[0], self._runs)
            msg, kind = cached[0], "delta"
        elif msg.metadata.cacheable:
            self._cache[msg.hash] = (msg, self._runs)
        if kind == "new_session":
            session = msg.new_session
            if session.initialize.session_id:
                self.session_id = session.initialize.session_id
            self.main_script_hash = session.main_script_hash
            self.page_script_hash = session.page_script_hash
            if not msg.metadata.run.fragment_ids:
                # A full run (also the one st.rerun() starts): its elements replace the page's,
                # and the fragments say again what reruns by itself.
                self.auto_reruns.clear()
                drawn.clear()
        elif kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
            self.page_script_hash = msg.navigation.page_script_hash
            for path, page_hash in self.pages.items():
                if page_hash == self.page_script_hash:
                    self.path = path
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            field = element.WhichOneof("type")
            if field == "exception":
                exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
            else:
                proto = getattr(element, field) if field else None
                widget_id = getattr(proto, "id", "") if proto is not None else ""
                if widget_id and hasattr(proto, "form_id"):
                    drawn[widget_id] = Widget(widget_id, field, proto, proto.form_id,
                                              msg.metadata.active_script_hash)
                    self.widget_scripts[widget_id] = msg.metadata.active_script_hash
            if field == "html" and (claim := _CLAIM.search(element.html.body)):
                self.claim_token = json.loads(claim.group(1))
        elif kind == "page_not_found":
            exceptions.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exceptions.append("compile error: " + msg.session_event.script_compilation_exception.message[:300])
        elif kind == "script_finished":
            return msg.script_finished
        return None

    # -- what a user does ----------------------------------------------------------------
    async def sign_in(self, user: str, password: str) -> RunResult:
        """Types the name and password into the sign-in form and presses its button: the form's
        widgets go in one run, as a browser submits a form."""
        inputs = [w for w in self.widgets.values() if w.kind == "text_input" and w.form_id]
        secret = [w for w in inputs if w.proto.type == w.proto.PASSWORD]
        names = [w for w in inputs if w.proto.type != w.proto.PASSWORD]
        buttons = [w for w in self.widgets.values() if w.kind == "button" and w.proto.is_form_submitter]
        if not (secret and names and buttons):
            raise RunFailed("no sign-in form on the page")
        typed = [text_state(names[0].id, user), text_state(secret[0].id, password)]
        press = WidgetState(id=buttons[0].id, trigger_value=True)
        result = await self.set_widgets(typed, [press])
        for state in typed:          # a form's inputs are not kept once the page moved on
            self.values.pop(state.id, None)
        if on_sign_in_form(result):
            raise RunFailed("still on the sign-in form after signing in")
        if self.claim_token:
            token, self.claim_token = self.claim_token, ""
            status = await asyncio.to_thread(self._http, "POST", CLAIM_PATH, token.encode("ascii"))
            if status != 204:
                raise RunFailed(f"claiming the session cookie answered HTTP {status}")
        self.signed_in = True
        return result

    def filter_change(self, rng: random.Random) -> WidgetState | None:
        """A new value for one filter the page shows (a select box, multiselect, radio, date
        or checkbox outside any form), or None when the page has none."""
        choices = [w for w in self.widgets.values() if not w.form_id and not getattr(w.proto, "disabled", False)
                   and w.kind in _CHANGERS]
        rng.shuffle(choices)
        for widget in choices:
            state = _CHANGERS[widget.kind](widget, rng)
            if state is not None:
                return state
        return None


def on_sign_in_form(result: RunResult) -> bool:
    """Whether the run drew the sign-in form (a password input): the viewer is signed out."""
    return any(w.kind == "text_input" and w.proto.type == w.proto.PASSWORD for w in result.widgets.values())


def text_state(widget_id: str, text: str) -> WidgetState:
    return WidgetState(id=widget_id, string_value=text)


def _pick_option(widget: Widget, rng: random.Random) -> WidgetState | None:
    options = list(widget.proto.options)
    if len(options) < 2:
        return None
    return WidgetState(id=widget.id, string_value=rng.choice(options))


def _pick_options(widget: Widget, rng: random.Random) -> WidgetState | None:
    options = list(widget.proto.options)
    if not options:
        return None
    state = WidgetState(id=widget.id)
    state.string_array_value.data.extend(rng.sample(options, rng.randint(0, min(2, len(options)))))
    return state


def _shift_dates(widget: Widget, rng: random.Random) -> WidgetState | None:
    proto = widget.proto
    if not proto.default:
        return None
    shift = dt.timedelta(days=rng.choice([-7, -3, -2, -1, 1]))
    low = dt.date.fromisoformat(proto.min.replace("/", "-")) if proto.min else dt.date.min
    high = dt.date.fromisoformat(proto.max.replace("/", "-")) if proto.max else dt.date.max
    days = [min(high, max(low, dt.date.fromisoformat(d.replace("/", "-")) + shift)) for d in proto.default]
    state = WidgetState(id=widget.id)
    state.string_array_value.data.extend(d.isoformat() for d in days)
    return state


def _toggle(widget: Widget, rng: random.Random) -> WidgetState:
    return WidgetState(id=widget.id, bool_value=not widget.proto.default)


_CHANGERS = {"selectbox": _pick_option, "radio": _pick_option, "multiselect": _pick_options,
             "date_input": _shift_dates, "checkbox": _toggle}
