"""Seeded generator of realistic RAW demo files for 一屏观.

The loader reads these files through the same readers as real ones, so they look like
what a street office really receives (data-contract.md, "Messes every reader must
handle"): 12345 ticket exports, committees' arrival sheets, the door-sensor vendor's
alarm exports and the work-resumption list, in Chinese, with a realistic epidemic
season — the 2020 shape (Spring Festival, lockdown, the return wave, enterprise
resumption, arrivals from abroad) mapped onto whatever window is asked for.

    write_demo_files(out_dir, scale="subdistrict", seed=2020, end=None, days=None,
                     pack_dir=None, volume_factor=1.0) -> [paths in load order]

- `subdistrict`: the reference pack's sub-district (南码头路街道 by default), ~10k
  tickets, 5k roster reports, 20k alarms, 700 enterprises over 120 days, in several
  hundred files with every mess of the contract (demo_messy), and its operations centre's
  duty roster (demo.duty).
- `district` / `city`: a synthetic pack is written to out_dir/"reference" first
  (etl.refpack) and the volumes of SCALES are generated vectorised and written as
  plain UTF-8 CSV per source and month (demo_bulk), with progress on stderr.

Same seed and same arguments → byte-identical files. Modules: demo_model (the
records), demo_text (Chinese texts), demo_ids (names, IDs, USCCs, phones),
demo_files (CSV/TXT/XLSX writing), demo_messy, demo_bulk.

Run directly for timing: `python -m demo.generate OUT_DIR --scale city --factor 0.1`.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from demo import model as M
from demo.duty import in_file_order, write_duty_files
from etl.reference import load_pack

SCALES: dict[str, dict] = {
    "subdistrict": {"subdistricts": 1, "neighbourhoods_each": None, "days": 120,
                    "hotline": 10_000, "roster": 5_000, "alarms": 20_000, "enterprises": 700},
    "district": {"subdistricts": 36, "neighbourhoods_each": 30, "days": 120,
                 "hotline": 360_000, "roster": 180_000, "alarms": 720_000, "enterprises": 25_200},
    "city": {"subdistricts": 215, "neighbourhoods_each": 28, "days": 540,
             "hotline": 10_000_000, "roster": 3_000_000, "alarms": 10_000_000, "enterprises": 150_000},
}


def today_shanghai() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def write_demo_files(out_dir: Path, scale: str = "subdistrict", seed: int = 2020,
                     end: date | None = None, days: int | None = None,
                     pack_dir: Path | None = None, *, volume_factor: float = 1.0,
                     verbose: bool | None = None) -> list[Path]:
    """Writes raw files into out_dir and returns their paths in load order (oldest
    first; on the same day enterprises, then roster, hotline, alarms).

    The season is the `days` days before `end` (days default 120, city 540); records
    are cut off at `end` 00:00, so the last full day is end - 1. Without `end` the
    season runs up to now (Asia/Shanghai): nothing lies in the future, yesterday is
    complete and today holds what happened so far. For 'district' and 'city' a
    synthetic reference pack is first written to out_dir / 'reference' (unless
    pack_dir is given) and neighbourhoods and addresses are drawn from it; otherwise
    the pack is pack_dir or the configured one (data/reference). `volume_factor`
    scales every volume (tests, dry runs)."""
    if scale not in SCALES:
        raise ValueError(f"未知的规模 {scale!r}：可选 {', '.join(SCALES)}")
    cfg = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    big = scale != "subdistrict"
    verbose = big if verbose is None else verbose
    t0 = time.time()
    say = (lambda msg: print(f"[demo {time.time() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)) \
        if verbose else (lambda msg: None)

    if big and pack_dir is None:
        pack_dir = out_dir / "reference"
        _write_synthetic_pack(pack_dir, cfg, seed)
        say(f"reference pack: {pack_dir}")
    pack = load_pack(pack_dir)
    # Without an end the season runs up to now, so a fresh demo's default report day
    # (yesterday) is complete and today has data so far.
    cut = None if end else datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    season = M.make_season(end or today_shanghai(), days or cfg["days"], cut)
    streams = np.random.SeedSequence(seed).spawn(6)
    rng = [np.random.default_rng(s) for s in streams]
    geo = M.Geo.from_pack(pack, rng[0])
    vol = {k: max(1, int(round(cfg[k] * volume_factor)))
           for k in ("hotline", "roster", "alarms", "enterprises")}
    say(f"{scale}: {geo.n:,} neighbourhoods, {season.start} … {season.end - M.D} "
        f"(anchor {season.anchor}), volumes {vol}")

    firms = M.firm_model(rng[1], season, geo, vol["enterprises"])
    say(f"enterprises: {len(firms):,}")
    tickets, texts = M.hotline_model(rng[2], season, geo, vol["hotline"], seed)
    say(f"hotline: {len(tickets):,} tickets")
    persons = M.roster_model(rng[3], season, geo, vol["roster"], firms, reuse_devices=not big)
    say(f"roster: {len(persons):,} persons, {int(persons['com'].sum() + persons['ent'].sum()):,} reports")
    alarms = M.alarm_model(rng[4], season, persons, vol["alarms"])
    say(f"alarms: {len(alarms):,}")

    if not big:
        from demo import cameras as demo_cameras
        from demo import messy as demo_messy
        # The sub-district centre's duty roster, around the demo's last day ("now").
        last_day = (season.as_of - np.timedelta64(1, "s")).astype("datetime64[D]").item()
        duty = write_duty_files(out_dir, last_day, geo.sd_names[0], seed)
        paths = demo_messy.write_all(out_dir, season, geo, seed, tickets, texts, persons, alarms, firms)
        return in_file_order(paths + [demo_cameras.write_cameras(out_dir, season, pack, seed)], duty)
    from demo import bulk as demo_bulk
    bulk = demo_bulk.Bulk(out_dir, season, geo, seed, verbose)
    bulk.t0 = t0
    bulk.enterprises(firms)
    bulk.roster(persons, firms)
    bulk.hotline(tickets, texts)
    del tickets
    bulk.alarms(alarms, persons)
    return bulk.paths()


def _write_synthetic_pack(folder: Path, cfg: dict, seed: int) -> None:
    from etl.refpack import synthetic_subdistricts, write_pack
    subdistricts = synthetic_subdistricts(cfg["subdistricts"], cfg["neighbourhoods_each"], seed)
    write_pack(folder, subdistricts, seed=seed,
               note="合成的示例数据包（演示用），边界与地址均为虚构。")
    # The FAQ catalogue, the topic model and the holiday overrides belong to the centre, not
    # to the map: a pack without them cannot classify a single ticket.
    import shutil
    from core import settings
    from etl.topic_model import MODEL_FILE
    default = settings.default_reference_dir()
    for name in ("faq.toml", MODEL_FILE, "holidays_override.csv"):
        if (default / name).exists():
            shutil.copyfile(default / name, folder / name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.generate", description="写出演示用原始文件")
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", choices=list(SCALES), default="subdistrict")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--end", type=date.fromisoformat, default=None)
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--factor", type=float, default=1.0, help="volume factor (dry runs)")
    args = ap.parse_args(argv)
    t0 = time.time()
    paths = write_demo_files(args.out, args.scale, args.seed, args.end, args.days,
                             volume_factor=args.factor, verbose=True)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {size / 1e6:,.1f} MB, {time.time() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
