"""What each source file may contain: canonical columns, their Chinese headers and
synonyms, and the enumeration words (data-contract.md, "Sources and their columns").

This is the allow-list: only these canonical names ever become SQL identifiers.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    headers: tuple[str, ...]
    required: bool = False
    # word -> canonical value; matched after trimming, NFKC folding and lower-casing.
    enum: dict[str, str] = field(default_factory=dict)
    enum_default: str | None = None  # value for blank (and, where set, unknown) words
    unknown_to_default: bool = False
    enum_unknown: str | None = None  # value for unknown words when it differs from the blank one
    # Free text (a ticket's content, an address, a name): its full-width digits, letters and
    # spaces are folded as everywhere, but －／．： are punctuation there and stay as written
    # (in dates, times, numbers and codes they are folded too).
    text: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    label: str  # Chinese, for messages
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


_REQUEST_TYPE = {"咨询": "inquiry", "投诉": "complaint", "求助": "help", "建议": "suggestion",
                 "举报": "report", "表扬": "praise"}
_TICKET_STATUS = {"待受理": "new", "待派单": "new", "处理中": "in_progress", "办理中": "in_progress",
                  "已派单": "in_progress", "已签收": "in_progress", "已办结": "closed", "已结案": "closed",
                  "办结": "closed", "退单": "returned", "已退回": "returned"}
_SATISFACTION = {"满意": "satisfied", "基本满意": "basic", "一般": "fair", "不满意": "unsatisfied"}
_YES_NO = {"是": "true", "1": "true", "否": "false", "0": "false"}
_CRS = {"wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02",
        "高德": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02", "bd09": "bd09", "bd-09": "bd09",
        "百度": "bd09"}
_CHANNEL = {"电话": "phone", "热线": "phone", "网站": "web", "网上": "web", "微信": "app",
            "app": "app", "小程序": "app"}

HOTLINE = Source("hotline", "12345工单", "hotline_tickets", ("ticket_id",), (
    Column("ticket_id", ("工单编号", "工单号"), required=True),
    Column("received_at", ("受理时间", "来电时间", "派单时间"), required=True),
    Column("request_type", ("诉求类型", "工单类型", "来电类别"), enum=_REQUEST_TYPE,
           enum_default="other", unknown_to_default=True),
    Column("content", ("诉求内容", "问题描述", "来电内容"), required=True, text=True),
    Column("address", ("发生地址", "事发地址", "地址"), text=True),
    Column("neighbourhood", ("所属居委", "居民区", "所属居民区"), text=True),
    Column("handling_unit", ("承办部门", "承办单位", "处置部门"), text=True),
    Column("due_at", ("办理时限", "要求办结时间")),
    Column("closed_at", ("办结时间", "结案时间")),
    Column("status", ("工单状态", "办理状态"), enum=_TICKET_STATUS),
    Column("satisfaction", ("满意度", "市民满意度", "综合满意度"),
           enum={**_SATISFACTION, "未评价": ""}),
    Column("first_contact", ("先行联系", "是否先行联系"), enum={**_YES_NO, "未评价": ""}),
    Column("channel", ("工单来源", "来源渠道"), enum=_CHANNEL, enum_unknown="other"),  # blank -> NULL
    Column("repeat_of", ("重复工单号",)),
    Column("caller_phone", ("来电号码", "联系电话")),
    Column("lon", ("经度",)), Column("lat", ("纬度",)),
    Column("crs", ("坐标系",), enum=_CRS, enum_default="wgs84"),
))

ROSTER = Source("roster", "来沪人员排摸", "roster_reports",
                ("person_key", "reported_by", "reporter", "arrived_on"), (
    Column("name", ("姓名",), required=True, text=True),
    Column("id_type", ("证件类型",), enum={"身份证": "resident_id", "居民身份证": "resident_id",
                                           "护照": "passport", "港澳通行证": "hk_macau_permit",
                                           "台胞证": "taiwan_permit"}, enum_default="resident_id"),
    Column("id_number", ("身份证号", "证件号码", "身份证号码"), required=True),
    Column("phone", ("联系电话", "手机号", "手机号码")),
    Column("neighbourhood", ("居民区", "所属居委"), text=True),
    Column("address", ("居住地址", "现住址"), text=True),
    Column("origin", ("来源地", "出发地", "来沪前所在地"), text=True),
    Column("arrived_on", ("抵沪日期", "来沪日期", "返沪日期")),
    Column("reported_by", ("报送来源", "报送单位类型"),
           enum={"居委": "community", "社区": "community", "居委会": "community",
                 "企业": "enterprise"}, enum_default="community"),
    Column("enterprise_uscc", ("统一社会信用代码", "企业信用代码")),
    Column("measure", ("管控措施", "隔离方式"),
           enum={"居家隔离": "home_quarantine", "集中隔离": "central_quarantine",
                 "健康观察": "health_observation", "居家健康观察": "health_observation",
                 "无": "none", "无需": "none", "无需隔离": "none"}),
    Column("quarantine_start", ("隔离开始日期", "开始日期")),
    Column("quarantine_end", ("隔离结束日期", "解除日期", "预计解除日期")),
    Column("status", ("状态", "管控状态"),
           enum={"在管": "active", "隔离中": "active", "已解除": "released",
                 "解除隔离": "released", "转出": "left", "离沪": "left"}, enum_default="active"),
    Column("device_id", ("门磁设备编号", "设备编号")),
))

ALARMS = Source("alarms", "门磁报警", "alarms", ("alarm_id",), (
    Column("alarm_id", ("报警编号", "告警编号", "告警ID")),
    Column("device_id", ("设备编号", "设备号"), required=True),
    Column("device_type", ("设备类型",), enum={"门磁": "door_sensor", "可视门铃": "video_doorbell"}),
    Column("alarm_type", ("报警类型", "告警类型"),
           enum={"开门": "door_open", "门磁打开": "door_open", "开门报警": "door_open",
                 "离线": "offline", "设备离线": "offline", "低电量": "low_battery",
                 "电量低": "low_battery", "防拆": "tamper", "拆除": "tamper", "被拆": "tamper",
                 "按铃": "doorbell", "门铃": "doorbell"}),
    Column("raised_at", ("报警时间", "告警时间"), required=True),
    Column("neighbourhood", ("居民区", "所属居委"), text=True),
    Column("address", ("地址", "安装地址"), text=True),
    Column("status", ("处置状态", "处理情况"),
           enum={"未处置": "open", "待处置": "open", "未处理": "open", "处置中": "in_progress",
                 "处理中": "in_progress", "已处置": "handled", "已处理": "handled",
                 "误报": "false_alarm", "已报备": "pre_reported"}, enum_default="open"),
    Column("handled_by", ("处置人",), text=True),
    Column("handled_at", ("处置时间",)),
    Column("note", ("处置结果", "处置说明"), text=True),
))

ENTERPRISES = Source("enterprises", "企业复工", "enterprises", ("uscc",), (
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("name", ("企业名称", "单位名称"), required=True, text=True),
    Column("industry", ("行业", "所属行业"), text=True),
    Column("address", ("经营地址", "地址", "注册地址"), text=True),
    Column("neighbourhood", ("所属居民区", "所属片区", "居民区"), text=True),
    Column("employees_total", ("员工总数", "职工人数")),
    Column("employees_from_outside", ("来沪员工数", "外地返沪员工数")),
    Column("employees_on_site", ("在岗人数", "到岗人数")),
    Column("application_status", ("审核状态", "复工状态"),
           enum={"未申请": "not_applied", "待申请": "not_applied", "待审核": "pending",
                 "审核中": "pending", "受理中": "pending", "已通过": "approved",
                 "同意复工": "approved", "已复工": "approved", "退回": "returned",
                 "不通过": "returned", "驳回": "returned"}),
    Column("applied_on", ("复工申请日期", "申请日期")),
    Column("reviewed_on", ("审核日期",)),
    Column("resumed_on", ("复工日期", "实际复工日期")),
    Column("contact_phone", ("联系电话", "防疫联系人电话")),
    Column("utensil_pledge", ("公筷公勺承诺", "签订公筷公勺承诺书"),
           enum={"是": "true", "已签": "true", "否": "false", "未签": "false"}),
    Column("lon", ("经度",)), Column("lat", ("纬度",)),
    Column("crs", ("坐标系",), enum=_CRS, enum_default="wgs84"),
))

SOURCES: dict[str, Source] = {s.name: s for s in (HOTLINE, ROSTER, ALARMS, ENTERPRISES)}
