"""The one settings table: every tunable with its default and help text.

Defaults live here; a reference pack may override any of them in its
`settings.toml` (flat keys, e.g. `"due_days.complaint" = 5`). Environment
variables override paths only: BOARD_DB, BOARD_REFERENCE, BOARD_SECRET_KEY_FILE.
The README's settings table is printed from this list (`python -m etl settings`).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", "data/board.duckdb", "数据库路径（指向当前数据代的符号链接）；环境变量 BOARD_DB 优先"),
    Setting("reference_dir", "data/reference", "参考数据包目录；环境变量 BOARD_REFERENCE 优先"),
    Setting("secret_key_file", "~/.config/yipingguan/person-key.secret",
            "人员键的本地密钥文件（仓库之外，首次运行时创建，权限 600）；环境变量 BOARD_SECRET_KEY_FILE 优先"),
    Setting("due_days.inquiry", 1, "咨询类工单办理时限（工作日）"),
    Setting("due_days.suggestion", 1, "建议类工单办理时限（工作日）"),
    Setting("due_days.complaint", 5, "投诉类工单办理时限（工作日）"),
    Setting("due_days.help", 5, "求助类工单办理时限（工作日）"),
    Setting("due_days.report", 5, "举报类工单办理时限（工作日）"),
    Setting("due_days.praise", 5, "表扬类工单办理时限（工作日）"),
    Setting("due_days.other", 5, "其他类工单办理时限（工作日）"),
    Setting("due_days.epidemic", 1, "涉疫工单办理时限（工作日），优先于类型时限"),
    Setting("alarm_threshold_minutes.door_open", 15, "开门报警超过此分钟数未处置即为超时"),
    Setting("alarm_threshold_minutes.tamper", 15, "防拆报警超时分钟数"),
    Setting("alarm_threshold_minutes.doorbell", 30, "门铃报警超时分钟数"),
    Setting("alarm_threshold_minutes.offline", 120, "设备离线报警超时分钟数"),
    Setting("alarm_threshold_minutes.low_battery", 720, "低电量报警超时分钟数"),
    Setting("enterprise_pending_days", 3, "复工申请待审核超过此天数即为超期"),
    Setting("quarantine_default_days", 14, "隔离结束日期缺失时按开始日期加此天数"),
    Setting("ending_soon_days", 3, "“即将解除隔离”的天数窗口"),
    Setting("generations_kept", 3, "保留的历史数据代文件个数（旧的在无人读取后删除）"),
    Setting("query_timeout_seconds", 10.0, "看板单个查询的超时秒数"),
    Setting("query_row_cap", 50000, "看板单个查询最多返回的行数"),
    Setting("cache_ttl_seconds", 60, "看板查询结果缓存秒数（新数据代总会立即生效）"),
    Setting("tile_url", "", "底图瓦片地址模板（如内网瓦片服务）；留空则不加载底图，只画居民区边界"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def reference_dir() -> Path:
    return _repo_path(os.environ.get("BOARD_REFERENCE") or _BY_NAME["reference_dir"].default)


@lru_cache(maxsize=8)
def _overrides(ref_dir: str) -> dict:
    path = Path(ref_dir) / "settings.toml"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - set(_BY_NAME)
    if unknown:
        raise ValueError(f"{path}: 未知的设置项 {sorted(unknown)}")
    return data


def get(name: str):
    """A setting's value: the pack's override, else the default."""
    setting = _BY_NAME[name]
    value = _overrides(str(reference_dir())).get(name, setting.default)
    return type(setting.default)(value) if setting.default is not None else value


def db_path() -> Path:
    return _repo_path(os.environ.get("BOARD_DB") or get("db_path"))


def secret_key_file() -> Path:
    return Path(os.environ.get("BOARD_SECRET_KEY_FILE") or get("secret_key_file")).expanduser()


def _repo_path(value: str | os.PathLike) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path
