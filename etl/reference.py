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
import functools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from core import settings

# Suffixes people add or drop when they name a neighbourhood, or a sub-district.
_NAME_SUFFIX = re.compile(r"(居民区|居民委员会|居委会|居委|社区)$")
_SUBDISTRICT_SUFFIX = re.compile(r"(街道办事处|街道)$")


def name_key(name: str) -> str:
    """The form a neighbourhood name is matched by: NFKC-folded, no spaces, no suffix."""
    return _NAME_SUFFIX.sub("", _folded(name))


def subdistrict_key(name: str) -> str:
    """The form a sub-district name is matched by: 南码头路街道, 南码头路 and ＳＯＭＥ 街道 alike."""
    return _SUBDISTRICT_SUFFIX.sub("", _folded(name))


def _folded(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).replace(" ", "").strip()


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    subdistrict_code: str
    subdistrict_name: str
    aliases: tuple[str, ...]
    polygon: list  # GeoJSON coordinates of a Polygon (rings of [lon, lat])


@dataclass(frozen=True)
class Subdistrict:
    code: str
    name: str
    neighbourhoods: tuple[str, ...]  # codes, in the pack's order


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

    def subdistricts(self) -> dict[str, Subdistrict]:
        """Each sub-district by code with its neighbourhoods: those the neighbourhoods name
        (a district or city pack holds many), and the one subdistrict.toml names, which may
        have none (a head of it then sees nothing, never everything)."""
        codes: dict[str, list[str]] = {}
        names = {str(self.subdistrict.get("code", "")): str(self.subdistrict.get("name", ""))}
        for n in self.neighbourhoods:
            codes.setdefault(n.subdistrict_code, []).append(n.code)
            names.setdefault(n.subdistrict_code, n.subdistrict_name)
        return {code: Subdistrict(code, names[code], tuple(codes.get(code, ()))) for code in names if code}

    def find_subdistrict(self, given: str) -> Subdistrict:
        """The sub-district `given` names, by code or name (with or without 街道); a clear
        ValueError when the pack has none or several such, or it has no neighbourhoods."""
        areas = self.subdistricts()
        found = [areas[given.strip()]] if given.strip() in areas else \
            [a for a in areas.values() if subdistrict_key(a.name) == subdistrict_key(given)]
        if not found:
            raise ValueError(f"参考数据包中没有街道“{given}”（可写名称或代码，如 "
                             f"{'、'.join(f'{a.name} {a.code}' for a in list(areas.values())[:3])}）")
        if len(found) > 1:
            raise ValueError(f"街道“{given}”不唯一：{'、'.join(f'{a.name} {a.code}' for a in found)}，请写代码")
        if not found[0].neighbourhoods:
            raise ValueError(f"参考数据包中街道“{found[0].name}”（{found[0].code}）没有居民区")
        return found[0]


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


def pack_subdistricts(folder: Path | None = None) -> MappingProxyType:
    """Pack.subdistricts of the configured pack, read again only when its files change:
    the board asks on every run of a sub-district head, and reading a city pack's six
    thousand polygons each time would slow every page."""
    folder = Path(folder) if folder else settings.reference_dir()
    stamps = tuple((s.st_mtime_ns, s.st_size) for s in
                   ((folder / name).stat() for name in ("subdistrict.toml", "neighbourhoods.geojson")))
    return _subdistricts_of(str(folder), stamps)


@functools.lru_cache(maxsize=4)
def _subdistricts_of(folder: str, stamps: tuple) -> MappingProxyType:
    return MappingProxyType(load_pack(Path(folder)).subdistricts())  # shared: read-only
