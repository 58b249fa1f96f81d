"""Door-sensor and video-doorbell alarms (门磁报警)."""
from __future__ import annotations

from etl.checks import Check, ROOM_UNSEPARATED, UNRESOLVED, future, required, timestamp, too_old
from etl.sources.source import Column, Source

_HANDLED_NO_TIME = Check("handled_at", "handled_without_time",
                         "报警已处置但无处置时间，按报警时间计为处置，请补填", "status = 'handled' AND handled_at IS NULL",
                         warning=True)

CHECKS = (
    required("device_id", "设备编号"), required("raised_at", "报警时间"),
    timestamp("raised_at", "报警时间"), future("raised_at", "报警时间"),
    too_old("raised_at", "报警时间"),
    timestamp("handled_at", "处置时间"),
    Check("handled_at", "handled_before_raised", "处置时间早于报警时间", "handled_at < raised_at"),
    UNRESOLVED, _HANDLED_NO_TIME, ROOM_UNSEPARATED,
)

TABLE_INPUTS = {
    "alarm_id": (), "device_id": (), "device_type": ("device_type",), "alarm_type": ("alarm_type",),
    "raised_at": ("raised_at",), "neighbourhood": ("neighbourhood", "address"),
    "neighbourhood_code": ("neighbourhood", "address"), "address": ("address",), "room": ("address",),
    "status": ("status",), "handled_by_masked": ("handled_by",), "handled_at": ("handled_at",),
    "note": ("note",), "note_with_rooms": ("note",), "response_minutes": ("handled_at", "status"), "run_id": ()}


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "TABLE n", drop, "_staged_addresses", given)
    derive.link_alarm_devices(con)


def _rederive(con) -> list[str]:
    from etl import derive
    derive.link_alarm_devices(con, "alarms", "alarm_id")
    return []


ALARMS = Source("alarms", "门磁报警", "alarms", ("alarm_id",), (
    Column("alarm_id", ("报警编号", "告警编号", "告警ID")),
    Column("device_id", ("设备编号", "设备号"), required=True),
    Column("device_type", ("设备类型",), enum={"门磁": "door_sensor", "可视门铃": "video_doorbell"}),
    Column("alarm_type", ("报警类型", "告警类型"),
           enum={"开门": "door_open", "门磁打开": "door_open", "开门报警": "door_open",
                 "离线": "offline", "设备离线": "offline", "低电量": "low_battery",
                 "电量低": "low_battery", "防拆": "tamper", "拆除": "tamper", "被拆": "tamper",
                 "按铃": "doorbell", "门铃": "doorbell"}),
    Column("raised_at", ("报警时间", "告警时间"), required=True),
    Column("neighbourhood", ("居民区", "所属居委"), text=True),
    Column("address", ("地址", "安装地址"), text=True),
    Column("status", ("处置状态", "处理情况"),
           enum={"未处置": "open", "待处置": "open", "未处理": "open", "处置中": "in_progress",
                 "处理中": "in_progress", "已处置": "handled", "已处理": "handled",
                 "误报": "false_alarm", "已报备": "pre_reported"}, enum_default="open"),
    Column("handled_by", ("处置人",), text=True),
    Column("handled_at", ("处置时间",)),
    Column("note", ("处置结果", "处置说明"), text=True),
),
    load_rank=3,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    terminal_status=("handled", "false_alarm", "pre_reported"),
    open_records={"open_alarms": "SELECT * FROM alarms WHERE rowid IN "
                                 "(SELECT rowid FROM alarms WHERE status IN ('open', 'in_progress'))"},
    derive_rows=_derive_rows,
    rederive=_rederive,
    latest_sql="max(raised_at)",
    freshness_hours=2,
    freshness_help="大屏：门磁报警数据超过此小时数未更新即标红",
    board_rank=2,
    board_label="门磁报警",
    record_tables=("alarms",),
)
