"""The reference pack: the sub-district, its neighbourhoods (polygons), the address index.

A pack is a folder (default `data/reference/`) that a user can replace for another
sub-district without touching code:

- `subdistrict.toml`     name, code, district, map centre, notes
- `neighbourhoods.geojson` one Polygon feature per neighbourhood, WGS-84, with
  properties `code`, `name`, `subdistrict_code`, `subdistrict_name`, optional `aliases`
- `address_index.csv`    road, lane_from, lane_to, number_from, number_to, neighbourhood_code:
  a lane (弄) range on a road, or house numbers (号) on a road when lane is blank
- `faq.toml`             the hotline FAQ catalogue (社区防控25问) and topic words
- `holidays_override.csv` date, is_workday, note: the centre's own holiday schedule
- `settings.toml`        overrides of the settings table (core/settings.py)
"""
from __future__ import annotations

import csv
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core import settings

# Suffixes people add or drop when they name a neighbourhood.
_NAME_SUFFIX = re.compile(r"(居民区|居民委员会|居委会|居委|社区)$")


def name_key(name: str) -> str:
    """The form a neighbourhood name is matched by: NFKC-folded, no spaces, no suffix."""
    folded = unicodedata.normalize("NFKC", str(name)).replace(" ", "").strip()
    return _NAME_SUFFIX.sub("", folded)


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    subdistrict_code: str
    subdistrict_name: str
    aliases: tuple[str, ...]
    polygon: list  # GeoJSON coordinates of a Polygon (rings of [lon, lat])


@dataclass(frozen=True)
class Pack:
    folder: Path
    subdistrict: dict
    neighbourhoods: tuple[Neighbourhood, ...]
    address_index: tuple[dict, ...]

    def alias_rows(self) -> list[tuple[str, str]]:
        """(name_key, code) for every accepted spelling: name, aliases, code."""
        rows = {}
        for n in self.neighbourhoods:
            for spelling in (n.name, n.code, *n.aliases):
                rows[name_key(spelling)] = n.code
        return sorted(rows.items())


def load_pack(folder: Path | None = None) -> Pack:
    folder = Path(folder) if folder else settings.reference_dir()
    if not (folder / "neighbourhoods.geojson").exists():
        raise FileNotFoundError(f"参考数据包不完整：{folder} 中没有 neighbourhoods.geojson")
    with (folder / "subdistrict.toml").open("rb") as f:
        subdistrict = tomllib.load(f)
    features = json.loads((folder / "neighbourhoods.geojson").read_text(encoding="utf-8"))["features"]
    neighbourhoods = tuple(
        Neighbourhood(
            code=str(p["code"]),
            name=p["name"],
            subdistrict_code=str(p.get("subdistrict_code", subdistrict["code"])),
            subdistrict_name=p.get("subdistrict_name", subdistrict["name"]),
            aliases=tuple(p.get("aliases", ())),
            polygon=feat["geometry"]["coordinates"],
        )
        for feat in features
        for p in [feat["properties"]]
    )
    index_path = folder / "address_index.csv"
    address_index = ()
    if index_path.exists():
        with index_path.open(encoding="utf-8", newline="") as f:
            address_index = tuple(csv.DictReader(f))
    return Pack(folder, subdistrict, neighbourhoods, address_index)
