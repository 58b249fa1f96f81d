"""Group-robot webhooks: where each neighbourhood's notices go, and how one is sent.

`notify.toml` in the reference pack (setting `notify.config_file`) maps neighbourhoods
to robot URLs; without it nothing is sent. WeCom (and the government edition of WeChat
on closed networks, same API) and DingTalk both take a markdown message:

    WeCom:    {"msgtype": "markdown", "markdown": {"content": TEXT}}
    DingTalk: {"msgtype": "markdown", "markdown": {"title": TITLE, "text": TEXT}}

and answer HTTP 200 with {"errcode": 0} on success, a non-zero errcode otherwise.
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

from . import settings
from .reference import name_key


@dataclass(frozen=True)
class Target:
    key: str        # the neighbourhood (or "*") it was configured under
    url: str
    channel: str    # wecom / dingtalk
    secret: str = ""  # DingTalk "加签" secret, optional


@dataclass
class NotifyConfig:
    targets: dict[str, Target] = field(default_factory=dict)  # name_key / code / "*" -> target

    @property
    def enabled(self) -> bool:
        return bool(self.targets)

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
        targets = {}
        for name, value in (data.get("webhooks") or {}).items():
            entry = {"url": value} if isinstance(value, str) else dict(value)
            url = str(entry.get("url", "")).strip()
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{path}：居民区“{name}”的群机器人地址应以 http:// 或 https:// 开头")
            channel = entry.get("format") or ("dingtalk" if "dingtalk" in url else "wecom")
            if channel not in ("wecom", "dingtalk"):
                raise ValueError(f"{path}：居民区“{name}”的 format 应为 wecom 或 dingtalk")
            key = name if name == "*" or name.isdigit() else name_key(name)
            targets[key] = Target(key, url, channel, str(entry.get("secret", "")))
        return cls(targets)


def config_path() -> Path:
    path = Path(settings.get("notify.config_file")).expanduser()
    return path if path.is_absolute() else settings.reference_dir() / path


def payload(channel: str, title: str, text: str) -> dict:
    if channel == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def post(target: Target, body: dict, timeout: float) -> tuple[bool, int | None, str]:
    """One webhook call -> (ok, HTTP status, error). Both robots answer 200 with
    {"errcode": 0} on success and a non-zero errcode (e.g. rate limit) otherwise."""
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
        return False, exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, None, f"连接失败：{str(reason)[:120]}"
    try:
        answer = json.loads(text or b"{}")
    except ValueError:
        answer = {}
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if errcode:
        return False, status, f"errcode {errcode}：{str(answer.get('errmsg', ''))[:80]}"
    return True, status, ""
