"""Builds reference packs: the default 南码头路街道 pack (once, committed) and the
synthetic district/city packs the large demo scales need.

Shapes are approximate: Voronoi cells of jittered points clipped to each
sub-district's box. They are good enough to colour a map, not to survey a border.
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from shapely.geometry import MultiPoint, box
from shapely.ops import voronoi_diagram

ROADS = ["临沂路", "临沂北路", "南码头路", "东方路", "浦三路", "微山路", "南泉路",
         "浦东南路", "杨高南路", "雪野路", "六里路", "港机路", "塘桥路", "浦建路"]


def voronoi_cells(bounds: tuple[float, float, float, float], n: int, rng: random.Random) -> list:
    """n polygons tiling the box, ordered west-to-east, north-to-south."""
    minx, miny, maxx, maxy = bounds
    cols = max(1, round((n * (maxx - minx) / (maxy - miny)) ** 0.5))
    rows = -(-n // cols)
    points = []
    for i in range(n):
        r, c = divmod(i, cols)
        x = minx + (c + 0.5 + rng.uniform(-0.3, 0.3)) * (maxx - minx) / cols
        y = maxy - (r + 0.5 + rng.uniform(-0.3, 0.3)) * (maxy - miny) / rows
        points.append((x, y))
    frame = box(*bounds)
    diagram = voronoi_diagram(MultiPoint(points), envelope=frame)
    cells = []
    for x, y in points:
        cell = next(g for g in diagram.geoms if g.buffer(1e-12).contains(MultiPoint([(x, y)]).geoms[0]))
        cells.append(cell.intersection(frame).simplify(1e-5))
    return cells


def polygon_coords(poly) -> list:
    return [[[round(x, 6), round(y, 6)] for x, y in poly.exterior.coords]]


def write_pack(folder: Path, subdistricts: list[dict], seed: int = 7,
               roads: list[str] = ROADS, note: str = "") -> None:
    """subdistricts: [{code, name, bounds, neighbourhoods: [(code, name, aliases)]}]."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    features, index = [], []
    lane = 1
    for sd in subdistricts:
        cells = voronoi_cells(sd["bounds"], len(sd["neighbourhoods"]), rng)
        for (code, name, aliases), cell in zip(sd["neighbourhoods"], cells):
            features.append({"type": "Feature", "properties": {
                "code": code, "name": name, "aliases": list(aliases),
                "subdistrict_code": sd["code"], "subdistrict_name": sd["name"]},
                "geometry": {"type": "Polygon", "coordinates": polygon_coords(cell)}})
            # Two lane ranges per neighbourhood on two roads: every lane resolves to one place.
            for road in rng.sample(roads, 2):
                index.append({"road": road, "lane_from": lane, "lane_to": lane + 99,
                              "number_from": "", "number_to": "", "neighbourhood_code": code})
                lane += 100
    first = subdistricts[0]
    minx, miny, maxx, maxy = first["bounds"]
    (folder / "subdistrict.toml").write_text(
        f'name = "{first["name"]}"\ncode = "{first["code"]}"\n'
        f'district = "{first.get("district", "浦东新区")}"\n'
        f"center = [{(minx + maxx) / 2:.5f}, {(miny + maxy) / 2:.5f}]\n"
        f'note = "{note}"\n', encoding="utf-8")
    (folder / "neighbourhoods.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8")
    with (folder / "address_index.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["road", "lane_from", "lane_to", "number_from", "number_to",
                                    "neighbourhood_code"])
        writer.writeheader()
        writer.writerows(index)


def synthetic_subdistricts(n_subdistricts: int, per_subdistrict: int, seed: int) -> list[dict]:
    """A grid of made-up sub-districts around Shanghai for the district and city scales."""
    rng = random.Random(seed)
    cols = max(1, round(n_subdistricts ** 0.5))
    size = 0.02
    out = []
    for s in range(n_subdistricts):
        r, c = divmod(s, cols)
        x0, y0 = 121.2 + c * size, 31.4 - (r + 1) * size
        sd_code = f"31{rng.randint(1, 20):02d}{s:05d}"
        out.append({
            "code": sd_code, "name": f"示例{s + 1}街道", "bounds": (x0, y0, x0 + size, y0 + size),
            "neighbourhoods": [(f"{sd_code}{n + 1:03d}", f"示例{s + 1}街道第{n + 1}居民区", ())
                               for n in range(per_subdistrict)]})
    return out
