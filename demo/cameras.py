"""The road-camera list as the centre keeps it: an .xlsx export of the video platform's
device list (data-contract.md, "cameras"), with the platform's habits and a clerk's edits —
a title row and the export time, 点位坐标 merged over 经度/纬度/坐标系, a 合计 row, a few
points in GCJ-02 (copied from an Amap-based tool) with their 坐标系, a 视频链接 column the
loader ignores, and two bad rows (no coordinates; a status word the contract does not list).

Cameras stand on the roads of each neighbourhood (the reference pack's address index) at
points inside its outline; some are offline, most with the time they went offline."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from shapely.geometry import Point, Polygon

from demo import model as M
from demo.files import Col, Style, write_table
from etl.reference import Pack

SPEC = [("seq", "序号", "int"), ("camera_id", "设备编码", "text"), ("name", "设备名称", "text"),
        ("road", "所在道路", "text"), ("neighbourhood", "所属居民区", "text"), ("lon", "经度", "text"),
        ("lat", "纬度", "text"), ("crs", "坐标系", "text"), ("online", "设备状态", "text"),
        ("offline_since", "离线时间", "ts"), ("url", "视频链接", "text")]
SPOTS = ("路口", "公交站", "弄口", "小区南门", "菜场门口", "沿街商铺")


def _inside(rng: random.Random, outline: Polygon) -> tuple[float, float]:
    """A point inside the outline, away from its edge (a camera on a road inside the area)."""
    core = outline.buffer(-0.0003)
    if core.area == 0:  # an outline too narrow to keep away from its edge
        core = outline
    x0, y0, x1, y1 = core.bounds
    while True:
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if core.contains(point):
            return round(point.x, 6), round(point.y, 6)


def write_cameras(out: Path, season: M.Season, pack: Pack, seed: int) -> Path:
    """One device-list export, taken the evening before the season's end."""
    import prcoords
    rng = random.Random(seed * 31 + 23)  # its own stream: the other demo files stay as they were
    exported = datetime.fromisoformat(str(season.end - M.D)) + timedelta(hours=20, minutes=rng.randint(0, 30))
    roads = {}
    for row in pack.address_index:
        roads.setdefault(row["neighbourhood_code"], []).append(row["road"])
    rows = []
    for n in pack.neighbourhoods:
        outline = Polygon(n.polygon[0])
        names = sorted(set(roads.get(n.code, []))) or [n.name.replace("居民区", "") + "支路"]
        for _ in range(rng.choice([2, 2, 3])):
            lon, lat = _inside(rng, outline)
            road = rng.choice(names)
            camera_id = f"3101150{len(rows) + 1:03d}1320{rng.randint(100000, 999999)}"
            offline = len(rows) % 6 == 0  # one camera in six is down, as the platform's list usually shows
            state = rng.choice(["离线", "离线", "故障"] if offline else ["在线", "在线", "在线", "正常"])
            since = exported - timedelta(hours=rng.uniform(1, 96)) if offline and rng.random() < 0.8 else None
            row = {"seq": len(rows) + 1, "camera_id": camera_id,
                   "name": f"{road}{rng.choice(SPOTS)}{rng.choice(['', '（球机）', '（枪机）'])}",
                   "road": road, "neighbourhood": n.name if rng.random() < 0.6 else "",
                   "lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "crs": rng.choice(["", "WGS84", ""]),
                   "online": state, "offline_since": since.replace(microsecond=0) if since else None,
                   "url": f"rtsp://10.31.{rng.randint(1, 254)}.{rng.randint(1, 254)}:554/{camera_id}/main"}
            if rng.random() < 0.1:  # copied from an Amap-based tool: GCJ-02, said so
                gcj_lat, gcj_lon = prcoords.wgs_gcj((lat, lon))
                row.update(lon=f"{gcj_lon:.6f}", lat=f"{gcj_lat:.6f}", crs=rng.choice(["GCJ-02", "高德"]))
            rows.append(row)
    # The clerk's two bad rows: a camera not yet surveyed, and a status the platform added.
    rows[len(rows) // 3].update(lon="", lat="", crs="")
    rows[2 * len(rows) // 3].update(online="维修中", offline_since=None)
    style = Style(fmt="xlsx", titles=(f"{pack.subdistrict.get('name', '')}视频监控设备清单",
                                      f"导出时间：{exported:%Y-%m-%d %H:%M}"),
                  total_row=True, two_row=("点位坐标", 5, 3), date="excel", ts_format="yyyy-mm-dd hh:mm:ss")
    cols = [Col(header, kind, width=30 if key in ("name", "url") else 14) for key, header, kind in SPEC]
    path = out / f"视频监控设备清单_{exported:%Y%m%d}.xlsx"
    return write_table(path, style, cols, [[r[key] for key, _, _ in SPEC] for r in rows], rng)
