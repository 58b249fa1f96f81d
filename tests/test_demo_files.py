"""The demo generator writes realistic raw files: the expected mix of formats and
encodings, byte-identical for a seed, with valid resident IDs and USCCs."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from stdnum.cn import ric, uscc

from demo import model as M
from demo.generate import SCALES, write_demo_files
from etl.reference import load_pack

END, DAYS, FACTOR, SEED = date(2020, 3, 10), 22, 0.25, 7


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo_files(out, seed=SEED, end=END, days=DAYS, volume_factor=FACTOR)


def encoding_of(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        return "xlsx"
    if data.startswith(b"\xff\xfe"):
        return "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        data.decode("gb18030")
        return "gb18030"


def rows_of(path: Path) -> list[list]:
    """All rows of a file (every sheet of a workbook), cells as strings."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        return [["" if v is None else str(v) for v in row]
                for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    enc = encoding_of(path)
    text = path.read_bytes().decode({"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(enc, enc))
    return list(csv.reader(io.StringIO(text), delimiter="\t" if path.suffix == ".txt" else ","))


def clean(cell: str) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell)).lstrip("*")
    return re.sub(r"（.*?）|\(.*?\)", "", text)


def column_values(path: Path, headers: tuple[str, ...]) -> list[str]:
    """Values under the first header row that names one of `headers`."""
    rows = rows_of(path)
    for i, row in enumerate(rows[:8]):
        names = [clean(c) for c in row]
        hit = [j for j, n in enumerate(names) if n in headers]
        if hit:
            j = hit[0]
            return [clean(r[j]) for r in rows[i + 1:] if len(r) > j and r[j]]
    return []


def test_files_exist_with_the_expected_mix(demo):
    out, paths = demo
    assert paths and all(p.exists() and p.parent == out for p in paths)
    assert {p.suffix for p in paths} == {".csv", ".xlsx", ".txt"}
    assert {encoding_of(p) for p in paths} >= {"xlsx", "utf-8", "utf-8-sig", "gb18030", "utf-16"}
    names = [p.name for p in paths]
    for pattern in (r"^12345工单_\d{8}", r"_来沪人员.*_\d{8}\.", r"^企业来沪员工_\d{8}\.",
                    r"^门磁报警_\d{8}\.", r"^企业复工_\d{8}\."):
        assert any(re.search(pattern, n) for n in names), pattern
    # Load order: oldest first (the file date is the last 8-digit group of the name).
    stamps = [re.findall(r"\d{8}", n)[-1] for n in names]
    assert stamps == sorted(stamps)
    assert not (out / "reference").exists()  # the sub-district uses the configured pack


def test_messes_are_present(demo):
    _, paths = demo
    xlsx = [p for p in paths if p.suffix == ".xlsx"]
    merged_header = titled = total = 0
    for p in xlsx:
        ws = openpyxl.load_workbook(p).worksheets[-1]
        first = [c.value for c in ws[1]]
        merged_header += any(c.value == "隔离情况" for row in ws.iter_rows(max_row=6) for c in row)
        titled += bool(first[0]) and all(v is None for v in first[1:]) and bool(ws.merged_cells.ranges)
        total += ws.cell(row=ws.max_row, column=1).value == "合计"
        if merged_header and titled and total:
            break
    assert merged_header and titled and total
    headers = "".join(",".join(r) for p in paths for r in rows_of(p)[:6])
    assert "工单号" in headers and "来电时间" in headers  # synonyms
    assert "\n" in headers and "（" in headers and "*" in headers


def test_same_seed_same_bytes(demo, tmp_path):
    out, paths = demo
    again = write_demo_files(tmp_path, seed=SEED, end=END, days=DAYS, volume_factor=FACTOR)
    assert [p.name for p in again] == [p.name for p in paths]
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert [digest(p) for p in again] == [digest(p) for p in paths]


def test_resident_ids_are_valid(demo):
    _, paths = demo
    ids = [v for p in paths if "来沪" in p.name
           for v in column_values(p, ("身份证号", "身份证号码", "证件号码"))
           if re.fullmatch(r"\d{17}[\dXx]", v)]
    assert len(ids) > 200
    valid = sum(ric.is_valid(v) for v in ids)
    assert valid / len(ids) >= 0.95
    assert valid < len(ids)  # some check digits are wrong on purpose (warnings on load)


def test_usccs_are_valid(demo):
    _, paths = demo
    codes = [v for p in paths if p.name.startswith(("企业复工", "企业来沪员工"))
             for v in column_values(p, ("统一社会信用代码",)) if len(v) == 18]
    assert len(codes) > 100
    assert sum(uscc.is_valid(v) for v in codes) / len(codes) >= 0.98


def test_model_keeps_its_own_rules():
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(3).spawn(5)]
    geo = M.Geo.from_pack(load_pack(), rng[0])
    season = M.make_season(date(2020, 5, 31), 120)
    assert season.anchor == np.datetime64("2020-01-25")  # the real Spring Festival
    firms = M.firm_model(rng[1], season, geo, 300)
    tickets, _ = M.hotline_model(rng[2], season, geo, 3000, 3)
    persons = M.roster_model(rng[3], season, geo, 1500, firms, reuse_devices=True)
    alarms = M.alarm_model(rng[4], season, persons, 4000)
    assert (tickets["received"] < season.as_of).all()
    assert not (tickets["closed"] < tickets["received"]).any()
    assert not (persons["q_end"] < persons["q_start"]).any()
    assert not (alarms["handled"] < alarms["raised"]).any()
    assert (alarms["raised"] >= season.start.astype("datetime64[s]")).all()
    assert (firms["outside"] <= firms["total"]).all()
    share = tickets.groupby(tickets["received"].dt.month)["epidemic"].mean()
    assert share[2] > 0.55 and share[5] < 0.3
    response = (alarms["handled"] - alarms["raised"]).dt.total_seconds()[alarms["type"] == 0] / 60
    assert 6 < response.median() < 10 and (response > 15).mean() > 0.05


def test_district_scale_writes_a_pack_and_plain_csv(tmp_path):
    paths = write_demo_files(tmp_path, "district", seed=1, end=date(2020, 3, 1), days=20,
                             volume_factor=0.001, verbose=False)
    pack = load_pack(tmp_path / "reference")
    assert len(pack.neighbourhoods) == 36 * 30
    # the pack classifies its own tickets: a district load stopped where its model was missing
    from etl.topic_model import MODEL_FILE, load_model
    assert load_model(tmp_path / "reference" / MODEL_FILE).classes
    assert {encoding_of(p) for p in paths} == {"utf-8"} and {p.suffix for p in paths} == {".csv"}
    ranges = {}
    for r in pack.address_index:
        ranges.setdefault(r["road"], []).append((int(r["lane_from"]), int(r["lane_to"])))
    addresses = [v for p in paths if p.name.startswith("12345") for v in column_values(p, ("发生地址",))]
    assert addresses
    resolved = 0
    for a in addresses:
        road, lane = re.match(r"(\D+?)(\d+)弄", a).groups()
        resolved += any(lo <= int(lane) <= hi for lo, hi in ranges.get(road, ()))
    assert resolved / len(addresses) > 0.95  # ~1% lie just outside the area on purpose
    assert set(SCALES) == {"subdistrict", "district", "city"}


def test_duty_roster_is_the_office_grid_and_a_reissued_day(demo):
    """This month's and next month's calendar grids (title, dates with 星期, roles across, a
    leader merged over the days of a turn, name and phone in a cell, an officer's slot empty
    three days after the last day), then the last day re-issued with a night shift."""
    _, paths = demo
    grids = [p for p in paths if p.name.startswith("城运中心值班表_")]
    assert [p.name for p in grids] == ["城运中心值班表_2020年3月_20200229.xlsx", "城运中心值班表_2020年4月_20200309.xlsx"]
    sheet = openpyxl.load_workbook(grids[0]).active
    assert sheet["A1"].value == "南码头路街道城运中心值班表 2020年3月"
    assert [c.value for c in sheet[2]] == ["日期", "星期", "带班领导", "值班长", "值班员", "值班员电话"]
    assert (sheet["A3"].value, sheet["B3"].value) == ("3月1日", "星期日")
    leaders = [r for r in sheet.merged_cells.ranges if r.min_col == r.max_col == 3]
    assert leaders and all(r.max_row > r.min_row for r in leaders)
    assert re.fullmatch(r"\S+[ \n]1390000\d{4}", sheet["D3"].value)
    empty = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "3月12日")  # the 9th + 3
    assert empty[4].value is None and all(r[4].value for r in sheet.iter_rows(min_row=3, max_row=33)
                                          if r[0].value != "3月12日")
    day = next(p for p in paths if p.name.startswith("值班安排调整_"))
    assert day.name == "值班安排调整_20200309.csv" and paths[-1] == day
    assert "2020-03-09,夜班,17:30-次日08:30,值班员," in day.read_text(encoding="utf-8-sig")
