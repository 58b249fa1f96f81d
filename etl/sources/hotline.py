"""12345 hotline tickets (12345工单)."""
from __future__ import annotations

from etl.checks import Check, ROOM_UNSEPARATED, UNRESOLVED, future, required, timestamp, too_old
from etl.sources.source import CRS, Column, Source

_REQUEST_TYPE = {"咨询": "inquiry", "投诉": "complaint", "求助": "help", "建议": "suggestion",
                 "举报": "report", "表扬": "praise"}
_TICKET_STATUS = {"待受理": "new", "待派单": "new", "处理中": "in_progress", "办理中": "in_progress",
                  "已派单": "in_progress", "已签收": "in_progress", "已办结": "closed", "已结案": "closed",
                  "办结": "closed", "退单": "returned", "已退回": "returned"}
_SATISFACTION = {"满意": "satisfied", "基本满意": "basic", "一般": "fair", "不满意": "unsatisfied"}
_YES_NO = {"是": "true", "1": "true", "否": "false", "0": "false"}
_CHANNEL = {"电话": "phone", "热线": "phone", "网站": "web", "网上": "web", "微信": "app",
            "app": "app", "小程序": "app"}

# Loaded rows the figures count by a rule of metrics.md, which the source should fix.
_NO_PLACE = Check("neighbourhood", "no_neighbourhood_no_address",
                  "既无所属居民区也无地址，无法归入居民区，请补填", "NOT given_neighbourhood AND NOT given_address",
                  warning=True)
_CLOSED_NO_TIME = Check("closed_at", "closed_without_time",
                        "工单已办结但无办结时间，按受理时间计为办结，请补填", "status = 'closed' AND closed_at IS NULL",
                        warning=True)

CHECKS = (
    required("ticket_id", "工单编号"), required("received_at", "受理时间"),
    timestamp("received_at", "受理时间"), future("received_at", "受理时间"),
    too_old("received_at", "受理时间"),
    required("content", "诉求内容"),
    timestamp("due_at", "办理时限"), timestamp("closed_at", "办结时间"),
    Check("closed_at", "closed_before_received", "办结时间早于受理时间", "closed_at < received_at"),
    Check("due_at", "due_before_received", "办理时限早于受理时间", "due_at < received_at"),
    UNRESOLVED, _NO_PLACE, _CLOSED_NO_TIME, ROOM_UNSEPARATED,
)

TABLE_INPUTS = {
    "ticket_id": ("ticket_id",), "received_at": ("received_at",), "request_type": ("request_type",),
    "content": ("content",), "content_with_rooms": ("content",), "address": ("address",), "room": ("address",),
    "neighbourhood": ("neighbourhood", "address"), "neighbourhood_code": ("neighbourhood", "address"),
    "handling_unit": ("handling_unit",), "due_at": ("due_at", "received_at"),
    "due_at_given": ("due_at",), "closed_at": ("closed_at",), "status": ("status", "closed_at"),
    "satisfaction": ("satisfaction",), "first_contact": ("first_contact",), "channel": ("channel",),
    "repeat_of": ("repeat_of",), "caller_phone_masked": ("caller_phone",),
    "lon": ("lon",), "lat": ("lat",), "epidemic_related": ("content",), "topic": ("content",),
    "faq_question": ("content",), "topic_words": ("content",), "topic_confidence": ("content",),
    "run_id": ()}


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "VIEW n_resolved", drop, "_staged_addresses", given)
    derive.derive_tickets(con, options.classify)
    derive.convert_coordinates(con)


def _rederive(con) -> list[str]:
    import time

    from etl import derive
    # Neighbourhoods the earlier pack could not place, from the stored address.
    con.execute("CREATE OR REPLACE TEMP VIEW n_typed AS SELECT ticket_id AS _row, address, "
                "CAST(NULL AS VARCHAR) AS neighbourhood_given FROM hotline_tickets WHERE neighbourhood_code IS NULL")
    derive.resolve_neighbourhoods(con)
    con.execute("UPDATE hotline_tickets SET neighbourhood_code = n.neighbourhood_code, neighbourhood = n.neighbourhood "
                "FROM n WHERE hotline_tickets.ticket_id = n._row AND n.neighbourhood_code IS NOT NULL")
    t0 = time.perf_counter()
    count = derive.rederive_tickets(con)
    seconds = time.perf_counter() - t0
    return [f"重新分类工单并重算未填写的办理时限 {count} 条，用时 {seconds:.1f} 秒"
            f"（{count / max(seconds, 1e-9):,.0f} 条/秒）"]


HOTLINE = Source("hotline", "12345工单", "hotline_tickets", ("ticket_id",), (
    Column("ticket_id", ("工单编号", "工单号"), required=True),
    Column("received_at", ("受理时间", "来电时间", "派单时间"), required=True),
    Column("request_type", ("诉求类型", "工单类型", "来电类别"), enum=_REQUEST_TYPE,
           enum_default="other", unknown_to_default=True),
    Column("content", ("诉求内容", "问题描述", "来电内容"), required=True, text=True),
    Column("address", ("发生地址", "事发地址", "地址"), text=True),
    Column("neighbourhood", ("所属居委", "居民区", "所属居民区"), text=True),
    Column("handling_unit", ("承办部门", "承办单位", "处置部门"), text=True),
    Column("due_at", ("办理时限", "要求办结时间")),
    Column("closed_at", ("办结时间", "结案时间")),
    Column("status", ("工单状态", "办理状态"), enum=_TICKET_STATUS),
    Column("satisfaction", ("满意度", "市民满意度", "综合满意度"),
           enum={**_SATISFACTION, "未评价": ""}),
    Column("first_contact", ("先行联系", "是否先行联系"), enum={**_YES_NO, "未评价": ""}),
    Column("channel", ("工单来源", "来源渠道"), enum=_CHANNEL, enum_unknown="other"),  # blank -> NULL
    Column("repeat_of", ("重复工单号",)),
    Column("caller_phone", ("来电号码", "联系电话")),
    Column("lon", ("经度",)), Column("lat", ("纬度",)),
    Column("crs", ("坐标系",), enum=CRS, enum_default="wgs84"),
),
    load_rank=2,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    terminal_status=("closed",),
    open_records={"open_tickets": "SELECT * FROM hotline_tickets WHERE rowid IN "
                                  "(SELECT rowid FROM hotline_tickets WHERE closed_at IS NULL)"},
    derive_rows=_derive_rows,
    rederive=_rederive,
    latest_sql="max(received_at)",
    freshness_hours=24,
    freshness_help="大屏：12345工单数据超过此小时数未更新即标红",
    board_rank=0,
    board_label="12345工单",
    record_tables=("hotline_tickets",),
)
