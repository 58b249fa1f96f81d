"""Free text keeps no clear phone, ID or room number where it should not: one masking pass
(etl/privacy.py) in the loader's SQL, the purge and the notices; room numbers in texts and
addresses only for viewers who may see rooms; an address whose room could not be cut off
cleanly is a warning, counted on the 数据 page."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from etl_helpers import D, issues, load, query

from boardkit.data.db import Scope, current_generation
from boardkit.queries import data as data_q
from boardkit.queries import hotline as hotline_q
from etl import privacy, store
from ops import purge
from etl.macros import install_macros
from live.notify import building_of, compose

HEADER = "工单编号,受理时间,诉求类型,诉求内容,发生地址,所属居委,承办部门,工单状态\n"
NOW = D(2020, 3, 1, 12, 0)

# Item 3: each way a phone or ID number is written in a ticket, and its masked form (rooms
# are masked first, so a group between two dashes may go as a room's: 138-***-5678).
NUMBERS = [
    ("138-1234-5678", "138-***-5678"), ("138 1234 5678", "138****5678"),
    ("+8613812345678", "138****5678"), ("008613812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"), ("＋86－138－1234－5678", "＋86－***－***－5678"),
    ("13812345678", "138****5678"),
    ("3101 1519 8001 0112 34", "310115********1234"), ("310115-19800101-1234", "310115********1234"),
    ("31011519800101123X", "310115********123X"), ("310115800101123", "310115*****1123"),
    ("(021)58881234", "021****1234"), ("（021）58881234", "021****1234"), ("021-5888-1234", "021-***-1234"),
    ("0571 8888 1234", "0571****1234"),
]
# Numbers that are nobody's: they stay as written.
KEPT = "2020-02-03 14:05受理，工单号2002031234，隔离14天，每斤10.5元，1-100元，共600户居民，3号1500人，2020年2月3日"


def _write(folder, name: str, rows: list[str]) -> object:
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_phone_and_id_numbers_in_ticket_text_are_masked(tmp_path):
    rows = [f"N{i:02d},2020-02-03 09:00,咨询,来电人电话{raw}，请回电,,八一,南码头路街道,处理中"
            for i, (raw, _) in enumerate(NUMBERS)]
    rows.append(f"N99,2020-02-03 09:00,咨询,{KEPT},,八一,南码头路街道,处理中")
    db = tmp_path / "board.duckdb"
    assert [r.status for r in load("hotline", [_write(tmp_path, "numbers.csv", rows)], db, NOW)] == ["loaded"]
    assert query(db, "SELECT ticket_id, content FROM hotline_tickets ORDER BY 1") == [
        *[(f"N{i:02d}", f"来电人电话{masked}，请回电") for i, (_, masked) in enumerate(NUMBERS)],
        ("N99", KEPT)]


# Item 2: addresses the loader splits into (address, room), and the rooms in ticket texts.
ADDRESSES = [
    ("临沂路2301弄5幢301室", "临沂路2301弄5幢", "301室"), ("临沂路2301弄5-301", "临沂路2301弄5", "301"),
    ("临沂路2301弄5栋301", "临沂路2301弄5栋", "301"), ("临沂路2301弄5座1201", "临沂路2301弄5座", "1201"),
    ("临沂路2301弄5#301室", "临沂路2301弄5#", "301室"), ("临沂路2301弄5单元301", "临沂路2301弄5单元", "301"),
    ("临沂路2301弄3号楼502", "临沂路2301弄3号楼", "502"), ("临沂路2301弄3号501室", "临沂路2301弄3号", "501室"),
    ("临沂路2301弄5幢 301室", "临沂路2301弄5幢", "301室"),
]


@pytest.fixture(scope="module")
def rooms_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rooms")
    rows = [f"R{i:02d},2020-02-03 09:00,投诉,楼上602室住户装修噪音，联系138-1234-5678,{raw},,南码头路街道,处理中"
            for i, (raw, _, _) in enumerate(ADDRESSES)]
    rows.append("R90,2020-02-03 09:00,投诉,5号楼1201住户群租,临沂路2301弄5幢301室门口,,南码头路街道,处理中")
    rows.append("R91,2020-02-03 09:00,咨询,咨询口罩购买,临沂路2301弄3号,,南码头路街道,处理中")
    db = folder / "board.duckdb"
    assert [r.status for r in load("hotline", [_write(folder, "rooms.csv", rows)], db, NOW)] == ["loaded"]
    return db


def test_addresses_are_split_at_their_room(rooms_db):
    rows = query(rooms_db, "SELECT ticket_id, address, room FROM hotline_tickets ORDER BY 1")
    assert rows == [*[(f"R{i:02d}", address, room) for i, (_, address, room) in enumerate(ADDRESSES)],
                    ("R90", "临沂路2301弄5幢", "301室门口"), ("R91", "临沂路2301弄3号", None)]


def test_rooms_in_ticket_text_only_beside_it(rooms_db):
    rows = query(rooms_db, "SELECT ticket_id, content, content_with_rooms FROM hotline_tickets ORDER BY 1")
    assert rows[0] == ("R00", "楼上***室住户装修噪音，联系138-***-5678", "楼上602室住户装修噪音，联系138****5678")
    assert rows[-2:] == [("R90", "5号楼***住户群租", "5号楼1201住户群租"), ("R91", "咨询口罩购买", None)]


def test_an_address_whose_room_is_not_cut_off_cleanly_is_a_warning(rooms_db):
    assert issues(rooms_db, "etl_warnings") == [
        ("rooms.csv", len(ADDRESSES) + 2, "address", "临沂路2301弄5幢***室门口", "room_unseparated",
         "地址中的室号未能单独拆出（室号后另有文字、楼栋写在室号中或缺少楼栋），请核对地址写法")]
    assert data_q.unseparated_rooms(current_generation(rooms_db), Scope()) == 1


def test_staff_see_no_room_and_leaders_do(rooms_db):
    gen = current_generation(rooms_db)
    staff = hotline_q.tickets_oldest_first(gen, Scope(show_room=False), NOW, view="all")
    assert len(staff) == len(ADDRESSES) + 2 and "room" not in staff.columns
    cells = [str(v) for v in staff.astype(str).to_numpy().ravel()]
    assert [c for c in cells if privacy.has_room(c)] == []
    leader = hotline_q.tickets_oldest_first(gen, Scope(show_room=True), NOW, view="all")
    assert set(leader["content"]) == {"楼上602室住户装修噪音，联系138****5678", "5号楼1201住户群租", "咨询口罩购买"}


def test_notices_name_the_building_only():
    assert [building_of(a) for a in ("浦三路1弄5号302室", "浦三路1弄5幢301室", "浦三路1弄5-301", "浦三路1弄5栋301",
                                     "浦三路1弄5座1201", "浦三路1弄5#301室", "浦三路1弄5单元301", "浦三路1弄3号楼502",
                                     "浦三路1弄5号 电话138 1234 5678", None)] == [
        "浦三路1弄5号", "浦三路1弄5幢", "浦三路1弄5", "浦三路1弄5栋", "浦三路1弄5座", "浦三路1弄5#", "浦三路1弄5单元",
        "浦三路1弄3号楼", "浦三路1弄5号 电话138****5678", "（地址不详）"]
    notice = {"neighbourhood": "八一居民区", "building": "浦三路1弄5幢301室 021-5888-1234", "alarm_types": "开门报警",
              "alarm_count": 1, "first_raised": "2020-02-03 22:10:00"}
    _, body = compose("arrival", notice, dt.datetime(2020, 2, 3, 22, 25))
    assert body.splitlines()[2:5] == ["> 楼栋：浦三路1弄5幢***室 021-***-1234", "> 类型：开门报警",
                                      "> 报警时间：02-03 22:10"]


def test_purge_scrubs_text_an_older_loader_left(rooms_db, tmp_path):
    """A database written before this masking pass: the next purge leaves no clear number."""
    db = tmp_path / "db" / "board.duckdb"
    db.parent.mkdir()
    (db.parent / "generations").mkdir()
    live = db.parent / "generations" / "board-000001.duckdb"
    live.write_bytes(store.current_file(rooms_db).read_bytes())
    db.symlink_to(live.relative_to(db.parent))
    con = duckdb.connect(str(live))
    con.execute("""UPDATE hotline_tickets SET content = '电话138 1234 5678，楼上602室', content_with_rooms = NULL,
                   address = '临沂路2301弄5幢301室', room = NULL WHERE ticket_id = 'R91'""")
    con.execute("UPDATE hotline_tickets SET received_at = TIMESTAMP '2020-03-20 09:00' WHERE ticket_id = 'R00'")
    con.close()
    result = purge.purge(db, days=30, today=dt.date(2020, 4, 1), grace_seconds=0)
    assert result.generation is not None and result.texts > 0
    assert query(db, "SELECT content, content_with_rooms, address, room FROM hotline_tickets WHERE ticket_id = 'R91'") == [
        ("电话138****5678，楼上***室", None, "临沂路2301弄5幢***室", None)]
    # Received before the cutoff: the room and the text with rooms are gone; after it, kept.
    assert query(db, "SELECT ticket_id, room, content_with_rooms FROM hotline_tickets "
                     "WHERE ticket_id IN ('R00', 'R01') ORDER BY 1") == [
        ("R00", "301室", "楼上602室住户装修噪音，联系138****5678"), ("R01", None, None)]


def test_python_and_sql_mask_alike():
    con = duckdb.connect()
    install_macros(con)
    texts = [f"来电{raw}，{KEPT}，{address}" for (raw, _), (address, _, _) in zip(NUMBERS, ADDRESSES * 2)]
    assert [privacy.mask_free_text(t) for t in texts] == [con.execute("SELECT scrub(?)", [t]).fetchall()[0][0]
                                                          for t in texts]
