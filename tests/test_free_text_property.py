"""Property: phone, ID, landline and room numbers written any of the ways clerks
write them, inside ticket texts, alarm notes and addresses, are found in clear nowhere a
viewer without room rights could read them: no text column of the database (rooms only in
`room` and the *_with_rooms columns), no export of a staff page, no brief, no notice. Numbers
that are nobody's (dates, times, amounts, ticket numbers, "14天") stay as written.

Few examples, each a whole load: the loader's SQL is what is tested (kept under ~30 s)."""
from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from pathlib import Path

import duckdb
import openpyxl
from etl_helpers import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boardkit.render import exports as export
from boardkit.brief.build import brief_files
from boardkit.data.db import ALL, Scope, current_generation
from boardkit.queries import alarms as alarms_q
from boardkit.queries import hotline as hotline_q
from etl import privacy
from etl.macros import install_macros
from live.notify import building_of, compose

NOW = dt.datetime(2020, 3, 1, 12, 0)
DAY = dt.date(2020, 2, 3)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = st.sampled_from([" ", "-", "－", "—", "."])
KEPT = ["2020-02-03 14:05", "2020年2月3日", "14天", "300元", "10.5元/斤", "1-100元", "工单号SH2020020301",
        "共600户", "3号1500人", "第2批"]
FILLERS = st.sampled_from(["来电人反映", "请尽快处理", "居民称", "已电话联系", "住户说", "要求核实"])


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


@st.composite
def mobile(draw) -> tuple[str, str]:
    number = "1" + draw(st.sampled_from("3456789")) + draw(_digits(9))
    sep = draw(SEPARATORS)
    shape = draw(st.sampled_from(["plain", "groups", "prefix", "prefix_groups"]))
    text = {"plain": number, "groups": f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}",
            "prefix": draw(st.sampled_from(["+86", "0086", "＋86", "+86 "])) + number,
            "prefix_groups": f"+86 {number[:3]} {number[3:7]} {number[7:]}"}[shape]
    return text, number


@st.composite
def resident_id(draw) -> tuple[str, str]:
    region = draw(st.sampled_from("12345678")) + draw(_digits(5))
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)))
    tail = draw(_digits(3)) + draw(st.sampled_from("0123456789X"))
    if draw(st.booleans()):  # 18 digits
        number = f"{region}{born:%Y%m%d}{tail}"
        sep = draw(SEPARATORS)
        shape = draw(st.sampled_from(["plain", "6-8-4", "4s"]))
        text = {"plain": number, "6-8-4": f"{number[:6]}{sep}{number[6:14]}{sep}{number[14:]}",
                "4s": " ".join(number[i:i + 4] for i in range(0, 18, 4))}[shape]
    else:  # 15 digits, before 1999
        number = f"{region}{born:%y%m%d}{tail[:3]}"
        text = number
    return text, number


@st.composite
def landline(draw) -> tuple[str, str]:
    area = draw(st.sampled_from(["021", "010", "0571", "0755"]))
    local = draw(st.sampled_from("23456789")) + draw(_digits(7 if len(area) == 3 else 6))
    shape = draw(st.sampled_from(["brackets", "full_brackets", "dashes", "space"]))
    text = {"brackets": f"({area}){local}", "full_brackets": f"（{area}）{local}",
            "dashes": f"{area}-{local[:4]}-{local[4:]}", "space": f"{area} {local}"}[shape]
    return text, area + local


@st.composite
def room(draw) -> tuple[str, str]:
    """(how the room is written, the room-shaped part that must not reach staff)."""
    building = str(draw(st.integers(1, 40)))
    number = f"{draw(st.integers(1, 33))}{draw(st.integers(1, 4)):02d}"
    mark = draw(st.sampled_from(["幢", "栋", "座", "#", "单元", "号楼", "-", "号"]))
    suffix = draw(st.sampled_from(["", "室"])) if mark != "-" else ""
    return f"{building}{mark}{number}{suffix}", f"{mark}{number}{suffix}"


PERSONAL = st.one_of(mobile(), resident_id(), landline())


def _full_width(draw, text: str) -> str:
    return text.translate(FULL_WIDTH) if draw(st.booleans()) else text


@st.composite
def dataset(draw):
    """Ticket and alarm rows, each text holding some of the shapes, and what must not leak."""
    numbers, rooms, tickets, alarms = [], [], [], []
    for i in range(draw(st.integers(2, 4))):
        shown, number = draw(PERSONAL)
        written, room_text = draw(room())
        numbers.append(number)
        rooms.append(room_text)
        kept = draw(st.sampled_from(KEPT))
        content = f"{draw(FILLERS)}{_full_width(draw, shown)}，{kept}，楼上{written}住户"
        address = f"临沂路2301弄{written}"
        tickets.append(f"P{i},2020-02-03 09:{i:02d},投诉,{content},{address},,南码头路街道,处理中")
        note_number, note = draw(PERSONAL)
        numbers.append(note)
        alarms.append(f"A{i},MC{i},门磁,开门,2020-02-03 22:{i:02d},八一,{address},未处置,,,"
                      f"已联系{_full_width(draw, note_number)}，{written}在家")
    return tickets, alarms, numbers, rooms


def _in_clear(number: str) -> re.Pattern:
    """The number's digits in order, whatever stands between them (separators, full width)."""
    digit = {c: f"[{c}{c.translate(FULL_WIDTH)}]" for c in "0123456789"}
    return re.compile(r"[^0-9０-９*]{0,2}".join(digit.get(c, "[Xx]") for c in number))


def _workbook_text(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
            if v is not None]


ROOM_COLUMNS = {"room", "content_with_rooms", "note_with_rooms"}


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(dataset())
def test_no_number_in_clear_and_no_room_for_staff(data):
    tickets, alarms, numbers, rooms = data
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "t.csv").write_text("工单编号,受理时间,诉求类型,诉求内容,发生地址,所属居委,承办部门,工单状态\n"
                                      + "\n".join(tickets) + "\n", encoding="utf-8")
        (folder / "a.csv").write_text("报警编号,设备编号,设备类型,报警类型,报警时间,居民区,地址,处置状态,处置人,"
                                      "处置时间,处置结果\n" + "\n".join(alarms) + "\n", encoding="utf-8")
        db = folder / "board.duckdb"
        results = load("hotline", [folder / "t.csv"], db, NOW) + load("alarms", [folder / "a.csv"], db, NOW)
        assert [r.status for r in results] == ["loaded", "loaded"]

        con = duckdb.connect(str(db.resolve()), read_only=True)
        try:
            columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                  "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
            stored = [(column, value) for table, column in columns
                      for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" '
                                                  f'WHERE "{column}" IS NOT NULL').fetchall()]
            kept = [kept for (kept,) in con.execute("SELECT content FROM hotline_tickets").fetchall()]
        finally:
            con.close()
        staff_texts = [value for column, value in stored if column not in ROOM_COLUMNS]

        gen = current_generation(db)
        staff = Scope(show_room=False)
        frames = [hotline_q.tickets_oldest_first(gen, staff, NOW, view="all"),
                  alarms_q.unhandled_alarms_oldest_first(gen, staff, NOW)]
        staff_texts += [export.csv_bytes(f).decode("utf-8-sig") for f in frames]
        staff_texts += _workbook_text(export.xlsx_bytes({str(i): f for i, f in enumerate(frames)}))
        _, workbook, html = brief_files(gen, DAY, ALL)
        staff_texts += _workbook_text(workbook) + [html]
        for row in alarms:
            address = row.split(",")[6]
            notice = {"neighbourhood": "八一居民区", "building": building_of(address), "alarm_types": "开门报警",
                      "alarm_count": 1, "first_raised": "2020-02-03 22:00:00"}
            staff_texts.append("\n".join(compose("escalation", notice, NOW)))

    everything = [value for _, value in stored] + staff_texts
    assert [(n, t) for n in numbers for t in everything if _in_clear(n).search(t)] == []
    assert [(r, t) for r in rooms for t in staff_texts if r in t] == []
    assert [t for t in staff_texts if privacy.has_room(t)] == []
    assert all(any(k in text for text in kept) for k in {row.split(",")[3].split("，")[1] for row in tickets})


@st.composite
def free_text(draw):
    """A text of fillers, numbers that are nobody's, personal numbers and rooms, in any order."""
    parts, numbers, rooms, kept = [], [], [], []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["personal", "room", "kept", "filler"]))
        if kind == "personal":
            shown, number = draw(PERSONAL)
            parts.append(_full_width(draw, shown))
            numbers.append(number)
        elif kind == "room":
            written, room_text = draw(room())
            parts.append(written + draw(st.sampled_from(["住户", "", "门口", "的"])))
            rooms.append(room_text)
        elif kind == "kept":
            kept.append(draw(st.sampled_from(KEPT)))
            parts.append(kept[-1])
        else:
            parts.append(draw(FILLERS))
    joiner = draw(st.sampled_from(["，", "；", " ", "。"]))
    # Numbers joined by a space may be read as one (over-masked, never shown): only numbers
    # set apart by punctuation must stay as written.
    return joiner.join(parts), numbers, rooms, kept if joiner != " " else []


SQL = duckdb.connect()
install_macros(SQL)


@settings(max_examples=100, deadline=None)
@given(free_text())
def test_masking_pass_on_any_text(case):
    """The masking pass alone (no load): cheap, so many more shapes and neighbours."""
    text, numbers, rooms, kept = case
    folded = SQL.execute("SELECT fold_text(?)", [text]).fetchall()[0][0]
    masked = privacy.mask_free_text(folded)
    assert masked == SQL.execute("SELECT scrub(?)", [folded]).fetchall()[0][0]
    assert [n for n in numbers if _in_clear(n).search(masked)] == []
    assert [r for r in rooms if r in masked] == [] and not privacy.has_room(masked)
    assert [k for k in kept if k not in masked] == []
