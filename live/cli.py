"""The near-real-time commands of `python -m etl`: watch, serve-alarms, notify.
etl/__main__.py assembles them with the other packages' commands."""
from __future__ import annotations

import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from core import settings
from core.localtime import log_in_local_time

EXAMPLES = {
    "watch": "例：python -m etl watch data/inbox   （新文件写完 2 秒内导入；已导入的移到 data/archive/日期/，"
             "拒收的移到 data/refused/ 并附 .reason.txt；配置了群机器人时同时发送报警提醒）",
    "serve-alarms": "例：python -m etl serve-alarms --port 8765   （报警平台以 JSON POST 到 "
                    "http://127.0.0.1:8765/alarms，请求头 Authorization: Bearer <令牌>；格式见 docs/alarm-intake.md）",
    "notify": "例：python -m etl notify --loop   （按 data/reference/notify.toml 向居民区群机器人发送报警提醒与超时升级）；"
              "python -m etl notify --test 八一居民区   （发一条测试消息）",
}


def add_parsers(command) -> None:
    p = command("watch", "监视收件箱：新文件写完即导入，已导入的归档，拒收的移入 refused 并写明原因")
    p.add_argument("folder", type=Path, nargs="?", help="收件箱目录（默认设置 watch.inbox_dir：data/inbox）")
    p.add_argument("--archive", type=Path, help="归档目录（默认收件箱旁的 archive）")
    p.add_argument("--refused", type=Path, help="拒收目录（默认收件箱旁的 refused）")
    p.add_argument("--poll", type=float, help="扫描间隔秒数（默认设置 watch.poll_seconds）")
    p.add_argument("--stable", type=float, help="文件大小不变多少秒算写完（默认设置 watch.stable_seconds）")
    p.add_argument("--no-notify", action="store_true", help="不发送群机器人提醒")
    p.add_argument("--notify-config", type=Path, help="群机器人配置文件（默认参考数据包的 notify.toml）")
    p = command("serve-alarms", "报警接收服务：接收报警平台 POST 的 JSON 报警事件，落盘到收件箱后答复 202")
    p.add_argument("--inbox", type=Path, help="收件箱目录（默认设置 watch.inbox_dir）")
    p.add_argument("--host", help="监听地址（默认 127.0.0.1，只接受本机连接）")
    p.add_argument("--port", type=int, help="端口（默认设置 intake.port：8765）")
    p.add_argument("--token-file", type=Path, help="共享令牌文件（默认设置 intake.token_file，不存在则生成）")
    p.add_argument("--read-timeout", type=float,
                   help="一个请求须在此秒数内发完，否则答复 408 并断开（默认设置 intake.read_timeout_seconds：10）")
    p = command("notify", "向居民区群机器人（企业微信/政务微信、钉钉）发送报警提醒与超时升级")
    p.add_argument("--loop", action="store_true", help="持续运行（否则检查一次、发完重试后退出）")
    p.add_argument("--config", type=Path, help="群机器人配置文件（默认参考数据包的 notify.toml）")
    p.add_argument("--test", metavar="居民区", help="向该居民区的群机器人发一条测试消息")


def _stop_on_sigterm(stop) -> None:
    """SIGTERM (systemd, docker stop) ends the loop between two scans, not mid-load."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop())


def watch(args, db: Path) -> int:
    from live.notify import start_notifier
    from live.watch import InboxBusy, WatchConfig, Watcher
    log_in_local_time()
    overrides = {k: v for k, v in (("poll_seconds", args.poll), ("stable_seconds", args.stable)) if v is not None}
    config = WatchConfig.from_settings(args.folder, db, args.archive, args.refused, **overrides)
    with ExitStack() as stack:
        loop = None if args.no_notify else start_notifier(db, stack, args.notify_config)

        def after_load(results):
            if loop and any(r.source == "alarms" and r.status == "loaded" for r in results):
                loop.wake()

        watcher = Watcher(config, on_batch=after_load)
        _stop_on_sigterm(watcher.stop_event.set)
        try:
            watcher.run()
        except InboxBusy as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
    return 0


def serve_alarms(args, db: Path) -> int:
    from live.intake import load_or_create_token, serve
    log_in_local_time()
    inbox = args.inbox or settings.repo_path(settings.get("watch.inbox_dir"))
    token = load_or_create_token(args.token_file or Path(settings.get("intake.token_file")))
    serve(inbox, args.host or settings.get("intake.host"), args.port or int(settings.get("intake.port")),
          token, int(settings.get("intake.max_events")),
          read_timeout=args.read_timeout or float(settings.get("intake.read_timeout_seconds")))
    return 0


def notify(args, db: Path) -> int:
    from live.notify import Notifier, NotifierBusy, NotifierLoop, notifier_lock
    from core.notify_log import log_path
    from live.webhook import NotifyConfig, payload, post
    log_in_local_time()
    config = NotifyConfig.load(args.config)
    if not config.enabled:
        print("未配置群机器人：在参考数据包的 notify.toml 中填写各居民区的地址（见 docs/alarm-intake.md）")
        return 0
    if args.test:
        target = config.target_for(args.test, args.test)
        if target is None:
            print(f"错误：notify.toml 中没有“{args.test}”的群机器人（也没有默认 \"*\"）", file=sys.stderr)
            return 2
        text = f"### 一屏观测试消息\n> 居民区：{args.test}\n> 群机器人配置正确，门磁报警提醒将发到本群"
        sent = post(target, payload(target.channel, "一屏观测试消息", text), 10.0)
        print("测试消息已送达" if sent.ok else f"发送失败：{sent.error or sent.status}")
        return 0 if sent.ok else 1
    try:
        with notifier_lock(log_path(db)):
            notifier = Notifier(db, config)
            try:
                if args.loop:
                    loop = NotifierLoop(notifier)
                    _stop_on_sigterm(loop.stop)
                    loop.run()
                else:
                    print(f"已送达 {notifier.drain()} 条提醒")
                    if notifier.next_due_in() is not None:
                        print("另有提醒待发（等群机器人的发送额度或重试），留在提醒记录中，下次运行或 --loop 时发送")
            finally:
                notifier.close()
    except NotifierBusy as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


COMMANDS = {"watch": watch, "serve-alarms": serve_alarms, "notify": notify}
