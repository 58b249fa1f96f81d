"""The vocabulary of declarative row checks; each source lists its own (etl/sources/). A
check is (column, code, Chinese reason, SQL predicate over the normalised table `n`). A reject keeps the row out; a warning loads it and puts it
on the committee's fix-list (data-contract.md, "Rejects and warnings").

Predicates are fixed SQL written here, never built from data. They read the normalised
columns, `enum_<c>` (the enumeration value, NULL for a word not listed) and `given_<c>` (the
file had something in that cell): `n` does not carry the raw text, which only the reject's
value shows, read back from the staged row (`value_expression`, over `stg`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sources.source import Source


@dataclass(frozen=True)
class Check:
    column: str
    code: str
    reason: str
    predicate: str
    warning: bool = False


def required(column: str, label: str) -> Check:
    return Check(column, "required_missing", f"缺少必填项：{label}", f"NOT given_{column}")


def timestamp(column: str, label: str) -> Check:
    return Check(column, "bad_timestamp", f"{label}无法识别为日期时间",
                 f"given_{column} AND {column} IS NULL")


def date(column: str, label: str) -> Check:
    return Check(column, "bad_date", f"{label}无法识别为日期",
                 f"given_{column} AND {column} IS NULL")


def future(column: str, label: str) -> Check:
    return Check(column, "future_date", f"{label}晚于当前时间", f"{column} > $now")


# No record of these sources can be older than the systems that produce them: a year such
# as 1900 is a typo or an empty Excel date cell (serial 0/1), and loaded it would count as
# an open, long-overdue ticket or alarm forever. A range rule, so a reject (data-contract.md).
EARLIEST = "2000-01-01"


def too_old(column: str, label: str) -> Check:
    return Check(column, "too_old", f"{label}早于 {EARLIEST[:4]} 年，请核对",
                 f"{column} < DATE '{EARLIEST}'")


def int_range(column: str, label: str, upper: str | None = None) -> list[Check]:
    checks = [Check(column, "bad_integer", f"{label}应为不小于 0 的整数",
                    f"given_{column} AND ({column} IS NULL OR {column} < 0)")]
    if upper:
        checks.append(Check(column, "over_total", f"{label}不能大于员工总数", f"{column} > {upper}"))
    return checks


UNRESOLVED = Check("neighbourhood", "neighbourhood_unresolved",
                    "无法确定所属居民区（名称不在参考数据中，地址也无法匹配）",
                    "neighbourhood_code IS NULL AND (given_neighbourhood OR given_address)",
                    warning=True)

# The room could not be cut off the address cleanly (macros.sql, room_unseparated): the row is
# loaded (the room goes where rooms go) and the address is put on the fix-list.
ROOM_UNSEPARATED = Check("address", "room_unseparated",
                         "地址中的室号未能单独拆出（室号后另有文字、楼栋写在室号中或缺少楼栋），请核对地址写法",
                         "room_unseparated(address, room)", warning=True)

def enum_checks(source: Source) -> list[Check]:
    """An enumeration word that matches no listed word, where the rule gives no default."""
    checks = []
    for col in source.columns:
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
