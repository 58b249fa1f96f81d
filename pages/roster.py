"""人员排摸与隔离: who arrived, from where, who is in quarantine and until when, and whom
only an enterprise has reported (the committees' blind spot)."""
import datetime as dt

import streamlit as st

from boardkit.app.auth import audited_table
from boardkit.render import charts
from boardkit.app import clicks, filters
from boardkit import labels
from boardkit.metrics.figures import overview_figures, stream_figures
from boardkit.data.clock import moment_text
from boardkit.app.page import cached, chart, context, kpi
from boardkit.queries import overview as oq
from boardkit.queries import roster as q
from core import settings


ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope) | cached(stream_figures)(
    ctx.gen, ctx.clock, ctx.scope, ("reporting",))
series = cached(oq.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)
k = int(settings.get("ending_soon_days"))
next_day = ctx.clock.day + dt.timedelta(days=1)

st.title(f"人员排摸与隔离 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}；状态数字{moment_text(ctx.clock)}；趋势区间 {ctx.start:%m-%d} 至 "
           f"{ctx.end:%m-%d}。同一人（同一证件号）无论居委、企业报送几次只计一次。")

keys = ["arrivals", "home_quarantine", "central_quarantine", "health_observation", "ending_next_day", "ending_soon",
        "blind_spot"]
for column, key in zip(st.columns(len(keys)), keys):
    kpi(column, key, figures[key], charts.sparkline_values(series, "arrivals") if key == "arrivals" else None)

st.subheader("筛选")
f1, f2, f3 = st.columns(3)
measure = filters.choice(f1, "管控措施", "measure", labels.MEASURE)
status = filters.choice(f2, "管控状态", "pstatus", labels.PERSON_STATUS)
source = filters.choice(f3, "报送来源", "source", labels.PERSON_SOURCE,
                        help="仅居委报送、仅企业报送，或居委和企业都报送了同一人")
st.caption(f"以下图表和明细按所选措施、状态（统计日{ctx.clock.day:%m-%d}当天的最新报送）、报送来源统计；"
           "页首指标不受本页筛选影响（与总览一致）。")
args = (measure, status, source)

st.subheader("每日来沪人员（按报送来源）")
by_day = cached(q.arrivals_by_day_and_source)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args, day=ctx.clock.day)
chart(charts.stacked_daily, by_day, "source_kind", labels.PERSON_SOURCE_COLOURS, labels.PERSON_SOURCE, None,
      click=clicks.DAY)
st.caption(f"按抵沪日期统计，每人只计一次；区间合计 {int(by_day['n'].sum()):,} 人。点击某日可将其设为统计日。")

left, right = st.columns([3, 2])
with left:
    st.subheader("来源省份")
    provinces = cached(q.arrivals_by_province)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args, day=ctx.clock.day)
    provinces["省份"] = provinces["province"].fillna("未识别")
    chart(charts.bars, provinces, "省份", "n", None, horizontal=True, colour="#5f6368",
                                height=max(300, 24 * len(provinces) + 40))
    st.caption("趋势区间内抵沪人员按来源地所在省份计数（取该人最近一次写明来源地的报送）；"
               "来源地无法识别省份的计为“未识别”。")
with right:
    st.subheader("报送来源")
    sources = cached(q.persons_by_source)(ctx.gen, ctx.scope, ctx.start, ctx.end, measure, status, day=ctx.clock.day)
    order = list(labels.PERSON_SOURCE)
    sources = sources.assign(来源=sources["source_kind"].map(labels.PERSON_SOURCE),
                             rank=sources["source_kind"].map(order.index)).sort_values("rank")
    chart(charts.bars, sources, "来源", "n", None, colours=[labels.PERSON_SOURCE_COLOURS[s]
                                                                    for s in sources["source_kind"]], height=260)
    st.caption("趋势区间内抵沪人员按由谁报送：仅居委、居委和企业都报送、仅企业（可能是居委尚未掌握的人员）。")

st.subheader("隔离时间线")
timeline = cached(q.quarantine_timeline)(ctx.gen, ctx.scope, ctx.start, ctx.end, *args, day=ctx.clock.day)
chart(charts.lines, timeline, "day", labels.TIMELINE, None, colours=labels.TIMELINE_COLOURS, click=clicks.DAY)
st.caption("每日按当日已知的最新报送回溯：当日处于隔离/观察期内的人数（即当日居家隔离、集中隔离、健康观察之和）、"
           "当日开始的人数、当日期满的人数；解除或离沪的人员计至报送该状态的当日。")

st.subheader("各居民区隔离情况与解除日期")
by_nb = cached(q.persons_by_neighbourhood)(ctx.gen, ctx.scope, ctx.start, ctx.end, ctx.clock.day, k,
                                            *args)
by_nb["居民区"] = [filters.neighbourhood_name(c, n) for c, n in zip(by_nb["neighbourhood_code"], by_nb["neighbourhood"])]
# Each row opens this page for that neighbourhood with the same page filters.
keep = {"measure": measure, "pstatus": status, "source": source}
by_nb["链接"] = [filters.link("roster", nb=c, **keep) if isinstance(c, str) else None for c in by_nb["neighbourhood_code"]]
NB_NAMES = {"居民区": "居民区", "arrivals": "区间来沪", "home_quarantine": "居家隔离", "central_quarantine": "集中隔离",
            "health_observation": "健康观察", "ending_next_day": f"{next_day:%m-%d}解除",
            "ending_soon": f"{k}日内解除", "next_end": "最近解除日期", "链接": "链接"}
audited_table(st, "按居民区", filters.as_text(by_nb, dates=("next_end",))[list(NB_NAMES)].rename(columns=NB_NAMES),
             hide_index=True, width="stretch",
             column_config={"链接": st.column_config.LinkColumn("筛选", display_text="只看本居民区 →")})
st.caption(f"隔离人数为统计日（{ctx.clock.day:%m-%d}）处于隔离期内的人数（按统计日前最新报送）；“{next_day:%m-%d}解除”“{k}日内解除”与页首指标"
           f"同口径：居家或集中隔离结束日期为统计日次日、统计日后1至{k}天内的在管人数；最近解除日期为今天以后最早的一个。")

blind = cached(q.blind_spot_persons)(ctx.gen, ctx.scope, ctx.clock.day)
st.subheader(f"排摸盲区：仅企业报送、居住在本街道、居委未报送 {len(blind):,} 人")
st.caption(f"截至统计日（{ctx.clock.day:%m-%d}）企业报送的员工中，居住地址在本街道某居民区、但没有任何居委报送记录的人员"
           "（按报送文件日期）；请所在居委上门核实登记。")
PERSON_NAMES = {"name_masked": "姓名", "id_masked": "证件号", "phone_masked": "电话", "neighbourhood": "居民区",
                "address": "地址", "room": "室号", "arrived_on": "抵沪日期", "measure": "管控措施",
                "quarantine_start": "隔离开始", "quarantine_end": "隔离结束", "status": "状态",
                "employers": "报送企业", "source_kind": "报送来源", "past_end": "期满未解除", "id_valid": "证件号校验"}


def person_table(frame, height, title):
    shown = frame.assign(measure=frame["measure"].map(lambda v: labels.label(labels.MEASURE, v)),
                         status=frame["status"].map(lambda v: labels.label(labels.PERSON_STATUS, v)),
                         neighbourhood=frame["neighbourhood"].fillna(labels.UNKNOWN_NEIGHBOURHOOD))
    if "source_kind" in shown:
        shown["source_kind"] = shown["source_kind"].map(labels.PERSON_SOURCE)
    columns = [c for c in PERSON_NAMES if c in shown.columns]
    audited_table(st, title, filters.as_text(shown[columns].rename(columns=PERSON_NAMES), dates=("抵沪日期", "隔离开始", "隔离结束")),
                 hide_index=True, width="stretch", height=height)


if blind.empty:
    st.success("没有仅由企业报送的本街道居民。")
else:
    person_table(blind, 300, "居委盲区")

total = cached(q.count_persons)(ctx.gen, ctx.scope, *args, day=ctx.clock.day)
st.subheader(f"人员明细：{total:,} 人")
people = cached(q.persons_ending_first)(ctx.gen, ctx.scope, ctx.clock.day, *args)
st.caption("姓名、证件号、电话均为脱敏显示。在管人员在前，按隔离结束日期从近到远；“期满未解除”表示隔离期已过"
           "但状态仍为在管（请核实是否已解除）。")
if people.empty:
    st.info("没有符合条件的人员。")
else:
    person_table(people, 420, "人员明细")
    if len(people) < total:
        st.caption(f"仅显示前 {len(people):,} 人；可用上方筛选或侧栏居民区缩小范围。")
