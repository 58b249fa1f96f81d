"""The demo generator's model: the season's shape and the truth of each source, built
vectorised with numpy (no per-row Python loops except the small-scale device reuse).

Records are pandas frames of numbers, datetime64 values and small codes; the writers
(demo_messy for the sub-district, demo_bulk for the large scales) turn a selection
of them into raw files with the status each record had when the file was exported.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from demo import ids as demo_ids, text as demo_text
from etl.reference import Pack, name_key

D = np.timedelta64(1, "D")
S = np.timedelta64(1, "s")
MIN = np.timedelta64(60, "s")
SPRING_FESTIVAL_2020 = np.datetime64("2020-01-25")

# Shanghai district codes (for USCC registration regions of synthetic sub-districts).
SH_DISTRICTS = np.array([310101, 310104, 310105, 310106, 310107, 310109, 310110, 310112,
                         310113, 310114, 310115, 310116, 310117, 310118, 310120, 310151])
OUTSIDE_ROADS = np.array(["世博大道", "龙阳路", "张杨路", "中山南路", "耀华路"], dtype=object)

MEASURES = ("home_quarantine", "central_quarantine", "health_observation", "none")
HOME, CENTRAL, OBSERVE, NONE = range(4)
ALARM_TYPES = ("door_open", "offline", "low_battery", "tamper", "doorbell")
ALARM_FINAL = ("handled", "false_alarm", "pre_reported")


# ------------------------------------------------------------------ season

@dataclass(frozen=True)
class Season:
    start: np.datetime64   # first day (datetime64[D])
    end: np.datetime64     # exclusive: data are cut off at end 00:00 (the overnight export)
    anchor: np.datetime64  # "Spring Festival": day 0 of the epidemic shape
    cut: np.datetime64 | None = None  # a season running up to now: nothing after this moment

    @property
    def n_days(self) -> int:
        return int((self.end - self.start) / D)

    @property
    def days(self) -> np.ndarray:
        return self.start + np.arange(self.n_days) * D

    @property
    def as_of(self) -> np.datetime64:
        """The moment the data end: `cut`, or the end's 00:00."""
        return self.cut if self.cut is not None else self.end.astype("datetime64[s]")

    def t(self, day: np.ndarray) -> np.ndarray:
        """Days since the anchor (float) for datetime64[D] values."""
        return ((day - self.anchor) / D).astype(float)


def make_season(end: date, days: int, cut: datetime | None = None) -> Season:
    """The `days` days before `end` (end excluded: its 00:00 is the cut-off, so with
    end = today nothing is in the future and yesterday is complete). With `cut` (now),
    the season runs up to that moment instead: its last day is cut's, cut off there.
    The epidemic shape is anchored on the real Spring Festival 2020 when the window is
    in early 2020, otherwise about 15 days into the window."""
    if cut is not None:
        end = cut.date() + timedelta(days=1)
    stop = np.datetime64(end, "D")
    start = stop - days * D
    if start - 30 * D <= SPRING_FESTIVAL_2020 <= stop:
        anchor = SPRING_FESTIVAL_2020
    else:
        anchor = start + min(15, max(1, days // 8)) * D
    return Season(start, stop, anchor, None if cut is None else np.datetime64(cut.replace(microsecond=0), "s"))


def _bump(t, centre, width):
    return np.exp(-((t - centre) / width) ** 2)


def _weekday(day: np.ndarray) -> np.ndarray:
    return ((day.astype("datetime64[D]").astype(np.int64) + 3) % 7)  # Monday = 0


# ------------------------------------------------------------------ geography

@dataclass
class Geo:
    names: np.ndarray       # full neighbourhood names
    short: np.ndarray       # name without 居民区
    sd: np.ndarray          # sub-district index per neighbourhood
    sd_names: list
    sd_region: np.ndarray   # a Shanghai district code per sub-district
    weight: np.ndarray      # population share
    roads: np.ndarray       # road names (categories)
    r_road: np.ndarray      # per address range: road index, first and last lane
    r_from: np.ndarray
    r_to: np.ndarray
    nb_r_start: np.ndarray
    nb_r_count: np.ndarray
    high_rise: np.ndarray   # per neighbourhood: tall buildings (rooms up to 18xx)

    @property
    def n(self) -> int:
        return len(self.names)

    @classmethod
    def from_pack(cls, pack: Pack, rng: np.random.Generator) -> "Geo":
        nbs = pack.neighbourhoods
        codes = [n.code for n in nbs]
        index = {c: i for i, c in enumerate(codes)}
        sd_codes = list(dict.fromkeys(n.subdistrict_code for n in nbs))
        sd_of = np.array([sd_codes.index(n.subdistrict_code) for n in nbs])
        sd_names = [next(n.subdistrict_name for n in nbs if n.subdistrict_code == c) for c in sd_codes]
        rows = sorted((index[r["neighbourhood_code"]], r["road"], int(r["lane_from"]), int(r["lane_to"]))
                      for r in pack.address_index
                      if r.get("lane_from") and r["neighbourhood_code"] in index)
        roads = np.array(sorted({r[1] for r in rows}), dtype=object)
        road_ix = {r: i for i, r in enumerate(roads)}
        nb_col = np.array([r[0] for r in rows])
        if len(set(nb_col)) < len(nbs):
            missing = [nbs[i].name for i in range(len(nbs)) if i not in set(nb_col)]
            raise ValueError(f"参考数据包的地址索引缺少这些居民区的弄号范围：{missing[:5]}")
        start = np.searchsorted(nb_col, np.arange(len(nbs)))
        count = np.bincount(nb_col, minlength=len(nbs))
        names = np.array([n.name for n in nbs], dtype=object)
        region = SH_DISTRICTS[rng.integers(0, len(SH_DISTRICTS), len(sd_codes))]
        if len(sd_codes) == 1:
            region[:] = 310115
        return cls(names=names, short=np.array([name_key(n) for n in names], dtype=object),
                   sd=sd_of, sd_names=sd_names, sd_region=region,
                   weight=rng.lognormal(0, 0.35, len(nbs)) / 1.0,
                   roads=roads, r_road=np.array([road_ix[r[1]] for r in rows]),
                   r_from=np.array([r[2] for r in rows]), r_to=np.array([r[3] for r in rows]),
                   nb_r_start=start, nb_r_count=count, high_rise=rng.random(len(nbs)) < 0.35)

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = self.weight / self.weight.sum()
        return rng.choice(self.n, size=n, p=p)

    def addresses(self, rng: np.random.Generator, nb: np.ndarray) -> dict:
        n = len(nb)
        r = self.nb_r_start[nb] + (rng.random(n) * self.nb_r_count[nb]).astype(np.int64)
        span = self.r_to[r] - self.r_from[r] + 1
        lane = self.r_from[r] + (rng.random(n) * span).astype(np.int64)
        bldg = 1 + np.minimum(rng.geometric(0.09, n), 60)
        floors = np.where(self.high_rise[nb], 18, 6)
        room = (1 + (rng.random(n) * floors).astype(np.int64)) * 100 + rng.integers(1, 5, n)
        return {"road": self.r_road[r], "lane": lane, "bldg": bldg, "room": room}


def address_strings(geo: Geo, road, lane, bldg, room=None) -> pd.Series:
    s = pd.Series(geo.roads[road], dtype=object) + pd.Series(lane).astype(str).to_numpy(object) \
        + "弄" + pd.Series(bldg).astype(str).to_numpy(object) + "号"
    if room is not None:
        s = s + pd.Series(room).astype(str).to_numpy(object) + "室"
    return s


# ------------------------------------------------------------------ helpers

def _day_counts(rng, weights: np.ndarray, total: int) -> np.ndarray:
    return rng.multinomial(total, weights / weights.sum())


def _times_in_days(rng, days: np.ndarray, hour_w: np.ndarray) -> np.ndarray:
    """A timestamp within each day, hour drawn from the hourly weights."""
    n = len(days)
    hour = rng.choice(24, size=n, p=hour_w / hour_w.sum())
    secs = hour * 3600 + rng.integers(0, 3600, n)
    return days.astype("datetime64[s]") + secs * S


def _choose_rows(rng, probs: np.ndarray, row: np.ndarray | None = None) -> np.ndarray:
    """One choice per draw from a (m, k) probability matrix: draw i uses row[i]
    (default: one draw per row). Memory stays (m, k) however many draws."""
    k = probs.shape[1]
    if row is None:
        row = np.arange(len(probs))
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(len(probs))[:, None]).ravel()
    pos = np.searchsorted(flat, row + rng.random(len(row)), side="right")
    return np.minimum(pos - row * k, k - 1)


def _interp_rows(t: np.ndarray, points: list[tuple[float, dict]], keys: list[str]) -> np.ndarray:
    xs = np.array([p[0] for p in points], dtype=float)
    out = np.empty((len(t), len(keys)))
    for j, k in enumerate(keys):
        out[:, j] = np.interp(t, xs, [p[1].get(k, 0.0) for p in points])
    return np.maximum(out, 0.0)


HOTLINE_HOURS = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.8, 3.5, 2.8, 2.9,
                          3.3, 3.4, 3.2, 3.0, 2.5, 2.2, 2.0, 1.6, 1.0, 0.6])
DOOR_HOURS = np.array([0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.0, 1.4, 1.2, 1.2, 2.2, 2.4, 1.5,
                       1.0, 1.0, 1.2, 2.0, 2.4, 1.8, 1.4, 1.0, 0.6, 0.4])


# ------------------------------------------------------------------ hotline

def hotline_shape(season: Season) -> tuple[np.ndarray, np.ndarray]:
    """(epidemic, everyday) relative daily volumes: epidemic share ~15% before the
    onset, ~70% at the peak, then a long decay (and a small bump a year later)."""
    day = season.days
    t = season.t(day)
    rise = 1 / (1 + np.exp(-(t + 2) / 2.0))
    decay = np.exp(-np.clip(t - 14, 0, None) / 28)
    # Before the onset only the month of early news has a baseline (a replay of 2019 has none).
    before = 0.18 * np.clip((t + 45) / 15, 0.05, 1.0)
    epi = before + 2.15 * rise * decay + 0.5 * _bump(t, 372, 14)
    non = 1.0 - 0.3 * _bump(t, 3, 5)
    weekend = _weekday(day) >= 5
    return epi * np.where(weekend, 0.9, 1.0), non * np.where(weekend, 0.75, 1.0)


def _epidemic_topics(t: np.ndarray) -> np.ndarray:
    w = np.stack([
        1.0 + 1.5 * _bump(t, 20, 12) + 1.0 * _bump(t, 70, 15),   # quarantine
        0.5 + 1.5 * _bump(t, 12, 15),                              # community
        0.3 + 2.0 * _bump(t, 22, 10),                              # enterprise
        0.5 + 2.0 * _bump(t, 5, 10),                               # health
    ], axis=1)
    return w


def hotline_model(rng, season: Season, geo: Geo, total: int, seed: int,
                  pool_cap: int = 40_000) -> tuple[pd.DataFrame, list[str]]:
    epi_w, non_w = hotline_shape(season)
    counts = _day_counts(rng, epi_w + non_w, total)
    day_ix = np.repeat(np.arange(season.n_days), counts)
    n = len(day_ix)
    received = _times_in_days(rng, season.days[day_ix], HOTLINE_HOURS)
    order = np.argsort(received, kind="stable")
    order = order[received[order] <= season.as_of]  # a season up to now: no call after it
    received, day_ix = received[order], day_ix[order]
    n = len(day_ix)
    epidemic = rng.random(n) < (epi_w / (epi_w + non_w))[day_ix]
    topic = np.full(n, 4, dtype=np.int8)
    topic[epidemic] = _choose_rows(rng, _epidemic_topics(season.t(season.days)), day_ix[epidemic])

    # Texts: a pool per topic (one text per ticket at the small scale).
    texts, types = [], []
    offsets, sizes = [], []
    for k, name in enumerate(demo_text.TOPICS):
        size = int(min(max((topic == k).sum(), 1), pool_cap))
        pool_t, pool_r = demo_text.render_pool(seed, name, size)
        offsets.append(len(texts))
        sizes.append(size)
        texts += pool_t
        types += pool_r
    offsets, sizes, types = np.array(offsets), np.array(sizes), np.array(types, dtype=np.int8)
    content = offsets[topic] + (rng.random(n) * sizes[topic]).astype(np.int64)
    rtype = types[content].astype(np.int8)
    odd = rng.random(n)
    rtype[odd < 0.01] = -1            # blank → other
    rtype[(odd >= 0.01) & (odd < 0.018)] = 6  # "其他"

    nb = geo.pick(rng, n)
    addr = geo.addresses(rng, nb)
    no_addr = rng.random(n) < 0.03
    outside = (~no_addr) & (rng.random(n) < 0.01)
    form = rng.choice(4, n, p=[0.35, 0.40, 0.15, 0.10]).astype(np.int8)  # blank/full/short/short+居委
    form[no_addr & (rng.random(n) < 0.5)] = 0

    # Handling unit: the neighbourhood committee or a topic's office.
    unit = np.empty(n, dtype=np.int64)
    n_generic = len(demo_text.UNITS_GENERIC)
    for k, name in enumerate(demo_text.TOPICS):
        sel = np.flatnonzero(topic == k)
        offices, committee_w = demo_text.UNITS_BY_TOPIC[name]
        office = np.array(offices)[rng.integers(0, len(offices), len(sel))]
        unit[sel] = np.where(rng.random(len(sel)) < committee_w, n_generic + nb[sel], office)

    # Handling time (hours): epidemic tickets are chased faster; a thin stuck tail.
    median_h = np.where(epidemic, 7.0, np.where(np.isin(rtype, [0, 3]), 20.0, 40.0))
    hours = rng.lognormal(np.log(median_h), 1.0)
    hours = np.where(rng.random(n) < 0.006, hours * 12, hours)
    closed = received + (hours * 3600).astype(np.int64) * S
    returned = rng.random(n) < 0.015
    returned_at = np.where(returned, received + rng.integers(3600, 86400, n) * S, np.datetime64("NaT"))
    closed = np.where(returned, np.datetime64("NaT"), closed)
    # What happens after the data end is not known yet.
    closed = np.where(closed > season.as_of, np.datetime64("NaT"), closed)
    returned_at = np.where(returned_at > season.as_of, np.datetime64("NaT"), returned_at)

    # Due date written in the file for ~45% (otherwise the loader derives it).
    k_days = np.where(epidemic | np.isin(rtype, [0, 3]), 1, 5)
    rday = received.astype("datetime64[D]")
    due_day = np.busday_offset(rday, k_days, roll="forward")
    due = due_day.astype("datetime64[s]") + (received - rday.astype("datetime64[s]"))
    due = np.where(rng.random(n) < 0.45, due, np.datetime64("NaT"))

    # Rating (closed tickets), first contact, channel, caller.
    unhappy = np.where(rtype == 1, 0.14, 0.05)
    u = rng.random(n)
    sat = np.select([u < 1 - unhappy - 0.09 - 0.16, u < 1 - unhappy - 0.09, u < 1 - unhappy],
                    [0, 1, 2], 3).astype(np.int8)
    sat[rng.random(n) < 0.38] = -1
    fc = rng.choice(np.array([1, 0, -1], dtype=np.int8), n, p=[0.86, 0.07, 0.07])
    channel = rng.choice(np.array([0, 1, 2, 3, 4], dtype=np.int8), n, p=[0.72, 0.08, 0.10, 0.07, 0.03])
    phone_kind = np.where(channel == 1, rng.choice([0, 2], n, p=[0.5, 0.5]),
                          rng.choice([0, 1, 2], n, p=[0.84, 0.14, 0.02])).astype(np.int8)

    # Ticket numbers: yymmdd + serial with gaps (other sub-districts share the series).
    first = np.searchsorted(day_ix, day_ix, side="left")
    gap = rng.integers(1, 30 if n < 200_000 else 2, n)
    serial = np.cumsum(gap)
    serial = serial - np.concatenate([[0], serial])[first] + 100
    df = pd.DataFrame({
        "received": received, "day": day_ix.astype(np.int32), "serial": serial.astype(np.int32),
        "nb": nb.astype(np.int32), "road": addr["road"].astype(np.int32),
        "lane": addr["lane"].astype(np.int32), "bldg": addr["bldg"].astype(np.int16),
        "room": addr["room"].astype(np.int16), "no_addr": no_addr, "outside": outside,
        "nb_form": form, "topic": topic, "epidemic": epidemic, "content": content.astype(np.int32),
        "rtype": rtype, "unit": unit.astype(np.int32), "due": due, "closed": closed,
        "returned_at": returned_at, "sat": sat, "fc": fc, "channel": channel,
        "phone_kind": phone_kind, "phone_seed": rng.integers(0, 2**62, n),
        "repeat_of": np.full(n, -1, dtype=np.int64),
    })
    # Repeat calls: a later ticket about the same matter at the same address.
    rep = np.flatnonzero((rng.random(n) < 0.02) & (np.arange(n) > 50))
    if len(rep):
        src = rep - 1 - (rng.random(len(rep)) * np.minimum(rep, 400)).astype(np.int64)
        for col in ("nb", "road", "lane", "bldg", "room", "no_addr", "outside", "topic",
                    "epidemic", "content", "rtype"):
            df.loc[rep, col] = df[col].to_numpy()[src]
        df.loc[rep, "repeat_of"] = src
    return df, texts


# ------------------------------------------------------------------ roster

_ORIGIN_POINTS = [
    (-40, dict(wuhan=20, hubei=10, zhejiang=10, anhui=12, jiangsu=12, henan=10, jiangxi=5, hunan=4,
               sichuan=4, shandong=4, fujian=2, guangdong=3)),
    (-3, dict(wuhan=30, hubei=15, zhejiang=9, anhui=10, jiangsu=10, henan=9, jiangxi=4, hunan=4,
              sichuan=3, shandong=3, fujian=2, guangdong=2)),
    (5, dict(wuhan=2, hubei=3, zhejiang=14, anhui=20, jiangsu=18, henan=16, jiangxi=8, hunan=6,
             sichuan=6, shandong=5, fujian=3, guangdong=3, abroad=1)),
    (40, dict(wuhan=1, hubei=2, zhejiang=14, anhui=20, jiangsu=18, henan=16, jiangxi=8, hunan=6,
              sichuan=6, shandong=5, fujian=3, guangdong=3, abroad=5)),
    (55, dict(wuhan=1, hubei=2, zhejiang=12, anhui=16, jiangsu=15, henan=12, jiangxi=6, hunan=5,
              sichuan=5, shandong=4, fujian=3, guangdong=3, abroad=30)),
    (75, dict(wuhan=10, hubei=15, zhejiang=10, anhui=12, jiangsu=12, henan=10, jiangxi=5, hunan=4,
              sichuan=4, shandong=4, fujian=2, guangdong=3, abroad=22)),
    (150, dict(wuhan=2, hubei=4, zhejiang=14, anhui=18, jiangsu=18, henan=14, jiangxi=7, hunan=6,
               sichuan=6, shandong=5, fujian=3, guangdong=4, abroad=6)),
    (2000, dict(wuhan=2, hubei=4, zhejiang=14, anhui=18, jiangsu=18, henan=14, jiangxi=7, hunan=6,
                sichuan=6, shandong=5, fujian=3, guangdong=4, abroad=6)),
]


def arrivals_shape(t: np.ndarray) -> np.ndarray:
    pre = 0.35 * _bump(t, -8, 5)
    back = np.where(t < 17, _bump(t, 17, 6), np.exp(-(t - 17) / 18))
    return (0.04 + pre + 1.0 * back + 0.15 * _bump(t, 55, 8) + 0.18 * _bump(t, 78, 10)
            + 0.3 * _bump(t, 385, 10)) * np.where(np.abs(t - 1) < 4, 0.5, 1.0)


def _measure_probs(t: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """(home, central, observation, none) by period and origin kind (0 domestic,
    1 Hubei, 2 abroad): the 2020 Shanghai rules as steps."""
    p = np.zeros((len(t), 4))
    dom = [(-1e9, (0.10, 0, 0.50, 0.40)), (-3, (0.30, 0, 0.60, 0.10)), (8, (0.55, 0, 0.40, 0.05)),
           (45, (0.05, 0, 0.40, 0.55)), (75, (0.04, 0, 0.16, 0.80)), (355, (0.08, 0, 0.45, 0.47)),
           (400, (0.04, 0, 0.16, 0.80))]  # later: arrivals from areas with a local outbreak
    hub = [(-1e9, (0.50, 0, 0.50, 0)), (-3, (0.45, 0.55, 0, 0)), (60, (0.55, 0.15, 0.30, 0)),
           (100, (0.10, 0, 0.50, 0.40))]
    abr = [(-1e9, (0.60, 0, 0.40, 0)), (50, (0.35, 0.65, 0, 0)), (150, (0.20, 0.80, 0, 0))]
    for k, steps in enumerate((dom, hub, abr)):
        sel = kind == k
        for start, probs in steps:
            p[sel & (t >= start)] = probs
    return p


class Origins(tuple):
    """The origin texts the roster's `origin` codes index, kept in the frame's attrs. Pandas
    deep-copies a frame's attrs into every column and slice taken from it: a tuple that
    copies as itself spares the season's 40,000 column reads a copy each (a third of the
    demo's generation went on them)."""

    def __deepcopy__(self, memo):
        return self


def roster_model(rng, season: Season, geo: Geo, n_reports: int, firms: pd.DataFrame,
                 reuse_devices: bool) -> pd.DataFrame:
    """One row per person (an arrival), with the community and/or enterprise reports
    flagged. Arrivals start up to 14 days before the first sheet (retro reporting)."""
    first_sheet = max(season.start, season.anchor - 1 * D)
    lo = max(season.start - 14 * D, first_sheet - 14 * D)
    span = int((season.end - lo) / D)
    days = lo + np.arange(span) * D
    t_days = season.t(days)
    n = max(1, int(round(n_reports / 1.0888)))
    counts = _day_counts(rng, arrivals_shape(t_days), n)
    day_ix = np.repeat(np.arange(span), counts)
    arrived = days[day_ix]
    t = t_days[day_ix]

    keys = demo_text.ORIGIN_NAMES
    group = _choose_rows(rng, _interp_rows(t_days, _ORIGIN_POINTS, keys), day_ix).astype(np.int8)
    g_name = np.array(keys, dtype=object)[group]
    kind = np.where(np.isin(g_name, ["wuhan", "hubei"]), 1, np.where(g_name == "abroad", 2, 0))
    texts = [demo_text.ORIGIN_GROUPS[k][1] for k in keys]
    flat = np.array([x for tx in texts for x in tx], dtype=object)
    starts = np.cumsum([0] + [len(tx) for tx in texts])
    origin = starts[group] + (rng.random(n) * np.diff(starts)[group]).astype(np.int64)

    # Identity: sex, age, ID province (home province; Shanghai natives; others).
    male = rng.random(n) < 0.55
    age = np.clip(np.where(rng.random(n) < 0.85, rng.normal(36, 11, n), rng.uniform(3, 85, n)), 1, 90)
    birth = (arrived - (age * 365.25).astype(np.int64) * D - rng.integers(0, 365, n) * D)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    prov = np.array([demo_text.ORIGIN_GROUPS[k][0] for k in keys])[group]
    u = rng.random(n)
    others = np.array([13, 14, 21, 23, 36, 37, 43, 45, 51, 52, 53, 61, 62])
    prov = np.where(kind == 2, np.where(u < 0.6, 31, others[rng.integers(0, len(others), n)]),
                    np.where(u < 0.22, 31, np.where(u < 0.26, others[rng.integers(0, len(others), n)], prov)))
    region = demo_ids.region_codes(rng, prov, birth_year)
    # Pudong natives born before 1993 whose card says 310115 (a warning on load, not an error).
    old = (prov == 31) & (birth_year < 1992) & (rng.random(n) < 0.05)
    region = np.where(old, 310115, region)
    id_type = np.zeros(n, dtype=np.int8)
    foreign = (kind == 2) & (rng.random(n) < 0.12) | (rng.random(n) < 0.004)
    id_type[foreign] = rng.choice([1, 1, 1, 2, 3], foreign.sum())
    makers = {0: lambda sel: demo_ids.resident_ids(rng, region[sel], birth[sel], male[sel], wrong_check=0.01),
              1: lambda sel: demo_ids.passports(rng, len(sel)),
              2: lambda sel: demo_ids.hk_macau_permits(rng, len(sel)),
              3: lambda sel: demo_ids.taiwan_permits(rng, len(sel))}
    id_number = np.empty(n, dtype=object)
    todo = np.arange(n)
    for _ in range(20):  # one number, one person: draw again where two got the same
        for k, make in makers.items():
            sel = todo[id_type[todo] == k]
            if len(sel):
                id_number[sel] = make(sel)
        todo = np.flatnonzero(pd.Series(id_number).duplicated().to_numpy())
        if not len(todo):
            break
    name = demo_ids.names(rng, male)
    phone = demo_ids.mobiles(rng, n)

    nb = geo.pick(rng, n)
    addr = geo.addresses(rng, nb)
    table = _measure_probs(np.repeat(t_days, 3), np.tile(np.arange(3), span))
    measure = _choose_rows(rng, table, day_ix * 3 + kind).astype(np.int8)
    q_start = arrived + np.where(rng.random(n) < 0.12, 1, 0) * D
    q_end = q_start + 14 * D
    quarantined = measure != NONE
    q_start = np.where(quarantined, q_start, np.datetime64("NaT"))
    q_end = np.where(quarantined, q_end, np.datetime64("NaT"))
    leaves = quarantined & (rng.random(n) < 0.02)
    left = np.where(leaves, q_start + rng.integers(2, 13, n) * D, np.datetime64("NaT"))

    # Who reports: committees nearly always; enterprises for some working-age arrivals.
    eligible = (t >= 8) & (age >= 20) & (age <= 60) & (kind != 2) & (id_type == 0)
    share = min(0.9, 0.111 * n / max(1, eligible.sum()))
    ent = eligible & (rng.random(n) < share) & (len(firms) > 0)
    com = ~(ent & (rng.random(n) < 0.2))
    firm = np.full(n, -1, dtype=np.int64)
    if ent.any():
        w = firms["outside"].to_numpy(float) + 0.5
        firm[ent] = rng.choice(len(firms), ent.sum(), p=w / w.sum())
    ent_measure = measure.copy()
    flip = ent & (rng.random(n) < 0.1) & np.isin(measure, [HOME, OBSERVE])
    ent_measure[flip] = np.where(measure[flip] == HOME, OBSERVE, HOME)

    df = pd.DataFrame({
        "arrived": arrived, "t": t.astype(np.float32), "origin": origin.astype(np.int32),
        "id_type": id_type, "id_number": id_number, "name": name, "male": male, "phone": phone,
        "nb": nb.astype(np.int32), "road": addr["road"].astype(np.int32),
        "lane": addr["lane"].astype(np.int32), "bldg": addr["bldg"].astype(np.int16),
        "room": addr["room"].astype(np.int16), "measure": measure, "q_start": q_start,
        "q_end": q_end, "left": left, "com": com, "ent": ent, "firm": firm.astype(np.int64),
        "ent_measure": ent_measure,
    })
    df.attrs["origins"] = Origins(flat)
    _assign_devices(rng, df, reuse_devices)
    return df


def _assign_devices(rng, df: pd.DataFrame, reuse: bool) -> None:
    """Door sensors (MC...) or video doorbells (KS...) for home quarantine known to the
    committee. Small scale: a committee re-installs a freed device at the next flat."""
    n = len(df)
    has = ((df["measure"] == HOME) & df["com"]).to_numpy()
    doorbell = has & (rng.random(n) < 0.1)
    install = df["q_start"].to_numpy() + np.where(rng.random(n) < 0.3, 1, 0) * D
    stop = np.minimum(df["q_end"].to_numpy(), np.where(df["left"].isna(), df["q_end"], df["left"]))
    number = np.full(n, -1, dtype=np.int64)
    if reuse:
        free: dict[tuple[int, bool], list] = {}
        next_no = {False: 10_000_000 + int(rng.integers(0, 900_000)),
                   True: 20_000_000 + int(rng.integers(0, 90_000))}
        idx = np.flatnonzero(has)
        idx = idx[np.argsort(install[idx], kind="stable")]
        nbs = df["nb"].to_numpy()
        for i in idx:
            key = (int(nbs[i]), bool(doorbell[i]))
            heap = free.setdefault(key, [])
            if heap and heap[0][0] <= install[i]:
                _, no = heapq.heappop(heap)
            else:
                next_no[bool(doorbell[i])] += int(rng.integers(1, 40))
                no = next_no[bool(doorbell[i])]
            number[i] = no
            heapq.heappush(heap, (stop[i] + 1 * D, no))
    else:
        k = int(has.sum())
        number[has] = 10_000_000 + np.cumsum(rng.integers(1, 4, k)) + np.where(doorbell[has], 50_000_000, 0)
    df["device"] = number
    df["doorbell"] = doorbell
    df["install"] = np.where(has, install, np.datetime64("NaT"))
    df["uninstall"] = np.where(has, stop + 1 * D, np.datetime64("NaT"))


def device_ids(number: np.ndarray, doorbell: np.ndarray) -> np.ndarray:
    return np.where(doorbell, "KS", "MC").astype(object) + pd.Series(number).astype(str).to_numpy(object)


# ------------------------------------------------------------------ alarms

_TYPE_P = {False: [0.80, 0.07, 0.08, 0.05, 0.0], True: [0.25, 0.12, 0.08, 0.0, 0.55]}
_FINAL_P = {0: [0.80, 0.07, 0.13], 1: [0.85, 0.15, 0.0], 2: [0.97, 0.03, 0.0], 3: [0.80, 0.20, 0.0],
            4: [0.90, 0.10, 0.0]}
_RESPONSE_MEDIAN_MIN = np.array([8.0, 45.0, 300.0, 8.0, 8.0])
_RESPONSE_SIGMA = np.array([0.65, 0.8, 0.7, 0.65, 0.6])


def alarm_model(rng, season: Season, persons: pd.DataFrame, total: int) -> pd.DataFrame:
    dev = np.flatnonzero(persons["device"].to_numpy() >= 0)
    install = np.maximum(persons["install"].to_numpy()[dev], season.start)  # no alarms before the window
    start = install.astype("datetime64[s]") + rng.integers(9, 20, len(dev)) * 3600 * S
    stop = np.minimum(persons["uninstall"].to_numpy()[dev].astype("datetime64[s]"), season.as_of)
    seconds = np.clip((stop - start) / S, 0, None)
    exposure = seconds / 86400.0
    propensity = rng.gamma(2.0, 0.5, len(dev))
    acceptance = (DOOR_HOURS / DOOR_HOURS.max()).mean()
    rate = total / max(1e-9, (exposure * propensity).sum() * acceptance)
    counts = rng.poisson(exposure * propensity * rate)
    owner = np.repeat(np.arange(len(dev)), counts)
    raised = start[owner] + (rng.random(len(owner)) * seconds[owner]).astype(np.int64) * S
    hour = ((raised - raised.astype("datetime64[D]").astype("datetime64[s]")) / S // 3600).astype(np.int64)
    keep = rng.random(len(owner)) < (DOOR_HOURS / DOOR_HOURS.max())[hour]
    owner, raised = owner[keep], raised[keep]
    order = np.argsort(raised, kind="stable")
    owner, raised = owner[order], raised[order]
    m = len(owner)
    person = dev[owner]
    doorbell = persons["doorbell"].to_numpy()[person]
    types = np.array([_TYPE_P[False], _TYPE_P[True]])
    atype = _choose_rows(rng, types, doorbell.astype(np.int64)).astype(np.int8)
    finals = np.array([_FINAL_P[k] for k in range(5)])
    final = _choose_rows(rng, finals, atype.astype(np.int64)).astype(np.int8)
    minutes = rng.lognormal(np.log(_RESPONSE_MEDIAN_MIN[atype]), _RESPONSE_SIGMA[atype])
    minutes = np.where(rng.random(m) < 0.003, minutes * 15, minutes)  # forgotten at night
    handled = raised + (minutes * 60).astype(np.int64) * S
    # The last few answerable alarms before the cut-off are still waiting.
    recent = np.flatnonzero((final < 2) & (raised >= season.as_of - 2 * D))[-3:]
    handled[recent] = season.as_of + rng.integers(5, 90, len(recent)) * MIN
    handled = np.where(final == 2, np.datetime64("NaT"), handled)
    if season.cut is not None:  # a season up to now: answers after it are not known yet
        handled = np.where(handled > season.as_of, np.datetime64("NaT"), handled)
    nb = persons["nb"].to_numpy()[person]
    day = raised.astype("datetime64[D]")
    first = np.searchsorted(day, day, side="left")
    serial = np.arange(m) - first + 1
    return pd.DataFrame({
        "raised": raised, "person": person.astype(np.int64), "nb": nb.astype(np.int32),
        "type": atype, "final": final, "handled": handled,
        "handler": (nb * 5 + rng.integers(0, 5, m)).astype(np.int32),
        "note": rng.integers(0, 1_000_000, m).astype(np.int32), "serial": serial.astype(np.int32),
    })


# ------------------------------------------------------------------ enterprises

def _pick_lists(lists: np.ndarray, which: np.ndarray, u: np.ndarray) -> np.ndarray:
    """lists[which[i]][floor(u[i] * len)] without a Python loop over rows."""
    width = max(len(x) for x in lists)
    table = np.array([[x[j % len(x)] for j in range(width)] for x in lists], dtype=object)
    lengths = np.array([len(x) for x in lists])
    return table[which, (u * lengths[which]).astype(np.int64)]


def firm_model(rng, season: Season, geo: Geo, n: int) -> pd.DataFrame:
    names_ind = [x[0] for x in demo_text.INDUSTRIES]
    w = np.array([x[1] for x in demo_text.INDUSTRIES], dtype=float)
    industry = rng.choice(len(w), n, p=w / w.sum())
    individual = rng.random(n) < np.array([x[2] for x in demo_text.INDUSTRIES])[industry]
    nb = geo.pick(rng, n)
    addr = geo.addresses(rng, nb)
    sd = geo.sd[nb]
    region = np.where(rng.random(n) < 0.85, geo.sd_region[sd],
                      SH_DISTRICTS[rng.integers(0, len(SH_DISTRICTS), n)])
    uscc = demo_ids.usccs(rng, region, individual)
    for _ in range(20):  # codes are keys: draw again where two firms got the same one
        dup = np.flatnonzero(pd.Series(uscc).duplicated().to_numpy())
        if not len(dup):
            break
        uscc[dup] = demo_ids.usccs(rng, region[dup], individual[dup])
    # Names: 上海 + trade name + company suffix, or a shop of an individual business.
    chars = np.array(demo_text.TRADE_CHARS, dtype=object)
    trade = chars[rng.integers(0, len(chars), n)] + chars[rng.integers(0, len(chars), n)]
    comp = [x[3] for x in demo_text.INDUSTRIES]
    shop = [x[4] for x in demo_text.INDUSTRIES]
    pick = rng.random(n)
    comp_sfx, shop_sfx = _pick_lists(comp, industry, pick), _pick_lists(shop, industry, pick)
    district = np.where(geo.sd_region[sd] == 310115, "浦东新区", "")
    name = np.where(individual, district + geo.roads[addr["road"]].astype(object) + trade + shop_sfx,
                    np.where(rng.random(n) < 0.8, "上海", "上海市") + trade + comp_sfx)
    total = np.where(individual, rng.integers(1, 9, n),
                     np.clip(rng.lognormal(np.log(15), 1.1, n), 2, 3000).astype(np.int64))
    outside = rng.binomial(total, rng.beta(2, 3, n))

    # Work resumption: register, apply, review (approve or return; a return reapplies).
    t0 = season.anchor
    applies = rng.random(n) < 0.92
    apply1 = t0 + (14 + rng.gamma(2.0, 7.0, n)).astype(np.int64) * D
    # Late starters (new shops, gyms, training schools) apply any time after the wave.
    late = rng.random(n) < 0.16
    late_span = max(1, int((season.end - t0) / D) - 20)
    apply1 = np.where(late, t0 + (20 + (rng.random(n) * late_span).astype(np.int64)) * D, apply1)
    reg = apply1 - rng.integers(0, 10, n) * D
    reg = np.where(applies, reg, t0 + (10 + rng.gamma(2.0, 10.0, n)).astype(np.int64) * D)
    review1 = apply1 + np.minimum(rng.geometric(np.where(late, 0.22, 0.38)) - 1, 12) * D
    approved1 = rng.random(n) < 0.88
    apply2 = review1 + rng.integers(2, 9, n) * D
    review2 = apply2 + rng.integers(0, 4, n) * D
    final_review = np.where(approved1, review1, review2)
    resumed = final_review + rng.integers(0, 5, n) * D
    catering = np.array(names_ind)[industry] == "餐饮"
    pledge_day = np.where(catering & (rng.random(n) < 0.85), t0 + (50 + rng.integers(0, 35, n)) * D,
                          np.where(rng.random(n) < 0.2, t0 + (60 + rng.integers(0, 60, n)) * D,
                                   np.datetime64("NaT")))
    pledge_no = rng.random(n) < 0.08
    nat = np.datetime64("NaT")
    return pd.DataFrame({
        "uscc": uscc, "name": name, "industry": industry.astype(np.int8), "individual": individual,
        "nb": nb.astype(np.int32), "road": addr["road"].astype(np.int32),
        "lane": addr["lane"].astype(np.int32), "bldg": addr["bldg"].astype(np.int16),
        "total": total.astype(np.int64), "outside": outside.astype(np.int64),
        "reg": reg, "applies": applies,
        "apply1": np.where(applies, apply1, nat), "review1": np.where(applies, review1, nat),
        "approved1": approved1, "apply2": np.where(applies & ~approved1, apply2, nat),
        "review2": np.where(applies & ~approved1, review2, nat),
        "resumed": np.where(applies, resumed, nat), "pledge_day": pledge_day, "pledge_no": pledge_no,
        "phone": demo_ids.mobiles(rng, n), "ramp": rng.uniform(0.3, 0.7, n),
    })


def firm_state(firms: pd.DataFrame, day: np.datetime64) -> pd.DataFrame:
    """Each firm's export row as of the end of `day` (firms not yet registered dropped):
    status code (0 not applied, 1 pending, 2 approved, 3 returned) and the dates known."""
    f = firms[firms["reg"].to_numpy() <= day]
    a1, r1, a2, r2 = (f[c].to_numpy() for c in ("apply1", "review1", "apply2", "review2"))
    ok1 = f["approved1"].to_numpy()
    status = np.select(
        [~(a1 <= day), ~(r1 <= day), ok1, ~(a2 <= day), ~(r2 <= day)],
        [0, 1, 2, 3, 1], 2).astype(np.int8)
    applied = np.where((a2 <= day), a2, np.where(a1 <= day, a1, np.datetime64("NaT")))
    reviewed = np.where(status == 1, np.datetime64("NaT"),
                        np.where(r2 <= day, r2, np.where(r1 <= day, r1, np.datetime64("NaT"))))
    resumed = f["resumed"].to_numpy()
    resumed = np.where((status == 2) & (resumed <= day), resumed, np.datetime64("NaT"))
    days_on = np.where(np.isnat(resumed), -1, (day - resumed) / D)
    total = f["total"].to_numpy()
    share = np.minimum(1.0, f["ramp"].to_numpy() + 0.02 * days_on)
    on_site = np.where(days_on < 0, 0, np.minimum(total, np.round(total * share)))
    pledge = np.where(f["pledge_day"].to_numpy() <= day, 1, np.where(f["pledge_no"].to_numpy(), 0, -1))
    out = f.copy()
    out["status"] = status
    out["applied"] = applied
    out["reviewed"] = reviewed
    out["resumed_on"] = resumed
    out["on_site"] = on_site.astype(np.int64)
    out["pledge"] = pledge.astype(np.int8)
    return out


# ------------------------------------------------------------------ export-time states

def listed_by_period(start: np.ndarray, change: np.ndarray, periods):
    """(a, b, positions) for each period [a, b) of a file: the records that start in it, and
    earlier ones that change in it (a later file updates an earlier one); periods without
    any are left out."""
    for a, b in periods:
        a_s, b_s = a.astype("datetime64[s]"), b.astype("datetime64[s]")
        sel = np.flatnonzero(((start >= a_s) & (start < b_s))
                             | ((start < a_s) & (change >= a_s) & (change < b_s)))
        if len(sel):
            yield a, b, sel


def tickets_by_period(tickets: pd.DataFrame, periods):
    """listed_by_period for tickets: received, then closed or returned."""
    changed = np.fmin(tickets["closed"].to_numpy(), tickets["returned_at"].to_numpy())
    return listed_by_period(tickets["received"].to_numpy(), changed, periods)


def ticket_state(df: pd.DataFrame, at: np.datetime64) -> np.ndarray:
    """0 new, 1 in progress, 2 closed, 3 returned — as seen at `at`."""
    closed = df["closed"].to_numpy() <= at
    returned = df["returned_at"].to_numpy() <= at
    fresh = (at - df["received"].to_numpy()) < np.timedelta64(2 * 3600, "s")
    return np.select([returned, closed, fresh], [3, 2, 0], 1).astype(np.int8)


def alarm_state(df: pd.DataFrame, at: np.datetime64, rng) -> np.ndarray:
    """0 open, 1 in progress, 2 handled, 3 false alarm, 4 pre-reported — as seen at `at`."""
    final = df["final"].to_numpy()
    done = df["handled"].to_numpy() <= at
    waiting = np.where(rng.random(len(df)) < 0.4, 1, 0)
    return np.where(final == 2, 4, np.where(done, final + 2, waiting)).astype(np.int8)


def person_status(df: pd.DataFrame, day: np.datetime64, measure_col: str = "measure") -> np.ndarray:
    """0 active, 1 released, 2 left, -1 blank (no measure) — at the end of `day`."""
    left = df["left"].to_numpy() <= day
    released = df["q_end"].to_numpy() <= day
    none = df[measure_col].to_numpy() == NONE
    return np.select([none, left, released], [-1, 2, 1], 0).astype(np.int8)


# ------------------------------------------------------------------ shared string columns

def ticket_ids(df: pd.DataFrame) -> np.ndarray:
    """yymmdd + six-digit serial, e.g. 200203000123."""
    day = pd.DatetimeIndex(df["received"].to_numpy().astype("datetime64[D]")).strftime("%y%m%d")
    serial = pd.Series(df["serial"].to_numpy()).astype(str).str.zfill(6)
    return (np.asarray(day, dtype=object) + serial.to_numpy(dtype=object))


def ticket_phones(df: pd.DataFrame) -> np.ndarray:
    """Caller numbers from each ticket's phone seed: mobile, landline or blank."""
    seed = df["phone_seed"].to_numpy()
    kind = df["phone_kind"].to_numpy()
    prefix = demo_ids.MOBILE_PREFIXES[seed % len(demo_ids.MOBILE_PREFIXES)].astype(np.int64)
    mobile = prefix * 100_000_000 + (seed // 64) % 100_000_000
    land = (5 + (seed // 7) % 2) * 10_000_000 + (seed // 128) % 10_000_000
    out = np.where(kind == 0, mobile.astype(str), np.where(kind == 1, land.astype(str), "")).astype(object)
    out[kind == 2] = None
    area = (kind == 1) & (seed % 3 == 0)
    out[area] = "021-" + out[area]
    return out
