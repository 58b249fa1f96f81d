"""The 24-hour duty roster (值班表): who is on duty, in which shift, with the duty phone.

Read in either shape the office keeps it (data-contract.md, "duty"): one row a duty
through the header, or the calendar grid (dates down, roles across, merged cells over
several days) through `read_grid`, which turns the grid into rows of the same columns, each
with the sheet row it came from. The configured shifts and the roles each needs are the
settings `duty_shifts` and `duty_roles`, parsed here for the loader and the board.

Duty contacts are staff work contacts, stored in clear (`clear_columns`): the one named
exception to "no clear personal data" (README, threat model)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from core import settings
from etl.checks import Check, date, required, too_old
from etl.sources.source import Column, Source

ROLES = {"带班领导": "lead", "带班": "lead", "值班领导": "lead", "值班长": "chief",
         "值班员": "officer", "值班人员": "officer"}
# The roles in the board's order, each under its usual word.
ROLE_ORDER = ("lead", "chief", "officer")
ROLE_LABELS = {"lead": "带班领导", "chief": "值班长", "officer": "值班员"}

settings.register(
    settings.Setting("duty_shifts", "全天 08:30-08:30",
                     "值班班次与时段，以“；”分隔，如“白班 08:30-17:30；夜班 17:30-08:30”（结束不晚于开始即到次日）；"
                     "值班表未填班次的行按其中的全天班次（开始与结束相同，24 小时）"),
    settings.Setting("duty_roles", "带班领导、值班员",
                     "每个班次至少要有的岗位（带班领导、值班长、值班员），如“带班领导、值班员”对所有班次；"
                     "也可分班次写“白班：带班领导、值班长、值班员；夜班：值班员”；今天起 8 天内缺岗即在数据页告警、大屏标红"),
)


@dataclass(frozen=True)
class Shift:
    name: str
    starts: dt.time
    ends: dt.time           # at or before `starts`: the next day
    roles: tuple[str, ...]  # role codes the shift needs

    @property
    def whole_day(self) -> bool:
        return self.starts == self.ends

    def span(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The shift's start and end when it starts on `day`."""
        start, end = dt.datetime.combine(day, self.starts), dt.datetime.combine(day, self.ends)
        return start, end if end > start else end + dt.timedelta(days=1)


_SHIFT = re.compile(r"^(\S+)\s*(\d{1,2}:\d{2})\s*[-~～—至到]\s*(?:次日)?(\d{1,2}:\d{2})$")
_ITEMS = re.compile(r"[；;\n]+")
_NAMES = re.compile(r"[、,，/;；\n]+")


def configured_shifts() -> list[Shift]:
    """The shifts of `duty_shifts`, each with the roles `duty_roles` asks of it."""
    roles = _roles_by_shift(str(settings.get("duty_roles")))
    shifts = []
    for item in filter(None, (i.strip() for i in _ITEMS.split(_fold(str(settings.get("duty_shifts")))))):
        m = _SHIFT.match(item)
        if not m:
            raise ValueError(f"设置 duty_shifts 无法识别：“{item}”（应如“白班 08:30-17:30”）")
        starts, ends = (dt.datetime.strptime(t, "%H:%M").time() for t in (m[2], m[3]))
        shifts.append(Shift(m[1], starts, ends, roles.get(m[1], roles.get("", ()))))
    return shifts


def _roles_by_shift(text: str) -> dict[str, tuple[str, ...]]:
    """`duty_roles` -> shift name ('' for every shift) -> role codes."""
    out = {}
    for item in filter(None, (i.strip() for i in _ITEMS.split(_fold(text)))):
        shift, _, words = item.rpartition(":")
        codes = []
        for word in filter(None, (w.strip() for w in _NAMES.split(words))):
            if word not in ROLES:
                raise ValueError(f"设置 duty_roles 中的岗位“{word}”不是带班领导、值班长或值班员")
            codes.append(ROLES[word])
        out[shift.strip()] = tuple(c for c in ROLE_ORDER if c in codes)
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


# ---------------------------------------------------------------- the calendar grid

GRID_HEADER = ("日期", "班次", "时段", "岗位", "姓名", "值班电话")
_DATE_HEADERS = {"日期", "值班日期"}
_SHIFT_HEADERS = {"班次"}
_PERIOD_HEADERS = {"时段", "值班时段"}
_PHONE_SUFFIXES = ("联系电话", "值班电话", "电话", "手机")
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
_DAY_ONLY = re.compile(r"^(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日?$")
_WEEKDAY = re.compile(r"[(（\[]?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[)）\]]?")
_PHONE = re.compile(r"(?:\(?0\d{2,3}\)?[-\s]?)?[2-9]\d{6,7}(?:-\d{1,4})?|1[3-9]\d{9}")
GRID_TITLE_ROWS = 5


def read_grid(rows: list[list]) -> tuple[tuple[str, ...], list[tuple[int, list]]] | None:
    """The calendar grid -> (GRID_HEADER, [(Excel row number, one duty's cells)]), or None
    when no row of the first few holds a 日期 column and a role column. A cell may hold
    several people (`、` `,` `/` or a line break between them), each with a phone after
    the name; a `<role>电话` column gives the phone of the people in the role's cell. An
    empty role cell is an empty slot: no row. A date without a year (`12月1日`, `1日`)
    takes the year and month of the title (`…值班表 2026年12月`)."""
    from etl.readers import header_without_note  # the readers import the registry this module is in
    for i, row in enumerate(rows[:GRID_TITLE_ROWS + 1]):
        words = [header_without_note(c) for c in row]
        dates = [j for j, w in enumerate(words) if w in _DATE_HEADERS]
        roles = {j: w for j, w in enumerate(words) if w in ROLES}
        if dates and roles:
            break
    else:
        return None
    phones = {r: j for j, w in enumerate(words) for r, role in roles.items()
              if w in {role + suffix for suffix in _PHONE_SUFFIXES}}  # role column -> its phone column
    shift_col = next((j for j, w in enumerate(words) if w in _SHIFT_HEADERS), None)
    period_col = next((j for j, w in enumerate(words) if w in _PERIOD_HEADERS), None)
    title = next((m for r in rows[:i] for c in r if c and (m := _title_month(c))), None)
    out = []
    for r in range(i + 1, len(rows)):
        row = rows[r]
        day = _grid_date(_cell(row, dates[0]), title)
        for j, role in roles.items():
            for name, phone in _people(_cell(row, j), _cell(row, phones.get(j))):
                out.append((r + 1, [day, _cell(row, shift_col), _cell(row, period_col), role, name, phone]))
    return GRID_HEADER, out


def _cell(row: list, j: int | None) -> str | None:
    """The text of column `j` of a grid row (None: blank, or no such column)."""
    return None if j is None or j >= len(row) or row[j] is None else str(row[j]).strip() or None


def _title_month(text) -> tuple[int, int] | None:
    m = _MONTH.search(_fold(str(text)))
    return (int(m[1]), int(m[2])) if m else None


def _grid_date(text: str | None, title: tuple[int, int] | None) -> str | None:
    """A grid's date as written, completed with the title's year and month where it has none."""
    if text is None:
        return None
    text = _WEEKDAY.sub("", _fold(text)).strip()
    m = _DAY_ONLY.match(text)
    if not m or title is None:
        return text
    year, month = title
    if m[1]:
        month_given = int(m[1])
        year += 1 if month - month_given > 6 else -1 if month_given - month > 6 else 0
        month = month_given
    return f"{year:04d}-{month:02d}-{int(m[2]):02d}"


def _people(names: str | None, phones: str | None) -> list[tuple[str | None, str | None]]:
    """A role cell -> (name, phone) of each person in it; a phone standing alone belongs to
    the name before it; the phone column's numbers go to the people without one, in order
    (one number: to all of them)."""
    if names is None:
        return []
    people: list[list] = []
    for token in filter(None, (t.strip() for t in _NAMES.split(_fold(names)))):
        phone = _PHONE.search(token)
        name = (token[:phone.start()] + token[phone.end():]).strip(" :：-") if phone else token
        if not name and phone and people and people[-1][1] is None:
            people[-1][1] = phone[0]
        else:
            people.append([name or None, phone[0] if phone else None])
    listed = _PHONE.findall(_fold(phones)) if phones else []
    for k, person in enumerate(people):
        if person[1] is None and listed:
            person[1] = listed[k] if len(listed) == len(people) else listed[0]
    return [tuple(p) for p in people]


# ---------------------------------------------------------------- loading

CHECKS = (
    required("duty_date", "日期"), date("duty_date", "日期"), too_old("duty_date", "日期"),
    required("role", "岗位"), required("name", "姓名"),
    Check("period", "bad_time", "时段无法识别（应如 08:30-17:30 或 17:30-次日08:30）",
          "(given_period OR given_start_time OR given_end_time) AND (start_time IS NULL OR end_time IS NULL)"),
    Check("shift", "shift_unknown", "未填时段，且班次不在设置 duty_shifts 中（未填班次时须配置一个全天班次）",
          "NOT (given_period OR given_start_time OR given_end_time) AND starts_at IS NULL "
          "AND duty_date IS NOT NULL"),
)

TABLE_INPUTS = {"duty_date": (), "shift": (), "role": (), "name": (), "name_masked": (), "starts_at": (), "ends_at": (),
                "phone": (), "run_id": (), "row_number": ()}


def _prepare(con) -> None:
    """The configured shifts as TEMP table `_duty_shift_hours`, for the normalise SQL."""
    con.execute("CREATE OR REPLACE TEMP TABLE _duty_shift_hours (shift VARCHAR, starts TIME, ends TIME, "
                "whole_day BOOLEAN)")
    con.executemany("INSERT INTO _duty_shift_hours VALUES (?, ?, ?, ?)",
                    [(s.name, s.starts, s.ends, s.whole_day) for s in configured_shifts()])


def _derive_rows(con, drop, given, options) -> None:
    """`n` from `n_typed`: a duty belongs to no neighbourhood."""
    from etl.derive import kept_columns
    con.execute(f"""CREATE OR REPLACE TEMP TABLE n AS
        SELECT {kept_columns(drop, given)}
               CAST(NULL AS VARCHAR) AS neighbourhood, CAST(NULL AS VARCHAR) AS neighbourhood_code
        FROM n_typed t""")


def _replace_dates(con, runs) -> None:
    """A file replaces every stored duty of the dates it covers: of each date the rows
    just upserted (`_ok`) cover, only the latest run's stay."""
    con.execute("""DELETE FROM duty_shifts d WHERE d.duty_date IN (SELECT DISTINCT duty_date FROM _ok)
                   AND d.run_id < (SELECT max(x.run_id) FROM duty_shifts x WHERE x.duty_date = d.duty_date)""")


DUTY = Source("duty", "值班表", "duty_shifts", ("duty_date", "shift", "role", "name"), (
    Column("duty_date", ("日期", "值班日期"), required=True),
    Column("shift", ("班次",), text=True),
    Column("period", ("时段", "值班时段")),
    Column("start_time", ("开始时间",)),
    Column("end_time", ("结束时间",)),
    Column("role", ("岗位", "职务", "值班岗位"), required=True, enum=ROLES),
    Column("name", ("姓名", "值班人员姓名"), required=True, text=True),
    Column("phone", ("值班电话", "联系电话", "电话")),
),
    load_rank=5,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    prepare=_prepare,
    derive_rows=_derive_rows,
    after_upsert=_replace_dates,
    latest_sql="max(ends_at)",
    freshness_hours=None,
    board_rank=5,
    board_label="值班表",
    read_grid=read_grid,
    clear_columns=("name", "phone"),
)
