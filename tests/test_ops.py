"""Backups and restore, the health check, the disk warning, cleanup and status: what
keeps the board running for months on a closed network (docs/operations.md)."""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from etl_helpers import DATA, cli, override_settings
from ops_helpers import tables

from etl import archive, store
from ops import backup, disk, health, rebuild, status
from core import settings
from etl.load import LoadOptions, load_files
from live.watch import WatchConfig


def _load(db_path, source, names):
    return load_files(source, [DATA / n for n in names], db_path, LoadOptions(classify=False))


@pytest.fixture
def loaded(db_path):
    _load(db_path, "hotline", ["hotline_utf8.csv"])
    _load(db_path, None, ["roster_utf8.csv", "alarms_utf8.csv"])
    from boardkit.app import audit
    audit.record("login", "ops-test-staff", "staff")
    return db_path


def test_backup_holds_everything_needed_and_restores(loaded, tmp_path):
    done = backup.backup(tmp_path / "backups", loaded)
    folder = done.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    paths = {f["path"] for f in manifest["files"]}
    assert f"database/{store.current_file(loaded).name}" in paths
    assert "secrets/person-key.secret" in paths and "logs/audit.sqlite" in paths
    assert sum(p.startswith("archive/raw/") and "__" in p for p in paths) == 3
    assert any(p.startswith("reference/") for p in paths)
    assert stat.S_IMODE((folder / "secrets" / "person-key.secret").stat().st_mode) == 0o600
    assert backup.verify(folder) == []
    audit = sqlite3.connect(folder / "logs" / "audit.sqlite")
    assert ("ops-test-staff",) in audit.execute("SELECT user FROM audit").fetchall()
    audit.close()

    # A second backup links the unchanged archive files; --keep 1 leaves only it.
    time.sleep(1.1)
    second = backup.backup(tmp_path / "backups", loaded, keep=1)
    assert second.removed == [folder] and not folder.exists()
    raw = next(p for p in archive.files(second.folder / "archive" / "raw"))
    assert raw.stat().st_nlink == 1  # the first backup is gone: its link count went back

    # Restore on a "new machine": an empty data folder, the same secret key.
    target = tmp_path / "new" / "board.duckdb"
    lines = backup.restore(second.folder, target)
    assert any("已恢复数据库" in line for line in lines)
    assert rebuild.compare(loaded, target) == {}
    assert len(archive.files(archive.raw_dir(target))) == 3
    # The restored database can be rebuilt from the restored archive.
    rebuilt = rebuild.rebuild(target, tmp_path / "again" / "board.duckdb", classify=False)
    assert rebuilt.loaded == 3 and rebuild.compare(target, tmp_path / "again" / "board.duckdb") == {}


def test_restore_refuses_a_damaged_backup_or_another_key(loaded, tmp_path, monkeypatch):
    folder = backup.backup(tmp_path / "backups", loaded).folder
    other_key = tmp_path / "other.secret"
    other_key.write_text("ab" * 32)
    monkeypatch.setenv("BOARD_SECRET_KEY_FILE", str(other_key))
    with pytest.raises(RuntimeError, match="密钥"):
        backup.restore(folder, tmp_path / "new" / "board.duckdb")
    monkeypatch.undo()
    db_file = next((folder / "database").glob("*.duckdb"))
    db_file.chmod(0o600)
    with open(db_file, "r+b") as f:
        f.seek(5000)
        f.write(b"\0garbage\0")
    with pytest.raises(RuntimeError, match="损坏"):
        backup.restore(folder, tmp_path / "new" / "board.duckdb")


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200 if self.path == "/_stcore/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_health_checks_database_freshness_disk_and_services(loaded, tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        checks = health.run_checks(loaded, (url,))
        assert all(c.ok for c in checks), checks
        assert any("/_stcore/health 应答正常" in c.line for c in checks)
        assert not health.check_url(f"http://127.0.0.1:{server.server_port}/other").ok
    finally:
        server.shutdown()
        server.server_close()
    stale = health.check_database(loaded, max_age_hours=1, now=time.time() + 7200)
    assert not stale[-1].ok and "超过 1 小时" in stale[-1].line
    proc = cli("health", "--db", tmp_path / "none" / "board.duckdb", "--url", f"http://127.0.0.1:{server.server_port}")
    assert proc.returncode == 1
    assert "异常  数据库：没有" in proc.stdout and "无法访问" in proc.stdout


def test_disk_warning_below_the_threshold(loaded, monkeypatch):
    ok = disk.disk_status(loaded)
    assert not ok.warning and ok.free_bytes > 0 and "磁盘剩余" in ok.message
    override_settings(monkeypatch, {"disk.warn_free_gb": 1e9})
    low = disk.disk_status(loaded)
    assert low.warning and low.message.startswith("磁盘空间不足")


def test_cleanup_removes_old_generations_archive_and_inbox_files(loaded, tmp_path):
    for name in ("alarms_day1.csv", "alarms_day2.csv", "hotline_day1.csv"):
        _load(loaded, None, [name])
    gens = sorted(store.generations_dir(loaded).glob("*.duckdb"), key=store.generation_number)
    old = time.time() - 60 * 86400
    for path in gens + archive.files(archive.raw_dir(loaded))[:2]:
        os.utime(path, (old, old))
    config = WatchConfig(inbox=tmp_path / "inbox", db=loaded, archive=tmp_path / "archive", refused=tmp_path / "refused")
    day = config.archive / (dt.date.today() - dt.timedelta(days=60)).isoformat()
    today = config.archive / dt.date.today().isoformat()
    for folder in (day, today, config.refused):
        folder.mkdir(parents=True)
        (folder / "f.csv").write_text("x")
    os.utime(config.refused / "f.csv", (old, old))
    before = len(archive.files(archive.raw_dir(loaded)))

    result = disk.cleanup(loaded, watch_config=config)
    assert result.generations == len(gens) - int(settings.get("generations_kept"))
    assert result.archived == 2 and len(archive.files(archive.raw_dir(loaded))) == before - 2
    assert result.inbox_files == 2 and not day.exists() and (today / "f.csv").exists()
    assert store.current_file(loaded).exists() and tables(loaded)["hotline_tickets"]


def test_status_shows_generation_disk_archive_purge_and_services(loaded):
    lines = status.status_lines(loaded)
    text = "\n".join(lines)
    assert "第 2 代" in lines[0]
    assert "原始文件归档 3 个" in text and "磁盘剩余" in text
    assert "个人信息到期清除：尚未运行" in text
    services = next(line for line in lines if line.startswith("服务："))
    assert "yipingguan-board" in services and "yipingguan-watch" in services
    if not os.path.exists("/run/systemd/system"):
        assert "未知" in services


def test_backup_and_check_commands(loaded, tmp_path):
    proc = cli("backup", "--db", loaded, "--to", tmp_path / "b", "--keep", "3")
    assert proc.returncode == 0, proc.stderr
    assert "已备份到" in proc.stdout
    folder = next((tmp_path / "b").glob("yipingguan-*"))
    check = cli("restore", "--check", folder)
    assert check.returncode == 0 and "备份完好" in check.stdout
    (folder / "reference" / "faq.toml").write_text("tampered")
    assert cli("restore", "--check", folder).returncode == 1
