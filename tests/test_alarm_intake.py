"""`python -m etl serve-alarms` with `python -m etl watch` behind it, both as the
operator runs them: POSTed events are answered 202 once spooled and reach the
database through the watcher; a bad token is 401, an invalid event 400 with a reason
in Chinese, and nothing of a refused batch is spooled. Then the intake alone under
load and against malformed requests: 200 concurrent POSTs, half-sent requests, lying
or missing lengths, deeply nested JSON."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from live.intake import Invalid, parse_events, spool_events
from live_helpers import free_port, inbox_files, scalar, wait_for

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "test-intake-token-0123456789"


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake")
    inbox, db, token_file = root / "inbox", root / "db" / "board.duckdb", root / "intake.token"
    token_file.write_text(TOKEN + "\n")
    port = free_port()
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-m", "etl", *args, "--db", str(db)], cwd=REPO_ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
             for args in (["serve-alarms", "--inbox", str(inbox), "--port", str(port), "--token-file", str(token_file)],
                          ["watch", str(inbox), "--poll", "0.1", "--no-notify"])]
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _health(url), timeout=20)
    yield {"url": url + "/alarms", "db": db, "inbox": inbox}
    for proc in procs:  # what a service manager sends (SIGINT is ignored under `cmd &`)
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.communicate(timeout=20)


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def post(url: str, body, token: str | None = TOKEN) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def now_text(minutes_ago: float = 0) -> str:
    from live.spool import local_now
    return (local_now() - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M:%S")


def status_of(db, alarm_id):
    return scalar(db, "SELECT status FROM alarms WHERE alarm_id = ?", [alarm_id])


def test_events_are_accepted_and_reach_the_database(services):
    url, db = services["url"], services["db"]
    raised = now_text(3)
    status, answer = post(url, {"alarm_id": "P1", "device_id": "MC201", "device_type": "门磁",
                                "alarm_type": "door_open", "raised_at": raised, "neighbourhood": "八一居民区",
                                "address": "浦三路1弄5号302室", "vendor_field": 1})
    assert status == 202 and answer["accepted"] == 1 and answer["ignored_fields"] == ["vendor_field"]
    wait_for(lambda: status_of(db, "P1") == "open", timeout=10)
    assert scalar(db, "SELECT room FROM alarms WHERE alarm_id = 'P1'") == "302室"

    # A batch: a new alarm (ISO time with zone, epoch ms) and the handling of P1, which
    # names no address: the stored address must stay (no blank column in the spool).
    epoch_ms = int((dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).timestamp() * 1000)
    status, answer = post(url, {"events": [
        {"alarm_id": "P2", "device_id": "KS202", "alarm_type": "门铃", "raised_at": epoch_ms, "status": "未处置"},
        {"alarm_id": "P1", "device_id": "MC201", "alarm_type": "开门", "raised_at": raised, "status": "handled",
         "handled_at": now_text(1), "handled_by": "陈敏", "note": "已电话联系住户13812345678"}]})
    assert status == 202 and answer["accepted"] == 2 and len(answer["files"]) == 2
    wait_for(lambda: status_of(db, "P1") == "handled" and status_of(db, "P2") == "open", timeout=10)
    row = scalar(db, "SELECT [address, neighbourhood, handled_by_masked, note] FROM alarms WHERE alarm_id = 'P1'")
    assert row == ["浦三路1弄5号", "八一居民区", "陈*", "已电话联系住户138****5678"]
    wait_for(lambda: inbox_files(services["inbox"]) == [], timeout=10)


def test_bad_token_is_401(services):
    body = {"device_id": "MC1", "alarm_type": "开门", "raised_at": now_text()}
    assert post(services["url"], body, token="wrong-token-wrong-token")[0] == 401
    status, answer = post(services["url"], body, token=None)
    assert status == 401 and "令牌" in answer["error"]


@pytest.mark.parametrize("event, reason", [
    ({"device_id": "MC1", "alarm_type": "开门"}, "缺少必填字段：raised_at（报警时间）"),
    ({"device_id": "MC1", "alarm_type": "温度异常", "raised_at": "2020-02-03 10:00"}, "报警类型"),
    ({"device_id": "MC1", "alarm_type": "开门", "raised_at": "2月3日"}, "无法识别为日期时间"),
    ({"device_id": "MC1", "alarm_type": "开门", "raised_at": "2202-02-03 10:00"}, "晚于当前时间"),
    ({"device_id": "MC1", "alarm_type": "开门", "raised_at": "2020-02-03 10:00",
      "handled_at": "2020-02-03 09:00"}, "早于"),
])
def test_invalid_event_is_400_with_reason(services, event, reason):
    before = inbox_files(services["inbox"])
    status, answer = post(services["url"], {"events": [
        {"device_id": "MC9", "alarm_type": "开门", "raised_at": "2020-02-03 10:00"}, event]})
    assert status == 400
    assert answer["error"].startswith("第 2 条事件：") and reason in answer["error"]
    assert inbox_files(services["inbox"]) == before  # all or nothing


def test_malformed_bodies(services):
    assert post(services["url"], b"{not json")[0] == 400
    assert post(services["url"], {"events": []})[0] == 400
    assert post(services["url"].replace("/alarms", "/other"), {})[0] == 404


def test_spool_keeps_arrival_order_and_only_present_columns(tmp_path):
    events, ignored = parse_events(json.dumps([
        {"device_id": "MC1", "alarm_type": "door_open", "raised_at": "2020-02-03T22:10:00+08:00",
         "address": "浦三路1弄5号302室", "status": "OPEN"},
        {"device_id": "MC1", "alarm_type": "door_open", "raised_at": "2020-02-03 22:10:00", "status": "已处置",
         "handled_at": "2020-02-03T14:20:00Z"}]).encode(), 10)
    names = spool_events(tmp_path, events)
    assert names == sorted(names) and len(names) == 2
    first, second = [(tmp_path / n).read_text(encoding="utf-8").splitlines() for n in names]
    assert first == ["设备编号,报警类型,报警时间,地址,处置状态", "MC1,开门,2020-02-03 22:10:00,浦三路1弄5号302室,未处置"]
    assert second == ["设备编号,报警类型,报警时间,处置状态,处置时间",
                      "MC1,开门,2020-02-03 22:10:00,已处置,2020-02-03 22:20:00"]
    with pytest.raises(Invalid, match="一次最多 1 条"):
        parse_events(json.dumps({"events": [{}, {}]}).encode(), 1)


# The intake under load and under attack: a server of its own, with a short
# read timeout so that a half-sent request is seen closed within the test.
READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake-alone")
    token_file = root / "intake.token"
    token_file.write_text(TOKEN + "\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "etl", "serve-alarms", "--inbox", str(root / "inbox"),
                             "--port", str(port), "--token-file", str(token_file),
                             "--read-timeout", str(READ_TIMEOUT), "--db", str(root / "board.duckdb")],
                            cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: _health(f"http://127.0.0.1:{port}"), timeout=20)
    yield {"port": port, "inbox": root / "inbox"}
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)


def raw_request(port: int, head: str, body: bytes = b"", wait: float = 10.0) -> tuple[int | None, float]:
    """Sends bytes as they are (no client library to fix the headers up) and returns
    (status of the answer or None when closed without one, seconds until closed)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode("ascii") + body)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if _complete(received):
                    break
        except socket.timeout:
            return None, wait
    status = int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/1.1 ") else None
    return status, time.monotonic() - t0


def _complete(received: bytes) -> bool:
    head, sep, body = received.partition(b"\r\n\r\n")
    if not sep:
        return False
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    return bool(lengths) and len(body) >= int(lengths[0])


def post_head(length_line: str = "", extra: str = "", token: str = TOKEN) -> str:
    return (f"POST /alarms HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer {token}\n"
            f"Content-Type: application/json\n{length_line}{extra}\n")


def event_bytes(device: str = "MC1") -> bytes:
    return json.dumps({"device_id": device, "alarm_type": "开门", "raised_at": now_text()}).encode()


def test_200_concurrent_posts_are_all_answered(intake):
    """200 clients connect and post at the same moment, each allowed 10 s: with a listen
    backlog of 5 and a thread per connection many of these went unanswered."""
    start = threading.Barrier(200)

    def client(i: int) -> int | None:
        body = event_bytes(f"LOAD{i:03d}")
        start.wait()
        try:
            return raw_request(intake["port"], post_head(f"Content-Length: {len(body)}\n"), body, wait=10)[0]
        except OSError:
            return None

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(client, range(200)))
    assert statuses == [202] * 200
    spooled = "".join(p.read_text(encoding="utf-8") for p in intake["inbox"].glob("报警接入_*.csv"))
    assert sorted(line.split(",")[0] for line in spooled.splitlines() if line.startswith("LOAD")) == \
        [f"LOAD{i:03d}" for i in range(200)]


@pytest.mark.parametrize("head, body", [
    ("POST /alarms HTTP/1.1\nHost: 127.0.0.1\nContent-Le", b""),            # headers cut short
    (post_head("Content-Length: 100\n"), b'{"device_id": "MC'),              # body cut short
], ids=["headers", "body"])
def test_half_sent_request_is_closed_within_the_timeout(intake, head, body):
    status, seconds = raw_request(intake["port"], head, body, wait=READ_TIMEOUT + 5)
    assert status == 408 and READ_TIMEOUT - 0.2 < seconds < READ_TIMEOUT + 3


@pytest.mark.parametrize("length_line, extra, status", [
    ("Content-Length: -1\n", "", 400),                                   # negative
    ("", "", 411),                                                       # missing
    ("Content-Length: 2000000\n", "", 413),                              # declared too long
    ("", "Transfer-Encoding: chunked\n", 413),                           # chunked past the cap
], ids=["negative", "missing", "too-long", "chunked"])
def test_body_limit_cannot_be_bypassed(intake, length_line, extra, status):
    chunk = b"[" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20 + b"0\r\n\r\n" if extra else event_bytes() * 3
    assert raw_request(intake["port"], post_head(length_line, extra), body)[0] == status


def test_a_short_length_reads_only_what_it_declares(intake):
    """A body longer than its length: the rest is not read as a body (nor as a request)."""
    body = event_bytes()
    assert raw_request(intake["port"], post_head(f"Content-Length: {len(body) - 5}\n"), body)[0] == 400


def test_deeply_nested_json_is_400(intake):
    body = b"[" * 200_000 + b"]" * 200_000
    status, _ = raw_request(intake["port"], post_head(f"Content-Length: {len(body)}\n"), body)
    assert status == 400
    body = b'{"events": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001
    status, _ = raw_request(intake["port"], post_head(f"Content-Length: {len(body)}\n"), body)
    assert status == 400


@pytest.mark.parametrize("body", [
    b"", b"null", b"1", b'"text"', b"[]", b"[1]", b"[[]]", b'{"events": {}}', b'{"events": [null]}',
    b'{"events": "x"}', b"1" * 5000, b'{"device_id": ' + b"9" * 5000 + b"}", b"\xff\xfe",
    b'{"device_id": {"a": 1}, "alarm_type": "\xe5\xbc\x80\xe9\x97\xa8", "raised_at": NaN}',
    b'{"device_id": "MC1", "alarm_type": "door_open", "raised_at": 1e400}',
    b'{"device_id": "MC1", "alarm_type": ["door_open"], "raised_at": "2020-02-03 10:00"}',
])
def test_bad_json_of_any_shape_is_invalid(body):
    with pytest.raises(Invalid):
        parse_events(body, 10)
