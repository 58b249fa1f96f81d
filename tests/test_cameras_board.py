"""Road cameras on the board: the platform's page address from the setting camera_page_url,
the amber rule "camera offline too long" (docs/metrics.md), and the overview map's camera
layer and counts for a leader and for a committee (its own cameras only)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from boardkit.data.clock import Clock
from boardkit.data.db import ALL, current_generation
from boardkit.metrics import rules
from boardkit.metrics.status import neighbourhood_status
from core import settings
from etl_helpers import load
from page_helpers import COMMITTEE, direct, neighbourhoods, open_page, sign_in_required

TEMPLATE = "https://video.example.gov.cn/camera?id={camera_id}"


def _pack(tmp_path, monkeypatch, **values) -> None:
    """A reference folder whose settings.toml sets `values` (only settings are read from it)."""
    pack = tmp_path / "reference"
    pack.mkdir(exist_ok=True)
    (pack / "settings.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()),
                                        encoding="utf-8")
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))


def test_page_url_is_the_template_with_the_id_url_encoded(tmp_path, monkeypatch):
    _pack(tmp_path, monkeypatch, camera_page_url=TEMPLATE)
    assert settings.camera_page_url("31/01 5?&#=中") == \
        "https://video.example.gov.cn/camera?id=31%2F01%205%3F%26%23%3D%E4%B8%AD"
    assert settings.camera_page_url("CAM-001_a") == "https://video.example.gov.cn/camera?id=CAM-001_a"


def test_no_template_no_link(tmp_path, monkeypatch):
    _pack(tmp_path, monkeypatch)
    assert settings.camera_page_url("CAM-001") is None


@pytest.mark.parametrize("template", [
    "javascript:alert(document.cookie)//{camera_id}", "JavaScript:alert(1)?{camera_id}",
    "data:text/html,<script>{camera_id}</script>", "ftp://video.example.gov.cn/{camera_id}",
    "https://{camera_id}.example.gov.cn/", "https://video.example.gov.cn/camera",
    "https://video.example.gov.cn/{camera_id}/{other}", "//video.example.gov.cn/{camera_id}",
    "https://video.example.gov.cn/ {camera_id}", "https://video.example.gov.cn/{camera_id"])
def test_a_template_other_than_http_or_https_with_the_id_is_refused(tmp_path, monkeypatch, template):
    _pack(tmp_path, monkeypatch, camera_page_url=template)
    with pytest.raises(ValueError, match="设置 camera_page_url 无效：须为 http:// 或 https:// 开头"):
        settings.camera_page_url("CAM-001")


CSV = ("设备编号,设备名称,经度,纬度,在线状态,离线时间\n"
       "CAM-001,浦三路口,121.5031,31.1982,离线,2020-02-29 10:00\n"  # 八一
       "CAM-002,南泉路公交站,121.5086,31.1978,离线,2020-02-28 09:30\n"  # 六里五
       "CAM-003,港机路口,121.5137,31.1977,离线,\n"  # 港机: offline since an unknown time
       "CAM-004,东盛路口,121.5189,31.1979,在线,\n")  # 东盛


@pytest.fixture(scope="module")
def camera_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("camera-status")
    path = folder / "cameras.csv"
    path.write_text(CSV, encoding="utf-8")
    db = folder / "db" / "board.duckdb"
    load("cameras", [path], db)
    return db


def _reasons(db, day: dt.date) -> dict[str, tuple[str, str]]:
    gen = current_generation(db)
    status = neighbourhood_status(gen, Clock(dt.datetime(2020, 3, 1, 12, 0), day), ALL)
    return {r.name: (r.status, r.reason) for r in status.itertuples() if r.status != "green"}


def test_offline_camera_is_amber_only_past_the_setting_and_with_a_known_time(camera_db, tmp_path, monkeypatch):
    _pack(tmp_path, monkeypatch, camera_offline_hours=24)
    # Today (now 03-01 12:00): CAM-001 26 h, CAM-002 50.5 h; CAM-003's time is unknown.
    assert _reasons(camera_db, dt.date(2020, 3, 1)) == {
        "八一居民区": ("amber", "1 个摄像头离线超24小时"), "六里五居民区": ("amber", "1 个摄像头离线超24小时")}
    # 02-29 at 24:00: CAM-001 14 h, CAM-002 38.5 h.
    assert _reasons(camera_db, dt.date(2020, 2, 29)) == {"六里五居民区": ("amber", "1 个摄像头离线超24小时")}
    # 02-28 at 24:00: CAM-002 14.5 h; CAM-001 was not offline yet.
    assert _reasons(camera_db, dt.date(2020, 2, 28)) == {}
    assert "摄像头离线超时" in rules.legend()


def test_the_rule_is_off_by_default_and_out_of_the_legend(camera_db, tmp_path, monkeypatch):
    _pack(tmp_path, monkeypatch)
    assert _reasons(camera_db, dt.date(2020, 3, 1)) == {}
    assert "摄像头" not in rules.legend()


def _camera_layer(at) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return next((layer["data"] for layer in spec["layers"] if layer.get("id") == "cameras"), [])


def _camera_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("道路摄像头："))


def test_overview_draws_every_camera_and_counts_them(board_env):
    at = open_page("overview")
    expected = direct("SELECT camera_id, online FROM cameras ORDER BY camera_id")
    assert len(expected) >= 40
    layer = _camera_layer(at)
    assert sorted(row["camera_id"] for row in layer) == [r[0] for r in expected]
    offline = {r[0] for r in expected if r[1] == "offline"}
    assert offline and {row["camera_id"] for row in layer if row["status"] == "离线"} == offline
    assert _camera_caption(at).startswith(f"道路摄像头：在线 {len(expected) - len(offline)}　离线 {len(offline)}")


def test_a_committee_sees_only_its_own_cameras(board_env, tmp_path, monkeypatch):
    sign_in_required(monkeypatch, tmp_path)
    code = neighbourhoods()[0][0]
    at = open_page("overview", user=COMMITTEE)
    own = direct("SELECT camera_id, online FROM cameras WHERE neighbourhood_code = ? ORDER BY camera_id", [code])
    assert own and len(own) < direct("SELECT count(*) FROM cameras")[0][0]
    assert sorted(row["camera_id"] for row in _camera_layer(at)) == [r[0] for r in own]
    online = sum(1 for r in own if r[1] == "online")
    assert _camera_caption(at).startswith(f"道路摄像头：在线 {online}　离线 {len(own) - online}")


def test_a_refused_template_is_said_on_the_overview(board_env, tmp_path, monkeypatch):
    pack = shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "reference", tmp_path / "reference")
    with (pack / "settings.toml").open("a", encoding="utf-8") as toml:
        toml.write('\ncamera_page_url = "javascript:alert(1)//{camera_id}"\n')
    monkeypatch.setenv("BOARD_REFERENCE", str(pack))
    at = open_page("overview")
    shown = [w.value.replace("\\", "").replace("\u200d", "") for w in at.warning]  # as markdown draws it
    warnings = [w for w in shown if "camera_page_url" in w]
    assert len(warnings) == 1 and "须为 http:// 或 https:// 开头" in warnings[0]
    assert len(_camera_layer(at)) == direct("SELECT count(*) FROM cameras")[0][0]  # the points stay
