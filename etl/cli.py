"""The pipeline's commands of `python -m etl` (data-contract.md, "Command line"): load, ingest,
rederive, the topic model, users and settings. etl/__main__.py assembles them with the live,
operations and demo commands."""
from __future__ import annotations

import sys
from pathlib import Path

from core import settings
from core.users import ROLES
from etl.sources import BOARD_ORDER

EXAMPLES = {
    "load": "例：python -m etl load hotline data/inbox/12345工单_20200203.xlsx --db data/board.duckdb",
    "ingest": "例：python -m etl ingest data/inbox   （按表头自动识别每个新文件的类别并导入）",
    "rederive": "例：python -m etl rederive   （修改25问目录或设置后，重新分类工单、重算办理时限）",
    "settings": "例：python -m etl settings --markdown   （打印设置表）",
    "users": "例：python -m etl users add 张三 --role neighbourhood --neighbourhood 八一；"
             "python -m etl users add 李四 --role subdistrict --subdistrict 南码头路街道   "
             "（区、市级部署：街道负责人只看本街道的居民区，街道写名称或代码）；"
             "python -m etl users reset-password 张三；python -m etl users list",
    "model": "例：python -m etl model build --dev   （用参考数据包的示例文本与人工更正训练，写入参考数据包）；"
             "python -m etl model evaluate 标注.csv   （text,topic 两列，报告准确率、混淆矩阵与把握最大的错判）",
}


def add_parsers(command) -> None:
    p = command("load", "导入一个或多个同类原始文件（CSV/TXT/XLSX/XLS）")
    p.add_argument("source", choices=BOARD_ORDER)
    p.add_argument("files", nargs="+", type=Path)
    p = command("ingest", "导入文件夹中的新文件，类别由表头识别")
    p.add_argument("folder", type=Path)
    command("rederive", "按当前目录与设置重算派生字段（话题、办理时限、居民区）")
    p = command("users", f"看板用户：添加、重置密码、列出（角色 {' / '.join(ROLES)}）")
    p.add_argument("action", choices=["add", "reset-password", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=list(ROLES), help="；".join(f"{role}：{text}" for role, text in ROLES.items()))
    p.add_argument("--neighbourhood", action="append", default=[], help="居委角色的居民区（名称或代码，可多次）")
    p.add_argument("--subdistrict", default="", help="街道角色的街道（名称或代码，须在参考数据包中）")
    p.add_argument("--password", help="不给则交互输入（避免出现在命令历史中）")
    p = command("model", "热线话题模型：训练（build）或评估（evaluate）")
    p.add_argument("action", choices=["build", "evaluate"])
    p.add_argument("csv", nargs="?", type=Path, help="evaluate：标注文件（text,topic）")
    p.add_argument("--dev", action="store_true", help="build：先在开发集上报告准确率")
    p.add_argument("--out", type=Path, help="build：模型文件（默认参考数据包中的）")
    p = command("settings", "打印设置表（名称、默认值、说明）")
    p.add_argument("--markdown", action="store_true")


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


def _rederive(args, db: Path) -> int:
    from .rederive import rederive
    for line in rederive(db):
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


def _users(args, db: Path) -> int:
    import getpass

    from core import users

    from .reference import load_pack
    if args.action == "list":
        for user in users.load_users().values():
            print(f"{user.name}\t{user.role}\t{user.subdistrict or ','.join(user.neighbourhoods)}")
        return 0
    if not args.name:
        print("错误：请给出用户名", file=sys.stderr)
        return 2
    password = args.password or getpass.getpass("新密码：")
    try:
        if args.action == "add":
            codes = tuple(_neighbourhood_codes(args.neighbourhood))
            area = load_pack().find_subdistrict(args.subdistrict).code if args.subdistrict else ""
            users.add_user(args.name, args.role or "staff", password, codes, subdistrict=area)
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


def _model(args, db: Path) -> int:
    from . import model_build, topic_model
    from .corrections import read_corrections
    if args.action == "build":
        for line in model_build.build(args.out, read_corrections(db, with_text=True), args.dev):
            print(line)
        return 0
    if args.csv is None:
        print("错误：请给出标注文件", file=sys.stderr)
        return 2
    labelled = model_build.read_labelled(args.csv)
    model_build.print_evaluation(model_build.evaluate(topic_model.load_model(), labelled), str(args.csv))
    return 0


COMMANDS = {"load": _load, "ingest": _ingest, "rederive": _rederive, "users": _users, "model": _model,
            "settings": _settings}
