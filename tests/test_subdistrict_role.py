"""The sub-district role (街道) of district and city deployments: a 街道 head's scope is the
neighbourhoods the reference pack puts in its sub-district, resolved on every run and
closed when the pack does not know the sub-district; `python -m etl users add` takes the
role with its sub-district; on the board the head sees its own neighbourhoods only."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from board_helpers import TWO_SUBDISTRICTS
from boardkit.app.auth import viewer_of
from boardkit.data.db import Scope
from core.users import User, add_user, load_users
from etl.reference import load_pack
from etl.refpack import write_pack
from page_helpers import BOARD, fill_sign_in, metric_value, moment, one, rerun, sign_in_required, table_with
from test_page_hotline import OPEN

NANMATOU, TANGQIAO = TWO_SUBDISTRICTS
TQ_CODES = ("310115011001", "310115011002", "310115011003")
TQ_NAMES = {"塘东居民区", "塘西居民区", "蓝村居民区"}


@pytest.fixture
def small_pack(tmp_path, monkeypatch):
    """The map of TWO_SUBDISTRICTS alone (all the scope needs), as the configured pack."""
    folder = tmp_path / "reference"
    write_pack(folder, TWO_SUBDISTRICTS)
    monkeypatch.setenv("BOARD_REFERENCE", str(folder))
    return folder


def test_the_pack_knows_each_sub_district_and_its_neighbourhoods(small_pack):
    pack = load_pack(small_pack)
    assert {code: (area.name, area.neighbourhoods) for code, area in pack.subdistricts().items()} == {
        "310115010": ("南码头路街道", ("310115010001", "310115010002", "310115010003")),
        "310115011": ("塘桥街道", TQ_CODES)}
    for given in ("310115011", "塘桥街道", "塘桥", " 塘桥 街道", "塘桥街道办事处"):
        assert pack.find_subdistrict(given).code == "310115011", given
    for unknown in ("三林", "310115012", "塘", ""):
        with pytest.raises(ValueError, match="没有街道"):
            pack.find_subdistrict(unknown)


def test_a_heads_scope_is_exactly_its_sub_districts_neighbourhoods(small_pack):
    head = viewer_of(User("tq", "subdistrict", subdistrict="310115011"))
    assert head.scope == Scope(TQ_CODES, show_room=True)
    assert head.area == "塘桥街道" and not head.refusal and not head.is_leader
    other = viewer_of(User("nmt", "subdistrict", subdistrict="310115010"))
    assert other.scope.codes == ("310115010001", "310115010002", "310115010003")
    # A committee keeps the codes of its users-file entry.
    assert viewer_of(User("bayi", "neighbourhood", ("310115010001",))).scope == Scope(("310115010001",), True)


def _sees_nothing(viewer, why: str) -> None:
    assert viewer.scope.codes == () and viewer.scope.params == {"scope_all": False, "scope_codes": []}
    assert why in viewer.refusal, viewer.refusal


def test_an_unknown_or_empty_sub_district_sees_nothing_and_is_told_why(small_pack, tmp_path, monkeypatch):
    _sees_nothing(viewer_of(User("x", "subdistrict", subdistrict="310115099")), "“310115099”在参考数据包中不存在")
    _sees_nothing(viewer_of(User("x", "subdistrict")), "“未指定”在参考数据包中不存在")
    # The sub-district subdistrict.toml names, with no neighbourhood in the pack's map.
    (small_pack / "subdistrict.toml").write_text('name = "三林镇"\ncode = "310115130"\n', encoding="utf-8")
    _sees_nothing(viewer_of(User("x", "subdistrict", subdistrict="310115130")), "在参考数据包中没有居民区")
    with pytest.raises(ValueError, match="没有居民区"):
        load_pack(small_pack).find_subdistrict("三林镇")
    monkeypatch.setenv("BOARD_REFERENCE", str(tmp_path / "missing"))
    _sees_nothing(viewer_of(User("tq", "subdistrict", subdistrict="310115011")), "参考数据包无法读取")


def test_a_changed_pack_changes_the_scope_on_the_next_run(small_pack):
    assert viewer_of(User("tq", "subdistrict", subdistrict="310115011")).scope.codes == TQ_CODES
    moved = [dict(TANGQIAO, neighbourhoods=TANGQIAO["neighbourhoods"][:2]),
             dict(NANMATOU, neighbourhoods=NANMATOU["neighbourhoods"] + TANGQIAO["neighbourhoods"][2:])]
    write_pack(small_pack, moved)
    assert viewer_of(User("tq", "subdistrict", subdistrict="310115011")).scope.codes == TQ_CODES[:2]


def test_users_command_adds_a_sub_district_head_by_name_or_code(small_pack, tmp_path, monkeypatch, capsys):
    from etl.__main__ import main
    users = tmp_path / "users.toml"
    monkeypatch.setenv("BOARD_USERS", str(users))
    assert main(["users", "add", "tq", "--role", "subdistrict", "--subdistrict", "塘桥", "--password", "tq-pass-1"]) == 0
    assert main(["users", "add", "nmt", "--role", "subdistrict", "--subdistrict", "310115010",
                 "--password", "nmt-pass-1"]) == 0
    saved = load_users(users)
    assert (saved["tq"].role, saved["tq"].subdistrict, saved["tq"].neighbourhoods) == ("subdistrict", "310115011", ())
    assert saved["nmt"].subdistrict == "310115010"
    assert 'subdistrict = "310115011"' in users.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["tq\tsubdistrict\t310115011", "nmt\tsubdistrict\t310115010"]
    refused = {"三林": "参考数据包中没有街道“三林”",
               None: "街道角色须指定所属街道"}
    for given, message in refused.items():
        argv = ["users", "add", "x", "--role", "subdistrict", "--password", "x-pass-1"]
        assert main(argv + (["--subdistrict", given] if given else [])) == 2
        assert message in capsys.readouterr().err
    assert main(["users", "add", "x", "--role", "leader", "--subdistrict", "塘桥", "--password", "x-pass-1"]) == 2
    assert "只用于街道角色" in capsys.readouterr().err
    assert set(load_users(users)) == {"tq", "nmt"}  # nothing written by a refused command
    with pytest.raises(SystemExit):
        main(["users", "--help"])
    assert "--role subdistrict --subdistrict 南码头路街道" in capsys.readouterr().out


def test_add_user_needs_the_sub_district_of_a_head_and_only_of_a_head(tmp_path):
    path = tmp_path / "users.toml"
    for role, codes, area in (("subdistrict", (), ""), ("staff", (), "310115011"),
                              ("subdistrict", ("310115011001",), "310115011")):
        with pytest.raises(ValueError, match="街道角色"):
            add_user("x", role, "password-1", codes, path=path, subdistrict=area)
    assert not path.exists()


@pytest.fixture
def head_signs_in(two_subdistrict_env, tmp_path, monkeypatch):
    """Sign-in on, with the head of 塘桥街道 and the head of a sub-district the pack lacks."""
    sign_in_required(monkeypatch, tmp_path)
    add_user("tq", "subdistrict", "tq-pass-1", path=tmp_path / "users.toml", subdistrict=TANGQIAO["code"])
    add_user("lost", "subdistrict", "lost-pass-1", path=tmp_path / "users.toml", subdistrict="310115099")


def _signed_in(name: str, password: str) -> AppTest:
    """Signed in through the form, which lands on the overview under board.py's sidebar and
    freshness line (AppTest shows those on the first page only)."""
    at = AppTest.from_file(str(BOARD), default_timeout=90)
    at.run()
    fill_sign_in(at, (name, password))
    return rerun(at)


def _next_page(at: AppTest, page: str) -> AppTest:
    """The tab opens another page. A server starts every run in board.py; AppTest runs the page
    alone, so the last run's context goes first and the page hands over to board.py."""
    at.switch_page(page)
    del at.session_state["ctx"]
    return rerun(at)


def _open_tickets(codes: tuple) -> int:
    return one(f"SELECT count(*) FROM hotline_tickets WHERE {OPEN} AND list_contains($codes, neighbourhood_code)",
               {"now": moment(), "codes": list(codes)})


def test_a_head_sees_only_its_neighbourhoods_on_the_overview_and_a_stream_page(head_signs_in):
    everything = one("SELECT count(DISTINCT neighbourhood_code) FROM hotline_tickets")
    assert everything == 6 and _open_tickets(TQ_CODES) < _open_tickets(TQ_CODES + ("310115010001",))
    at = _signed_in("tq", "tq-pass-1")
    status = table_with(at, "居民区")
    assert set(status["居民区"]) == TQ_NAMES
    assert metric_value(at, "在办工单") == f"{_open_tickets(TQ_CODES):,}"
    assert at.multiselect(key="f_nb").options == sorted(TQ_NAMES)  # the sidebar offers its own only
    assert any(c.value.startswith("塘桥街道　") for c in at.caption)
    _next_page(at, "pages/hotline.py")
    assert set(table_with(at, "链接")["居民区"]) == TQ_NAMES
    tickets = table_with(at, "工单编号")
    assert len(tickets) == _open_tickets(TQ_CODES) and set(tickets["居民区"]) <= TQ_NAMES
    assert "室号" in tickets.columns  # a head sees rooms, as a leader does
    _next_page(at, "pages/data.py")  # its rejects: its neighbourhoods', no "unresolved" rows
    assert sorted(at.multiselect(key="dt_fix_nb").options) == sorted(TQ_NAMES)
    fix = table_with(at, "问题与改法")
    assert len(fix) == one("SELECT count(*) FROM (SELECT neighbourhood FROM etl_rejects UNION ALL "
                           "SELECT neighbourhood FROM etl_warnings) WHERE list_contains($names, neighbourhood)",
                           {"names": sorted(TQ_NAMES)}) > 0
    assert set(fix["居民区"]) <= TQ_NAMES
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/audit.py")  # the audit page is a leader's only: not in a head's menu


def test_a_head_of_an_unknown_sub_district_sees_nothing(head_signs_in):
    at = _signed_in("lost", "lost-pass-1")
    for page in ("pages/overview.py", "pages/data.py", "pages/explore.py", "pages/hotline.py"):
        if page != "pages/overview.py":  # where signing in lands
            _next_page(at, page)
        assert any("“310115099”在参考数据包中不存在" in e.value for e in at.error), page
        assert not at.metric and not at.dataframe, page


def test_a_heads_brief_is_its_sub_districts(two_subdistrict_env):
    from boardkit.brief.build import build_brief
    from boardkit.data.db import current_generation
    head = viewer_of(User("tq", "subdistrict", subdistrict=TANGQIAO["code"]))
    brief = build_brief(current_generation(), scope=head.scope)
    assert brief.subdistrict == "塘桥街道"
    assert set(brief.tables["居民区状态"]["居民区"]) == TQ_NAMES
    assert all(set(frame["居民区"]) <= TQ_NAMES for frame in brief.details.values() if "居民区" in frame)
