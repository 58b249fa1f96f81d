"""查询: any allowed dataset, filtered, grouped and counted; a table, a chart, downloads."""
import pandas as pd
import streamlit as st

from boardkit.render import charts, exports, tables
from boardkit.data import datasets as ex
from boardkit.explore import link
from boardkit.app.auth import audited_download
from boardkit.explore.form import keep_in_link, spec_form
from boardkit.render.markup import md
from boardkit.app.page import cached, context
from boardkit.queries import explore as q


def labelled_run(gen, scope, spec):
    """The query's frame, whether it was cut, and its table in Chinese words (labelling every
    cell is most of the work: cached with the query, not redone per run)."""
    frame, truncated = q.run(gen, scope, spec)
    return frame, truncated, tables.explore_result(frame, spec)


ctx = context()
st.title("查询")
st.caption("选择数据集，按字段筛选、分组并统计；结果可下载为 CSV 或 Excel。个人信息只显示脱敏后的形式；"
           "数据范围与左侧“居民区”筛选一致。复制浏览器地址即可分享当前视图。")

linked = link.spec_from_params(st.query_params.to_dict(), ctx.scope.show_room)
spec = spec_form(ctx, linked)
keep_in_link(spec)

try:
    frame, truncated, table = cached(labelled_run)(ctx.gen, ctx.scope, spec)
except TimeoutError as exc:
    st.error(f"{exc}。请缩小筛选范围或减少分组字段后再试。")
    st.stop()
words = ex.describe(spec)

st.subheader("　".join(md(w) for w in words))
if truncated:
    st.warning(f"结果超过 {len(table):,} 行，只显示并导出前 {len(table):,} 行：请增加筛选条件或改为分组统计。")
elif table.empty:
    st.info("没有符合条件的记录：请放宽筛选条件。")

if spec.group_by and not table.empty:
    value = ex.measure_label(spec)
    total = frame["value"].sum() if spec.measure in ("count", "sum") else None
    st.caption(f"共 {len(table):,} 组" + (f"，合计 {total:,.0f}" if total is not None and pd.notna(total) else ""))
    x = table.columns[0]
    colour = table.columns[1] if len(spec.group_by) > 1 else None
    st.plotly_chart(charts.explore_chart(
        table, x, value, colour, time_axis=ex.is_time(spec.dataset, spec.group_by[0]),
        stack=spec.measure in ("count", "sum"),
        colours=ex.series_colours(spec.dataset, spec.group_by[-1]) if colour else None), width="stretch")
elif not table.empty:
    st.caption(f"共 {len(table):,} 条记录（最新的在前）")
st.dataframe(table, hide_index=True, width="stretch", height=min(600, 40 + 35 * max(1, len(table))))

day = ctx.clock.now.date()
about = pd.DataFrame({"项目": ["查询", "数据代", "数据截至", "行数", "说明"],
                      "内容": ["；".join(words), str(ctx.gen.number), f"{ctx.clock.now:%Y-%m-%d %H:%M}",
                             f"{len(table)}" + ("（已截断）" if truncated else ""),
                             "个人信息均为脱敏形式；以 ' 开头的单元格为防止公式执行而加的前缀"]})
left, right, _ = st.columns([1, 1, 4])
with left:  # built only when clicked (a detail view may hold many rows); each download is audited
    audited_download("下载 CSV", lambda: exports.csv_bytes(table), exports.file_name(["查询", *words], day, "csv"),
                     len(table), mime="text/csv", icon=":material/download:", key="ex_csv")
with right:
    audited_download("下载 Excel", lambda: exports.xlsx_bytes({"查询结果": table, "说明": about}),
                     exports.file_name(["查询", *words], day, "xlsx"), len(table), key="ex_xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     icon=":material/download:")
