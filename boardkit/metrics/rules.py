"""The neighbourhood status rules (docs/metrics.md, Neighbourhood status), one table: from it
boardkit/metrics/status.py makes the status SQL's colour and reasons, and `legend()` the caption
under the map and the neighbourhood badge. Each rule's count is a column of the status SQL
with the rule's name, counted at t(D) by the conditions of boardkit/data/predicates.py."""
from __future__ import annotations

from dataclasses import dataclass

from core import settings


@dataclass(frozen=True)
class Rule:
    name: str          # the status SQL's count column
    colour: str        # red / amber
    counts: str        # what it counts (the legend's words)
    setting: str       # the threshold it reads ({t} or {d} in the reason), "" for none
    reason: str        # the reason shown, {n} the count
    off_at_zero: bool = False  # the rule is off (and out of the legend) while its setting is 0


RULES: tuple[Rule, ...] = (
    Rule("door_open_past_threshold", "red", "开门报警超时未处置", "alarm_threshold_minutes.door_open",
         "{n} 条开门报警超{t}分钟未处置"),
    Rule("epidemic_overdue", "red", "涉疫工单超期", "", "{n} 件涉疫工单超期未办结"),
    Rule("ending_tomorrow", "amber", "明日解除隔离", "", "{n} 人明日解除隔离"),
    Rule("enterprise_pending_past_threshold", "amber", "复工审核超期", "enterprise_pending_days",
         "{n} 家企业复工审核超{d}天"),
    Rule("alarm_past_half_threshold", "amber", "报警超过阈值一半", "", "{n} 条报警未处置超过阈值一半"),
    Rule("non_epidemic_overdue", "amber", "非涉疫工单超期", "", "{n} 件非涉疫工单超期"),
    Rule("camera_offline_past_threshold", "amber", "摄像头离线超时", "camera_offline_hours",
         "{n} 个摄像头离线超{h}小时", off_at_zero=True),
)


def in_force(rule: Rule) -> bool:
    return not rule.off_at_zero or float(settings.get(rule.setting)) > 0


def names(colour: str) -> tuple[str, ...]:
    return tuple(r.name for r in RULES if r.colour == colour)


def legend(with_green: bool = False) -> str:
    """红：…；黄：…(；绿：无上述情况)."""
    red = "或".join(r.counts for r in RULES if r.colour == "red" and in_force(r))
    amber = "、".join(r.counts for r in RULES if r.colour == "amber" and in_force(r))
    return f"红：{red}；黄：{amber}" + ("；绿：无上述情况" if with_green else "")
