"""`python -m etl backup --to DIR` and `python -m etl restore BACKUP`.

A backup is one folder `DIR/yipingguan-YYYYmmdd-HHMMSS/` (mode 700: it holds the secret
key and raw files with clear personal data) with:
- `database/board-NNNNNN.duckdb`: the live generation. Generation files never change
  once published, so a byte copy is consistent; it is opened read-only before and
  after copying to make sure;
- `archive/raw/`: the raw-file archive (hard links to the previous backup's copy of a
  file where it has one: archived files never change);
- `logs/audit.sqlite`, `logs/notify.sqlite`: copied with SQLite's backup API while
  the board and the notifier keep writing;
- `secrets/`: the person-key secret (without it, person keys change), the intake
  token, the users file and the clerks' topic corrections (private: they carry ticket
  texts); `reference/`: the reference pack in use;
- `manifest.json`: every file with size and SHA-256, the generation and the last run.
`--keep N` deletes all but the newest N backups in DIR (they too hold personal data).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import archive, live_alarms, store
from core import settings
from etl.corrections import corrections_path
from etl.load import load_files

PREFIX = "yipingguan-"


@dataclass
class BackupResult:
    folder: Path
    files: int = 0
    bytes: int = 0
    generation: int = 0
    notes: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"已备份到 {self.folder}：第 {self.generation} 代数据库、原始文件归档、日志、密钥与参考数据包，"
                 f"共 {self.files} 个文件 {self.bytes / 1e6:.1f} MB"]
        lines += [f"删除旧备份 {p.name}" for p in self.removed]
        return lines + self.notes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _db_facts(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        runs, last = con.execute("SELECT count(*), max(finished_at) FROM etl_runs").fetchall()[0]
        return {"generation": int(meta.get("generation") or 0), "schema_version": meta.get("schema_version"),
                "runs": runs, "last_load": str(last) if last else None}
    finally:
        con.close()


def backup(to: Path, db_path: Path | None = None, keep: int | None = None) -> BackupResult:
    db_path = Path(db_path or settings.db_path())
    # Alarms the live channels brought since the last full load are in their own small
    # store (etl/live_alarms.py): folded into the main database first, so that the database
    # copied holds every alarm and a restore loses none.
    folded = live_alarms.current_file(db_path) is not None
    if folded:
        load_files(None, [], db_path)
    live = store.current_file(db_path)
    if live is None or not live.exists():
        raise FileNotFoundError(f"没有数据库：{db_path}")
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    previous = sorted(to.glob(f"{PREFIX}*/manifest.json"))
    folder = to / f"{PREFIX}{dt.datetime.now():%Y%m%d-%H%M%S}"
    folder.mkdir(mode=0o700)
    result = BackupResult(folder)
    if folded:
        result.notes.append("已先把实时报警库并入主数据库")
    facts = _db_facts(live)  # opens read-only: a valid database before copying
    (folder / "database").mkdir()
    db_copy = folder / "database" / live.name
    shutil.copyfile(live, db_copy)
    facts_copy = _db_facts(db_copy)
    if facts_copy != facts:
        raise RuntimeError(f"备份的数据库与原文件不一致：{facts_copy} ≠ {facts}")
    result.generation = facts["generation"]

    raw = archive.raw_dir(db_path)
    prev_raw = previous[-1].parent / "archive" / "raw" if previous else None
    for path in archive.files(raw):
        dest = folder / "archive" / "raw" / path.parent.name / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        linked = prev_raw / path.parent.name / path.name if prev_raw else None
        try:
            if linked is None or not linked.exists():
                raise FileNotFoundError
            dest.hardlink_to(linked)
        except OSError:
            shutil.copyfile(path, dest)
    if (raw / archive.JOURNAL).exists():
        shutil.copyfile(raw / archive.JOURNAL, folder / "archive" / "raw" / archive.JOURNAL)

    from core.notify_log import log_path
    for name, source in (("audit.sqlite", settings.audit_db()), ("notify.sqlite", log_path(db_path))):
        if source.exists():
            (folder / "logs").mkdir(exist_ok=True)
            _sqlite_copy(source, folder / "logs" / name)
        else:
            result.notes.append(f"提示：没有 {source}，未备份")
    secrets_dir = folder / "secrets"
    secrets_dir.mkdir(mode=0o700)
    for name, source in (("person-key.secret", settings.secret_key_file()),
                         ("intake.token", Path(settings.get("intake.token_file")).expanduser()),
                         ("users.toml", settings.users_file()),
                         ("hotline_topics.csv", corrections_path(db_path))):
        if source.exists():
            shutil.copyfile(source, secrets_dir / name)
            os.chmod(secrets_dir / name, 0o600)
        elif name == "person-key.secret":
            result.notes.append(f"警告：密钥文件 {source} 不存在：恢复后同一人员的人员键将改变")
    if settings.reference_dir().exists():
        shutil.copytree(settings.reference_dir(), folder / "reference")

    files = [p for p in folder.rglob("*") if p.is_file()]
    manifest = {"created_at": dt.datetime.now().isoformat(timespec="seconds"), "database": db_copy.name,
                **facts, "files": [{"path": str(p.relative_to(folder)), "bytes": p.stat().st_size,
                                    "sha256": _sha256(p)} for p in sorted(files)]}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    result.files = len(files)
    result.bytes = sum(p.stat().st_size for p in files)
    if keep:
        backups = sorted(p.parent for p in to.glob(f"{PREFIX}*/manifest.json"))
        for old in backups[:-keep]:
            shutil.rmtree(old)
            result.removed.append(old)
    return result


def _sqlite_copy(source: Path, dest: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def verify(folder: Path) -> list[str]:
    """Files of a backup whose size or SHA-256 differ from its manifest (empty: intact)."""
    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    bad = []
    for entry in manifest["files"]:
        path = Path(folder) / entry["path"]
        if not path.exists() or path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            bad.append(entry["path"])
    return bad


def restore(folder: Path, db_path: Path | None = None) -> list[str]:
    """Makes a backup's database the live one (as the next generation; the current
    generations stay), and puts back the archive files, logs and secrets that are
    missing here. Refuses a backup that fails its manifest or a different secret key."""
    from ops.rebuild import adopt
    folder, db_path = Path(folder), Path(db_path or settings.db_path())
    bad = verify(folder)
    if bad:
        raise RuntimeError(f"备份不完整或已损坏（{len(bad)} 个文件与清单不符，如 {bad[0]}），未恢复")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    lines = []
    key_backup, key_here = folder / "secrets" / "person-key.secret", settings.secret_key_file()
    if key_backup.exists():
        if key_here.exists() and key_here.read_bytes().strip() != key_backup.read_bytes().strip():
            raise RuntimeError(f"本机密钥 {key_here} 与备份中的不同：先把本机密钥移走（改名保存），再恢复")
        if not key_here.exists():
            key_here.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(key_backup, key_here)
            os.chmod(key_here, 0o600)
            lines.append(f"已恢复密钥 {key_here}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with store.writer_lock(db_path):
        tmp = db_path.parent / f".restore-{manifest['database']}"
        shutil.copyfile(folder / "database" / manifest["database"], tmp)
        adopt(db_path, tmp)
    lines.append(f"已恢复数据库：备份时第 {manifest['generation']} 代，{manifest['runs']} 次导入，"
                 f"最近导入 {manifest['last_load']}；现为 {store.current_file(db_path).name}")
    raw, restored = archive.raw_dir(db_path), 0
    for path in archive.files(folder / "archive" / "raw"):
        dest = raw / path.parent.name / path.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            restored += 1
    if (folder / "archive" / "raw" / archive.JOURNAL).exists() and not (raw / archive.JOURNAL).exists():
        shutil.copyfile(folder / "archive" / "raw" / archive.JOURNAL, raw / archive.JOURNAL)
    lines.append(f"已恢复归档原始文件 {restored} 个")
    from core.notify_log import log_path
    for name, dest in (("logs/audit.sqlite", settings.audit_db()), ("logs/notify.sqlite", log_path(db_path)),
                       ("secrets/intake.token", Path(settings.get("intake.token_file")).expanduser()),
                       ("secrets/users.toml", settings.users_file()),
                       ("secrets/hotline_topics.csv", corrections_path(db_path))):
        if (folder / name).exists() and not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, dest)
            lines.append(f"已恢复 {dest}")
    return lines
