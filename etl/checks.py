"""Declarative row checks per source: each is (column, code, Chinese reason, SQL predicate
over the normalised table `n`). A reject keeps the row out; a warning loads it and puts it
on the committee's fix-list (data-contract.md, "Rejects and warnings").

Predicates are fixed SQL written here, never built from data. They read the normalised
columns, `enum_<c>` (the enumeration value, NULL for a word not listed) and `given_<c>` (the
file had something in that cell): `n` does not carry the raw text, which only the reject's
value shows, read back from the staged row (`value_expression`, over `stg`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .sources import SOURCES


@dataclass(frozen=True)
class Check:
    column: str
    code: str
    reason: str
    predicate: str
    warning: bool = False


def _required(column: str, label: str) -> Check:
    return Check(column, "required_missing", f"缺少必填项：{label}", f"NOT given_{column}")


def _timestamp(column: str, label: str) -> Check:
    return Check(column, "bad_timestamp", f"{label}无法识别为日期时间",
                 f"given_{column} AND {column} IS NULL")


def _date(column: str, label: str) -> Check:
    return Check(column, "bad_date", f"{label}无法识别为日期",
                 f"given_{column} AND {column} IS NULL")


def _future(column: str, label: str) -> Check:
    return Check(column, "future_date", f"{label}晚于当前时间", f"{column} > $now")


# No record of these sources can be older than the systems that produce them: a year such
# as 1900 is a typo or an empty Excel date cell (serial 0/1), and loaded it would count as
# an open, long-overdue ticket or alarm forever. A range rule, so a reject (data-contract.md).
EARLIEST = "2000-01-01"


def _too_old(column: str, label: str) -> Check:
    return Check(column, "too_old", f"{label}早于 {EARLIEST[:4]} 年，请核对",
                 f"{column} < DATE '{EARLIEST}'")


def _int_range(column: str, label: str, upper: str | None = None) -> list[Check]:
    checks = [Check(column, "bad_integer", f"{label}应为不小于 0 的整数",
                    f"given_{column} AND ({column} IS NULL OR {column} < 0)")]
    if upper:
        checks.append(Check(column, "over_total", f"{label}不能大于员工总数", f"{column} > {upper}"))
    return checks


_UNRESOLVED = Check("neighbourhood", "neighbourhood_unresolved",
                    "无法确定所属居民区（名称不在参考数据中，地址也无法匹配）",
                    "neighbourhood_code IS NULL AND (given_neighbourhood OR given_address)",
                    warning=True)

# Loaded rows the figures count by a rule of metrics.md, which the source should fix.
_NO_PLACE = Check("neighbourhood", "no_neighbourhood_no_address",
                  "既无所属居民区也无地址，无法归入居民区，请补填", "NOT given_neighbourhood AND NOT given_address",
                  warning=True)
_CLOSED_NO_TIME = Check("closed_at", "closed_without_time",
                        "工单已办结但无办结时间，按受理时间计为办结，请补填", "status = 'closed' AND closed_at IS NULL",
                        warning=True)
_HANDLED_NO_TIME = Check("handled_at", "handled_without_time",
                         "报警已处置但无处置时间，按报警时间计为处置，请补填", "status = 'handled' AND handled_at IS NULL",
                         warning=True)
_DECIDED_NO_REVIEW = Check("reviewed_on", "decided_without_review_date",
                           "复工申请已审核（通过或退回）但无审核日期，按申请日期计为审核，请补填",
                           "application_status IN ('approved', 'returned') AND reviewed_on IS NULL", warning=True)
# The room could not be cut off the address cleanly (macros.sql, room_unseparated): the row is
# loaded (the room goes where rooms go) and the address is put on the fix-list.
ROOM_UNSEPARATED = Check("address", "room_unseparated",
                         "地址中的室号未能单独拆出（室号后另有文字、楼栋写在室号中或缺少楼栋），请核对地址写法",
                         "room_unseparated(address, room)", warning=True)

CHECKS: dict[str, list[Check]] = {
    "hotline": [
        _required("ticket_id", "工单编号"), _required("received_at", "受理时间"),
        _timestamp("received_at", "受理时间"), _future("received_at", "受理时间"),
        _too_old("received_at", "受理时间"),
        _required("content", "诉求内容"),
        _timestamp("due_at", "办理时限"), _timestamp("closed_at", "办结时间"),
        Check("closed_at", "closed_before_received", "办结时间早于受理时间", "closed_at < received_at"),
        Check("due_at", "due_before_received", "办理时限早于受理时间", "due_at < received_at"),
        _UNRESOLVED, _NO_PLACE, _CLOSED_NO_TIME, ROOM_UNSEPARATED,
    ],
    "roster": [
        _required("name", "姓名"), _required("id_number", "身份证号"),
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
        _date("arrived_on", "抵沪日期"), _future("arrived_on", "抵沪日期"),
        _too_old("arrived_on", "抵沪日期"),
        Check("enterprise_uscc", "required_missing", "企业报送的人员须填写统一社会信用代码",
              "reported_by = 'enterprise' AND enterprise_uscc IS NULL"),
        _date("quarantine_start", "隔离开始日期"), _date("quarantine_end", "隔离结束日期"),
        Check("quarantine_end", "end_before_start", "隔离结束日期早于开始日期",
              "quarantine_end < quarantine_start"),
        Check("neighbourhood", "neighbourhood_unresolved",
              "居民区名称不在参考数据中，请核对", "given_neighbourhood AND neighbourhood_code IS NULL",
              warning=True),
        ROOM_UNSEPARATED,
    ],
    "alarms": [
        _required("device_id", "设备编号"), _required("raised_at", "报警时间"),
        _timestamp("raised_at", "报警时间"), _future("raised_at", "报警时间"),
        _too_old("raised_at", "报警时间"),
        _timestamp("handled_at", "处置时间"),
        Check("handled_at", "handled_before_raised", "处置时间早于报警时间", "handled_at < raised_at"),
        _UNRESOLVED, _HANDLED_NO_TIME, ROOM_UNSEPARATED,
    ],
    "enterprises": [
        _required("uscc", "统一社会信用代码"), _required("name", "企业名称"),
        Check("uscc", "bad_uscc", "统一社会信用代码不正确（18位，校验位不符）",
              "uscc IS NOT NULL AND NOT uscc_valid(uscc)"),
        *_int_range("employees_total", "员工总数"),
        *_int_range("employees_from_outside", "来沪员工数", "employees_total"),
        *_int_range("employees_on_site", "在岗人数", "employees_total"),
        _date("applied_on", "复工申请日期"), _date("reviewed_on", "审核日期"), _date("resumed_on", "复工日期"),
        # An application or a review cannot be dated after today (a planned 复工日期 may be).
        _future("applied_on", "复工申请日期"), _future("reviewed_on", "审核日期"),
        _too_old("applied_on", "复工申请日期"), _too_old("resumed_on", "复工日期"),
        Check("reviewed_on", "reviewed_before_applied", "审核日期早于申请日期", "reviewed_on < applied_on"),
        _UNRESOLVED, _DECIDED_NO_REVIEW, ROOM_UNSEPARATED,
    ],
}


def enum_checks(source_name: str) -> list[Check]:
    """An enumeration word that matches no listed word, where the rule gives no default."""
    checks = []
    for col in SOURCES[source_name].columns:
        if col.enum and not col.unknown_to_default and not col.enum_unknown:
            checks.append(Check(col.name, "unknown_value", f"{col.headers[0]}的取值不在可选范围内",
                                f"given_{col.name} AND enum_{col.name} IS NULL"))
    return checks


# Columns whose raw value is personal: a reject shows the masked form only; others are scrubbed.
MASKED_VALUE = {
    "name": "mask_name(raw_name)", "id_number": "mask_id(id_text(raw_id_number))",
    "phone": "mask_phone(raw_phone)", "caller_phone": "mask_phone(raw_caller_phone)",
    "contact_phone": "mask_phone(raw_contact_phone)", "handled_by": "mask_name(raw_handled_by)",
    # Credit codes are no one's: shown as typed (the pass would read a phone in their digits).
    "uscc": "left(raw_uscc, 200)", "enterprise_uscc": "left(raw_enterprise_uscc, 200)",
}


def value_expression(column_sql: str, columns: list[str]) -> str:
    """The value a reject shows, as SQL over the staged row, for the check column named by
    `column_sql` (SQL of a text) among `columns`: a personal column's masked form, any other's
    raw text scrubbed of phone, ID and room numbers (the fix-list is shown to viewers who may
    not see rooms). One scrub for all the columns: each copy of it costs planning time."""
    masked = [c for c in columns if c in MASKED_VALUE]
    plain = [c for c in columns if c not in MASKED_VALUE]
    raw = "CASE " + column_sql + "".join(f" WHEN '{c}' THEN raw_{c}" for c in plain) + " END"
    scrubbed = f"left(scrub({raw}), 200)"
    if not masked:
        return scrubbed
    return ("CASE " + column_sql + "".join(f" WHEN '{c}' THEN {MASKED_VALUE[c]}" for c in masked)
            + f" ELSE {scrubbed} END")
