"""企业复工: how far applications have got, what waits too long, which trades and places,
staff from outside Shanghai, the 公筷公勺 pledge, and where the enterprises are."""
import datetime as dt

import pandas as pd
import streamlit as st

from boardkit.app.auth import audited_table
from boardkit.render import charts, maps
from boardkit.app import clicks, filters
from boardkit import labels
from boardkit.metrics.figures import overview_figures
from boardkit.data.clock import moment_text
from boardkit.app.page import cached, chart, context, kpi
from boardkit.queries import enterprises as q
from boardkit.queries import overview as oq
from core import settings


ctx = context()
figures = cached(overview_figures)(ctx.gen, ctx.clock, ctx.scope)
series = cached(oq.daily_series)(ctx.gen, ctx.scope, ctx.clock.day - dt.timedelta(days=29), ctx.clock.day)
today = ctx.clock.day  # pending and ages on the report day D
days = int(settings.get("enterprise_pending_days"))

st.title(f"企业复工 · {ctx.clock.day:%Y年%m月%d日}")
st.caption(f"统计日 {ctx.clock.day:%m月%d日}；状态数字{moment_text(ctx.clock)}；待审核超过 {days} 天即为审核超期。")

keys = ["enterprise_approved", "enterprise_pending", "enterprise_returned", "enterprise_pending_past_threshold",
        "enterprise_resumed", "pledge_coverage"]
for column, key in zip(st.columns(len(keys)), keys):
    kpi(column, key, figures[key],
        charts.sparkline_values(series, "enterprise_resumed") if key == "enterprise_resumed" else None)

st.subheader("筛选")
f1, f2, _ = st.columns(3)
industry = filters.choice(f1, "行业", "industry", {i: i for i in cached(q.industries)(ctx.gen, ctx.scope)})
status = filters.choice(f2, "复工申请状态", "estatus", labels.APPLICATION_STATUS,
                        help="行业、居民区分布和企业名单按所选状态统计；漏斗和审核超期不受此项影响")
st.caption("以下图表和名单按所选行业统计；页首指标不受本页筛选影响（与总览一致）。")

left, right = st.columns(2)
with left:
    st.subheader("复工申请进度")
    by_status = cached(q.enterprises_by_status)(ctx.gen, ctx.scope, today, industry).set_index("application_status")["n"]
    applied = int(by_status[["pending", "approved", "returned"]].sum())
    stages = pd.DataFrame({"stage": ["企业总数", "已提交申请", "审核通过"],
                           "n": [int(by_status.sum()), applied, int(by_status["approved"])]})
    chart(charts.funnel, stages, None)
    st.caption(f"统计日（{today:%m-%d}）各企业的复工申请状态（按申请、审核日期）：" + "、".join(f"{labels.APPLICATION_STATUS[s]} {int(by_status[s]):,} 家"
                                                   for s in q.STATUSES)
               + "。已提交申请 = 待审核 + 已通过 + 已退回；百分比为占企业总数。")
with right:
    st.subheader("待审核时长")
    ages = cached(q.pending_age_days)(ctx.gen, ctx.scope, today, industry)
    if ages.empty:
        st.info(f"统计日（{today:%m-%d}）没有待审核的申请。")
    else:
        # An age is a whole number of days and "past" means more than `days`: the line sits
        # between the bar of `days` and the first bar past it.
        chart(charts.binned_histogram, ages, None, threshold=days + 0.5, unit="天", centred=True,
                                      threshold_label=f"超过 {days} 天为超期")
    st.caption(f"待审核申请按自申请日起的天数（截至统计日 {today:%m-%d}）计数；红线右侧为审核超期。")

late = cached(q.pending_past_threshold_oldest_first)(ctx.gen, ctx.scope, today, days, industry)
st.subheader(f"审核超期：待审核超过 {days} 天的企业 {len(late):,} 家")
if late.empty:
    st.success("没有审核超期的申请。")
else:
    st.caption("等待最久的在前；请联系审核部门或企业补齐材料。")
    audited_table(st, "待审核超期", filters.as_text(late.rename(columns={
        "name": "企业名称", "uscc": "统一社会信用代码", "industry": "行业", "neighbourhood": "居民区", "address": "地址",
        "applied_on": "申请日期", "age_days": "已等待(天)", "employees_total": "员工总数",
        "employees_from_outside": "来沪员工", "contact_phone_masked": "联系电话"}), dates=("申请日期",)),
        hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("各行业复工状态")
    by_industry = cached(q.enterprises_by_industry_and_status)(ctx.gen, ctx.scope, today, industry, status)
    chart(charts.stacked_bars, by_industry, "industry", "application_status", labels.APPLICATION_COLOURS,
                                        labels.APPLICATION_STATUS, None, horizontal=True,
                                        height=max(320, 24 * by_industry["industry"].nunique() + 60))
    st.caption(f"各行业企业数，按统计日（{today:%m-%d}）的复工申请状态着色；行业取企业填报的所属行业。")
with right:
    st.subheader("各居民区复工状态")
    by_nb = cached(q.enterprises_by_neighbourhood_and_status)(ctx.gen, ctx.scope, today, days, industry, status)
    by_nb["居民区"] = [filters.neighbourhood_name(c, n) for c, n in zip(by_nb["neighbourhood_code"], by_nb["neighbourhood"])]
    shown, areas = filters.busiest(by_nb, "居民区", "n")
    chart(charts.stacked_bars, shown, "居民区", "application_status", labels.APPLICATION_COLOURS,
                                        labels.APPLICATION_STATUS, None, horizontal=True,
                                        height=max(320, 22 * shown["居民区"].nunique() + 60),
                              ids="neighbourhood_code", click=clicks.NEIGHBOURHOOD)
    st.caption(f"各居民区（按经营地址）企业数，按统计日（{today:%m-%d}）的复工申请状态着色；点击居民区只看该居民区。"
               + filters.busiest_note(shown["居民区"].nunique(), areas))

st.subheader("员工返岗与来沪员工")
staff = cached(q.staff_by_industry)(ctx.gen, ctx.scope, today, industry, status)
total, outside, on_site = (int(staff[c].sum()) for c in ("employees_total", "employees_from_outside", "employees_on_site"))
chart(charts.grouped_bars, staff, "industry", labels.STAFF, None, colours=labels.STAFF_COLOURS)
st.caption(f"企业填报的员工总数 {total:,} 人，其中来沪（外地返沪）员工 {outside:,} 人"
           f"（{outside / total:.0%}），在岗 {on_site:,} 人（{on_site / total:.0%}）。按行业汇总，员工多的行业在前。"
           if total else "所选企业未填报员工人数。")

st.subheader("公筷公勺承诺")
pledge = cached(q.pledge_coverage_by_industry)(ctx.gen, ctx.scope, today, labels.CATERING, industry, status)
long = pledge.melt(id_vars="industry", value_vars=list(labels.PLEDGE), var_name="pledge", value_name="n")
a, b = st.columns([3, 2])
with a:
    chart(charts.stacked_bars, long, "industry", "pledge", labels.PLEDGE_COLOURS, labels.PLEDGE, None,
                                        horizontal=True, height=max(300, 24 * len(pledge) + 60))
with b:
    audited_table(st, "承诺书签订", pledge.assign(coverage=pledge["coverage"] * 100).rename(columns={
        "industry": "行业", "enterprises": "企业数", "pledged": "已签订", "declined": "未签订", "unknown": "未填报",
        "coverage": "覆盖率"}), hide_index=True, width="stretch",
        column_config={"覆盖率": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100)})
st.caption("覆盖率 = 已签订 ÷ 已明确是否签订（已签订 + 未签订）；未填报的不计入分母。餐饮企业优先推动，排在最前。")

st.subheader("企业分布")
places = cached(q.enterprise_map_points)(ctx.gen, ctx.scope, today, industry, status)
outline = cached(q.outline)(ctx.gen, ctx.scope)
if outline.empty or places.empty:
    st.info("没有可在地图上显示的企业。")
else:
    st.pydeck_chart(maps.enterprise_map(places, outline), height=460)
    points = int((places["kind"] == "point").sum())
    unplaced = int(places["unplaced"].iloc[0])
    st.caption(f"有经纬度的企业按位置画点（{points:,} 家，颜色为申请状态）；没有经纬度的按所属居民区中心汇总为圆圈，"
               f"数字为企业数" + (f"；{unplaced:,} 家既无坐标也无居民区，未画出" if unplaced else "") + "。")

table = cached(q.enterprises_table)(ctx.gen, ctx.scope, today, industry, status)
st.subheader(f"企业名单 {len(table):,} 家")
st.caption("按申请日期从近到远；未申请的在最后。联系电话为脱敏显示。")
shown = table.assign(application_status=table["application_status"].map(lambda v: labels.label(labels.APPLICATION_STATUS, v)),
                     utensil_pledge=table["utensil_pledge"].map({True: "已签订", False: "未签订"}).fillna("未填报"))
audited_table(st, "企业列表", filters.as_text(shown.rename(columns={
    "name": "企业名称", "uscc": "统一社会信用代码", "industry": "行业", "neighbourhood": "居民区", "address": "地址",
    "application_status": "申请状态", "applied_on": "申请日期", "reviewed_on": "审核日期", "resumed_on": "复工日期",
    "employees_total": "员工总数", "employees_from_outside": "来沪员工", "employees_on_site": "在岗人数",
    "utensil_pledge": "公筷公勺", "contact_phone_masked": "联系电话"}), dates=("申请日期", "审核日期", "复工日期")),
    hide_index=True, width="stretch", height=420)
