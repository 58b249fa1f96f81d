"""Enterprises resuming work (企业复工申请)."""
from __future__ import annotations

from etl.checks import Check, ROOM_UNSEPARATED, UNRESOLVED, date, future, int_range, required, too_old
from etl.sources.source import CRS, Column, Source

_DECIDED_NO_REVIEW = Check("reviewed_on", "decided_without_review_date",
                           "复工申请已审核（通过或退回）但无审核日期，按申请日期计为审核，请补填",
                           "application_status IN ('approved', 'returned') AND reviewed_on IS NULL", warning=True)

CHECKS = (
    required("uscc", "统一社会信用代码"), required("name", "企业名称"),
    Check("uscc", "bad_uscc", "统一社会信用代码不正确（18位，校验位不符）",
          "uscc IS NOT NULL AND NOT uscc_valid(uscc)"),
    *int_range("employees_total", "员工总数"),
    *int_range("employees_from_outside", "来沪员工数", "employees_total"),
    *int_range("employees_on_site", "在岗人数", "employees_total"),
    date("applied_on", "复工申请日期"), date("reviewed_on", "审核日期"), date("resumed_on", "复工日期"),
    # An application or a review cannot be dated after today (a planned 复工日期 may be).
    future("applied_on", "复工申请日期"), future("reviewed_on", "审核日期"),
    too_old("applied_on", "复工申请日期"), too_old("resumed_on", "复工日期"),
    Check("reviewed_on", "reviewed_before_applied", "审核日期早于申请日期", "reviewed_on < applied_on"),
    UNRESOLVED, _DECIDED_NO_REVIEW, ROOM_UNSEPARATED,
)

TABLE_INPUTS = {
    "uscc": (), "name": ("name",), "industry": ("industry",), "address": ("address",),
    "room": ("address",), "neighbourhood": ("neighbourhood", "address"),
    "neighbourhood_code": ("neighbourhood", "address"), "employees_total": ("employees_total",),
    "employees_from_outside": ("employees_from_outside",), "employees_on_site": ("employees_on_site",),
    "application_status": ("application_status",), "applied_on": ("applied_on",),
    "reviewed_on": ("reviewed_on",), "resumed_on": ("resumed_on",),
    "contact_phone_masked": ("contact_phone",), "utensil_pledge": ("utensil_pledge",),
    "lon": ("lon",), "lat": ("lat",), "run_id": ()}


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "TABLE n", drop, "_staged_addresses", given)
    derive.convert_coordinates(con)


ENTERPRISES = Source("enterprises", "企业复工", "enterprises", ("uscc",), (
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("name", ("企业名称", "单位名称"), required=True, text=True),
    Column("industry", ("行业", "所属行业"), text=True),
    Column("address", ("经营地址", "地址", "注册地址"), text=True),
    Column("neighbourhood", ("所属居民区", "所属片区", "居民区"), text=True),
    Column("employees_total", ("员工总数", "职工人数")),
    Column("employees_from_outside", ("来沪员工数", "外地返沪员工数")),
    Column("employees_on_site", ("在岗人数", "到岗人数")),
    Column("application_status", ("审核状态", "复工状态"),
           enum={"未申请": "not_applied", "待申请": "not_applied", "待审核": "pending",
                 "审核中": "pending", "受理中": "pending", "已通过": "approved",
                 "同意复工": "approved", "已复工": "approved", "退回": "returned",
                 "不通过": "returned", "驳回": "returned"}),
    Column("applied_on", ("复工申请日期", "申请日期")),
    Column("reviewed_on", ("审核日期",)),
    Column("resumed_on", ("复工日期", "实际复工日期")),
    Column("contact_phone", ("联系电话", "防疫联系人电话")),
    Column("utensil_pledge", ("公筷公勺承诺", "签订公筷公勺承诺书"),
           enum={"是": "true", "已签": "true", "否": "false", "未签": "false"}),
    Column("lon", ("经度",)), Column("lat", ("纬度",)),
    Column("crs", ("坐标系",), enum=CRS, enum_default="wgs84"),
),
    load_rank=0,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    derive_rows=_derive_rows,
    latest_sql="max(greatest(applied_on, reviewed_on, resumed_on))",
    freshness_hours=72,
    freshness_help="大屏：企业复工数据（按日期）超过此小时数未更新即标红",
    board_rank=3,
    board_label="企业复工",
    record_tables=("enterprises",),
)
