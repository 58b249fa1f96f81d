"""Every figure of the overview, the wall screen, the brief and the stream pages: key,
Chinese label, how it is counted (following docs/metrics.md), its kind, whether a rise is
worse, its number format, and its SQL: an aggregate over one of its stream's named
relations (boardkit/metrics/figures.py, RELATIONS) with the conditions of boardkit/data/predicates.py.
boardkit/metrics/figures.py computes the figures of one stream in one scan from these, so a figure
is added here and nowhere else: its `on` puts it on the overview and the brief (a stream
page lists the keys it shows).

In a figure's SQL, {s} and {e} are the bounds of the day counted, {at} its moment t and {d}
the day itself (filled in for D and again for D-1); settings are bound parameters: $k
(`ending_soon_days`), $pending_days (`enterprise_pending_days`), and the column `threshold`
of the unhandled alarms (`alarm_threshold_minutes.*`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..data import predicates as P

WORSE, BETTER, NEUTRAL = "worse", "better", "neutral"
# The summaries a figure can be on: the overview's KPI rows and the brief's (in both, its
# stream's group, in the order of this registry).
OVERVIEW, BRIEF = "overview", "brief"
SUMMARIES = (OVERVIEW, BRIEF)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    help: str
    kind: str        # day (events in D), state (at t(D)), rate (a share of D's events)
    rise: str        # a rise is worse / better / neutral (neither)
    unit: str = "count"   # count, rate (0-1, shown in %), minutes
    relation: str = ""    # the named relation it aggregates over (figures.RELATIONS)
    sql: str = ""         # its aggregate over that relation, with {s} {e} {at} {d}
    on: tuple[str, ...] = ()   # the summaries that show it (OVERVIEW's KPI rows, the BRIEF's)

    @property
    def worse_when_up(self) -> bool:
        return self.rise == WORSE


def _m(key, label, help, kind, rise, relation, sql, unit="count", on=()) -> tuple[str, Metric]:
    return key, Metric(key, label, help, kind, rise, unit, relation, sql, on)


def _count(where: str) -> str:
    return f"count(*) FILTER ({where})"


def _share(where: str, among: str) -> str:
    """The share of the rows `among` that also satisfy `where` (NULL when there are none)."""
    return f"{_count(f'{among} AND {where}')} / nullif({_count(among)}, 0)"


# The conditions of the figures, for the report day ({d}, bounds {s} {e}) or its moment {at}.
RECEIVED = "received_at >= {s} AND received_at < {e}"
CLOSED = "closed_at >= {s} AND closed_at < {e}"
RAISED = "raised_at >= {s} AND raised_at < {e}"
RATED = f"{CLOSED} AND satisfaction IS NOT NULL"
POINTS = "CASE satisfaction WHEN 'satisfied' THEN 1 WHEN 'basic' THEN 0.8 WHEN 'fair' THEN 0.6 WHEN 'unsatisfied' THEN 0 END"
PLEDGE_KNOWN = "coalesce(applied_on <= {d}, true) AND utensil_pledge IS NOT NULL"
PAST_THRESHOLD = P.alarm_past_threshold("{at}")


AT = "截至统计日24时（统计日为今天时为当前）"
REGISTRY: dict[str, Metric] = dict([
    _m("hotline_received", "昨日工单", "统计日内受理的12345工单数", "day", NEUTRAL,
       "tickets_received", _count(RECEIVED), on=SUMMARIES),
    _m("epidemic_share", "涉疫占比", "统计日受理工单中涉疫工单的占比；较前日为百分点", "rate", WORSE,
       "tickets_received", _share("epidemic_related", RECEIVED), "rate", on=SUMMARIES),
    _m("hotline_open", "在办工单", f"{AT}已受理、未办结且未退单的工单数（标为已办结而无办结时间的按受理时计为办结）",
       "state", WORSE, "tickets_open", _count(P.ticket_open("{at}")), on=SUMMARIES),
    _m("hotline_overdue", "超期在办", f"{AT}在办且已超过办理时限（按工作日）的工单数", "state", WORSE,
       "tickets_open", _count(P.ticket_overdue("{at}")), on=SUMMARIES),
    _m("on_time_rate", "按时办结率", "统计日办结的工单中，办结时间不晚于办理时限的占比", "rate", BETTER,
       "tickets_closed", _share("closed_at <= due_at", CLOSED), "rate", on=(BRIEF,)),
    _m("first_contact_rate", "先行联系率", "统计日受理且已记录先行联系情况的工单中，已先行联系的占比", "rate", BETTER,
       "tickets_received", _share("first_contact", f"{RECEIVED} AND first_contact IS NOT NULL"), "rate", on=(BRIEF,)),
    _m("satisfaction_rate", "满意率", "统计日办结且有评价的工单中，满意+基本满意的占比", "rate", BETTER,
       "tickets_closed", _share("satisfaction IN ('satisfied', 'basic')", RATED), "rate", on=(BRIEF,)),
    _m("satisfaction_score", "满意度得分", "统计日办结且有评价的工单：满意1、基本满意0.8、一般0.6、不满意0 的加权平均",
       "rate", BETTER, "tickets_closed", f"sum({POINTS}) FILTER ({CLOSED}) / nullif({_count(RATED)}, 0)", "rate",
       on=(BRIEF,)),
    _m("arrivals", "昨日来沪", "抵沪日期为统计日的人数（同一人只计一次）", "day", NEUTRAL,
       "persons_arrived", _count("arrived_on = {d}"), on=SUMMARIES),
    _m("home_quarantine", "居家隔离", "统计日处于居家隔离期内的人数（按统计日及之前文件中的最新报送；当日解除的仍计入）",
       "state", NEUTRAL, "persons_known", _count(f"measure = 'home_quarantine' AND {P.under_measure('{d}')}"),
       on=SUMMARIES),
    _m("central_quarantine", "集中隔离", "统计日处于集中隔离期内的人数（按统计日及之前文件中的最新报送；当日解除的仍计入）",
       "state", NEUTRAL, "persons_known", _count(f"measure = 'central_quarantine' AND {P.under_measure('{d}')}"),
       on=SUMMARIES),
    _m("health_observation", "健康观察", "统计日处于健康观察期内的人数（按最新报送；无结束日期的持续计入）", "state", NEUTRAL,
       "persons_known", _count(f"measure = 'health_observation' AND {P.under_measure('{d}')}")),
    _m("ending_next_day", "今日解除", "统计日在隔离、尚未解除，隔离结束日期为统计日次日的人数", "state", NEUTRAL,
       "persons_known", _count(P.quarantine_ending("{d}", "1", "1")), on=(OVERVIEW,)),
    _m("ending_soon", "3日内解除", "统计日在隔离、尚未解除，隔离结束日期在统计日后1至3天内的人数", "state", NEUTRAL,
       "persons_known", _count(P.quarantine_ending("{d}", "1", "CAST($k AS INTEGER)")), on=SUMMARIES),
    _m("blind_spot", "居委盲区", "截至统计日仅由企业报送、居住在本街道、尚无居委报送的人数（按报送文件日期）", "state", WORSE,
       "persons_reported", _count(P.blind_spot("{d}"))),
    _m("alarm_alarms", "昨日报警", "统计日内的门磁/门铃报警数（全部类型）", "day", NEUTRAL,
       "alarms_raised", _count(RAISED), on=SUMMARIES),
    _m("alarm_door_open", "昨日开门报警", "统计日内的开门报警数", "day", NEUTRAL,
       "alarms_raised", _count(f"{RAISED} AND alarm_type = 'door_open'")),
    _m("alarm_unhandled", "未处置报警", f"{AT}已报警、尚未处置的报警数（已报备不计，误报计至其处置时间）", "state", WORSE,
       "alarms_unhandled", _count(P.alarm_unhandled("{at}")), on=SUMMARIES),
    _m("alarm_past_threshold", "超时未处置", f"{AT}未处置时长超过该类型阈值（开门15分钟）的报警数", "state", WORSE,
       "alarms_unhandled", _count(PAST_THRESHOLD), on=SUMMARIES),
    _m("alarm_door_open_past_threshold", "开门超时", f"{AT}开门报警未处置超过阈值的个数", "state", WORSE,
       "alarms_unhandled", _count(f"{PAST_THRESHOLD} AND alarm_type = 'door_open'")),
    _m("median_response", "响应中位数", "统计日报警中已处置（含误报）的，处置时间减报警时间的中位数（分钟）",
       "day", WORSE, "alarms_raised", f"median(response_minutes) FILTER ({RAISED})", "minutes", on=SUMMARIES),
    _m("enterprise_approved", "已复工", "截至统计日审核通过的企业数（按审核日期；无审核日期的按申请日期）", "state", BETTER,
       "enterprises_known", _count(P.enterprise_status("{d}", "approved")), on=SUMMARIES),
    _m("enterprise_pending", "待审核", "统计日已申请、尚未审核的企业数", "state", NEUTRAL,
       "enterprises_known", _count(P.enterprise_pending("{d}")), on=SUMMARIES),
    _m("enterprise_returned", "已退回", "截至统计日被退回的企业数（按审核日期）", "state", WORSE,
       "enterprises_known", _count(P.enterprise_status("{d}", "returned")), on=SUMMARIES),
    _m("enterprise_pending_past_threshold", "审核超期", "统计日待审核且自申请日起已超过3天的企业数", "state", WORSE,
       "enterprises_known", _count(P.enterprise_pending_past("{d}", "CAST($pending_days AS INTEGER)")), on=SUMMARIES),
    _m("enterprise_resumed", "昨日复工", "实际复工日期为统计日的企业数", "day", BETTER,
       "enterprises_known", _count("resumed_on = {d}")),
    _m("pledge_coverage", "公筷公勺承诺", "统计日前已申请（或无申请日期）且已明确是否签订的企业中，已签订的占比",
       "rate", BETTER, "enterprises_known", _share("utensil_pledge", PLEDGE_KNOWN), "rate"),
])


def value_text(metric: Metric, value: float | None, unit_word: bool = True) -> str:
    """A figure's value as every place writes it: 1,234 / 86.0% / 8.5 分钟."""
    if value is None:
        return "—"
    if metric.unit == "rate":
        return f"{value * 100:.1f}%"
    if metric.unit == "minutes":
        return f"{value:.1f} 分钟" if unit_word else f"{value:.1f}"
    return f"{int(value):,}"


def change_text(metric: Metric, change: float | None) -> str | None:
    """较前日 as every place writes it: +12 / +1.5 个百分点 / +0.5 分钟."""
    if change is None:
        return None
    if metric.unit == "rate":
        return f"{change * 100:+.1f} 个百分点"
    if metric.unit == "minutes":
        return f"{change:+.1f} 分钟"
    return f"{int(change):+,}"
