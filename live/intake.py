"""`python -m etl serve-alarms`: HTTP intake for alarm events from the alarm platform.

POST /alarms with one event or `{"events": [...]}` (docs/alarm-intake.md). The intake
never touches the database (one writer: the watcher): it validates the events, writes
them as a CSV with Chinese headers into the watched inbox (temporary name, fsync,
rename, fsync of the folder), and only then answers 202. A batch is all or nothing.
It runs on uvicorn (which comes with Streamlit): one event loop, so hundreds of
connections cost no thread each; the body is capped however its length is declared,
and a request that is not sent in full within the read timeout is answered 408 and
closed. Bound to 127.0.0.1 unless configured otherwise.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import secrets
import unicodedata
from pathlib import Path

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from etl.sources.alarms import ALARMS
from live.spool import ALARM_HEADERS, CLOCK_SKEW, SHANGHAI, atomic_write, csv_bytes, remove_stale_temp, unique_name

log = logging.getLogger("etl.intake")

REQUIRED = ("device_id", "alarm_type", "raised_at")
TIMES = ("raised_at", "handled_at")
MAX_BODY = 1024 * 1024
MAX_LENGTH = {"note": 500, "address": 200, "neighbourhood": 60, "handled_by": 60}
LABELS = {c.name: c.headers[0] for c in ALARMS.columns}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).replace(" ", "").lower()


# Per enumeration column: folded Chinese word or canonical code -> the Chinese word the
# reader knows (the reader matches Chinese words; codes would be unknown values).
ENUMS: dict[str, dict[str, str]] = {}
for _col in ALARMS.columns:
    if _col.enum:
        first_word = {}
        for _word, _value in _col.enum.items():
            first_word.setdefault(_value, _word)
        ENUMS[_col.name] = {**{_fold(w): w for w in _col.enum},
                            **{_fold(v): w for v, w in first_word.items()}}


class Invalid(ValueError):
    """A client error; the message is for the platform's operator, in Chinese."""


def parse_events(body: bytes, max_events: int) -> tuple[list[dict], list[str]]:
    """Body -> (clean events keyed by canonical name, ignored field names)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise Invalid("请求体 JSON 嵌套过深") from None
    except ValueError as exc:  # not UTF-8, not JSON, or a number too long to read
        raise Invalid(f"请求体不是有效的 UTF-8 JSON：{str(exc)[:200]}") from None
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
    elif isinstance(data, (dict, list)):
        events = [data] if isinstance(data, dict) else data
    else:
        raise Invalid("请求体应为一个报警事件对象，或 {\"events\": [...]}")
    if not isinstance(events, list) or not events:
        raise Invalid("events 应为非空数组")
    if len(events) > max_events:
        raise Invalid(f"一次最多 {max_events} 条事件，本次 {len(events)} 条，请分批发送")
    errors, clean, ignored = [], [], set()
    for i, event in enumerate(events, 1):
        try:
            if not isinstance(event, dict):
                raise Invalid("应为 JSON 对象")
            ignored |= set(event) - set(ALARM_HEADERS)
            clean.append(validate_event(event))
        except Invalid as exc:
            errors.append(f"第 {i} 条事件：{exc}")
    if errors:
        more = f"（另有 {len(errors) - 20} 处）" if len(errors) > 20 else ""
        raise Invalid("；".join(errors[:20]) + more)
    return clean, sorted(ignored)


def validate_event(event: dict) -> dict:
    """Checks one event against the alarms contract; returns canonical -> cell value.
    Null and empty values count as absent (they never blank a stored value)."""
    out: dict = {}
    for name in ALARM_HEADERS:
        value = event.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        label = f"{name}（{LABELS[name]}）"
        if name in TIMES:
            out[name] = _timestamp(value, label)
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            raise Invalid(f"{label} 应为字符串")
        elif name in ENUMS:
            word = ENUMS[name].get(_fold(str(value)))
            if word is None:
                raise Invalid(f"{label} 的取值“{str(value)[:20]}”不在可选范围内（可选：{_choices(name)}）")
            out[name] = word
        else:
            text = str(value).strip()
            limit = MAX_LENGTH.get(name, 64)
            if len(text) > limit:
                raise Invalid(f"{label} 超过 {limit} 个字符")
            if any(unicodedata.category(ch) == "Cc" for ch in text):
                if name in ("device_id", "alarm_id"):
                    raise Invalid(f"{label} 含有控制字符")
                text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
            out[name] = text
    missing = [f"{n}（{LABELS[n]}）" for n in REQUIRED if n not in out]
    if missing:
        raise Invalid("缺少必填字段：" + "、".join(missing))
    if out["raised_at"] > dt.datetime.now(SHANGHAI).replace(tzinfo=None) + CLOCK_SKEW:
        raise Invalid("raised_at（报警时间）晚于当前时间，请检查报警平台的时钟")
    if "handled_at" in out and out["handled_at"] < out["raised_at"]:
        raise Invalid("handled_at（处置时间）早于 raised_at（报警时间）")
    return out


def _timestamp(value, label: str) -> dt.datetime:
    """ISO 8601 (`2020-02-03 22:10:05`, `2020-02-03T22:10:05+08:00`, `…Z`) or Unix epoch
    seconds/milliseconds; zoned times are converted to Shanghai time."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value
            return dt.datetime.fromtimestamp(seconds, SHANGHAI).replace(tzinfo=None)
        text = str(value).strip().replace("/", "-")
        if len(text) <= 10:
            raise ValueError("no time")
        parsed = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        raise Invalid(f"{label} 无法识别为日期时间：“{str(value)[:30]}”（应如 2020-02-03 22:10:05）") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(SHANGHAI).replace(tzinfo=None)
    return parsed


def _choices(name: str) -> str:
    col = ALARMS.column(name)
    return "、".join(col.enum) + "，或 " + "、".join(dict.fromkeys(col.enum.values()))


def spool_events(inbox: Path, events: list[dict]) -> list[str]:
    """Writes the events durably into the inbox. Consecutive events with the same
    fields share a file; a file never carries a column some of its rows lack, since a
    blank cell would overwrite a stored value. Names sort in arrival order."""
    chunks: list[list[dict]] = []
    for event in events:
        if chunks and set(chunks[-1][0]) == set(event):
            chunks[-1].append(event)
        else:
            chunks.append([event])
    stem = unique_name("报警接入", "")
    names = []
    for i, chunk in enumerate(chunks, 1):
        name = f"{stem}_{i:02d}.csv" if len(chunks) > 1 else f"{stem}.csv"
        atomic_write(inbox, name, csv_bytes(ALARM_HEADERS, chunk))
        names.append(name)
    return names


def load_or_create_token(path: Path) -> str:
    path = Path(path).expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
        log.warning("已生成报警接收令牌，保存在 %s：请把其中的令牌交给报警平台（不要写进仓库）", path)
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < 16:
        raise ValueError(f"令牌文件 {path} 中的令牌太短（至少 16 个字符）")
    return token


class Refusal(Exception):
    """A request refused before its body was read in full: the answer closes the
    connection, so an unread rest of the body is never taken for the next request."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


UNKNOWN_ADDRESS = "未知地址；报警事件请 POST 到 /alarms"
TOO_LARGE = f"请求体超过 {MAX_BODY // 1024} KB，请分批发送"


def make_app(inbox: Path, token: str, max_events: int = 1000) -> Starlette:
    """The intake as an ASGI application: POST /alarms, GET /health."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    remove_stale_temp(inbox)
    secret = token.encode("utf-8")

    async def alarms(request: Request) -> JSONResponse:
        try:
            check_token(request.headers.get("authorization", ""), secret)
            body = await read_body(request)
        except Refusal as exc:
            extra = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
            return answer(exc.status, {"error": str(exc)}, {"Connection": "close", **extra})
        except ClientDisconnect:
            return answer(400, {"error": "请求体未发完连接即断开"}, {"Connection": "close"})
        try:
            events, ignored, files = await run_in_threadpool(accept, body, inbox, max_events)
        except Invalid as exc:
            return answer(400, {"error": str(exc)})
        except OSError as exc:
            log.error("报警事件写入收件箱失败：%s", exc.strerror or exc)
            return answer(503, {"error": "服务器暂时无法保存报警事件，请稍后重发"})
        log.info("接收报警事件 %d 条 → %s", len(events), "、".join(files))
        payload = {"accepted": len(events), "files": files}
        if ignored:
            payload["ignored_fields"] = ignored
        return answer(202, payload)

    async def health(request: Request) -> JSONResponse:
        return answer(200, {"status": "ok"})

    async def unknown(request: Request, exc: Exception) -> JSONResponse:
        return answer(404, {"error": UNKNOWN_ADDRESS}, {"Connection": "close"})

    return Starlette(routes=[Route("/alarms", alarms, methods=["POST"]), Route("/health", health, methods=["GET"])],
                     exception_handlers={404: unknown, 405: unknown})


def check_token(authorization: str, secret: bytes) -> None:
    given = authorization[7:].strip().encode("utf-8") if authorization.lower().startswith("bearer ") else b""
    if not given or not hmac.compare_digest(given, secret):
        raise Refusal(401, "令牌缺失或错误（请求头 Authorization: Bearer <令牌>）")


async def read_body(request: Request) -> bytes:
    """The body, never more than MAX_BODY bytes read whatever the headers claim: the
    length must be declared (or the body chunked), and what arrives is counted."""
    declared = request.headers.get("content-length")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if declared is None and not chunked:
        raise Refusal(411, "缺少 Content-Length 请求头")
    if declared is not None and not (declared.isascii() and declared.isdigit()):
        raise Refusal(400, "Content-Length 应为非负整数")
    if declared is not None and int(declared) > MAX_BODY:
        raise Refusal(413, TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refusal(413, TOO_LARGE)
    return bytes(body)


def accept(body: bytes, inbox: Path, max_events: int) -> tuple[list[dict], list[str], list[str]]:
    """Parses and spools a batch (in a worker thread: fsync blocks)."""
    events, ignored = parse_events(body, max_events)
    return events, ignored, spool_events(inbox, events)


def answer(status: int, payload: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=headers, media_type="application/json; charset=utf-8")


class IntakeProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a read deadline: a request (headers and body)
    must arrive in full within `read_timeout` seconds of the connection opening or of
    the previous answer on it; otherwise the client gets 408 and the connection is
    closed. uvicorn alone waits for the rest of a half-sent request for ever."""

    read_timeout = 10.0

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = None
        self._arm_deadline()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.SEND_BODY and self.conn.their_state is not h11.IDLE:
            self._disarm_deadline()  # the request is in: the answer may take its time

    def on_response_complete(self) -> None:
        self._arm_deadline()  # before super(): it may start a pipelined request at once
        super().on_response_complete()

    def connection_lost(self, exc) -> None:
        self._disarm_deadline()
        super().connection_lost(exc)

    def _arm_deadline(self) -> None:
        self._disarm_deadline()
        self._deadline = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def _disarm_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(TIMEOUT_ANSWER)
        log.warning("%s 的请求 %.0f 秒内未发完，已断开", (self.client or ("?",))[0], self.read_timeout)
        self.transport.close()


TIMEOUT_BODY = json.dumps({"error": "请求未在限定时间内发完"}, ensure_ascii=False).encode("utf-8")
TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json; charset=utf-8\r\n"
                  b"connection: close\r\ncontent-length: " + str(len(TIMEOUT_BODY)).encode() + b"\r\n\r\n"
                  + TIMEOUT_BODY)


def serve(inbox: Path, host: str, port: int, token: str, max_events: int = 1000,
          read_timeout: float = 10.0, max_connections: int = 1000) -> None:
    """Runs the intake on uvicorn until SIGTERM or Ctrl-C (both end it gracefully)."""
    app = make_app(inbox, token, max_events)
    protocol = type("Protocol", (IntakeProtocol,), {"read_timeout": float(read_timeout)})
    config = uvicorn.Config(app, host=host, port=port, http=protocol, ws="none", lifespan="off",
                            log_config=None, access_log=False, server_header=False,
                            limit_concurrency=max_connections, backlog=2048,
                            timeout_keep_alive=min(5, int(read_timeout)) or 1)
    log.info("报警接收服务：http://%s:%d/alarms → 收件箱 %s", host, port, inbox)
    uvicorn.Server(config).run()
