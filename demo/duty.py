"""The operations centre's duty roster (值班表) as the office keeps it: one calendar grid a
month (this month and the next: a merged title row, dates down with 星期, roles across, a
leader's cell merged over the days of their turn, name and phone in one cell, two officers
sharing the desk line's column, one officer's slot left empty a few days ahead so the
数据 page warns), and a small re-issued day in the one-row-a-duty shape with an extra
night shift crossing midnight. Invented staff: common surnames and given names, phones in
the 1390000xxxx range and desk lines 021-5888xxxx."""
from __future__ import annotations

import calendar
import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from openpyxl.styles import Alignment, Font

from demo import ids
from demo.files import new_workbook, workbook_bytes

WEEKDAYS = "一二三四五六日"
DESK_LINE = "021-58880001"
# The officer's slot left empty, this many days after the demo's last day.
EMPTY_SLOT_AFTER = 3


def write_duty_files(out: Path, today: date, subdistrict: str, seed: int) -> list[Path]:
    """The grids of `today`'s month (issued the day before it began) and the next (issued
    `today`), then the re-issued day (`today`, with an extra night shift): in load order,
    each named with the date it was issued, as the other demo files are."""
    rng = np.random.default_rng(seed + 23)
    staff = ids.names(rng, rng.random(16) < 0.5)
    phones = [f"1390000{k:04d}" for k in rng.choice(10_000, size=16, replace=False)]
    people = list(zip(staff, phones))
    leads, chiefs, officers = people[:4], people[4:8], people[8:16]
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    paths = []
    for month, issued in ((first, first - timedelta(days=1)), (following, today)):
        path = out / f"城运中心值班表_{month.year}年{month.month}月_{issued:%Y%m%d}.xlsx"
        path.write_bytes(_grid(month, subdistrict, leads, chiefs, officers, today + timedelta(days=EMPTY_SLOT_AFTER)))
        paths.append(path)
    path = out / f"值班安排调整_{today:%Y%m%d}.csv"
    path.write_bytes(_reissued_day(today, leads, chiefs, officers))
    paths.append(path)
    return paths


def _on(day: date, leads, chiefs, officers):
    """Who is on `day`: a leader for three days running, a chief a day, two officers."""
    k = day.toordinal()
    return leads[(k // 3) % len(leads)], chiefs[k % len(chiefs)], \
        [officers[(2 * k) % len(officers)], officers[(2 * k + 1) % len(officers)]]


def _grid(month: date, subdistrict: str, leads, chiefs, officers, empty_day: date) -> bytes:
    book = new_workbook()
    sheet = book.active
    sheet.title = f"{month.month}月"
    sheet.append([f"{subdistrict}城运中心值班表 {month.year}年{month.month}月"])
    sheet.merge_cells("A1:F1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["日期", "星期", "带班领导", "值班长", "值班员", "值班员电话"])
    days = calendar.monthrange(month.year, month.month)[1]
    lead_from, lead_of = None, None
    for d in range(1, days + 1):
        day = month.replace(day=d)
        lead, chief, pair = _on(day, leads, chiefs, officers)
        row = sheet.max_row + 1
        # A chief's phone on the line under the name in some cells, after it in others.
        chief_cell = f"{chief[0]}\n{chief[1]}" if d % 2 else f"{chief[0]} {chief[1]}"
        officer_cell = None if day == empty_day else "、".join(name for name, _ in pair)
        sheet.append([f"{month.month}月{d}日", f"星期{WEEKDAYS[day.weekday()]}",
                      f"{lead[0]} {lead[1]}" if lead != lead_of else None, chief_cell, officer_cell,
                      DESK_LINE if officer_cell else None])
        if lead != lead_of:
            if lead_from is not None and row - 1 > lead_from:
                sheet.merge_cells(start_row=lead_from, start_column=3, end_row=row - 1, end_column=3)
            lead_from, lead_of = row, lead
        sheet.cell(row=row, column=4).alignment = Alignment(wrap_text=True)
    if sheet.max_row > lead_from:
        sheet.merge_cells(start_row=lead_from, start_column=3, end_row=sheet.max_row, end_column=3)
    sheet.append([f"注：值班电话 {DESK_LINE}，如有调整请提前报城运中心。"])
    for column, width in zip("ABCDEF", (10, 8, 22, 22, 18, 16)):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(book)


def _reissued_day(day: date, leads, chiefs, officers) -> bytes:
    """The day re-issued whole (a file replaces the days it covers), an officer added for
    the night."""
    lead, chief, pair = _on(day, leads, chiefs, officers)
    night = officers[(2 * day.toordinal() + 2) % len(officers)]
    rows = [["日期", "班次", "时段", "岗位", "姓名", "值班电话"],
            [day.isoformat(), "全天", "", "带班领导", lead[0], lead[1]],
            [day.isoformat(), "全天", "", "值班长", chief[0], chief[1]],
            *[[day.isoformat(), "全天", "", "值班员", name, DESK_LINE] for name, _ in pair],
            [day.isoformat(), "夜班", "17:30-次日08:30", "值班员", night[0], night[1]]]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def in_file_order(paths: list[Path], duty: list[Path]) -> list[Path]:
    """The duty files among the other demo files (oldest first), each after the others of
    its date: the date is the last 8-digit group of a name."""
    def issued(path: Path) -> str:
        return re.findall(r"\d{8}", path.name)[-1]
    return sorted(paths + duty, key=issued)  # stable: the others' order within a date stays
