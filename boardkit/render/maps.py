"""pydeck maps drawn offline: neighbourhood polygons from the reference pack, no basemap
unless a tile URL is configured (tech-notes.md: map_provider=None, no map_style)."""
from __future__ import annotations

import json
import math

import pandas as pd
import pydeck as pdk

from core import settings

from .. import labels
from .charts import CLICK_FIELD


def fit_zoom(lon_span: float, lat_span: float, width_px: int, height_px: int) -> float:
    """The zoom at which a box fits the map (deck.gl's world is 512 px wide at zoom 0;
    at Shanghai's latitude a degree of latitude is ~1.17 times longer on the map)."""
    lon_zoom = math.log2(width_px * 360 / (512 * max(lon_span, 1e-4)))
    lat_zoom = math.log2(height_px * 360 / (512 * max(lat_span, 1e-4) * 1.17))
    return round(min(lon_zoom, lat_zoom) - 0.2, 2)


def _view(frame: pd.DataFrame, height: int, width: int = 900) -> pdk.ViewState:
    """Centred on the polygons in `frame` (column polygon_json), fitted to the map size."""
    xs, ys = [], []
    for ring in frame["polygon_json"]:
        for x, y in json.loads(ring)[0]:
            xs.append(x)
            ys.append(y)
    zoom = fit_zoom(max(xs) - min(xs), max(ys) - min(ys), width, height)
    return pdk.ViewState(longitude=(min(xs) + max(xs)) / 2, latitude=(min(ys) + max(ys)) / 2, zoom=zoom)


def _tile_layer() -> list:
    url = str(settings.get("tile_url"))
    if not url:
        return []
    return [pdk.Layer("TileLayer", data=url, min_zoom=0, max_zoom=19, tile_size=256)]


CAMERA_LAYER = "cameras"  # the layer id a click on a camera is reported under (st.pydeck_chart on_select)


def camera_layers(cameras: pd.DataFrame) -> list:
    """Cameras (camera_id, camera_name, road, lon, lat, online, offline_since) as points: online
    ones small blue dots, offline ones larger red dots with a white ring. Pickable, under the
    id CAMERA_LAYER; the tooltip's name/status/reason are the camera's."""
    rows = []
    for r in cameras.itertuples(index=False):
        offline = r.online == "offline"
        since = f"，{r.offline_since:%m-%d %H:%M} 起离线" if offline and not pd.isna(r.offline_since) else ""
        rows.append({"camera_id": str(r.camera_id), "lon": float(r.lon), "lat": float(r.lat),
                     "name": str(r.camera_name), "status": labels.CAMERA_STATE.get(r.online, ""),
                     "reason": f"{r.road or ''}{since}",
                     "fill": _rgba(labels.CAMERA_COLOURS.get(r.online, "#5f6368"), 235),
                     "radius": 7 if offline else 4})
    if not rows:
        return []
    return [pdk.Layer("ScatterplotLayer", id=CAMERA_LAYER, data=rows, get_position=["lon", "lat"],
                      get_radius="radius", radius_units='"pixels"', get_fill_color="fill",
                      get_line_color=[255, 255, 255, 255], get_line_width=2, line_width_units='"pixels"',
                      stroked=True, pickable=True, auto_highlight=True)]


def status_map(frame: pd.DataFrame, height: int = 420, label_column: str = "name",
               count_column: str | None = None, dark: bool = False, text: bool = True,
               ids: str | None = None, cameras: pd.DataFrame | None = None) -> pdk.Deck:
    """Areas (neighbourhoods, or sub-districts at city scope) coloured by status. `frame`:
    name, polygon_json, centroid_lon, centroid_lat, status, reason[, count_column][, ids].
    `text`: names on the map (too many to read at city scope; the tooltip still has them).
    `ids`: a column each area carries as CLICK_FIELD (its code, read back when it is clicked).
    `cameras`: road cameras drawn over the areas (camera_layers)."""
    rows = []
    for r in frame.itertuples(index=False):
        ring = json.loads(r.polygon_json)
        rows.append({"polygon": ring[0], "name": getattr(r, label_column),
                     "status": labels.STATUS_LABELS.get(r.status, ""), "reason": r.reason,
                     "fill": labels.STATUS_RGBA.get(r.status, [120, 120, 120, 100]),
                     **({CLICK_FIELD: getattr(r, ids)} if ids else {})})
    # The layer's id keeps a click's selection stable across reruns (st.pydeck_chart).
    layers = _tile_layer() + [pdk.Layer(
        "PolygonLayer", id="areas", data=rows, get_polygon="polygon", get_fill_color="fill",
        get_line_color=[255, 255, 255, 230] if dark else [60, 60, 60, 200], line_width_min_pixels=1,
        pickable=True, stroked=True, filled=True)]
    text_rows = [{"position": [float(r.centroid_lon), float(r.centroid_lat)],
                  "text": str(getattr(r, label_column)).replace("居民区", "")
                  + (f"\n{int(getattr(r, count_column))}" if count_column and getattr(r, count_column) else "")}
                 for r in frame.itertuples(index=False)] if text else []
    if text_rows:
        layers.append(pdk.Layer("TextLayer", data=text_rows, get_position="position", get_text="text",
                                get_size=13, get_color=[255, 255, 255] if dark else [32, 33, 36],
                                character_set='"auto"', font_family='"WenQuanYi Micro Hei, sans-serif"'))
    if cameras is not None:
        layers += camera_layers(cameras)
    return pdk.Deck(layers=layers, initial_view_state=_view(frame, height), map_provider=None,
                    tooltip={"text": "{name}（{status}）\n{reason}"}, height=height)


def points_map(points: pd.DataFrame, outline: pd.DataFrame, height: int = 420) -> pdk.Deck:
    """Binned points (lon, lat, n, label) over neighbourhood outlines."""
    rows = [{"polygon": json.loads(r.polygon_json)[0], "name": r.name} for r in outline.itertuples(index=False)]
    layers = _tile_layer() + [
        pdk.Layer("PolygonLayer", data=rows, get_polygon="polygon", get_fill_color=[200, 200, 200, 40],
                  get_line_color=[90, 90, 90, 200], line_width_min_pixels=1, pickable=False),
        pdk.Layer("ScatterplotLayer", data=points.to_dict("records"), get_position=["lon", "lat"],
                  get_radius="n", radius_scale=6, radius_min_pixels=3, radius_max_pixels=30,
                  get_fill_color=[26, 115, 232, 180], pickable=True)]
    return pdk.Deck(layers=layers, initial_view_state=_view(outline, height), map_provider=None,
                    tooltip={"text": "{label}：{n}"}, height=height)


def _rgba(hex_colour: str, alpha: int) -> list[int]:
    hex_colour = hex_colour.lstrip("#")
    return [int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def enterprise_map(places: pd.DataFrame, outline: pd.DataFrame, height: int = 460) -> pdk.Deck:
    """Enterprises over neighbourhood outlines. `places`: kind ('point': one enterprise at its
    own lon/lat, coloured by application status; 'centroid': enterprises without coordinates
    counted at their neighbourhood's centroid, sized and labelled by the count), lon, lat, n,
    label, status."""
    rows = [{"polygon": json.loads(r.polygon_json)[0], "name": r.name} for r in outline.itertuples(index=False)]
    layers = _tile_layer() + [pdk.Layer(
        "PolygonLayer", data=rows, get_polygon="polygon", get_fill_color=[200, 200, 200, 40],
        get_line_color=[90, 90, 90, 200], line_width_min_pixels=1, pickable=False)]
    points = places[places["kind"] == "point"]
    if not points.empty:
        data = [{"lon": float(r.lon), "lat": float(r.lat), "label": str(r.label),
                 "status": labels.APPLICATION_STATUS.get(r.status, "未填"),
                 "fill": _rgba(labels.APPLICATION_COLOURS.get(r.status, "#5f6368"), 220)}
                for r in points.itertuples(index=False)]
        layers.append(pdk.Layer("ScatterplotLayer", data=data, get_position=["lon", "lat"], get_radius=25,
                                radius_min_pixels=3, radius_max_pixels=8, get_fill_color="fill", pickable=True))
    centroids = places[places["kind"] == "centroid"]
    if not centroids.empty:
        biggest = max(float(centroids["n"].max()), 1.0)
        data = [{"lon": float(r.lon), "lat": float(r.lat), "label": str(r.label), "n": int(r.n),
                 "status": f"{int(r.n)} 家（无坐标，按居民区中心计）",
                 "radius": 30 + 110 * math.sqrt(int(r.n) / biggest), "text": str(int(r.n))}
                for r in centroids.itertuples(index=False)]
        layers.append(pdk.Layer("ScatterplotLayer", data=data, get_position=["lon", "lat"], get_radius="radius",
                                radius_min_pixels=8, radius_max_pixels=26, get_fill_color=[26, 115, 232, 170],
                                get_line_color=[255, 255, 255, 230], line_width_min_pixels=1, stroked=True,
                                pickable=True))
        layers.append(pdk.Layer("TextLayer", data=data, get_position=["lon", "lat"], get_text="text", get_size=13,
                                get_color=[255, 255, 255], character_set='"auto"',
                                font_family='"WenQuanYi Micro Hei, sans-serif"'))
    return pdk.Deck(layers=layers, initial_view_state=_view(outline, height), map_provider=None,
                    tooltip={"text": "{label}\n{status}"}, height=height)
