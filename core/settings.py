"""The one settings table: every tunable with its default and help text.

Defaults live here; a reference pack may override any of them in its
`settings.toml` (flat keys, e.g. `"due_days.complaint" = 5`). Environment
variables override paths only: BOARD_DB, BOARD_REFERENCE, BOARD_SECRET_KEY_FILE.
The README's settings table is printed from this list (`python -m etl settings`).
"""
from __future__ import annotations

import os
import string
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

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
    Setting("replay_at", "", "回放：看板与日报以此时刻为“现在”（如 2020-02-25T07:30），并显示“回放”标记；"
            "留空则为当前时间（数据最新记录早于当前时间 7 天以上时自动按回放处理）"),
    Setting("generations_kept", 3, "保留的历史数据代文件个数（旧的在无人读取后删除）"),
    Setting("query_timeout_seconds", 10.0, "看板单个查询的超时秒数"),
    Setting("query_row_cap", 50000, "看板单个查询最多返回的行数"),
    Setting("cache_ttl_seconds", 60, "看板查询结果缓存秒数（新数据代总会立即生效）"),
    Setting("page_refresh_min_seconds", 10, "页面自动刷新（?refresh=秒数）的最短间隔秒数，更短的按此值"),
    Setting("auth", "required", "登录总是开启；此项在参考数据包中不起作用。只有环境变量 BOARD_AUTH=off 且看板只监听本机地址"
            "（--server.address 127.0.0.1）时关闭登录（仅限开发测试，每页显示警告）"),
    Setting("users_file", "data/users.toml", "用户与角色文件（密码以 scrypt 哈希保存）；环境变量 BOARD_USERS 优先"),
    Setting("audit_db", "data/audit.sqlite", "审计日志（SQLite，WAL 模式，看板运行时追加写入）；登录会话库 sessions.sqlite 在其旁边"),
    Setting("audit.retention_days", 180, "审计日志保留天数（网络安全法要求不少于六个月）；看板启动时删除更早的记录"),
    Setting("session_minutes", 480, "登录会话无操作多少分钟后失效（自动刷新的页面不算操作）"),
    Setting("password.scrypt_n", 2 ** 17, "口令哈希 scrypt 的代价参数 N（2 的幂，不低于 131072）；提高后各账号下次登录时自动升级"),
    Setting("password.scrypt_r", 8, "口令哈希 scrypt 的块大小 r"),
    Setting("password.scrypt_p", 1, "口令哈希 scrypt 的并行度 p"),
    Setting("sign_in.free_failures", 3, "同一用户名从同一地址连续输错多少次后开始延时"),
    Setting("sign_in.max_delay_seconds", 300, "连续输错后的等待秒数每次翻倍，最多到此秒数（从不永久锁定账号）"),
    Setting("screen_allowed_clients", "", "允许打开大屏的客户端地址（逗号分隔，可写网段如 10.1.2.0/24）；本机回环地址与缺失的地址"
            "从不算数（同机反向代理会让所有人都像 127.0.0.1），须写墙面电脑的真实地址，或使用大屏密钥"),
    Setting("screen_key", "", "大屏密钥：/screen?key=密钥 可不受地址限制打开大屏；环境变量 BOARD_SCREEN_KEY 优先；留空则只按地址"),
    Setting("tile_url", "", "底图瓦片地址模板（如内网瓦片服务）；留空则不加载底图，只画居民区边界"),
    Setting("camera_page_url", "", "道路摄像头：点击摄像头在新标签页打开视频平台页面的地址模板，{camera_id} 处填入设备编号"
            "（URL 编码），只接受 http/https，如 https://video.example.gov.cn/camera?id={camera_id}；留空则不提供链接。"
            "看板从不获取或转发视频"),
    Setting("camera_offline_hours", 0.0, "道路摄像头离线超过此小时数，其所在居民区标黄（0 为不启用）"),
    Setting("surge.baseline_days", 14, "新热点：与统计日之前多少天的日均量比较（不含统计日）"),
    Setting("surge.p_value", 0.001, "新热点：按近期日均量（计入波动）出现不少于当日件数的概率低于此值才提示"),
    Setting("surge.min_count", 5, "新热点：统计日件数至少为此数才提示（避免零星来电误报）"),
    Setting("surge.min_ratio", 1.5, "新热点：统计日件数至少为近期日均的此倍数才提示"),
    # Alarms in near real time: watched inbox, HTTP intake, notices to phones.
    Setting("watch.inbox_dir", "data/inbox", "监视收件箱目录（python -m etl watch 的默认目录）"),
    Setting("watch.archive_dir", "", "已导入文件的归档目录（按日期分子目录）；留空则为收件箱旁的 archive"),
    Setting("watch.refused_dir", "", "被拒收文件的目录（附 .reason.txt）；留空则为收件箱旁的 refused"),
    Setting("watch.poll_seconds", 0.25, "收件箱扫描间隔（秒）"),
    Setting("watch.stable_seconds", 1.0, "直接以正式文件名写入的文件，大小与修改时间保持不变达此秒数才算写完"),
    Setting("intake.host", "127.0.0.1", "报警接收服务监听地址（默认只接受本机连接）"),
    Setting("intake.port", 8765, "报警接收服务端口"),
    Setting("intake.token_file", "~/.config/yipingguan/intake.token",
            "报警接收服务的共享令牌文件（仓库之外，首次运行时创建，权限 600）"),
    Setting("intake.max_events", 1000, "一次 POST 最多的报警事件数"),
    Setting("intake.read_timeout_seconds", 10.0, "报警接收：一个请求（请求头与请求体）须在此秒数内发完，否则答复 408 并断开"),
    Setting("notify.config_file", "notify.toml", "各居民区群机器人地址的配置文件（参考数据包内）；未配置则不发送"),
    Setting("notify.log_file", "", "提醒发送记录（SQLite）；留空则为数据库旁的 notify.sqlite"),
    Setting("notify.arrival_types", "door_open", "到达即提醒的报警类型（英文代码，逗号分隔）"),
    Setting("notify.arrival_max_age_minutes", 60, "报警时间早于此分钟数的报警不再发到达提醒（补录的旧报警）"),
    Setting("notify.escalate_minutes.door_open", 15, "开门报警超过此分钟数仍未处置，向居民区升级提醒（0 为不升级）"),
    Setting("notify.escalate_minutes.tamper", 15, "防拆报警升级提醒分钟数（0 为不升级）"),
    Setting("notify.escalate_minutes.doorbell", 30, "门铃报警升级提醒分钟数（0 为不升级）"),
    Setting("notify.escalate_minutes.offline", 120, "设备离线升级提醒分钟数（0 为不升级）"),
    Setting("notify.escalate_minutes.low_battery", 720, "低电量升级提醒分钟数（0 为不升级）"),
    Setting("notify.escalate_max_age_hours", 24, "报警时间早于此小时数的未处置报警不再升级（历史积压）"),
    Setting("notify.burst_window_seconds", 300, "同一设备在此秒数内的多次报警合并为一条提醒"),
    Setting("notify.give_up_minutes", 120, "一条提醒自排队起此分钟数内仍未能送达即放弃（记入提醒记录）"),
    Setting("notify.retry_base_seconds", 2.0, "发送失败后的重试间隔：此秒数 × 2^(已试次数-1)，至多 notify.retry_max_seconds"),
    Setting("notify.retry_max_seconds", 300, "发送失败后重试间隔的上限（秒）"),
    Setting("notify.refused_pause_seconds", 60, "群机器人因发送过快拒收（企业微信 45009、钉钉 130101 或 HTTP 429）后"
            "暂停向它发送的秒数；连续拒收时加倍，至多 600 秒（钉钉拒收 10 分钟）"),
    Setting("notify.timeout_seconds", 5.0, "调用群机器人接口的超时秒数"),
    Setting("notify.poll_seconds", 15.0, "提醒进程检查超时未处置报警的间隔（秒）"),
    Setting("notify.silence_max_hours", 72, "领导在看板上设置的提醒静默最长多少小时（只静默群机器人提醒，不影响数字、状态与大屏）"),
    Setting("brief.send_time", "07:30", "每天此时刻（HH:MM）把昨天日报的摘要发到领导群机器人（notify.toml 的 [leaders]；"
            "未配置领导群或留空则不发送）"),
    Setting("brief.files_location", "", "日报文件在内网的位置（共享目录路径或网址），写在发给领导群的摘要末尾；留空则不写"),
    # The wall screen: refresh and rotation (each source registers when it counts as stale,
    # screen_freshness_hours.<source>, from etl/sources/).
    Setting("screen_refresh_seconds", 30, "大屏各面板自动刷新间隔（秒）"),
    Setting("screen_alarm_refresh_seconds", 2, "大屏报警滚动条与时钟的刷新间隔（秒）"),
    Setting("screen_rotate_seconds", 20, "大屏轮播（/screen?rotate=1）每个画面停留的秒数"),
    # Running for months: retention, raw archive, disk, health, services.
    Setting("retention_days", 30, "隔离结束（或抵沪，未隔离者）后保留个人信息的天数；到期由 python -m etl purge 匿名化"),
    Setting("archive.raw_dir", "", "已导入原始文件的归档目录（重建数据库用）；留空则为数据库旁的 archive/raw"),
    Setting("archive.retention_days", 45, "原始文件（含明文个人信息）归档保留天数；到期由 python -m etl cleanup 删除"),
    Setting("disk.warn_free_gb", 5.0, "磁盘剩余空间低于此 GB（或低于当前数据库的 3 倍）即告警"),
    Setting("health.max_generation_age_hours", 26.0, "健康检查：当前数据代超过此小时数未更新即判为不健康"),
    Setting("brief_output_mode", "0600",
            "日报文件（python -m etl brief --out 的目录中）的权限，八进制；如 0640 让同组账户读取（不能给其他用户权限）"),
    Setting("services.units", "yipingguan-board,yipingguan-watch,yipingguan-intake",
            "python -m etl status 检查运行状态的 systemd 服务名（逗号分隔）"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def register(*more: Setting) -> None:
    """Settings defined beside what they tune (a source's freshness hours, etl/sources/);
    registering the same name again is a no-op."""
    global SETTINGS
    new = [s for s in more if s.name not in _BY_NAME]
    SETTINGS = SETTINGS + tuple(new)
    _BY_NAME.update({s.name: s for s in new})
    _overrides.cache_clear()


def reference_dir() -> Path:
    return repo_path(os.environ.get("BOARD_REFERENCE") or default_reference_dir())


def default_reference_dir() -> Path:
    """The pack shipped with the code, whatever BOARD_REFERENCE says."""
    return repo_path(_BY_NAME["reference_dir"].default)


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
    return repo_path(os.environ.get("BOARD_DB") or get("db_path"))


def users_file() -> Path:
    return repo_path(os.environ.get("BOARD_USERS") or get("users_file"))


def audit_db() -> Path:
    return repo_path(os.environ.get("BOARD_AUDIT") or get("audit_db"))


def auth_off_requested() -> bool:
    """BOARD_AUTH=off in the environment; a reference pack cannot turn sign-in off (packs are
    swapped to change sub-district). boardkit.auth also requires a loopback listener."""
    return os.environ.get("BOARD_AUTH", "").strip().lower() == "off"


CAMERA_ID_FIELD = "{camera_id}"


def camera_page_template() -> str:
    """The setting camera_page_url, checked: "" (no link) or an http(s) address with
    {camera_id} outside its host. Raises ValueError with the message to show."""
    template = str(get("camera_page_url")).strip()
    if not template:
        return ""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError:  # a lone brace
        fields = set()
    parts = urlsplit(template)
    if (fields != {"camera_id"} or parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or CAMERA_ID_FIELD in parts.netloc or any(c.isspace() or ord(c) < 32 for c in template)):
        raise ValueError("设置 camera_page_url 无效：须为 http:// 或 https:// 开头、在主机名之后含且只含 {camera_id} 的地址模板"
                         f"（如 https://video.example.gov.cn/camera?id={{camera_id}}），现为 {template[:200]!r}；摄像头暂不提供链接")
    return template


def camera_page_url(camera_id: str) -> str | None:
    """The video platform's page of a camera: the template with the id URL-encoded (every
    character but letters, digits and _.-~), or None when no template is set."""
    template = camera_page_template()
    return template.replace(CAMERA_ID_FIELD, quote(str(camera_id), safe="")) if template else None


def screen_key() -> str:
    return os.environ.get("BOARD_SCREEN_KEY") or str(get("screen_key"))


def secret_key_file() -> Path:
    return Path(os.environ.get("BOARD_SECRET_KEY_FILE") or get("secret_key_file")).expanduser()


def repo_path(value: str | os.PathLike) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path
