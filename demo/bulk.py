"""District and city scales: plain UTF-8 CSV with one header row, one file per source
and month (enterprises: a few snapshots), written by DuckDB from frames of numbers,
dates and categoricals — no per-row Python anywhere.

Each monthly file carries the records of that month plus earlier records whose status
changed during it (so a later file updates an earlier one), with the status as seen
at the end of the month.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from demo import model as M
from demo import text as demo_text

D = M.D
MAX_ROWS = 2_000_000  # rows per file at most


def _cat(codes: np.ndarray, categories) -> pd.Categorical:
    """Codes → categorical (-1 → NULL); categories must be unique."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(categories))


def _months(season: M.Season) -> list[tuple[np.datetime64, np.datetime64]]:
    out, a = [], season.start
    while a < season.end:
        nxt = (a.astype("datetime64[M]") + 1).astype("datetime64[D]")
        b = min(nxt, season.end)
        out.append((a, b))
        a = b
    return out


def _ym(day: np.datetime64) -> str:
    return str(day.astype("datetime64[M]")).replace("-", "")


def _ymd(day: np.datetime64) -> str:
    return str(day.astype("datetime64[D]")).replace("-", "")


class Bulk:
    def __init__(self, out: Path, season: M.Season, geo: M.Geo, seed: int, verbose: bool = True):
        self.out, self.season, self.geo, self.verbose = out, season, geo, verbose
        self.rng = np.random.default_rng([seed, 99])
        self.con = duckdb.connect()
        self.files: list[tuple] = []
        self.t0 = time.time()
        r = np.random.default_rng([seed, 98])
        self.staff = M.demo_ids.names(r, r.random(geo.n * 5) < 0.4)

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"[demo {time.time() - self.t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    def copy(self, df: pd.DataFrame, select: str, path: Path, order: str, day, source: int) -> None:
        """One CSV per chunk; a chunk over MAX_ROWS (rows already in output order) is
        split into parts _1, _2, … so that no file grows past a few hundred MB."""
        parts = max(1, -(-len(df) // MAX_ROWS))
        bounds = np.linspace(0, len(df), parts + 1).astype(np.int64)
        for k in range(parts):
            target = path if parts == 1 else path.with_name(f"{path.stem}_{k + 1}{path.suffix}")
            piece = df.iloc[bounds[k]:bounds[k + 1]]
            self.con.register("chunk", piece)
            self.con.execute(f"COPY (SELECT {select} FROM chunk ORDER BY {order}) TO ? "
                             "(HEADER, DELIMITER ',')", [str(target)])
            self.con.unregister("chunk")
            self.files.append((np.datetime64(day, "D"), source, target.name, target))
            self.log(f"{target.name}: {len(piece):,} rows, {target.stat().st_size / 1e6:,.1f} MB")

    def nb_columns(self, nb: np.ndarray) -> dict:
        return {"nb_name": _cat(nb, self.geo.names), "nb_short": _cat(nb, self.geo.short)}

    # -------------------------------------------------------------- hotline

    def hotline(self, tickets: pd.DataFrame, texts: list[str]) -> None:
        uniq, inverse = np.unique(np.array(texts, dtype=object).astype(str), return_inverse=True)
        contents = list(uniq) + ["再次来电反映：" + t for t in uniq]  # repeat calls say so
        units = list(demo_text.UNITS_GENERIC) + list(self.geo.short + "居委会")
        roads = list(self.geo.roads) + [r for r in M.OUTSIDE_ROADS if r not in set(self.geo.roads)]
        outside_ix = np.array([roads.index(r) for r in M.OUTSIDE_ROADS])
        rep = tickets["repeat_of"].to_numpy()
        for a, b, sel in M.tickets_by_period(tickets, _months(self.season)):
            sub = tickets.iloc[sel]
            c = {k: sub[k].to_numpy() for k in sub.columns}
            state = M.ticket_state(sub, b.astype("datetime64[s]"))
            rep_id = np.full(len(sel), None, dtype=object)
            has_rep = c["repeat_of"] >= 0
            if has_rep.any():
                rep_id[has_rep] = M.ticket_ids(tickets.iloc[rep[sel[has_rep]]])
            road = np.where(c["outside"], outside_ix[c["road"] % len(outside_ix)], c["road"])
            rtype = np.where(c["rtype"] < 0, -1, c["rtype"])
            df = pd.DataFrame({
                "received": c["received"], "serial": c["serial"],
                "rtype": _cat(rtype, demo_text.REQUEST_TYPES + ("其他",)),
                "content": _cat(inverse[c["content"]] + has_rep * len(uniq), contents),
                "road": _cat(road, roads), "lane": c["lane"], "bldg": c["bldg"], "room": c["room"],
                "no_addr": c["no_addr"], "nb_form": c["nb_form"], **self.nb_columns(c["nb"]),
                "unit": _cat(c["unit"], units), "due": c["due"], "closed": c["closed"], "state": state,
                "sat": _cat(np.where(state == 2, c["sat"], -1), ["满意", "基本满意", "一般", "不满意"]),
                "fc": c["fc"], "channel": _cat(c["channel"], ["电话", "网站", "微信", "APP", "信件"]),
                "rep_id": rep_id, "phone": M.ticket_phones(sub),
            })
            select = """
                strftime(received, '%y%m%d') || lpad(CAST(serial AS VARCHAR), 6, '0') AS 工单编号,
                strftime(received, '%Y-%m-%d %H:%M:%S') AS 受理时间,
                CAST(rtype AS VARCHAR) AS 诉求类型,
                CAST(content AS VARCHAR) AS 诉求内容,
                CASE WHEN no_addr THEN NULL ELSE CAST(road AS VARCHAR) || lane || '弄' || bldg || '号'
                     || room || '室' END AS 发生地址,
                CASE nb_form WHEN 1 THEN CAST(nb_name AS VARCHAR) WHEN 2 THEN CAST(nb_short AS VARCHAR)
                     WHEN 3 THEN CAST(nb_short AS VARCHAR) || '居委' END AS 所属居委,
                CAST(unit AS VARCHAR) AS 承办部门,
                strftime(due, '%Y-%m-%d %H:%M:%S') AS 办理时限,
                CASE WHEN state = 2 THEN strftime(closed, '%Y-%m-%d %H:%M:%S') END AS 办结时间,
                CASE state WHEN 0 THEN '待派单' WHEN 1 THEN '处理中' WHEN 2 THEN '已办结' ELSE '退单' END AS 工单状态,
                CAST(sat AS VARCHAR) AS 满意度,
                CASE WHEN state = 0 THEN NULL WHEN fc = 1 THEN '是' WHEN fc = 0 THEN '否' END AS 先行联系,
                CAST(channel AS VARCHAR) AS 工单来源,
                rep_id AS 重复工单号,
                phone AS 来电号码"""
            self.copy(df, select, self.out / f"12345工单_{_ym(a)}.csv", "received, serial", b - D, 2)

    # -------------------------------------------------------------- roster

    def roster(self, persons: pd.DataFrame, firms: pd.DataFrame) -> None:
        arrived = persons["arrived"].to_numpy()
        change = np.fmin(persons["q_end"].to_numpy(), persons["left"].to_numpy())
        origins = persons.attrs["origins"]
        dev = M.device_ids(persons["device"].to_numpy(), persons["doorbell"].to_numpy())
        dev[persons["device"].to_numpy() < 0] = None
        firm = persons["firm"].to_numpy()
        blank_nb = self.rng.random(len(persons)) < 0.5
        for month, b in _months(self.season):
            last = b - D
            # The first sheet lists earlier arrivals too.
            a = min(month, arrived.min()) if month == self.season.start else month
            parts = []
            for kind, flag, mcol in ((0, "com", "measure"), (1, "ent", "ent_measure")):
                mask = persons[flag].to_numpy()
                sel = np.flatnonzero(mask & (((arrived >= a) & (arrived < b))
                                             | ((arrived < a) & (change >= a) & (change < b))))
                if kind == 1:
                    sel = sel[firms["reg"].to_numpy()[firm[sel]] <= last]
                if not len(sel):
                    continue
                sub = persons.iloc[sel]
                c = {k: sub[k].to_numpy() for k in sub.columns}
                status = M.person_status(sub, last, mcol)
                nb_form = np.where((kind == 1) & blank_nb[sel], 0, 1)
                parts.append(pd.DataFrame({
                    "rid": sel, "kind": np.full(len(sel), kind, dtype=np.int8),
                    "name": c["name"], "id_type": c["id_type"], "id_number": c["id_number"],
                    "phone": c["phone"], "nb_form": nb_form, "nb": c["nb"], "road": c["road"],
                    "lane": c["lane"], "bldg": c["bldg"], "room": c["room"], "origin": c["origin"],
                    "arrived": c["arrived"], "firm": np.where(kind == 1, firm[sel], -1),
                    "measure": c[mcol], "q_start": c["q_start"], "q_end": c["q_end"], "status": status,
                    "device": dev[sel] if kind == 0 else np.full(len(sel), None, dtype=object),
                }))
            if not parts:
                continue
            p = pd.concat(parts, ignore_index=True)
            df = pd.DataFrame({
                "rid": p["rid"].to_numpy(), "kind": p["kind"].to_numpy(), "name": p["name"].to_numpy(),
                "id_type": _cat(np.where(p["id_type"].to_numpy() == 0, -1, p["id_type"].to_numpy()),
                                ["身份证", "护照", "港澳通行证", "台胞证"]),
                "id_number": p["id_number"].to_numpy(), "phone": p["phone"].to_numpy(),
                "nb_form": p["nb_form"].to_numpy(), **self.nb_columns(p["nb"].to_numpy()),
                "road": _cat(p["road"].to_numpy(), self.geo.roads), "lane": p["lane"].to_numpy(),
                "bldg": p["bldg"].to_numpy(), "room": p["room"].to_numpy(),
                "origin": _cat(p["origin"].to_numpy(), origins),
                "arrived": p["arrived"].to_numpy(),
                "uscc": _cat(p["firm"].to_numpy(), firms["uscc"].to_numpy()),
                "measure": _cat(p["measure"].to_numpy(), ["居家隔离", "集中隔离", "居家健康观察", "无"]),
                "q_start": p["q_start"].to_numpy(), "q_end": p["q_end"].to_numpy(),
                "status": _cat(p["status"].to_numpy(), ["在管", "已解除", "转出"]),
                "device": p["device"].to_numpy(),
            })
            select = """
                name AS 姓名, CAST(id_type AS VARCHAR) AS 证件类型, id_number AS 身份证号, phone AS 联系电话,
                CASE WHEN nb_form = 1 THEN CAST(nb_name AS VARCHAR) END AS 居民区,
                CAST(road AS VARCHAR) || lane || '弄' || bldg || '号' || room || '室' AS 居住地址,
                CAST(origin AS VARCHAR) AS 来源地, strftime(arrived, '%Y-%m-%d') AS 抵沪日期,
                CASE kind WHEN 0 THEN '居委' ELSE '企业' END AS 报送来源,
                CAST(uscc AS VARCHAR) AS 统一社会信用代码, CAST(measure AS VARCHAR) AS 管控措施,
                strftime(q_start, '%Y-%m-%d') AS 隔离开始日期, strftime(q_end, '%Y-%m-%d') AS 隔离结束日期,
                CAST(status AS VARCHAR) AS 状态, device AS 门磁设备编号"""
            self.copy(df, select, self.out / f"来沪人员_{_ym(month)}.csv", "arrived, kind, rid", last, 1)

    # -------------------------------------------------------------- alarms

    def alarms(self, alarms: pd.DataFrame, persons: pd.DataFrame) -> None:
        raised = alarms["raised"].to_numpy()
        handled = alarms["handled"].to_numpy()
        person = alarms["person"].to_numpy()
        dev_ids = M.device_ids(persons["device"].to_numpy(), persons["doorbell"].to_numpy())
        doorbell = persons["doorbell"].to_numpy()
        notes, offsets, sizes = [], [], []
        for typ in M.ALARM_TYPES:
            for fin in M.ALARM_FINAL:
                texts = demo_text.ALARM_NOTES.get((typ, fin), [""])
                offsets.append(len(notes))
                sizes.append(len(texts))
                notes += texts
        uniq, inv = np.unique(np.array(notes, dtype=object).astype(str), return_inverse=True)
        offsets, sizes = np.array(offsets), np.array(sizes)
        words = ["开门", "离线", "低电量", "防拆", "按铃"]
        states = ["未处置", "处置中", "已处置", "误报", "已报备"]
        show_nb = self.rng.random(len(alarms)) < 0.5
        for a, b, sel in M.listed_by_period(raised, handled, _months(self.season)):
            sub = alarms.iloc[sel]
            c = {k: sub[k].to_numpy() for k in sub.columns}
            state = M.alarm_state(sub, b.astype("datetime64[s]"), self.rng)
            p = person[sel]
            slot = c["type"].astype(np.int64) * 3 + c["final"]
            note = inv[offsets[slot] + c["note"] % sizes[slot]]
            pcols = {k: persons[k].to_numpy()[p] for k in ("road", "lane", "bldg", "room")}
            df = pd.DataFrame({
                "raised": c["raised"], "serial": c["serial"], "device": dev_ids[p], "doorbell": doorbell[p],
                "type": _cat(c["type"], words), "state": _cat(state, states),
                "nb_name": _cat(np.where(show_nb[sel], c["nb"], -1), self.geo.names),
                "road": _cat(pcols["road"], self.geo.roads), "lane": pcols["lane"], "bldg": pcols["bldg"],
                "room": pcols["room"],
                "handler": np.where(np.isin(state, [1, 2, 3]), self.staff[c["handler"]], None),
                "handled": np.where(np.isin(state, [2, 3]), c["handled"], np.datetime64("NaT")),
                "note": _cat(np.where(state >= 2, note, -1), uniq),
            })
            select = """
                'BJ' || strftime(raised, '%Y%m%d') || lpad(CAST(serial AS VARCHAR), 6, '0') AS 报警编号,
                device AS 设备编号, CASE WHEN doorbell THEN '可视门铃' ELSE '门磁' END AS 设备类型,
                CAST(type AS VARCHAR) AS 报警类型, strftime(raised, '%Y-%m-%d %H:%M:%S') AS 报警时间,
                CAST(nb_name AS VARCHAR) AS 居民区,
                CAST(road AS VARCHAR) || lane || '弄' || bldg || '号' || room || '室' AS 地址,
                CAST(state AS VARCHAR) AS 处置状态, CAST(handler AS VARCHAR) AS 处置人,
                strftime(handled, '%Y-%m-%d %H:%M:%S') AS 处置时间, CAST(note AS VARCHAR) AS 处置结果"""
            self.copy(df, select, self.out / f"门磁报警_{_ym(a)}.csv", "raised, serial, device", b - D, 3)

    # -------------------------------------------------------------- enterprises

    def enterprises(self, firms: pd.DataFrame) -> None:
        season = self.season
        days = [season.anchor + k * D for k in (20, 40, 70)]
        days = [d for d in days if season.start <= d < season.end - D] + [season.end - D]
        industries = [x[0] for x in demo_text.INDUSTRIES]
        for day in days:
            f = M.firm_state(firms, day)
            if not len(f):
                continue
            c = {k: f[k].to_numpy() for k in f.columns}
            df = pd.DataFrame({
                "rid": np.arange(len(f)), "uscc": c["uscc"], "name": c["name"],
                "industry": _cat(c["industry"], industries), **self.nb_columns(c["nb"]),
                "road": _cat(c["road"], self.geo.roads), "lane": c["lane"], "bldg": c["bldg"],
                "total": c["total"], "outside": c["outside"], "on_site": c["on_site"],
                "status": _cat(c["status"], ["未申请", "待审核", "已通过", "退回"]),
                "applied": c["applied"], "reviewed": c["reviewed"], "resumed": c["resumed_on"],
                "phone": c["phone"],
                "pledge": _cat(np.where(c["pledge"] < 0, -1, 1 - c["pledge"]), ["是", "否"]),
            })
            select = """
                uscc AS 统一社会信用代码, name AS 企业名称, CAST(industry AS VARCHAR) AS 行业,
                CAST(road AS VARCHAR) || lane || '弄' || bldg || '号' AS 经营地址,
                CAST(nb_name AS VARCHAR) AS 所属居民区, total AS 员工总数, outside AS 来沪员工数,
                on_site AS 在岗人数, CAST(status AS VARCHAR) AS 审核状态,
                strftime(applied, '%Y-%m-%d') AS 复工申请日期, strftime(reviewed, '%Y-%m-%d') AS 审核日期,
                strftime(resumed, '%Y-%m-%d') AS 复工日期, phone AS 联系电话,
                CAST(pledge AS VARCHAR) AS 公筷公勺承诺"""
            self.copy(df, select, self.out / f"企业复工_{_ymd(day)}.csv", "rid", day, 0)

    def paths(self) -> list[Path]:
        return [p for *_, p in sorted(self.files, key=lambda f: f[:3])]

