"""The demo database a benchmark runs on: built once per scale and seed, then reused.

Layout: bench/work/<scale>/seed-<seed>[-v<volume>][-d<days>][-e<end>]/ holding files/,
db/board.duckdb and manifest.json. The manifest is written last, so an interrupted build
is rebuilt from scratch next time; it records each file's source, rows and load seconds,
which the ETL section uses to choose its samples and to report the build's full load.

The season is fixed (the 2020 replay ending DEFAULT_END) rather than "until today", so
the same scale and seed give the same data on every day the benchmark is run.
"""
from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .common import REPO_ROOT, WORK_ROOT, Row, fmt_bytes

DEFAULT_END = dt.date(2020, 5, 1)
MANIFEST_VERSION = 2


@dataclass
class Built:
    scale: str
    seed: int
    root: Path
    db: Path                  # the live path (symlink to the generation file)
    files: list[Path]         # raw demo files in load order
    pack: Path | None         # the scale's own reference pack (district, city)
    manifest: dict
    built_now: bool

    def environment(self) -> dict[str, str]:
        """What the board needs to run on this database, without touching data/ or the
        user's real key, users or audit log."""
        out = {
            "BOARD_DB": str(self.db),
            "BOARD_AUTH": "off",                          # no sign-in form in page runs
            "BOARD_AUDIT": str(self.root / "audit.sqlite"),
            "BOARD_SECRET_KEY_FILE": os.environ.get("BOARD_SECRET_KEY_FILE")
                                     or str(WORK_ROOT / "person-key.secret"),
        }
        if self.pack is not None:
            out["BOARD_REFERENCE"] = str(self.pack)
        return out

    def apply_environment(self) -> None:
        os.environ.update(self.environment())
        if self.pack is None:
            # A pack left over from another scale would resolve addresses wrongly.
            os.environ.pop("BOARD_REFERENCE", None)


def ensure_database(scale: str, seed: int, *, work_root: Path = WORK_ROOT, end: dt.date = DEFAULT_END,
                    days: int | None = None, volume: float = 1.0, rebuild: bool = False,
                    reuse_stale: bool = False, say=print) -> Built:
    """Returns the database for (scale, seed, end, days, volume). The demo files are
    generated again when the generator's code changed, and loaded again when the
    loader's code or SQL changed (a database from an older loader may lack tables the
    board now reads); `reuse_stale` takes what is there anyway."""
    # Non-default arguments get their own folder, so a dry run never replaces a full build.
    name = f"seed-{seed}" + (f"-v{volume:g}" if volume != 1 else "") + (f"-d{days}" if days else "") \
        + (f"-e{end:%Y%m%d}" if end != DEFAULT_END else "")
    root = Path(work_root) / scale / name
    key = {"version": MANIFEST_VERSION, "scale": scale, "seed": seed, "end": end.isoformat(),
           "days": days, "volume": volume}
    demo_fp, loader_fp = fingerprint(DEMO_ENTRY, scale), fingerprint(LOADER_ENTRY, scale)
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    db = root / "db" / "board.duckdb"
    usable = (not rebuild and manifest is not None and manifest.get("key") == key
              and os.path.lexists(db) and db.resolve().exists())
    if usable:
        demo_ok = manifest.get("demo_fingerprint") == demo_fp
        loader_ok = manifest.get("loader_fingerprint") == loader_fp
        if (demo_ok and loader_ok) or reuse_stale:
            stale = "" if demo_ok and loader_ok else " (STALE: built by older ETL code, reused on request)"
            say(f"reusing the {scale} database built {manifest['created']}{stale}: {db}")
            manifest["stale"] = bool(stale)
            return _built(scale, seed, root, manifest, built_now=False)
        if demo_ok:
            say(f"the loader changed since the {scale} database was built: loading the same files again")
            files = [root / f for f in manifest["generated"]["files"]]
            return _load(scale, seed, root, key, manifest["generated"], files, demo_fp, loader_fp, say)
        say(f"the demo generator changed since the {scale} files were written: rebuilding")
    elif manifest is not None and not rebuild:
        say(f"the {scale} database under {root} is missing or was built with other arguments: rebuilding")
    generated, files = _generate(scale, seed, root, end, days, volume, say)
    return _load(scale, seed, root, key, generated, files, demo_fp, loader_fp, say)


def _generate(scale, seed, root: Path, end, days, volume, say) -> tuple[dict, list[Path]]:
    from demo.generate import write_demo_files

    for sub in ("files", "db", "scratch"):
        shutil.rmtree(root / sub, ignore_errors=True)
    (root / "manifest.json").unlink(missing_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    say(f"generating the {scale} demo files (seed {seed}, end {end}, volume ×{volume}) …")
    t0 = time.perf_counter()
    files = write_demo_files(root / "files", scale=scale, seed=seed, end=end, days=days, volume_factor=volume)
    seconds = time.perf_counter() - t0
    say(f"  {len(files)} files, {fmt_bytes(sum(f.stat().st_size for f in files))}, {seconds:.1f} s")
    pack = root / "files" / "reference"
    return ({"created": dt.datetime.now().isoformat(timespec="seconds"), "seconds": round(seconds, 3),
             "pack": "files/reference" if pack.exists() else None,
             "files": [str(f.relative_to(root)) for f in files]}, files)


def _load(scale, seed, root: Path, key: dict, generated: dict, files: list[Path], demo_fp: str,
          loader_fp: str, say) -> Built:
    from etl.load import LoadOptions, load_files

    shutil.rmtree(root / "db", ignore_errors=True)
    (root / "manifest.json").unlink(missing_ok=True)
    os.environ.setdefault("BOARD_SECRET_KEY_FILE", str(WORK_ROOT / "person-key.secret"))
    if generated["pack"]:  # larger scales bring their own neighbourhoods (as run_demo does)
        os.environ["BOARD_REFERENCE"] = str(root / generated["pack"])
    else:
        os.environ.pop("BOARD_REFERENCE", None)
    say(f"  loading {len(files)} files (as `python -m etl demo` does) …")
    db = root / "db" / "board.duckdb"
    t1 = time.perf_counter()
    # The same options as the demo load: topic classification on.
    results = load_files(None, files, db, LoadOptions(progress=sys.stderr.isatty()))
    loaded_in = time.perf_counter() - t1
    refused = [r for r in results if r.status == "refused"]
    say(f"  loaded {sum(r.rows_loaded for r in results):,} rows in {loaded_in:.1f} s "
        f"({len(refused)} files refused)")

    manifest = {
        "key": key,
        "demo_fingerprint": demo_fp,
        "loader_fingerprint": loader_fp,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "generated": generated,
        "generate_seconds": generated["seconds"],
        "load_seconds": round(loaded_in, 3),
        "pack": generated["pack"],
        "files": [{"name": str(r.path.relative_to(root)), "source": r.source, "status": r.status,
                   "rows_read": r.rows_read, "rows_loaded": r.rows_loaded, "seconds": round(r.seconds, 4),
                   "bytes": r.path.stat().st_size} for r in results],
    }
    tmp = root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, root / "manifest.json")
    return _built(scale, seed, root, manifest, built_now=True)


# The code a build depends on: everything demo/generate.py and etl/load.py import from the
# repository's own packages, found by reading their import statements with `ast`
# (function-level ones too, which a look at sys.modules after import would miss), plus the
# SQL, plus the default reference pack at sub-district scale (larger scales write their own
# pack, from code in the demo's closure).
CODE_PACKAGES = ("etl", "core", "live", "ops", "demo")
DEMO_ENTRY = ("demo.generate",)
LOADER_ENTRY = ("etl.load",)


def _own_imports(source: str, package: str) -> set[str]:
    """Modules (`package.module`) of CODE_PACKAGES that `source`, a module of `package`, imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:
                module = f"{package}.{module}" if module else package
            parts = module.split(".")
            if parts[0] not in CODE_PACKAGES:
                continue
            if len(parts) == 1:   # `from etl import derive, settings`
                names.update(f"{parts[0]}.{a.name}" for a in node.names)
            else:
                names.add(".".join(parts[:2]))
        elif isinstance(node, ast.Import):
            names.update(".".join(a.name.split(".")[:2]) for a in node.names
                         if a.name.split(".")[0] in CODE_PACKAGES and "." in a.name)
    return names


def _module_files(module: str) -> list[Path]:
    """A module's file; for a package, all its modules (the source registry finds its
    modules by listing the folder, not by importing them by name)."""
    path = REPO_ROOT / Path(*module.split("."))
    if path.is_dir():
        return sorted(path.glob("*.py"))
    return [path.with_suffix(".py")] if path.with_suffix(".py").exists() else []


def code_closure(entries: tuple[str, ...]) -> list[Path]:
    seen, todo, files = set(), list(entries), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for path in _module_files(name):
            files.add(path)
            package = ".".join(path.relative_to(REPO_ROOT).parent.parts)
            todo += _own_imports(path.read_text(encoding="utf-8"), package)
    return sorted(files)


def fingerprint(entries: tuple[str, ...], scale: str) -> str:
    files = code_closure(entries) + sorted((REPO_ROOT / "etl" / "sql").rglob("*.sql"))
    if scale == "subdistrict":
        files += sorted(p for p in (REPO_ROOT / "data" / "reference").rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(REPO_ROOT)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def _built(scale, seed, root: Path, manifest: dict, built_now: bool) -> Built:
    pack = root / manifest["pack"] if manifest.get("pack") else None
    files = [root / f["name"] for f in manifest["files"]]
    return Built(scale, seed, root, root / "db" / "board.duckdb", files, pack, manifest, built_now)


# Tables whose sizes the table reports; `persons` is the view merging roster reports.
SIZE_TABLES = ("hotline_tickets", "roster_reports", "persons", "alarms", "enterprises",
               "ref_neighbourhoods", "etl_runs", "etl_rejects")


def size_rows(built: Built) -> list[Row]:
    target = built.db.resolve()
    con = duckdb.connect(str(target), read_only=True)
    try:
        counts = {}
        for table in SIZE_TABLES:
            try:
                counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except duckdb.CatalogException:
                counts[table] = None
        subdistricts = con.execute("SELECT count(DISTINCT subdistrict_code) FROM ref_neighbourhoods").fetchone()[0]
    finally:
        con.close()
    files_bytes = sum(f.get("bytes", 0) for f in built.manifest["files"])
    state = ("STALE: built by older ETL code (--reuse-stale)" if built.manifest.get("stale")
             else "built by the current ETL code")
    rows = [Row("size", "database file", fmt_bytes(target.stat().st_size),
                f"{target.name}; built {built.manifest['created']}; {state}",
                values={"bytes": target.stat().st_size}),
            Row("size", "demo files", f"{len(built.files)} files", fmt_bytes(files_bytes),
                values={"files": len(built.files), "bytes": files_bytes}),
            Row("size", "sub-districts / neighbourhoods", f"{subdistricts:,} / {counts['ref_neighbourhoods']:,}",
                values={"subdistricts": subdistricts, "neighbourhoods": counts["ref_neighbourhoods"]})]
    for table in SIZE_TABLES:
        if table == "ref_neighbourhoods":
            continue
        n = counts[table]
        rows.append(Row("size", table, "—" if n is None else f"{n:,} rows", values={"rows": n}))
    return rows
