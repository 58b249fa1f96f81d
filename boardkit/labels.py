"""Every Chinese label, figure caption and colour of the board, in one place."""
from __future__ import annotations

from etl import sources as registry
from etl.sources.duty import ROLE_LABELS

APP_TITLE = "一屏观 · 南码头路街道城运中心"
SLOGAN = "一屏观疫情，一网管防控"

PAGES = {
    "overview": "总览", "hotline": "12345工单", "roster": "人员排摸与隔离", "alarms": "门磁报警",
    "enterprises": "企业复工", "neighbourhood": "居民区", "explore": "查询", "data": "数据",
    "screen": "大屏", "brief": "日报", "audit": "审计",
}

# Shown wherever "now" is not the wall clock (docs/metrics.md, Time).
REPLAY_BADGE = "回放"

SOURCES = {name: registry.SOURCES[name].board_label for name in registry.BOARD_ORDER}

# Figure labels and how each is counted: boardkit/metrics/registry.py.

REQUEST_TYPE = {"inquiry": "咨询", "complaint": "投诉", "help": "求助", "suggestion": "建议",
                "report": "举报", "praise": "表扬", "other": "其他"}
TICKET_STATUS = {"new": "待受理", "in_progress": "办理中", "closed": "已办结", "returned": "已退单"}
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "fair": "一般", "unsatisfied": "不满意"}
CHANNEL = {"phone": "电话", "web": "网站", "app": "微信/APP", "other": "其他"}
TOPIC = {"quarantine": "来沪与隔离", "community": "社区防控与生活", "enterprise": "企业复工",
         "health": "防护与就医", "non_epidemic": "非涉疫"}
MEASURE = {"home_quarantine": "居家隔离", "central_quarantine": "集中隔离",
           "health_observation": "健康观察", "none": "无需隔离"}
PERSON_STATUS = {"active": "在管", "released": "已解除", "left": "转出/离沪"}
REPORTED_BY = {"community": "居委", "enterprise": "企业"}
DEVICE_TYPE = {"door_sensor": "门磁", "video_doorbell": "可视门铃"}
ALARM_TYPE = {"door_open": "开门", "offline": "离线", "low_battery": "低电量", "tamper": "防拆",
              "doorbell": "按铃"}
ALARM_STATUS = {"open": "未处置", "in_progress": "处置中", "handled": "已处置", "false_alarm": "误报",
                "pre_reported": "已报备"}
APPLICATION_STATUS = {"not_applied": "未申请", "pending": "待审核", "approved": "已通过", "returned": "已退回"}

# The same colour for the same thing on every page.
TOPIC_COLOURS = {"quarantine": "#d62728", "community": "#ff7f0e", "enterprise": "#1f77b4",
                 "health": "#2ca02c", "non_epidemic": "#9e9e9e"}
STATUS_COLOURS = {"red": "#d93025", "amber": "#f29900", "green": "#188038"}
STATUS_LABELS = {"red": "红", "amber": "黄", "green": "绿"}
STATUS_RGBA = {"red": [217, 48, 37, 170], "amber": [242, 153, 0, 160], "green": [24, 128, 56, 110]}
ALARM_COLOURS = {"door_open": "#d62728", "tamper": "#9467bd", "doorbell": "#17becf",
                 "offline": "#7f7f7f", "low_battery": "#bcbd22"}
APPLICATION_COLOURS = {"not_applied": "#bdbdbd", "pending": "#f29900", "approved": "#188038",
                       "returned": "#d93025"}
# Road cameras on the overview map and the wall screen: offline ones red with a white ring.
CAMERA_STATE = {"online": "在线", "offline": "离线"}
CAMERA_COLOURS = {"online": "#1a73e8", "offline": "#d93025"}
CAMERA_LINK = "打开视频平台页面"
CAMERA_NO_LINK = "未配置视频平台页面地址（设置 camera_page_url）"

# Neighbourhood status rules and their reasons: boardkit/metrics/rules.py.

NO_DATABASE_FIX = "python -m etl demo"
NO_DATABASE_HELP = ("在项目目录运行下面的命令生成演示数据（约1分钟），或用 `python -m etl ingest <文件夹>` "
                    "导入真实文件，然后刷新本页。")


def label(mapping: dict, value) -> str:
    return mapping.get(value, "未填" if value is None else str(value))

# Stream pages (12345工单, 人员排摸与隔离, 门磁报警, 企业复工).
UNKNOWN_NEIGHBOURHOOD = "未识别居民区"
ALL_OPTION = "全部"
TICKET_VIEW = {"open": "在办", "overdue": "超期在办", "closed": "已办结", "returned": "已退单", "all": "全部"}
DUE_FLAG = {"overdue": "已超期", "due_soon": "24小时内到期", "ok": "未到期"}
PERSON_SOURCE = {"community": "仅居委报送", "both": "居委+企业", "enterprise": "仅企业报送"}
PERSON_SOURCE_COLOURS = {"community": "#1a73e8", "both": "#12b5cb", "enterprise": "#e8710a"}
MEASURE_COLOURS = {"home_quarantine": "#e8710a", "central_quarantine": "#d62728",
                   "health_observation": "#f6bf26", "none": "#9e9e9e"}
TIMELINE = {"in_quarantine": "隔离/观察期内", "starting": "当日开始", "ending": "当日期满"}
TIMELINE_COLOURS = {"in_quarantine": "#e8710a", "starting": "#1a73e8", "ending": "#188038"}
STAFF = {"employees_total": "员工总数", "employees_from_outside": "来沪员工", "employees_on_site": "在岗人数"}
STAFF_COLOURS = {"employees_total": "#9aa0a6", "employees_from_outside": "#e8710a", "employees_on_site": "#188038"}
PLEDGE = {"pledged": "已签订", "declined": "未签订", "unknown": "未填报"}
PLEDGE_COLOURS = {"pledged": "#188038", "declined": "#d93025", "unknown": "#dadce0"}
CATERING = "餐饮"

# 数据 page: load runs and row issues.
RUN_STATUS = {"loaded": "已导入", "skipped_duplicate": "重复文件已跳过", "refused": "整份拒收"}
ISSUE_KIND = {"reject": "拒收（未导入）", "warning": "警告（已导入，请核对）"}

# The streams' titles, where figures are grouped by stream (overview, brief).
STREAM_TITLES = {"hotline": "12345工单", "roster": "人员与隔离", "alarms": "门磁报警", "enterprises": "企业复工"}

# The duty roster (值班表): roles, and the duty line of the wall screen and the overview.
DUTY_ROLES = dict(ROLE_LABELS)
DUTY = {"title": "值班", "now": "当前值班", "phone": "值班电话", "nobody": "当前无人在班（请核对值班表）",
        "none_loaded": "尚未导入值班表（python -m etl load duty 值班表.xlsx，或放入收件箱）",
        "gap": "缺岗", "gaps_title": "值班缺岗（今天起 8 天内，设置 duty_shifts / duty_roles）",
        "columns": {"duty_date": "日期", "shift": "班次", "role": "缺少岗位", "name": "姓名",
                    "phone": "电话", "hours": "时段"}}
