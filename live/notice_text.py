"""What a notice to a group robot says (WeCom / DingTalk markdown): neighbourhood, building
(never the room), alarm type, times and counts; masked content only, whatever slipped into
an address or a label (etl/privacy.py). The notifier (live/notify.py) decides when a
notice goes and to whom; this module only words it."""
from __future__ import annotations

import datetime as dt

from etl import privacy
from core import notify_log


def building_of(address: str | None) -> str:
    """Road, lane and building only: the address is cut where a room number that slipped into
    it begins (etl/privacy.py's room pattern: 5幢301室, 5-301, 3号楼502), phones masked."""
    marked = privacy.mark_rooms(privacy.redact(address or ""))
    return marked.split(privacy.ROOM_MARK, 1)[0].rstrip(" -－").strip() or "（地址不详）"


def compose(kind: str, notice: dict, now: dt.datetime) -> tuple[str, str]:
    """(title, markdown) of a notice: masked content only."""
    first = dt.datetime.fromisoformat(notice["first_raised"])
    minutes = max(0, int((now - first).total_seconds() // 60))
    count = notice["alarm_count"]
    times = f"（{count} 次）" if count > 1 else ""
    title = "门磁报警提醒" if kind == "arrival" else "报警超时未处置"
    lines = [f"### {title}",
             f"> 居民区：{notice['neighbourhood']}",
             f"> 楼栋：{notice['building']}",
             f"> 类型：{notice['alarm_types']}{times}",
             f"> 报警时间：{first:%m-%d %H:%M}"]
    if kind == "arrival":
        lines.append(f"> 已 {minutes} 分钟，请及时核实处置")
    else:
        lines.append(f"> 已 {minutes} 分钟未处置，请居民区负责人跟进")
    return title, privacy.mask_free_text("\n".join(lines))


CLOSED_LABELS = {"handled": "已处置", "false_alarm": "已处置（误报）", "pre_reported": "已处置（住户已报备）"}


def compose_follow_up(notice: dict, status: str, handled_at: dt.datetime | None) -> tuple[str, str]:
    """(title, markdown) of the one "已处置" follow-up of an escalation: neighbourhood,
    building (never the room), type, when raised and when handled; no names."""
    first = dt.datetime.fromisoformat(notice["first_raised"])
    title = "报警已处置"
    lines = [f"### {title}",
             f"> 居民区：{notice['neighbourhood']}",
             f"> 楼栋：{notice['building']}",
             f"> 类型：{notice['alarm_types']}",
             f"> 报警时间：{first:%m-%d %H:%M}",
             f"> {CLOSED_LABELS.get(status, '已处置')}" + (f"：{handled_at:%m-%d %H:%M}（报警后 "
                                                          f"{max(0, int((handled_at - first).total_seconds() // 60))}"
                                                          " 分钟）" if handled_at else "")]
    return title, privacy.mask_free_text("\n".join(lines))


# WeCom takes at most 4,096 bytes of markdown; a digest stops listing well before.
DIGEST_MAX_BYTES = 3500


def compose_digest(neighbourhood: str, notices: list[dict], now: dt.datetime) -> tuple[str, str]:
    """(title, markdown) of a digest: one line per folded notice, masked content only
    (building, type, count, time), as many as fit in one message."""
    title = "报警提醒汇总"
    head = [f"### {title}（{len(notices)} 条）", f"> 居民区：{neighbourhood}",
            "> 以下提醒同时待发、超出群机器人的发送频率，合并为一条："]
    lines, size = [], len("\n".join(head).encode("utf-8"))
    for notice in notices:
        first = dt.datetime.fromisoformat(notice["first_raised"])
        count = notice["alarm_count"]
        minutes = max(0, int((now - first).total_seconds() // 60))
        line = (f"- {notify_log.KIND_LABELS.get(notice['kind'], '')}：{notice['building']}，{notice['alarm_types']}"
                f"{f'（{count} 次）' if count > 1 else ''}，{first:%m-%d %H:%M}，已 {minutes} 分钟")
        size += len(line.encode("utf-8")) + 1
        if size > DIGEST_MAX_BYTES:
            lines.append(f"- ……另有 {len(notices) - len(lines)} 条，详见看板报警页")
            break
        lines.append(line)
    return title, privacy.mask_free_text("\n".join(head + lines))
