"""`python -m etl …`: the operator's commands (data-contract.md, "Command line")."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from live import cli as cli_live
from ops import cli as cli_ops
from . import cli_topics
from core import settings
from .store import SchemaTooNew

EXAMPLES = {
    "load": "例：python -m etl load hotline data/inbox/12345工单_20200203.xlsx --db data/board.duckdb",
    "ingest": "例：python -m etl ingest data/inbox   （按表头自动识别每个新文件的类别并导入）",
    "demo": "例：python -m etl demo --scale subdistrict --seed 2020   （--end 2020-05-31 重放2020年春季）",
    "rederive": "例：python -m etl rederive   （修改25问目录或设置后，重新分类工单、重算办理时限）",
    "status": "例：python -m etl status",
    "settings": "例：python -m etl settings --markdown   （打印设置表）",
    "users": "例：python -m etl users add 张三 --role neighbourhood --neighbourhood 八一；"
             "python -m etl users reset-password 张三；python -m etl users list",
    "brief": "例：python -m etl brief --date 2020-02-10 --out 日报/   （默认统计日为昨天）",
}

EXAMPLES.update(cli_live.EXAMPLES)
EXAMPLES.update(cli_ops.EXAMPLES)
EXAMPLES.update(cli_topics.EXAMPLES)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="一屏观数据导入工具")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--db", type=Path, help="数据库路径（默认 data/board.duckdb，或环境变量 BOARD_DB）")
        return p

    p = command("load", "导入一个或多个同类原始文件（CSV/TXT/XLSX/XLS）")
    p.add_argument("source", choices=["hotline", "roster", "alarms", "enterprises"])
    p.add_argument("files", nargs="+", type=Path)
    p = command("ingest", "导入文件夹中的新文件，类别由表头识别")
    p.add_argument("folder", type=Path)
    p = command("demo", "生成演示原始文件并经同一读取流程导入")
    p.add_argument("--scale", choices=["subdistrict", "district", "city"], default="subdistrict")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--end", type=dt.date.fromisoformat, help="演示期最后一天（默认今天）")
    p.add_argument("--days", type=int, default=None, help="演示期天数（默认：街道、区 120 天，全市 540 天）")
    p.add_argument("--out", type=Path, help="演示文件目录（默认 data/demo/<scale>）")
    p.add_argument("--volume", type=float, default=1.0, help="数据量倍数（测试用小样本，如 0.2）")
    cli_live.add_demo_arguments(p)
    command("rederive", "按当前目录与设置重算派生字段（话题、办理时限、居民区）")
    command("status", "各数据源最近导入、行数、拒收与警告")
    p = command("brief", "生成防控例会日报（Excel 工作簿与可打印的 HTML）")
    p.add_argument("--date", type=dt.date.fromisoformat, help="统计日（默认昨天；重放历史数据时为最后一天的前一天）")
    p.add_argument("--out", type=Path, default=Path("."), help="输出目录（默认当前目录）")
    p.add_argument("--now", type=dt.datetime.fromisoformat,
                   help="回放：以此时刻为“现在”（如 2020-02-25T07:30，重做当天早上的日报），日报标注“回放”")
    p = command("users", "看板用户：添加、重置密码、列出（角色 leader / staff / neighbourhood）")
    p.add_argument("action", choices=["add", "reset-password", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["leader", "staff", "neighbourhood"])
    p.add_argument("--neighbourhood", action="append", default=[], help="居委角色的居民区（名称或代码，可多次）")
    p.add_argument("--password", help="不给则交互输入（避免出现在命令历史中）")
    cli_live.add_parsers(command)
    cli_ops.add_parsers(command)
    cli_topics.add_parsers(command)
    p = command("settings", "打印设置表（名称、默认值、说明）")
    p.add_argument("--markdown", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = args.db or settings.db_path()
    try:
        return COMMANDS[args.command](args, Path(db))
    except KeyboardInterrupt:
        print("已中断：数据库保持导入前的状态", file=sys.stderr)
        return 130
    except (OSError, SchemaTooNew) as exc:
        # The database or the machine (locked, damaged, too new, disk full), not a bug in
        # a file: one line that says what to do, no traceback; the database is unchanged.
        print(f"错误：{exc}", file=sys.stderr)
        return 2


def _load(args, db: Path) -> int:
    from .load import LoadOptions, load_files
    missing = [str(f) for f in args.files if not f.exists()]
    if missing:
        print(f"错误：文件不存在：{'、'.join(missing)}", file=sys.stderr)
        return 2
    options = LoadOptions(progress=len(args.files) > 3 and sys.stderr.isatty())
    results = load_files(args.source, args.files, db, options)
    return _report(results, options.notes)


def _ingest(args, db: Path) -> int:
    from .load import LoadOptions, ingest_order, load_files
    files = [p for p in args.folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))]
    if not files:
        print(f"{args.folder} 中没有文件")
        return 0
    ordered = ingest_order(files)
    options = LoadOptions(progress=sys.stderr.isatty())
    results = load_files(None, [p for _, p in ordered], db, options)
    return _report(results, options.notes)


def _report(results, notes) -> int:
    for note in dict.fromkeys(notes):
        print(f"提示：{note}")
    for r in results:
        print(r.line(), file=sys.stderr if r.status == "refused" else sys.stdout)
    return 1 if any(r.status == "refused" for r in results) else 0


def _demo(args, db: Path) -> int:
    if args.live:
        return cli_live.demo_live(args, db)
    from demo.load import run_demo
    return run_demo(args.scale, args.seed, args.end, args.days, args.out, db, args.volume)


def _rederive(args, db: Path) -> int:
    from .rederive import rederive
    for line in rederive(db):
        print(line)
    return 0


def _status(args, db: Path) -> int:
    from ops.status import status_lines
    for line in status_lines(db):
        print(line)
    return 0


def _settings(args, db: Path) -> int:
    if args.markdown:
        print("| 名称 | 默认值 | 说明 |\n|---|---|---|")
    for s in settings.SETTINGS:
        if args.markdown:
            print(f"| `{s.name}` | `{s.default}` | {s.help} |")
        else:
            print(f"{s.name} = {s.default!r}    # {s.help}")
    return 0


def _brief(args, db: Path) -> int:
    from boardkit.brief import write_brief
    from boardkit.db import NoDatabase, check_ready, current_generation
    try:
        gen = current_generation(db)
        check_ready(gen)
    except NoDatabase as exc:
        print(f"错误：{exc}先运行 python -m etl demo 或 python -m etl ingest <文件夹>", file=sys.stderr)
        return 2
    for path in write_brief(gen, args.out, args.date, replay_at=args.now):
        print(f"已生成 {path}")
    return 0


def _users(args, db: Path) -> int:
    import getpass

    from core import users
    if args.action == "list":
        for user in users.load_users().values():
            print(f"{user.name}\t{user.role}\t{','.join(user.neighbourhoods)}")
        return 0
    if not args.name:
        print("错误：请给出用户名", file=sys.stderr)
        return 2
    password = args.password or getpass.getpass("新密码：")
    try:
        if args.action == "add":
            codes = tuple(_neighbourhood_codes(args.neighbourhood))
            users.add_user(args.name, args.role or "staff", password, codes)
        else:
            users.reset_password(args.name, password)
    except (ValueError, KeyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"已保存用户 {args.name}（{settings.users_file()}）")
    return 0


def _neighbourhood_codes(names: list[str]) -> list[str]:
    from .reference import load_pack, name_key
    by_key = dict(load_pack().alias_rows())
    codes = []
    for name in names:
        if name_key(name) not in by_key:
            raise ValueError(f"参考数据中没有居民区“{name}”")
        codes.append(by_key[name_key(name)])
    return codes


COMMANDS = {"users": _users, "brief": _brief, "load": _load, "ingest": _ingest, "demo": _demo, "rederive": _rederive,
            "status": _status, "settings": _settings}
COMMANDS.update(cli_live.COMMANDS)
COMMANDS.update(cli_ops.COMMANDS)
COMMANDS.update(cli_topics.COMMANDS)
