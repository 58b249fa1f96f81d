"""Sub-district scale: raw files the way a street office receives them.

- 12345 tickets: daily exports in the busy weeks, weekly ones before and after; each
  export also carries earlier tickets whose status changed (upserts).
- Roster: each neighbourhood committee sends a cumulative sheet every few days in
  its own template (format, headers, date habits); the enterprise mini-program
  exports its employee reports every five days.
- Alarms: the vendor's daily export (it changed its headers part-way through).
- Enterprises: snapshots of the work-resumption list every ten days.

Messes and their shares are listed in `MESS_SHARES`; ~0.5% of rows are genuinely
bad so that the reject path shows.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

from demo import model as M
from demo import text as demo_text
from demo.files import Col, Style, fullwidth, mess_header, stray, write_table
from etl.sources import SOURCES

D = M.D
BAD_ROW_SHARE = 0.005
DUP_ROW_SHARE = 0.001
SOURCE_ORDER = {name: rank for rank, name in enumerate(SOURCES)}
MESS_SHARES = {
    "hotline": "xlsx 40% (half with 1-3 merged title rows, 60% Excel date cells, 20% 合计), "
               "CSV UTF-8/BOM/GB18030, UTF-16 .txt 10%; synonyms 25%; shuffled columns 20%; 备注 20%",
    "roster": "per committee template: xlsx 60% (35% two-row 隔离情况 header, 15% 填表说明 sheet), "
              "GB18030 CSV 22%, BOM CSV 10%, UTF-16 .txt 8%; mixed date habits; * / （注） / line "
              "breaks in headers; 序号 and 备注 columns; full-width digits; stray spaces",
    "alarms": "vendor CSV UTF-8 70%, xlsx 20%, GB18030 10%; header set changes at 60% of the season; "
              "报警编号 blank in 15% of files",
    "enterprises": "xlsx 80% (title rows, （人） header notes, Excel dates), GB18030 CSV 20%",
}


@dataclass
class Ctx:
    out: Path
    season: M.Season
    geo: M.Geo
    rng: random.Random
    sd_name: str
    staff: np.ndarray
    files: list


def _py(values: np.ndarray) -> list:
    """datetime64 → datetime/date (NaT → None); other arrays → Python lists."""
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype(object).tolist()
    return values.tolist()


def _md(day: np.datetime64) -> tuple[int, int]:
    d = day.astype(object)
    return d.month, d.day


def _ymd(day: np.datetime64) -> str:
    return str(day.astype("datetime64[D]")).replace("-", "")


def _nb_label(geo: M.Geo, nb: int, form: int) -> str:
    if form == 0:
        return ""
    if form == 1:
        return geo.names[nb]
    if form == 2:
        return geo.short[nb]
    return geo.short[nb] + "居委"


def _add(ctx: Ctx, day, source: str, path: Path) -> None:
    ctx.files.append((np.datetime64(day, "D"), SOURCE_ORDER[source], path.name, path))


def _system_style(rng: random.Random, weights: dict, title: str, exported: np.datetime64,
                  xlsx_dates: float = 0.6) -> Style:
    """A system export: format by weight; XLSX with 0-3 title rows and date cells."""
    fmt = rng.choices(list(weights), list(weights.values()))[0]
    kind, _, enc = fmt.partition(":")
    style = Style(fmt=kind, encoding=enc or "utf-8")
    if kind == "xlsx":
        stamp = f"导出时间：{np.datetime64(exported, 'D')} {rng.randint(7, 8):02d}:{rng.randint(0, 59):02d}"
        style.titles = tuple([title, stamp, "单位：条"][:rng.choice([0, 1, 1, 2, 3])])
        style.date = "excel" if rng.random() < xlsx_dates else rng.choice(["iso", "iso", "slash"])
        style.total_row = rng.random() < 0.2
        style.ts_format = rng.choice(["yyyy-mm-dd hh:mm:ss", "yyyy/m/d h:mm"])
    else:
        style.titles = (title,) if rng.random() < 0.12 else ()
        style.date = rng.choices(["iso", "slash", "cn", "dot"], [60, 20, 12, 8])[0]
        style.total_row = rng.random() < 0.05
        style.trailing_blank_cols = 2 if rng.random() < 0.1 else 0
    style.time = "cn" if style.date == "cn" and rng.random() < 0.7 else rng.choice(["hms", "hms", "hm"])
    return style


def _bad(rng: random.Random, row: dict, options: list) -> None:
    """Make one row genuinely bad (missing required value, bad date, order, enum)."""
    col, value = rng.choice(options)
    row[col] = value(row) if callable(value) else value


def _emit(ctx: Ctx, path: Path, style: Style, spec: list[tuple], rows: list[dict],
          bad: list, p_header: float = 0.0, notes: dict | None = None, shuffle: bool = False,
          required: tuple = ()) -> Path:
    """spec: (key, header, kind) in the file's column order; rows: dicts by key."""
    rng = ctx.rng
    spec = list(spec)
    if shuffle and not style.two_row:
        head, tail = spec[:2], spec[2:]
        rng.shuffle(tail)
        spec = head + tail
    cols = [Col(mess_header(h, rng, p_header, notes, key in required), kind,
                width=30 if key in ("content", "address") else 14) for key, h, kind in spec]
    out_rows = []
    for row in rows:
        # Only a record's first listing is spoiled: a bad update row would leave a stale
        # open ticket or alarm behind for ever (real, but noise on a demo board).
        if rng.random() < BAD_ROW_SHARE and row.get("_fresh", True):
            row = dict(row)
            _bad(rng, row, bad)
        out_rows.append([row.get(key) for key, _, _ in spec])
        if rng.random() < DUP_ROW_SHARE:
            out_rows.append(list(out_rows[-1]))
    if style.two_row:
        label, keys = style.two_row
        first = [k for k, _, _ in spec].index(keys[0])
        style.two_row = (label, first, len(keys))
    write_table(path, style, cols, out_rows, rng)
    return path


def _ext(style: Style) -> str:
    return {"xlsx": ".xlsx", "txt": ".txt"}.get(style.fmt, ".csv")


# ------------------------------------------------------------------ hotline

_TICKET_DIALECTS = [
    {2: ["已办结"], 1: ["已派单", "已签收", "处理中"], 0: ["待派单"], 3: ["退单"]},
    {2: ["已结案"], 1: ["办理中"], 0: ["待受理"], 3: ["已退回"]},
    {2: ["办结", "已办结"], 1: ["处理中", "已签收"], 0: ["待派单"], 3: ["退单"]},
]
_SAT = ["满意", "基本满意", "一般", "不满意"]
_CHANNEL = [["电话", "热线"], ["网站", "网上"], ["微信"], ["APP", "小程序"], ["信件"]]
_HOTLINE_SPEC = [  # key, usual header, synonym, kind
    ("ticket_id", "工单编号", "工单号", "text"), ("received_at", "受理时间", "来电时间", "ts"),
    ("request_type", "诉求类型", "工单类型", "text"), ("content", "诉求内容", "问题描述", "text"),
    ("address", "发生地址", "事发地址", "text"), ("neighbourhood", "所属居委", "所属居民区", "text"),
    ("handling_unit", "承办部门", "承办单位", "text"), ("due_at", "办理时限", "要求办结时间", "ts"),
    ("closed_at", "办结时间", "结案时间", "ts"), ("status", "工单状态", "办理状态", "text"),
    ("satisfaction", "满意度", "市民满意度", "text"), ("first_contact", "先行联系", "是否先行联系", "text"),
    ("channel", "工单来源", "来源渠道", "text"), ("repeat_of", "重复工单号", "重复工单号", "text"),
    ("caller_phone", "来电号码", "联系电话", "text"),
]


def _hotline_periods(season: M.Season) -> list[tuple]:
    periods, a = [], season.start
    while a < season.end:
        t = float(season.t(np.array([a]))[0])
        b = a + (1 if -3 <= t < 60 else 7) * D
        if not (-3 <= t < 60):  # a weekly export stops where the daily ones begin
            nxt = season.anchor - 3 * D
            if a < nxt < b:
                b = nxt
        periods.append((a, min(b, season.end)))
        a = min(b, season.end)
    return periods


def write_hotline(ctx: Ctx, tickets: pd.DataFrame, texts: list[str]) -> None:
    rng, geo = ctx.rng, ctx.geo
    ids = M.ticket_ids(tickets)
    phones = M.ticket_phones(tickets)
    units = np.concatenate([np.array(demo_text.UNITS_GENERIC, dtype=object), geo.short + "居委会"])
    rtypes = list(demo_text.REQUEST_TYPES) + ["其他"]
    outside_road = M.OUTSIDE_ROADS
    for a, b, sel in M.tickets_by_period(tickets, _hotline_periods(ctx.season)):
        a_s, b_s = a.astype("datetime64[s]"), b.astype("datetime64[s]")
        sub = tickets.iloc[sel]
        state = M.ticket_state(sub, b_s)
        dialect = rng.choice(_TICKET_DIALECTS)
        yes_no = rng.choice([("是", "否"), ("是", "否"), ("1", "0")])
        daily = (b - a) == D
        m1, d1 = _md(a)
        m2, d2 = _md(b - D)
        title = (f"{ctx.sd_name}12345工单明细（{m1}月{d1}日）" if daily
                 else f"{ctx.sd_name}12345热线工单汇总（{m1}月{d1}日—{m2}月{d2}日）")
        style = _system_style(rng, {"xlsx": 40, "csv:utf-8-sig": 20, "csv:gb18030": 15, "csv:utf-8": 15,
                                    "txt": 10}, title, b)
        synonyms = rng.random() < 0.25
        spec = [(k, syn if synonyms else usual, kind) for k, usual, syn, kind in _HOTLINE_SPEC]
        if rng.random() < 0.3:
            spec = [s for s in spec if s[0] != "due_at"]
        if rng.random() < 0.3:
            spec = [s for s in spec if s[0] != "repeat_of"]
        if rng.random() < 0.2:
            spec.append(("note", "备注", "text"))
        rows = []
        cols = {c: sub[c].to_numpy() for c in sub.columns}
        fresh = cols["received"] >= a_s
        rec_py = _py(cols["received"])
        due_py, closed_py = _py(cols["due"]), _py(cols["closed"])
        for i, g in enumerate(sel):
            st = int(state[i])
            road = cols["road"][i]
            if cols["no_addr"][i]:
                address = ""
            else:
                road_name = outside_road[road % len(outside_road)] if cols["outside"][i] else geo.roads[road]
                address = f"{road_name}{cols['lane'][i]}弄{cols['bldg'][i]}号{cols['room'][i]}室"
                address = stray(address, rng, 0.003, 0.004)
            content = texts[cols["content"][i]]
            if cols["repeat_of"][i] >= 0:
                content = rng.choice(["再次来电反映：", "重复来电：", "来电人再次反映，"]) + content
            rt = int(cols["rtype"][i])
            sat = int(cols["sat"][i])
            fc = int(cols["fc"][i])
            rows.append({
                "ticket_id": ids[g], "received_at": rec_py[i],
                "request_type": "" if rt < 0 else rtypes[rt], "content": stray(content, rng, 0.003),
                "address": address, "neighbourhood": _nb_label(geo, cols["nb"][i], cols["nb_form"][i]),
                "handling_unit": units[cols["unit"][i]], "due_at": due_py[i],
                "closed_at": closed_py[i] if st == 2 else None,
                "status": rng.choice(dialect[st]),
                "satisfaction": (_SAT[sat] if sat >= 0 else rng.choice(["", "未评价"])) if st == 2 else "",
                "first_contact": "" if st == 0 else (yes_no[0] if fc == 1 else yes_no[1] if fc == 0
                                                     else rng.choice(["", "未评价"])),
                "channel": rng.choice(_CHANNEL[cols["channel"][i]]),
                "repeat_of": ids[cols["repeat_of"][i]] if cols["repeat_of"][i] >= 0 else "",
                "caller_phone": phones[g] or "",
                "note": rng.choice(["", "", "", "已电话回访", "需上门核实", "加急", "转街道处理"]),
                "_fresh": bool(fresh[i]),
            })
        bad = [("received_at", None), ("received_at", "2020-02-30 09:15"), ("received_at", "待补录"),
               ("content", ""), ("ticket_id", None), ("status", "已挂起"),
               ("closed_at", lambda r: r["received_at"] - timedelta(hours=3) if r["received_at"] else None)]
        name = f"12345工单_{_ymd(a)}" if daily else f"12345工单_{_ymd(a)}-{_ymd(b - D)}"
        path = ctx.out / (name + _ext(style))
        _emit(ctx, path, style, spec, rows, bad, p_header=0.3 if rng.random() < 0.15 else 0.0,
              notes={"办理时限": "截止时间", "来电号码": "脱敏前"}, shuffle=rng.random() < 0.2,
              required=("ticket_id", "received_at", "content"))
        _add(ctx, b - D, "hotline", path)


# ------------------------------------------------------------------ roster

_MEASURE_WORDS = [["居家隔离"], ["集中隔离"], ["居家健康观察", "健康观察"], ["无", "无需隔离", "无需"]]
_STATUS_DIALECTS = [{0: "在管", 1: "已解除", 2: "转出"}, {0: "隔离中", 1: "解除隔离", 2: "离沪"},
                    {0: "在管", 1: "解除隔离", 2: "离沪"}]
_ID_TYPES = ["身份证", "护照", "港澳通行证", "台胞证"]
_ROSTER_NOTES = {"联系电话": "手机", "抵沪日期": "年/月/日", "来沪日期": "年/月/日", "身份证号": "18位",
                 "居住地址": "具体到门牌号", "管控措施": "居家隔离/集中隔离/健康观察", "门磁设备编号": "如有",
                 "隔离开始日期": "年/月/日", "姓名": "必填"}
_REMARKS = ["", "", "", "", "独居", "有基础病", "家属同住", "已发放告知书", "已签承诺书", "老人", "孕妇",
            "租户"]


@dataclass
class Template:
    style: Style
    spec: list
    nb_form: int
    dialect: dict
    measure_pick: int
    lower_x: bool
    p_header: float
    name: str


def _committee_template(rng: random.Random, geo: M.Geo, nb: int, sd_name: str,
                        foreigners: bool) -> Template:
    fmt = rng.choices(["xlsx", "csv:gb18030", "csv:utf-8-sig", "txt"], [60, 22, 10, 8])[0]
    kind, _, enc = fmt.partition(":")
    style = Style(fmt=kind, encoding=enc or "utf-8")
    xlsx = kind == "xlsx"
    style.date = "mixed" if rng.random() < 0.4 else rng.choice(
        ["iso", "slash", "dot", "cn", "compact"] + (["excel", "excel", "excel"] if xlsx else []))
    style.date_format = rng.choice(["yyyy/m/d", "yyyy-mm-dd", "yyyy\"年\"m\"月\"d\"日\""])
    title = f"{sd_name}{geo.names[nb]}来沪人员排摸登记表"
    n_titles = rng.choice([0, 1, 1, 2, 3]) if xlsx else rng.choice([0, 0, 1])
    style.titles = tuple([title, "填报单位：" + geo.short[nb] + "居委会", "（每日更新，累计名单）"][:n_titles])
    style.total_row = rng.random() < 0.3
    style.blank_row = rng.random() < 0.1
    style.trailing_blank_cols = 3 if not xlsx and rng.random() < 0.15 else 0
    if xlsx and rng.random() < 0.15:
        style.instructions = ("填表说明：", "1. 每日下午四点前报送街道；", "2. 身份证号请以文本格式填写；",
                              "3. 隔离期限为抵沪之日起14天。")
    style.sheet_name = rng.choice(["来沪人员", "Sheet1", "排摸表"])
    pick = lambda *opts: rng.choice(opts)  # noqa: E731
    spec = [("name", "姓名", "text")]
    if rng.random() < 0.7 or foreigners:  # a committee with passport holders has the column
        spec.append(("id_type", "证件类型", "text"))
    spec += [("id_number", pick("身份证号", "身份证号", "身份证号码", "证件号码"), "text"),
             ("phone", pick("联系电话", "联系电话", "手机号", "手机号码"), "text")]
    if rng.random() < 0.8:
        spec.append(("neighbourhood", pick("居民区", "所属居委"), "text"))
    spec += [("address", pick("居住地址", "居住地址", "现住址"), "text"),
             ("origin", pick("来源地", "出发地", "来沪前所在地"), "text"),
             ("arrived_on", pick("抵沪日期", "抵沪日期", "来沪日期", "返沪日期"), "date")]
    if rng.random() < 0.5:
        spec.append(("reported_by", "报送来源", "text"))
    spec.append(("measure", pick("管控措施", "管控措施", "隔离方式"), "text"))
    two_row = xlsx and rng.random() < 0.35
    if two_row:
        spec += [("quarantine_start", "开始日期", "date"), ("quarantine_end", "结束日期", "date")]
        style.two_row = ("隔离情况", ["quarantine_start", "quarantine_end"])
    else:
        spec += [("quarantine_start", "隔离开始日期", "date"),
                 ("quarantine_end", pick("隔离结束日期", "隔离结束日期", "解除日期", "预计解除日期"), "date")]
    spec.append(("status", pick("状态", "管控状态"), "text"))
    if rng.random() < 0.8:
        spec.append(("device_id", "门磁设备编号", "text"))
    if rng.random() < 0.6:
        spec.append(("remark", "备注", "text"))
    if rng.random() < 0.5:
        spec.insert(0, ("seq", "序号", "int"))
    name = rng.choice([f"{geo.short[nb]}居民区_来沪人员", f"{geo.short[nb]}居民区_来沪人员",
                       f"{geo.short[nb]}居委_来沪人员登记表"])
    return Template(style, spec, rng.choice([1, 1, 2, 3]), rng.choice(_STATUS_DIALECTS),
                    rng.randint(0, 1), rng.random() < 0.2,
                    0.35 if rng.random() < 0.6 else 0.0, name)


def _person_rows(ctx: Ctx, persons: pd.DataFrame, sel: np.ndarray, status: np.ndarray,
                 tpl_nb_form: int, dialect: dict, measure_col: str, hand_made: bool,
                 lower_x: bool, measure_pick: int, enterprise: pd.DataFrame | None = None) -> list[dict]:
    rng, geo = ctx.rng, ctx.geo
    sub = persons.iloc[sel]
    c = {k: sub[k].to_numpy() for k in sub.columns}
    arrived, q_start, q_end = _py(c["arrived"]), _py(c["q_start"]), _py(c["q_end"])
    origins = persons.attrs["origins"]
    devices = M.device_ids(c["device"], c["doorbell"])
    p_space, p_wide = (0.01, 0.01) if hand_made else (0.0, 0.0)
    rows = []
    for i in range(len(sel)):
        measure = int(c[measure_col][i])
        id_type = int(c["id_type"][i])
        idn = c["id_number"][i]
        if hand_made and lower_x and idn.endswith("X"):
            idn = idn[:-1] + "x"
        if hand_made and rng.random() < 0.003:
            idn = fullwidth(idn)
        st = int(status[i])
        address = f"{geo.roads[c['road'][i]]}{c['lane'][i]}弄{c['bldg'][i]}号{c['room'][i]}室"
        words = _MEASURE_WORDS[measure]
        row = {
            "seq": i + 1, "name": stray(c["name"][i], rng, p_space),
            "id_type": _ID_TYPES[id_type] if (id_type or rng.random() < 0.6) else "",
            "id_number": stray(idn, rng, p_space), "phone": stray(c["phone"][i], rng, p_space, p_wide),
            "neighbourhood": _nb_label(geo, c["nb"][i], tpl_nb_form),
            "address": stray(address, rng, p_space, p_wide),
            "origin": origins[c["origin"][i]], "arrived_on": arrived[i],
            "reported_by": "居委" if enterprise is None else "企业",
            "measure": words[min(measure_pick, len(words) - 1)] if measure != M.NONE else rng.choice(words),
            "quarantine_start": q_start[i],
            "quarantine_end": None if (hand_made and rng.random() < 0.1) else q_end[i],
            "status": "" if st < 0 else dialect[st],
            "device_id": devices[i] if c["device"][i] >= 0 else "",
            "remark": rng.choice(_REMARKS) if id_type == 0 else ("境外返沪", "港澳同胞", "台胞")[id_type - 1],
        }
        if enterprise is not None:
            f = int(c["firm"][i])
            row["enterprise_uscc"] = enterprise["uscc"].iat[f]
            row["enterprise_name"] = enterprise["name"].iat[f]
        rows.append(row)
    return rows


_ROSTER_BAD = [("id_number", ""), ("name", None), ("arrived_on", "不详"), ("arrived_on", "2020-02-31"),
               ("measure", "自行隔离"), ("arrived_on", "2029-02-03"),
               ("quarantine_end", lambda r: r["quarantine_start"] - timedelta(days=3)
                if r.get("quarantine_start") else "2020-13-01")]


def _listing(persons: pd.DataFrame, mask: np.ndarray, prev: np.datetime64 | None, day: np.datetime64,
             measure_col: str) -> np.ndarray:
    """Rows of a cumulative sheet at `day`: new arrivals since the previous sheet, and
    everyone who was still under a measure at the previous sheet (their update)."""
    arrived = persons["arrived"].to_numpy()
    sel = mask & (arrived <= day)
    if prev is not None:
        active_before = M.person_status(persons, prev, measure_col) == 0
        sel &= (arrived > prev) | active_before
    return np.flatnonzero(sel)


def write_roster(ctx: Ctx, persons: pd.DataFrame, firms: pd.DataFrame) -> None:
    rng, season, geo = ctx.rng, ctx.season, ctx.geo
    first = max(season.start, season.anchor - 1 * D)
    last = season.end - 1 * D
    com = persons["com"].to_numpy()
    nbs = persons["nb"].to_numpy()
    id_types = persons["id_type"].to_numpy()
    for nb in range(geo.n):
        tpl = _committee_template(rng, geo, nb, ctx.sd_name, bool((id_types[com & (nbs == nb)] > 0).any()))
        day, prev = first + rng.randint(0, 2) * D, None
        mask = com & (nbs == nb)
        while day <= last:
            sel = _listing(persons, mask, prev, day, "measure")
            if len(sel):
                status = M.person_status(persons.iloc[sel], day)
                rows = _person_rows(ctx, persons, sel, status, tpl.nb_form, tpl.dialect, "measure", True,
                                    tpl.lower_x, tpl.measure_pick)
                rows.sort(key=lambda r: r["arrived_on"])
                for k, r in enumerate(rows, 1):
                    r["seq"] = k
                style = Style(**{**tpl.style.__dict__})
                if rng.random() < 0.1:  # the clerk had a different day
                    style.date = rng.choice(["iso", "slash", "cn"])
                m, d = _md(day)
                if style.titles:
                    style.titles = tuple(t if k != 1 else f"{t}  截至{m}月{d}日"
                                         for k, t in enumerate(style.titles))
                path = ctx.out / f"{tpl.name}_{_ymd(day)}{_ext(style)}"
                _emit(ctx, path, style, tpl.spec, rows, _ROSTER_BAD, tpl.p_header, _ROSTER_NOTES,
                      shuffle=rng.random() < 0.05, required=("name", "id_number"))
                _add(ctx, day, "roster", path)
            t = float(season.t(np.array([day]))[0])
            prev, day = day, day + (rng.randint(3, 7) if t < 75 else rng.randint(6, 9)) * D

    # Enterprise reports, exported from the mini-program every five days.
    ent = persons["ent"].to_numpy()
    reg = firms["reg"].to_numpy()
    day, prev = max(first, season.anchor + 10 * D), None
    spec = [("name", "姓名", "text"), ("id_type", "证件类型", "text"), ("id_number", "身份证号", "text"),
            ("phone", "联系电话", "text"), ("enterprise_uscc", "统一社会信用代码", "text"),
            ("enterprise_name", "企业名称", "text"), ("neighbourhood", "居民区", "text"),
            ("address", "居住地址", "text"), ("origin", "来源地", "text"), ("arrived_on", "抵沪日期", "date"),
            ("reported_by", "报送来源", "text"), ("measure", "管控措施", "text"),
            ("quarantine_start", "隔离开始日期", "date"), ("quarantine_end", "隔离结束日期", "date"),
            ("status", "状态", "text")]
    while day <= last:
        firm_known = np.zeros(len(persons), dtype=bool)
        firm_ix = persons["firm"].to_numpy()
        firm_known[ent] = reg[firm_ix[ent]] <= day
        sel = _listing(persons, ent & firm_known, prev, day, "ent_measure")
        if len(sel):
            status = M.person_status(persons.iloc[sel], day, "ent_measure")
            rows = _person_rows(ctx, persons, sel, status, 1, _STATUS_DIALECTS[0], "ent_measure", False,
                                False, 0, enterprise=firms)
            for r in rows:
                if rng.random() < 0.5:
                    r["neighbourhood"] = ""
            style = _system_style(rng, {"xlsx": 50, "csv:utf-8": 35, "csv:utf-8-sig": 15},
                                  "企业来沪员工健康登记汇总", day + D, xlsx_dates=0.5)
            style.date = "excel" if style.fmt == "xlsx" and rng.random() < 0.5 else "iso"
            path = ctx.out / f"企业来沪员工_{_ymd(day)}{_ext(style)}"
            _emit(ctx, path, style, spec, rows, _ROSTER_BAD + [("enterprise_uscc", "")],
                  required=("name", "id_number"))
            _add(ctx, day, "roster", path)
        prev, day = day, day + 5 * D


# ------------------------------------------------------------------ alarms

_ALARM_WORDS = {0: ["开门", "门磁打开", "开门报警"], 1: ["离线", "设备离线"], 2: ["低电量", "电量低"],
                3: ["防拆", "被拆"], 4: ["按铃", "门铃"]}
_ALARM_STATE = {0: ["未处置", "待处置"], 1: ["处置中"], 2: ["已处置"], 3: ["误报"], 4: ["已报备"]}
_ALARM_A = [("alarm_id", "报警编号", "text"), ("device_id", "设备编号", "text"),
            ("device_type", "设备类型", "text"), ("alarm_type", "报警类型", "text"),
            ("raised_at", "报警时间", "ts"), ("neighbourhood", "居民区", "text"), ("address", "地址", "text"),
            ("status", "处置状态", "text"), ("handled_by", "处置人", "text"), ("handled_at", "处置时间", "ts"),
            ("note", "处置结果", "text")]
_ALARM_B = [("alarm_id", "告警编号", "text"), ("raised_at", "告警时间", "ts"), ("device_id", "设备号", "text"),
            ("device_type", "设备类型", "text"), ("alarm_type", "告警类型", "text"),
            ("address", "安装地址", "text"), ("neighbourhood", "所属居委", "text"),
            ("status", "处理情况", "text"), ("handled_by", "处置人", "text"), ("handled_at", "处置时间", "ts"),
            ("note", "处置说明", "text")]


def write_alarms(ctx: Ctx, alarms: pd.DataFrame, persons: pd.DataFrame) -> None:
    rng, geo = ctx.rng, ctx.geo
    if not len(alarms):
        return
    nrng = np.random.default_rng(rng.randrange(2**32))
    raised = alarms["raised"].to_numpy()
    handled = alarms["handled"].to_numpy()
    first = raised.min().astype("datetime64[D]")
    days = first + np.arange(int((ctx.season.end - first) / D)) * D  # updates need a file too
    switch = days[int(len(days) * 0.6)]
    notes = {k: v for k, v in demo_text.ALARM_NOTES.items()}
    final_names = ("handled", "false_alarm", "pre_reported")
    person = alarms["person"].to_numpy()
    dev_ids = M.device_ids(persons["device"].to_numpy(), persons["doorbell"].to_numpy())
    addresses = M.address_strings(geo, persons["road"].to_numpy(), persons["lane"].to_numpy(),
                                  persons["bldg"].to_numpy(), persons["room"].to_numpy()).to_numpy()
    for day in days:
        a, b = day.astype("datetime64[s]"), (day + D).astype("datetime64[s]")
        sel = np.flatnonzero(((raised >= a) & (raised < b)) | ((raised < a) & (handled > a) & (handled <= b)))
        if not len(sel):
            continue
        sub = alarms.iloc[sel]
        state = M.alarm_state(sub, b, nrng)
        c = {k: sub[k].to_numpy() for k in sub.columns}
        raised_py, handled_py = _py(c["raised"]), _py(c["handled"])
        rows = []
        for i in range(len(sel)):
            p = person[sel[i]]
            st, typ, fin = int(state[i]), int(c["type"][i]), int(c["final"][i])
            key = (M.ALARM_TYPES[typ], final_names[fin])
            texts = notes.get(key, [""])
            rd = raised_py[i]
            rows.append({
                # ~14% of alarms come without a number, the same in every listing.
                "alarm_id": "" if c["note"][i] % 7 == 3 else f"BJ{rd:%Y%m%d}{int(c['serial'][i]):05d}",
                "device_id": dev_ids[p], "device_type": "可视门铃" if persons["doorbell"].iat[p] else "门磁",
                "alarm_type": rng.choice(_ALARM_WORDS[typ]), "raised_at": rd,
                "neighbourhood": _nb_label(geo, c["nb"][i], rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 1, 2])),
                "address": addresses[p], "status": rng.choice(_ALARM_STATE[st]),
                "handled_by": ctx.staff[c["handler"][i]] if st in (1, 2, 3) else "",
                "handled_at": handled_py[i] if st in (2, 3) else None,
                "note": texts[c["note"][i] % len(texts)] if st >= 2 else "",
                "_fresh": bool(c["raised"][i] >= a),
            })
        phase_b = day >= switch
        style = _system_style(rng, {"csv:utf-8": 70, "xlsx": 20, "csv:gb18030": 10},
                              f"门磁报警记录（{_md(day)[0]}月{_md(day)[1]}日）", day + D, xlsx_dates=0.7)
        style.titles = style.titles[:1]
        style.time = "hms"  # with a blank 报警编号 the key is device + time + type: keep seconds
        style.ts_format = "yyyy-mm-dd hh:mm:ss"
        if style.fmt != "xlsx" or style.date not in ("excel", "iso"):
            style.date = "iso"
        bad = [("device_id", ""), ("raised_at", "2020/02/30 25:61"), ("alarm_type", "烟感报警"),
               ("handled_at", lambda r: r["raised_at"] - timedelta(minutes=30) if r["raised_at"] else None)]
        path = ctx.out / f"门磁报警_{_ymd(day)}{_ext(style)}"
        _emit(ctx, path, style, _ALARM_B if phase_b else _ALARM_A, rows, bad,
              required=("device_id", "raised_at"))
        _add(ctx, day, "alarms", path)


# ------------------------------------------------------------------ enterprises

_FIRM_STATUS = [{0: "未申请", 1: "待审核", 2: "已通过", 3: "退回"},
                {0: "待申请", 1: "审核中", 2: "同意复工", 3: "不通过"},
                {0: "未申请", 1: "受理中", 2: "已复工", 3: "驳回"}]
_FIRM_SPEC = [("uscc", "统一社会信用代码", "text"), ("name", "企业名称", "text"), ("industry", "行业", "text"),
              ("address", "经营地址", "text"), ("neighbourhood", "所属居民区", "text"),
              ("total", "员工总数", "int"), ("outside", "来沪员工数", "int"), ("on_site", "在岗人数", "int"),
              ("status", "审核状态", "text"), ("applied", "复工申请日期", "date"), ("reviewed", "审核日期", "date"),
              ("resumed", "复工日期", "date"), ("phone", "联系电话", "text"), ("pledge", "公筷公勺承诺", "text")]
_FIRM_NOTES = {"员工总数": "人", "来沪员工数": "人", "在岗人数": "人", "联系电话": "防疫联系人",
               "公筷公勺承诺": "是/否"}


def write_enterprises(ctx: Ctx, firms: pd.DataFrame) -> None:
    rng, season, geo = ctx.rng, ctx.season, ctx.geo
    industries = [x[0] for x in demo_text.INDUSTRIES]
    days, day = [], season.anchor + 12 * D
    while day < season.end - 1 * D:
        if day >= season.start:
            days.append(day)
        day += 10 * D
    days.append(season.end - 1 * D)
    for day in days:
        f = M.firm_state(firms, day)
        if not len(f):
            continue
        dialect = rng.choice(_FIRM_STATUS)
        m, d = _md(day)
        style = _system_style(rng, {"xlsx": 80, "csv:gb18030": 20},
                              f"{ctx.sd_name}企业复工申请情况汇总表（截至{m}月{d}日）", day + D,
                              xlsx_dates=0.5)
        if style.fmt != "xlsx":
            style.date = rng.choice(["iso", "slash", "compact"])
        c = {k: f[k].to_numpy() for k in f.columns}
        applied, reviewed, resumed = _py(c["applied"]), _py(c["reviewed"]), _py(c["resumed_on"])
        xlsx = style.fmt == "xlsx"
        rows = []
        for i in range(len(f)):
            counts = [int(c["total"][i]), int(c["outside"][i]), int(c["on_site"][i])]
            if rng.random() < 0.01:
                counts = [fullwidth(str(x)) for x in counts]
            pledge = int(c["pledge"][i])
            rows.append({
                "uscc": c["uscc"][i], "name": stray(c["name"][i], rng, 0.005),
                "industry": industries[c["industry"][i]],
                "address": f"{geo.roads[c['road'][i]]}{c['lane'][i]}弄{c['bldg'][i]}号",
                "neighbourhood": _nb_label(geo, c["nb"][i], rng.choice([1, 1, 1, 2, 3])),
                "total": counts[0], "outside": counts[1], "on_site": counts[2],
                "status": dialect[int(c["status"][i])], "applied": applied[i], "reviewed": reviewed[i],
                "resumed": resumed[i], "phone": c["phone"][i],
                "pledge": "" if pledge < 0 else rng.choice(["是", "已签"] if pledge else ["否", "未签"]),
            })
            if not xlsx:
                for k in ("total", "outside", "on_site"):
                    rows[-1][k] = str(rows[-1][k])
        bad = [("outside", lambda r: _plus(r["total"], 5)), ("name", ""),
               ("uscc", lambda r: r["uscc"][:-1] + ("0" if r["uscc"][-1] != "0" else "1")),
               ("reviewed", lambda r: r["applied"] - timedelta(days=2) if r.get("applied") else "2020-02-30"),
               ("status", "待定")]
        path = ctx.out / f"企业复工_{_ymd(day)}{_ext(style)}"
        _emit(ctx, path, style, _FIRM_SPEC, rows, bad, p_header=0.5 if rng.random() < 0.5 else 0.0,
              notes=_FIRM_NOTES, shuffle=rng.random() < 0.15, required=("uscc", "name"))
        _add(ctx, day, "enterprises", path)


def _plus(value, k: int):
    try:
        return int(str(value).translate({0xFF10 + i: 48 + i for i in range(10)})) + k
    except ValueError:
        return 999


# ------------------------------------------------------------------ all

def write_all(out: Path, season: M.Season, geo: M.Geo, seed: int, tickets: pd.DataFrame,
              texts: list[str], persons: pd.DataFrame, alarms: pd.DataFrame,
              firms: pd.DataFrame) -> list[Path]:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    staff = np.array([fake.name() for _ in range(geo.n * 5)], dtype=object)
    ctx = Ctx(out, season, geo, random.Random(seed), geo.sd_names[0], staff, [])
    write_enterprises(ctx, firms)
    write_roster(ctx, persons, firms)
    write_hotline(ctx, tickets, texts)
    write_alarms(ctx, alarms, persons)
    return [p for *_, p in sorted(ctx.files, key=lambda f: f[:3])]
