"""The demo command of `python -m etl`: `demo` writes and loads a demo season, `demo --live`
keeps feeding the inbox. etl/__main__.py assembles it with the other packages' commands."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from core import settings

EXAMPLES = {
    "demo": "例：python -m etl demo --scale subdistrict --seed 2020   （--end 2020-05-31 重放2020年春季）"
            "\n例：python -m etl demo --live   （每 5 秒向 data/inbox 写入新的报警文件，处置随后跟进；"
            "无监视进程时本进程同时导入，打开看板即可观看）",
}


def add_parsers(command) -> None:
    p = command("demo", "生成演示原始文件并经同一读取流程导入")
    p.add_argument("--scale", choices=["subdistrict", "district", "city"], default="subdistrict")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--end", type=dt.date.fromisoformat, help="演示期最后一天（默认今天）")
    p.add_argument("--days", type=int, default=None, help="演示期天数（默认：街道、区 120 天，全市 540 天）")
    p.add_argument("--out", type=Path, help="演示文件目录（默认 data/demo/<scale>）")
    p.add_argument("--volume", type=float, default=1.0, help="数据量倍数（测试用小样本，如 0.2）")
    p.add_argument("--live", action="store_true", help="持续向收件箱写入新的报警（偶有工单）文件，供大屏实时观看")
    p.add_argument("--inbox", type=Path, help="--live 的收件箱（默认设置 watch.inbox_dir）")
    p.add_argument("--interval", type=float, default=5.0, help="--live 每隔多少秒写一个文件（默认 5）")


def demo(args, db: Path) -> int:
    if args.live:
        from core.localtime import log_in_local_time
        from demo.live import run_live
        log_in_local_time()
        inbox = args.inbox or settings.repo_path(settings.get("watch.inbox_dir"))
        return run_live(Path(inbox), db, interval=args.interval, seed=args.seed)
    from demo.load import run_demo
    return run_demo(args.scale, args.seed, args.end, args.days, args.out, db, args.volume)


COMMANDS = {"demo": demo}
