"""Road cameras (道路摄像头): the video platform's device list, as the centre exports it.

Only where a camera is and whether it is online are loaded. No link is read: a column of
video or page addresses is an unknown column, ignored; the page a click opens is made from
the setting camera_page_url (core/settings.py) and the camera id."""
from __future__ import annotations

import json

from etl.checks import Check, future, required, timestamp, too_old
from etl.sources.source import CRS, Column, Source

# A camera's place: lon/lat in degrees, within China's bounding box (catches swapped
# columns and metres of a projected system).
_LON, _LAT = (73.0, 136.0), (3.0, 54.0)

CHECKS = (
    required("camera_id", "设备编号"), required("name", "设备名称"),
    required("lon", "经度"), required("lat", "纬度"), required("online", "在线状态"),
    Check("camera_id", "bad_camera_id", "设备编号只能由字母、数字、- 和 _ 组成，至多 64 个字符",
          "given_camera_id AND NOT regexp_full_match(camera_id, '[A-Za-z0-9_-]{1,64}')"),
    Check("lon", "bad_coordinate", "经度不是数字", "given_lon AND lon IS NULL"),
    Check("lat", "bad_coordinate", "纬度不是数字", "given_lat AND lat IS NULL"),
    Check("lon", "coordinate_out_of_range", "经纬度不在中国境内（经纬度写反或不是以度为单位？）",
          f"lon IS NOT NULL AND lat IS NOT NULL AND NOT (lon BETWEEN {_LON[0]} AND {_LON[1]} "
          f"AND lat BETWEEN {_LAT[0]} AND {_LAT[1]})"),
    # The time it went offline is read for an offline camera only (an online camera's
    # 最后在线时间 is its last heartbeat, not a time it went offline).
    Check("offline_since", "bad_timestamp", "离线时间无法识别为日期时间",
          "given_offline_since AND online = 'offline' AND offline_since IS NULL"),
    future("offline_since", "离线时间"), too_old("offline_since", "离线时间"),
    Check("neighbourhood", "neighbourhood_unresolved",
          "无法确定所属居民区（名称不在参考数据中，位置也不在任何居民区内）",
          "neighbourhood_code IS NULL AND lon IS NOT NULL AND lat IS NOT NULL", warning=True),
)

TABLE_INPUTS = {
    "camera_id": (), "name": ("name",), "road": ("address",),
    "neighbourhood": ("neighbourhood", "address", "lon", "lat"),
    "neighbourhood_code": ("neighbourhood", "address", "lon", "lat"),
    "lon": ("lon",), "lat": ("lat",), "online": ("online",),
    "offline_since": ("offline_since", "online"), "run_id": ()}


def _derive_rows(con, drop, given, options) -> None:
    from etl import derive
    derive.resolve_neighbourhoods(con, "TABLE n", drop, "_staged_addresses", given)
    con.execute("ALTER TABLE n RENAME COLUMN address TO road")
    derive.convert_coordinates(con)
    place_in_neighbourhoods(con)


def place_in_neighbourhoods(con) -> None:
    """A camera whose file names no known neighbourhood (nor a road and lane the address
    index knows) belongs to the neighbourhood whose outline holds its WGS-84 point."""
    rows = con.execute("SELECT _rid, lon, lat FROM n WHERE neighbourhood_code IS NULL "
                       "AND lon IS NOT NULL AND lat IS NOT NULL").fetchall()
    if not rows:
        return
    import pandas as pd
    import shapely
    outlines = con.execute("SELECT code, name, polygon_json FROM ref_neighbourhoods ORDER BY code").fetchall()
    tree = shapely.STRtree([shapely.Polygon(json.loads(p)[0]) for _, _, p in outlines])
    found, inside = tree.query(shapely.points([(lon, lat) for _, lon, lat in rows]), predicate="within")
    placed = {}
    for point, outline in zip(found.tolist(), inside.tolist()):
        placed.setdefault(rows[point][0], outlines[outline][:2])  # on a shared edge: the first code
    if not placed:
        return
    con.register("_placed", pd.DataFrame([(rid, code, name) for rid, (code, name) in placed.items()],
                                         columns=["_rid", "code", "name"]))
    con.execute("UPDATE n SET neighbourhood_code = p.code, neighbourhood = p.name FROM _placed p "
                "WHERE n._rid = p._rid")
    con.unregister("_placed")


CAMERAS = Source("cameras", "道路摄像头", "cameras", ("camera_id",), (
    Column("camera_id", ("设备编号", "设备编码", "摄像头编号", "国标编码"), required=True),
    Column("name", ("设备名称", "摄像头名称", "点位名称"), required=True, text=True),
    # The road or location text: named `address` as in every source, so that the address
    # index can place it; stored as `road`.
    Column("address", ("所在道路", "道路", "安装位置", "road"), text=True),
    Column("neighbourhood", ("所属居民区", "居民区", "所属片区"), text=True),
    Column("lon", ("经度",), required=True), Column("lat", ("纬度",), required=True),
    Column("crs", ("坐标系",), enum=CRS, enum_default="wgs84"),
    Column("online", ("在线状态", "设备状态", "状态"), required=True,
           enum={"在线": "online", "正常": "online", "online": "online",
                 "离线": "offline", "故障": "offline", "不在线": "offline", "offline": "offline"}),
    Column("offline_since", ("离线时间", "最后在线时间")),
),
    load_rank=4,
    checks=CHECKS,
    table_inputs=TABLE_INPUTS,
    derive_rows=_derive_rows,
    # The list has no record time of its own: the wall screen shows its cameras' state, not
    # a freshness chip.
    freshness_hours=None,
    board_rank=4,
    board_label="道路摄像头",
    record_tables=("cameras",),
)
