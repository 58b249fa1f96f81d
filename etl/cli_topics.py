"""The topic commands of `python -m etl` (issue 21): building and scoring the hotline topic
model, and taking back the clerks' corrections. Kept apart from etl/cli.py, which only
registers them."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

EXAMPLES = {
    "model": "例：python -m etl model build --dev   （用参考数据包的示例文本与人工更正训练，写入参考数据包）；"
             "python -m etl model evaluate 标注.csv   （text,topic 两列，报告准确率、混淆矩阵与把握最大的错判）",
    "corrections": "例：python -m etl corrections add 待确认工单_2020-02-10.csv   （看板下载、填好“更正话题”的清单；"
                   "随后重新派生话题与办理时限）",
}


def add_parsers(command) -> None:
    p = command("model", "热线话题模型：训练（build）或评估（evaluate）")
    p.add_argument("action", choices=["build", "evaluate"])
    p.add_argument("csv", nargs="?", type=Path, help="evaluate：标注文件（text,topic）")
    p.add_argument("--dev", action="store_true", help="build：先在开发集上报告准确率")
    p.add_argument("--out", type=Path, help="build：模型文件（默认参考数据包中的）")
    p = command("corrections", "工作人员对工单话题的更正：add 收回看板下载并填好的清单")
    p.add_argument("action", choices=["add"])
    p.add_argument("file", type=Path)


def model(args, db: Path) -> int:
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


def corrections(args, db: Path) -> int:
    from boardkit import labels

    from . import corrections as c
    from .rederive import rederive
    try:
        rows = c.parse_download(args.file, labels.TOPIC, dt.datetime.now())
    except (ValueError, KeyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if rows.empty:
        print(f"{args.file} 中没有填写“{c.CORRECTED}”的行，未做更改")
        return 0
    path = c.add(rows, db)
    print(f"已记录 {len(rows)} 条话题更正（{path}）；下次 python -m etl model build 时并入训练")
    for line in rederive(db):
        print(line)
    return 0


COMMANDS = {"model": model, "corrections": corrections}
