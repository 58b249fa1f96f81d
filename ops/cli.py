"""The operations commands of `python -m etl`: purge, cleanup, rebuild, backup, restore,
health, status, the daily brief and taking back the clerks' topic corrections (the last two
read the board's labels and queries, so they live here, outside the pipeline)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

EXAMPLES = {
    "purge": "例：python -m etl purge   （隔离结束 30 天后匿名化人员信息并解除报警关联；每天由定时任务运行）；"
             "python -m etl purge --days 60",
    "cleanup": "例：python -m etl cleanup   （删除超出保留数的旧数据代、超过 archive.retention_days 的归档原始文件）",
    "rebuild": "例：python -m etl rebuild --into /tmp/重建/board.duckdb   （从归档重建到新位置，并与现用数据库逐表比较）；"
               "python -m etl rebuild   （重建后替换现用数据库，作为新一代）",
    "backup": "例：python -m etl backup --to /mnt/backup --keep 7   （数据库、原始文件归档、日志、密钥，附清单）",
    "restore": "例：python -m etl restore /mnt/backup/yipingguan-20200315-030000   （先停止看板之外的服务）；"
               "python -m etl restore --check /mnt/backup/yipingguan-20200315-030000   （只核对）",
    "status": "例：python -m etl status",
    "brief": "例：python -m etl brief --date 2020-02-10 --out 日报/   （默认统计日为昨天）；"
             "python -m etl brief --send   （把昨天日报的摘要发到 notify.toml 中 [leaders] 的领导群，每个统计日只发一次；"
             "平时由提醒进程在 brief.send_time 自动发送）；python -m etl brief --send --date 2020-02-10",
    "corrections": "例：python -m etl corrections add 待确认工单_2020-02-10.csv   （看板下载、填好“更正话题”的清单；"
                   "随后重新派生话题与办理时限）",
    "health": "例：python -m etl health --url http://127.0.0.1:8501 --url http://127.0.0.1:8765/health",
}


def add_parsers(command) -> None:
    command("status", "各数据源最近导入、行数、拒收与警告")
    p = command("brief", "生成防控例会日报（Excel 工作簿与可打印的 HTML）")
    p.add_argument("--date", type=dt.date.fromisoformat, help="统计日（默认昨天；重放历史数据时为最后一天的前一天）")
    p.add_argument("--out", type=Path, default=Path("."), help="输出目录（默认当前目录）")
    p.add_argument("--now", type=dt.datetime.fromisoformat,
                   help="回放：以此时刻为“现在”（如 2020-02-25T07:30，重做当天早上的日报），日报标注“回放”")
    p.add_argument("--send", action="store_true",
                   help="不写文件，把日报摘要发到领导群机器人（notify.toml 的 [leaders]）；该统计日已发过则不再发")
    p.add_argument("--notify-config", type=Path, help="群机器人配置文件（默认参考数据包的 notify.toml）")
    p = command("corrections", "工作人员对工单话题的更正：add 收回看板下载并填好的清单")
    p.add_argument("action", choices=["add"])
    p.add_argument("file", type=Path)
    p = command("purge", "个人信息到期清除：隔离结束（未隔离者按抵沪日期）若干天后匿名化人员记录并解除报警关联")
    p.add_argument("--days", type=int, help="保留天数（默认设置 retention_days：30）")
    p.add_argument("--today", type=dt.date.fromisoformat, help="按哪一天计算（默认今天；演练用）")
    command("cleanup", "清理磁盘：旧数据代文件、过期的归档原始文件与收件箱归档")
    p = command("rebuild", "从原始文件归档按导入顺序重建数据库")
    p.add_argument("--into", type=Path, help="重建到新的数据库路径（不替换现用数据库），完成后逐表比较")
    p.add_argument("--base", type=Path, help="以备份中的数据库文件为起点，只重放其后的导入（归档已过保留期时）")
    p.add_argument("--no-classify", action="store_true", help="不做话题分类（与以 classify=False 导入的库比较时）")
    p = command("backup", "备份数据库、原始文件归档、审计与提醒日志、密钥（附清单）")
    p.add_argument("--to", type=Path, required=True, help="备份目录（每次备份建一个子目录）")
    p.add_argument("--keep", type=int, default=0, help="只保留最新的 N 份备份（默认全部保留）")
    p = command("restore", "从备份恢复数据库（作为新一代）、缺失的归档文件、日志与密钥")
    p.add_argument("backup", type=Path, help="备份子目录（含 manifest.json）")
    p.add_argument("--check", action="store_true", help="只按清单核对备份是否完好，不恢复")
    p = command("health", "健康检查：数据库可读、数据代新鲜、磁盘空间、服务应答；全部正常时退出码为 0")
    p.add_argument("--url", action="append", default=[], help="要检查的服务地址（看板地址自动加 /_stcore/health；可多次）")
    p.add_argument("--max-age-hours", type=float, help="当前数据代最长多少小时未更新（默认设置 health.max_generation_age_hours；0 为不检查）")


def purge(args, db: Path) -> int:
    from ops.purge import purge as run
    for line in run(db, args.days, args.today).lines():
        print(line)
    return 0


def cleanup(args, db: Path) -> int:
    from ops.disk import cleanup as run, disk_status
    for line in run(db).lines():
        print(line)
    print(disk_status(db).message)
    return 0


def rebuild(args, db: Path) -> int:
    from ops.rebuild import RebuildError, compare, rebuild as run
    try:
        result = run(db, args.into, args.base, classify=not args.no_classify)
    except RebuildError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    if args.into and not result.from_journal:
        differences = compare(db, args.into)
        if differences:
            print("与现用数据库不同的行数：" + "，".join(f"{t} {n}" for t, n in differences.items()))
            return 1
        print("与现用数据库逐表比较：内容相同（导入时间、数据代编号与匿名令牌除外）")
    return 0


def backup(args, db: Path) -> int:
    from ops.backup import backup as run
    for line in run(args.to, db, args.keep).lines():
        print(line)
    return 0


def restore(args, db: Path) -> int:
    from ops.backup import restore as run, verify
    if args.check:
        bad = verify(args.backup)
        print("备份完好：每个文件的大小与 SHA-256 均与清单一致" if not bad else
              f"备份有 {len(bad)} 个文件与清单不符：" + "、".join(bad[:10]))
        return 0 if not bad else 1
    try:
        lines = run(args.backup, db)
    except RuntimeError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


def health(args, db: Path) -> int:
    from ops.health import run_checks
    checks = run_checks(db, tuple(args.url), args.max_age_hours)
    for check in checks:
        print(("正常  " if check.ok else "异常  ") + check.line)
    return 0 if all(c.ok for c in checks) else 1


def status(args, db: Path) -> int:
    from ops.status import status_lines
    for line in status_lines(db):
        print(line)
    return 0


def brief(args, db: Path) -> int:
    from boardkit.brief.build import write_brief
    from boardkit.data.db import NoDatabase, check_ready, current_generation
    from ops.status import FIRST_LOAD
    if args.send:
        return send_brief(args, db)
    try:
        gen = current_generation(db)
        check_ready(gen)
    except NoDatabase as exc:
        print(f"错误：{exc}{FIRST_LOAD}", file=sys.stderr)
        return 2
    for path in write_brief(gen, args.out, args.date, replay_at=args.now):
        print(f"已生成 {path}")
    return 0


def send_brief(args, db: Path) -> int:
    from boardkit.data.db import NoDatabase
    from core.localtime import log_in_local_time
    from live.brief_delivery import default_day
    from live.notify import Notifier, NotifierBusy, notifier_lock
    from core.notify_log import brief_delivery, log_path
    from live.webhook import NotifyConfig
    from ops.status import FIRST_LOAD
    log_in_local_time()
    config = NotifyConfig.load(args.notify_config)
    if config.leaders is None:
        print("未配置领导群机器人：在 notify.toml 中填写 [leaders] 的地址（见该文件的说明）", file=sys.stderr)
        return 2
    try:
        day = args.date or default_day(db)
    except NoDatabase as exc:
        print(f"错误：{exc}{FIRST_LOAD}", file=sys.stderr)
        return 2
    notifier = Notifier(db, config)
    try:
        record = brief_delivery(day, notifier.log_file)
        if record is not None:
            print(f"{day} 的日报摘要已于 {record['queued_at']} 排队，{record['status_label']}"
                  f"（已试 {record['attempts']} 次），不再重复发送")
            return 0
        notifier.queue_brief(day)
        try:
            with notifier_lock(log_path(db)):
                # Only the day asked for: the scheduled brief and the alarm notices are the
                # running notifier's to plan.
                notifier.drain(plan=False)
        except NotifierBusy:
            print(f"{day} 的日报摘要已排队，由正在运行的提醒进程发送")
            return 0
        record = brief_delivery(day, notifier.log_file)
    finally:
        notifier.close()
    print(f"{day} 的日报摘要：{record['status_label']}（已试 {record['attempts']} 次）"
          + (f"，最近错误：{record['last_error']}" if record["last_error"] and record["status"] != "sent" else ""))
    return 0 if record["status"] in ("sent", "pending") else 1


def corrections(args, db: Path) -> int:
    from boardkit import labels
    from etl import corrections as c
    from etl.rederive import rederive
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


COMMANDS = {"status": status, "brief": brief, "corrections": corrections, "purge": purge, "cleanup": cleanup, "rebuild": rebuild, "backup": backup, "restore": restore,
            "health": health}
