"""Every Chinese label, figure caption and colour of the board, in one place."""
from __future__ import annotations

APP_TITLE = "一屏观 · 南码头路街道城运中心"
SLOGAN = "一屏观疫情，一网管防控"

PAGES = {
    "overview": "总览", "hotline": "12345工单", "roster": "人员排摸与隔离", "alarms": "门磁报警",
    "enterprises": "企业复工", "neighbourhood": "居民区", "explore": "查询", "data": "数据",
    "screen": "大屏", "brief": "日报", "audit": "审计",
}

# Shown wherever "now" is not the wall clock (docs/metrics.md, Time).
REPLAY_BADGE = "回放"

SOURCES = {"hotline": "12345工单", "roster": "来沪人员", "alarms": "门磁报警", "enterprises": "企业复工"}

# KPI: (label, how it is counted — follows metrics.md)
FIGURES = {
    "hotline_received": ("昨日工单", "统计日内受理的12345工单数"),
    "epidemic_share": ("涉疫占比", "统计日受理工单中涉疫工单的占比；较前日为百分点"),
    "hotline_open": ("在办工单", "截至统计日24时（今天为当前）已受理、未办结且未退单的工单数；较前日为前一日24时"),
    "hotline_overdue": ("超期在办", "截至统计日24时在办且已超过办理时限（按工作日）的工单数"),
    "on_time_rate": ("按时办结率", "统计日办结的工单中，办结时间不晚于办理时限的占比"),
    "first_contact_rate": ("先行联系率", "统计日受理且已记录先行联系情况的工单中，已先行联系的占比"),
    "satisfaction_rate": ("满意率", "统计日办结且有评价的工单中，满意+基本满意的占比"),
    "satisfaction_score": ("满意度得分", "满意1、基本满意0.8、一般0.6、不满意0 的加权平均"),
    "arrivals": ("昨日来沪", "抵沪日期为统计日的人数（同一人只计一次）"),
    "home_quarantine": ("居家隔离", "统计日处于居家隔离期内的人数（按统计日前最新报送；当日解除的仍计入）"),
    "central_quarantine": ("集中隔离", "统计日处于集中隔离期内的人数（按统计日前最新报送；当日解除的仍计入）"),
    "health_observation": ("健康观察", "统计日处于健康观察期内的人数（按统计日前最新报送；无结束日期的持续计入）"),
    "ending_next_day": ("今日解除", "统计日在隔离、隔离结束日期为统计日次日的人数"),
    "ending_soon": ("3日内解除", "统计日在隔离、隔离结束日期在统计日后1至3天内的人数"),
    "alarm_alarms": ("昨日报警", "统计日内的门磁/门铃报警数（全部类型）"),
    "alarm_door_open": ("昨日开门报警", "统计日内的开门报警数"),
    "alarm_unhandled": ("未处置报警", "截至统计日24时（今天为当前）已报警、尚未处置的报警数（已报备不计，误报计至处置时间）"),
    "alarm_past_threshold": ("超时未处置", "截至统计日24时未处置时长超过该类型阈值（开门15分钟）的报警数"),
    "alarm_door_open_past_threshold": ("开门超时", "开门报警未处置超过阈值的个数"),
    "median_response": ("响应中位数", "统计日报警中已处置（含误报）的，处置时间减报警时间的中位数（分钟）"),
    "enterprise_approved": ("已复工", "截至统计日审核通过的企业数（按审核日期）"),
    "enterprise_pending": ("待审核", "统计日已申请、尚未审核的企业数"),
    "enterprise_returned": ("已退回", "截至统计日被退回的企业数（按审核日期）"),
    "enterprise_pending_past_threshold": ("审核超期", "统计日待审核且已等待超过3天的企业数"),
    "enterprise_resumed": ("昨日复工", "实际复工日期为统计日的企业数"),
    "pledge_coverage": ("公筷公勺承诺", "统计日前已申请（或无申请日期）且已明确是否签订的企业中，已签订的占比"),
}

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

# Neighbourhood status reasons, formatted with their count.
STATUS_REASONS = {
    "door_open_past_threshold": "{n} 条开门报警超{t}分钟未处置",
    "epidemic_overdue": "{n} 件涉疫工单超期未办结",
    "ending_tomorrow": "{n} 人明日解除隔离",
    "enterprise_pending_past_threshold": "{n} 家企业复工审核超{d}天",
    "alarm_past_half_threshold": "{n} 条报警未处置超过阈值一半",
    "non_epidemic_overdue": "{n} 件非涉疫工单超期",
}

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
