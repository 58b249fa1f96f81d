"""Arrivals roster and quarantine (来沪人员排摸): reports by committees and enterprises."""
from __future__ import annotations

from pathlib import Path

from etl.checks import Check, ROOM_UNSEPARATED, date, future, required, too_old
from etl.sources.source import Column, Source

CHECKS = (
    required("name", "姓名"), required("id_number", "身份证号"),
    Check("id_number", "bad_id_format", "身份证号格式不对（应为18位，最后一位可为X）",
          "id_type = 'resident_id' AND id_number IS NOT NULL "
          "AND NOT regexp_full_match(id_number, '\\d{17}[\\dX]|\\d{15}')"),
    Check("id_number", "bad_id_format", "证件号码格式不对",
          "id_type <> 'resident_id' AND NOT regexp_full_match(id_number, '[A-Z0-9]{5,20}')"),
    Check("id_number", "id_check_failed", "身份证号校验位或出生日期不正确，请核对",
          "id_type = 'resident_id' AND regexp_full_match(id_number, '\\d{17}[\\dX]|\\d{15}') AND NOT id_valid",
          warning=True),
    Check("id_number", "id_region_unknown", "身份证号的地区码在出生年份尚未设立或已撤销，请核对",
          "id_region_ok = false", warning=True),
    Check("phone", "bad_phone", "联系电话应为11位手机号或固定电话",
          "given_phone AND NOT (regexp_full_match(coalesce(phone_digits, ''), '1[3-9]\\d{9}') "
          "OR regexp_full_match(coalesce(phone_digits, ''), '0?\\d{7,11}'))"),
    Check("neighbourhood", "required_missing", "缺少居民区，且无法从居住地址确定",
          "NOT given_neighbourhood AND neighbourhood_code IS NULL"),
    date("arrived_on", "抵沪日期"), future("arrived_on", "抵沪日期"),
    too_old("arrived_on", "抵沪日期"),
    Check("enterprise_uscc", "required_missing", "企业报送的人员须填写统一社会信用代码",
          "reported_by = 'enterprise' AND enterprise_uscc IS NULL"),
    date("quarantine_start", "隔离开始日期"), date("quarantine_end", "隔离结束日期"),
    Check("quarantine_end", "end_before_start", "隔离结束日期早于开始日期",
          "quarantine_end < quarantine_start"),
    Check("neighbourhood", "neighbourhood_unresolved",
          "居民区名称不在参考数据中，请核对", "given_neighbourhood AND neighbourhood_code IS NULL",
          warning=True),
    ROOM_UNSEPARATED,
)

TABLE_INPUTS = {
    "report_key": (), "person_key": (), "name_masked": ("name",), "id_type": ("id_type",),
    "id_masked": ("id_number",), "id_valid": ("id_number",), "phone_masked": ("phone",),
    "neighbourhood": ("neighbourhood", "address"), "neighbourhood_code": ("neighbourhood", "address"),
    "address": ("address",), "room": ("address",), "origin": ("origin",), "origin_province": ("origin",),
    "arrived_on": (), "reported_by": (), "reporter": (), "enterprise_uscc": ("enterprise_uscc",),
    "measure": ("measure",), "quarantine_start": ("quarantine_start",),
    "quarantine_end": ("quarantine_end", "quarantine_start"), "status": ("status",),
    "device_id": ("device_id",), "run_id": (), "row_number": ()}


def _prepare(con) -> None:
    """The keyed-hash pads and the default quarantine days the normalise SQL reads."""
    from core import settings
    from etl.privacy import hmac_pads, secret_key
    ipad, opad = hmac_pads(secret_key())
    con.execute("CREATE OR REPLACE TEMP TABLE _roster_params AS SELECT $ipad::BLOB AS ipad, "
                "$opad::BLOB AS opad, CAST($days AS INTEGER) AS quarantine_days",
                {"ipad": ipad, "opad": opad, "days": int(settings.get("quarantine_default_days"))})


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "TABLE n", drop, "_staged_addresses", given)
    derive.flag_id_regions(con)
    con.execute("""ALTER TABLE n ADD COLUMN reporter VARCHAR;
        UPDATE n SET reporter = CASE reported_by WHEN 'enterprise' THEN enterprise_uscc
                                 ELSE coalesce(neighbourhood_code, neighbourhood_given) END;
        ALTER TABLE n ADD COLUMN report_key VARCHAR;
        UPDATE n SET report_key = md5(concat_ws('|', person_key, reported_by, coalesce(reporter, ''),
                                                coalesce(CAST(arrived_on AS VARCHAR), '')));""")


def _after_upsert(con, files: dict[int, Path]) -> None:
    """After each upsert a report's stored row is its file's version: kept before the next
    file overwrites it (a version identical to the one before is not added)."""
    from etl import roster_versions
    roster_versions.append(con, files)


ROSTER = Source("roster", "来沪人员排摸", "roster_reports",
                ("person_key", "reported_by", "reporter", "arrived_on"), (
    Column("name", ("姓名",), required=True, text=True),
    Column("id_type", ("证件类型",), enum={"身份证": "resident_id", "居民身份证": "resident_id",
                                           "护照": "passport", "港澳通行证": "hk_macau_permit",
                                           "台胞证": "taiwan_permit"}, enum_default="resident_id"),
    Column("id_number", ("身份证号", "证件号码", "身份证号码"), required=True),
    Column("phone", ("联系电话", "手机号", "手机号码")),
    Column("neighbourhood", ("居民区", "所属居委"), text=True),
    Column("address", ("居住地址", "现住址"), text=True),
    Column("origin", ("来源地", "出发地", "来沪前所在地"), text=True),
    Column("arrived_on", ("抵沪日期", "来沪日期", "返沪日期")),
    Column("reported_by", ("报送来源", "报送单位类型"),
           enum={"居委": "community", "社区": "community", "居委会": "community",
                 "企业": "enterprise"}, enum_default="community"),
    Column("enterprise_uscc", ("统一社会信用代码", "企业信用代码")),
    Column("measure", ("管控措施", "隔离方式"),
           enum={"居家隔离": "home_quarantine", "集中隔离": "central_quarantine",
                 "健康观察": "health_observation", "居家健康观察": "health_observation",
                 "无": "none", "无需": "none", "无需隔离": "none"}),
    Column("quarantine_start", ("隔离开始日期", "开始日期")),
    Column("quarantine_end", ("隔离结束日期", "解除日期", "预计解除日期")),
    Column("status", ("状态", "管控状态"),
           enum={"在管": "active", "隔离中": "active", "已解除": "released",
                 "解除隔离": "released", "转出": "left", "离沪": "left"}, enum_default="active"),
    Column("device_id", ("门磁设备编号", "设备编号")),
),
    load_rank=1,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    computed_key="report_key",
    duplicate_label=("id_number", "同一人员（身份证号）、报送单位、抵沪日期"),
    marks=(("persons", "SELECT person_key FROM _ok"),),  # a report key always belongs to the same person key
    prepare=_prepare,
    derive_rows=_derive_rows,
    after_upsert=_after_upsert,
    latest_sql="max(arrived_on)",
    freshness_hours=48,
    freshness_help="大屏：来沪人员数据（按抵沪日期）超过此小时数未更新即标红",
    board_rank=1,
    board_label="来沪人员",
    record_tables=("persons", "roster_reports"),
)
