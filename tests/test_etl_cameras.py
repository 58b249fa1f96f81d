"""Road cameras (data-contract.md, "cameras"): the video platform's device list, as the centre
exports it, -> exact `cameras`, rejects and warnings; the upsert of a later export; the page
address made from the setting camera_page_url, never from the file.

- 设备清单.xlsx   a title row; 点位坐标 merged over 经度 | 纬度 | 坐标系; a 视频链接 column (ignored);
                 a GCJ-02 point (converted, then placed in its neighbourhood by the WGS-84
                 point); no coordinates, an unknown status word, an id with other characters,
                 swapped longitude and latitude (rejects); a point outside every neighbourhood
                 (warning); the same id twice (the later row wins); 合计
- 设备清单2.csv   a later export: an offline camera with a blank 离线时间 keeps the stored time;
                 a camera back online loses it; a camera not in it is kept
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import prcoords
import pytest

from etl.readers import detect_source
from etl_helpers import issues, load, query, runs

D = dt.datetime
# 六里五居民区's inner point, as an Amap-based tool gives it (GCJ-02): its GCJ-02 digits lie
# in 港机居民区, so the neighbourhood found proves the conversion came first.
WGS_LIULIWU = (121.5086, 31.1978)
GCJ_LAT, GCJ_LON = prcoords.wgs_gcj((WGS_LIULIWU[1], WGS_LIULIWU[0]))
WGS_LAT, WGS_LON = prcoords.gcj_wgs_bored((GCJ_LAT, GCJ_LON))
URL = "https://video.example.gov.cn/camera?id={camera_id}"

HEADER = ["设备编码", "设备名称", "所在道路", "所属居民区", "点位坐标", None, None, "设备状态", "离线时间", "视频链接"]
LOWER = [None, None, None, None, "经度", "纬度", "坐标系", None, None, None]
ROWS = [  # Excel rows 4…
    ["CAM-001", "浦三路口", "浦三路", "八一居民区", 121.5031, 31.1982, None, "在线", None, "http://evil.example/1"],
    ["CAM-002", "南泉路公交站", "南泉路", None, round(GCJ_LON, 6), round(GCJ_LAT, 6), "GCJ-02", "离线",
     D(2020, 2, 28, 9, 30), "rtsp://10.0.0.2/main"],
    ["CAM-003", "港机路口", "港机路", None, None, None, None, "在线", None, None],
    ["CAM-004", "东盛路口", "塘桥路", "东盛", 121.5189, 31.1979, "WGS84", "维修中", None, None],
    ["CAM-005", "临沂七村门口", "无名路", None, "121.5243", "31.1981", None, "故障", None, None],
    ["CAM#6", "坏编号", None, None, 121.5031, 31.1982, None, "在线", None, None],
    ["CAM-001", "浦三路口（球机）", "浦三路", None, 121.5031, 31.1982, None, "离线", "2020-02-29 10:00", None],
    ["CAM-007", "经纬度写反", None, None, 31.1982, 121.5031, None, "在线", None, None],
    ["CAM-008", "外环路口", "外环路", None, 121.40, 31.10, None, "正常", "2020-02-01 08:00", None],
]
FILE = "设备清单.xlsx"


def _workbook(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["南码头路街道视频监控设备清单"] + [None] * 9)
    sheet.merge_cells("A1:J1")
    sheet.append(HEADER)
    sheet.append(LOWER)
    for column in "ABCDHIJ":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("E2:G2")
    for row in ROWS:
        sheet.append(row)
    sheet.append(["合计", len(ROWS)])
    book.save(path)
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cameras")
    db = folder / "db" / "board.duckdb"
    path = _workbook(folder / FILE)
    return db, path, load("cameras", [path], db)


def cameras(db):
    return query(db, """SELECT camera_id, name, road, neighbourhood, neighbourhood_code, round(lon, 6), round(lat, 6),
                               online, offline_since FROM cameras ORDER BY camera_id""")


def test_table_holds_exactly_the_accepted_rows(loaded):
    db, _, results = loaded
    assert runs(results) == [(FILE, "loaded", 9, 4, 5, 1)]
    assert cameras(db) == [
        ("CAM-001", "浦三路口（球机）", "浦三路", "八一居民区", "310115010001", 121.5031, 31.1982, "offline",
         D(2020, 2, 29, 10, 0)),
        ("CAM-002", "南泉路公交站", "南泉路", "六里五居民区", "310115010002", round(WGS_LON, 6), round(WGS_LAT, 6),
         "offline", D(2020, 2, 28, 9, 30)),
        ("CAM-005", "临沂七村门口", "无名路", "临沂七村居民区", "310115010005", 121.5243, 31.1981, "offline", None),
        # An online camera keeps no 离线时间 (its 最后在线时间 would be a heartbeat).
        ("CAM-008", "外环路口", "外环路", None, None, 121.4, 31.1, "online", None),
    ]


def test_gcj02_point_converted_to_wgs84(loaded):
    lon, lat = query(loaded[0], "SELECT lon, lat FROM cameras WHERE camera_id = 'CAM-002'")[0]
    assert lon == pytest.approx(WGS_LIULIWU[0], abs=2e-6) and lat == pytest.approx(WGS_LIULIWU[1], abs=2e-6)


def test_rejects(loaded):
    assert issues(loaded[0]) == [
        (FILE, 4, "camera_id", None, "duplicate_in_file", "同一文件中设备编号重复，以第 10 行为准"),
        (FILE, 6, "lat", None, "required_missing", "缺少必填项：纬度"),
        (FILE, 6, "lon", None, "required_missing", "缺少必填项：经度"),
        (FILE, 7, "online", "维修中", "unknown_value", "在线状态的取值不在可选范围内"),
        (FILE, 9, "camera_id", "CAM#6", "bad_camera_id", "设备编号只能由字母、数字、- 和 _ 组成，至多 64 个字符"),
        (FILE, 11, "lon", "31.1982", "coordinate_out_of_range", "经纬度不在中国境内（经纬度写反或不是以度为单位？）"),
    ]


def test_point_outside_every_neighbourhood_is_a_warning(loaded):
    assert issues(loaded[0], "etl_warnings") == [
        (FILE, 12, "neighbourhood", None, "neighbourhood_unresolved",
         "无法确定所属居民区（名称不在参考数据中，位置也不在任何居民区内）")]


def test_link_column_is_ignored(loaded):
    db = loaded[0]
    assert "视频链接" in query(db, "SELECT message FROM etl_runs")[0][0]
    columns = [r[0] for r in query(db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'cameras'")]
    assert not any("url" in c or "link" in c for c in columns), columns
    assert query(db, "SELECT count(*) FROM cameras WHERE concat_ws(',', COLUMNS(*)) LIKE '%evil%'") == [(0,)]


def test_ingest_detects_the_device_list_by_its_header(loaded):
    assert detect_source(loaded[1]).name == "cameras"


def test_later_export_keeps_a_known_offline_time_and_the_cameras_it_leaves_out(loaded, tmp_path):
    db = tmp_path / "db" / "board.duckdb"
    load("cameras", [loaded[1]], db)
    later = tmp_path / "设备清单2.csv"
    later.write_text("设备编号,设备名称,经度,纬度,在线状态,离线时间\n"
                     "CAM-001,浦三路口（球机）,121.5031,31.1982,离线,\n"
                     "CAM-002,南泉路公交站,121.5086,31.1978,在线,\n"
                     "CAM-005,临沂七村门口,121.5243,31.1981,离线,2020-02-29 08:00\n", encoding="utf-8")
    assert runs(load(None, [later], db)) == [("设备清单2.csv", "loaded", 3, 3, 0, 0)]
    assert query(db, "SELECT camera_id, road, online, offline_since FROM cameras ORDER BY camera_id") == [
        ("CAM-001", "浦三路", "offline", D(2020, 2, 29, 10, 0)),
        ("CAM-002", "南泉路", "online", None),
        ("CAM-005", "无名路", "offline", D(2020, 2, 29, 8, 0)),
        ("CAM-008", "外环路", "online", None),
    ]


def test_cli_loads_a_camera_file(loaded, tmp_path, capsys):
    from etl.__main__ import main  # `python -m etl load cameras FILE`, in this process
    db = tmp_path / "cli" / "board.duckdb"
    assert main(["load", "cameras", str(loaded[1]), "--db", str(db)]) == 0
    assert "入库 4 行，拒收 5 行，警告 1 行" in capsys.readouterr().out
    assert query(db, "SELECT count(*) FROM cameras") == [(4,)]
