"""Group-robot webhooks: where each neighbourhood's notices go, and how one is sent.

`notify.toml` in the reference pack (setting `notify.config_file`) maps neighbourhoods
to robot URLs; without it nothing is sent. WeCom (and the government edition of WeChat
on closed networks, same API) and DingTalk both take a markdown message:

    WeCom:    {"msgtype": "markdown", "markdown": {"content": TEXT}}
    DingTalk: {"msgtype": "markdown", "markdown": {"title": TITLE, "text": TEXT}}

and answer HTTP 200 with {"errcode": 0} on success, a non-zero errcode otherwise.

Each robot takes about 20 messages a minute. Past that, WeCom answers errcode 45009
("api freq out of limit") and DingTalk errcode 130101 ("send too fast, exceed 20 times
per minute") or HTTP 429, and DingTalk then refuses the robot for 10 minutes. So each
target carries a sending rate (`[limits]` in notify.toml, or per robot), and `post` tells
such a refusal apart from a failure: the notifier pauses the robot, it does not count
the refusal against the message.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core import settings
from etl.reference import name_key


# Refusals for sending too fast: WeCom's errcode 45009, DingTalk's 130101 (and HTTP 429).
RATE_LIMIT_ERRCODES = {45009, 130101}
# Below the robots' 20 a minute in any 60 seconds: a full bucket (BURST) plus a minute's refill.
PER_MINUTE = 15.0
BURST = 5


@dataclass(frozen=True)
class Target:
    key: str        # the neighbourhood (or "*") it was configured under
    url: str
    channel: str    # wecom / dingtalk
    secret: str = ""  # DingTalk "加签" secret, optional
    per_minute: float = PER_MINUTE  # messages this robot is sent per minute at most, on average
    burst: int = BURST              # and at most this many at once

    @property
    def robot(self) -> str:
        """Names the robot in the notification log without its URL (which carries its key);
        neighbourhoods configured with one URL share one robot and so one rate."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None   # HTTP status, None when there was no answer
    error: str = ""
    refused: bool = False  # the robot refused for sending too fast: try again after a pause
    retry_after: float | None = None  # seconds, when the robot said so


# The key under which the leaders' group robot (notify.toml's [leaders]) is named in the
# notification log; "@" cannot begin a neighbourhood's name key.
LEADERS = "@leaders"


@dataclass
class NotifyConfig:
    targets: dict[str, Target] = field(default_factory=dict)  # name_key / code / "*" -> target
    leaders: Target | None = None   # the leaders' group: the daily brief's summary

    @property
    def enabled(self) -> bool:
        return bool(self.targets) or self.leaders is not None

    def target(self, key: str) -> Target | None:
        """The robot a notice was queued for, by the key the log keeps."""
        return self.leaders if key == LEADERS else self.targets.get(key)

    def target_for(self, neighbourhood: str | None, code: str | None) -> Target | None:
        for key in (code, name_key(neighbourhood) if neighbourhood else None, "*"):
            if key and key in self.targets:
                return self.targets[key]
        return None

    @classmethod
    def load(cls, path: Path | None = None) -> "NotifyConfig":
        path = Path(path) if path else config_path()
        if not path.exists():
            return cls()
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        defaults = _limits(data.get("limits") or {}, path, "[limits]", {"per_minute": PER_MINUTE, "burst": BURST})
        targets = {}
        for name, value in (data.get("webhooks") or {}).items():
            key = name if name == "*" or name.isdigit() else name_key(name)
            targets[key] = _target(key, value, path, f"居民区“{name}”", defaults)
        leaders = data.get("leaders")
        return cls(targets, _target(LEADERS, leaders, path, "领导群 [leaders] ", defaults) if leaders else None)


def _target(key: str, value, path: Path, where: str, defaults: dict) -> Target:
    """A robot from a URL string or a table {url, format, secret, per_minute, burst}."""
    entry = {"url": value} if isinstance(value, str) else dict(value)
    url = str(entry.get("url", "")).strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{path}：{where}的群机器人地址应以 http:// 或 https:// 开头")
    channel = entry.get("format") or ("dingtalk" if "dingtalk" in url else "wecom")
    if channel not in ("wecom", "dingtalk"):
        raise ValueError(f"{path}：{where}的 format 应为 wecom 或 dingtalk")
    return Target(key, url, channel, str(entry.get("secret", "")), **_limits(entry, path, where, defaults))


def _limits(table: dict, path: Path, where: str, defaults: dict) -> dict:
    """per_minute (> 0) and burst (>= 1) from a table, else the defaults."""
    try:
        per_minute = float(table.get("per_minute", defaults["per_minute"]))
        burst = int(table.get("burst", defaults["burst"]))
    except (TypeError, ValueError):
        per_minute = burst = 0
    if per_minute <= 0 or burst < 1:
        raise ValueError(f"{path}：{where}的 per_minute 应为正数，burst 应为不小于 1 的整数")
    return {"per_minute": per_minute, "burst": burst}


def config_path() -> Path:
    path = Path(settings.get("notify.config_file")).expanduser()
    return path if path.is_absolute() else settings.reference_dir() / path


def payload(channel: str, title: str, text: str) -> dict:
    if channel == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def post(target: Target, body: dict, timeout: float) -> Delivery:
    """One webhook call. Both robots answer 200 with {"errcode": 0} on success and a
    non-zero errcode otherwise; a refusal for sending too fast is marked as such."""
    url = target.url
    if target.channel == "dingtalk" and target.secret:
        stamp = str(int(time.time() * 1000))
        digest = hmac.new(target.secret.encode(), f"{stamp}\n{target.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read(4096)
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            return Delivery(False, 429, "HTTP 429：发送过快，机器人暂停接收", True, _seconds(exc.headers.get("Retry-After")))
        return Delivery(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Delivery(False, None, f"连接失败：{str(reason)[:120]}")
    try:
        answer = json.loads(text or b"{}")
    except ValueError:
        answer = {}
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if errcode:
        error = f"errcode {errcode}：{str(answer.get('errmsg', ''))[:80]}"
        return Delivery(False, status, error, errcode in RATE_LIMIT_ERRCODES)
    return Delivery(True, status)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the notifier's own pause applies
