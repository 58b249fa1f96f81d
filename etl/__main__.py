"""`python -m etl …`: the operator's commands (data-contract.md, "Command line"), assembled
from the command modules of the pipeline, the live services, operations and the demo. The
one module that imports them all."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import settings
from core.private import keep_private
from demo import cli as demo_cli
from etl import cli as etl_cli
from etl.store import SchemaTooNew
from live import cli as live_cli
from ops import cli as ops_cli

COMMAND_MODULES = (etl_cli, demo_cli, ops_cli, live_cli)
EXAMPLES = {name: text for module in COMMAND_MODULES for name, text in module.EXAMPLES.items()}
COMMANDS = {name: run for module in COMMAND_MODULES for name, run in module.COMMANDS.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="一屏观数据导入工具")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--db", type=Path, help="数据库路径（默认 data/board.duckdb，或环境变量 BOARD_DB）")
        return p

    for module in COMMAND_MODULES:
        module.add_parsers(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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


if __name__ == "__main__":
    keep_private()
    raise SystemExit(main())
