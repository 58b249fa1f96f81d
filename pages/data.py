"""数据: what was loaded and when, what was refused or needs fixing, and the fix-lists each
neighbourhood committee gets back."""
import streamlit as st

from boardkit.render import exports, tables
from boardkit import labels
from boardkit.app.auth import audited_download, audited_table
from boardkit.app.page import cached, context
from boardkit.app.panels import duty_gaps_panel
from boardkit.queries import data as q
from ops.disk import disk_status
from ops.status import service_states

ctx = context()
st.title("数据")
disk = disk_status()
if disk.warning:
    st.warning(disk.message)
duty_gaps_panel(ctx)
services = service_states()
st.caption(disk.message + "；服务：" + "，".join(f"{k} {v}" for k, v in services.items()))
info = cached(q.database_info)(ctx.gen, ctx.scope)
totals = cached(q.run_totals)(ctx.gen, ctx.scope)
size = "—" if info["size_bytes"] is None else f"{info['size_bytes'] / 1024 / 1024:.1f} MB"
last = totals["last_load"]
last = "—" if last is None or last != last else f"{last:%Y-%m-%d %H:%M}"
st.caption(f"当前数据第 {info['generation']} 代（结构版本 {info['schema_version']}），数据库文件 {size}；"
           f"最近导入 {last}。拒收：该行未导入；警告：已导入但需在源文件中核对更正。")

cells = st.columns(5)
cells[0].metric("文件", f"{int(totals['files']):,}", help="导入记录中的文件数（含重复跳过和整份拒收）", border=True)
cells[1].metric("整份拒收的文件", f"{int(totals['refused']):,}", help="缺少必填列或无法识别表头，整份未导入", border=True)
cells[2].metric("导入行数", f"{int(totals['rows_loaded']):,}", help="各文件导入的行数之和", border=True)
cells[3].metric("拒收行数", f"{int(totals['rows_rejected']):,}", help="未导入的行，见下方整改清单", border=True)
cells[4].metric("警告行数", f"{int(totals['rows_warned']):,}", help="已导入、但需核对的行", border=True)

unseparated = cached(q.unseparated_rooms)(ctx.gen, ctx.scope)
if unseparated:
    st.caption(f"其中 {unseparated:,} 行的地址中室号未能单独拆出（地址只保留室号之前的部分，室号及其后的文字"
               "按室号对待），见整改清单，请居委核对地址写法。")

history_tab, issues_tab, fix_tab = st.tabs(["导入记录", "问题汇总", "整改清单"])
with history_tab:
    left, right = st.columns(2)
    sources = left.multiselect("数据来源", list(labels.SOURCES), format_func=labels.SOURCES.get,
                               key="dt_sources", placeholder="全部来源")
    statuses = right.multiselect("结果", list(labels.RUN_STATUS), format_func=labels.RUN_STATUS.get,
                                 key="dt_statuses", placeholder="全部结果")
    runs = cached(q.load_history)(ctx.gen, ctx.scope, tuple(sources), tuple(statuses))
    st.caption(f"{len(runs):,} 个文件，最新的在前")
    audited_table(st, "导入批次", tables.runs(runs), hide_index=True, width="stretch", height=420)

with issues_tab:
    by_nb = cached(q.issues_by_neighbourhood)(ctx.gen, ctx.scope)
    by_file = cached(q.issues_by_file)(ctx.gen, ctx.scope)
    left, right = st.columns([2, 3])
    left.markdown("**按居民区**")
    audited_table(left, "问题按居民区", by_nb.drop(columns=["neighbourhood_code"]).rename(columns={
        "committee": "居民区", "rejects": "拒收", "warnings": "警告", "files": "涉及文件"}),
        hide_index=True, width="stretch", height=420)
    right.markdown("**按文件**")
    audited_table(right, "问题按文件", tables.present(by_file, {"file_name": "文件", "source": "数据来源", "rejects": "拒收",
                                             "warnings": "警告", "run_id": "批次"}, {"source": labels.SOURCES}),
                    hide_index=True, width="stretch", height=420)

with fix_tab:
    names = dict(ctx.neighbourhoods)
    whole_area = ctx.scope.codes is None
    options = list(names) + ([q.UNKNOWN] if whole_area else [])
    st.caption("选择居民区，下载该居民区的拒收与警告明细（行号即 Excel 中的行号），交居委在源文件中更正后重新报送。"
               + ("“未识别居民区”为无法确定所属居民区的行，由街道处理。" if whole_area else ""))
    left, right = st.columns([3, 1])
    chosen = left.multiselect("居民区", options, default=list(ctx.scope.codes or ()), key="dt_fix_nb",
                              format_func=lambda c: names.get(c, c), placeholder="全部居民区")
    kinds = right.multiselect("数据来源", list(labels.SOURCES), format_func=labels.SOURCES.get,
                              key="dt_fix_sources", placeholder="全部来源")
    picked = chosen or options
    codes = tuple(c for c in picked if c in names)
    rows = cached(q.fix_list)(ctx.gen, ctx.scope, codes, q.UNKNOWN in picked, tuple(kinds))
    fix = tables.fix_list(rows)
    st.caption(f"{len(fix):,} 行问题（拒收 {int((rows['kind'] == 'reject').sum()):,}，"
               f"警告 {int((rows['kind'] == 'warning').sum()):,}），涉及 {fix['居民区'].nunique()} 个居民区")
    st.dataframe(fix, hide_index=True, width="stretch", height=420)
    title = "全部居民区" if not chosen else "、".join(names.get(c, c) for c in chosen[:3]) + ("等" if len(chosen) > 3 else "")
    words = ["整改清单", title] + ([labels.SOURCES[k] for k in kinds] if kinds else [])
    day = ctx.clock.now.date()
    one, two, _ = st.columns([2, 1, 3])
    with one:  # built only when clicked; each download is audited
        audited_download("下载 Excel（每个居民区一页）",
                         lambda: exports.xlsx_bytes(tables.by_committee(fix) or {"整改清单": fix}),
                         exports.file_name(words, day, "xlsx"), len(fix), key="dt_fix_xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         icon=":material/download:")
    with two:
        audited_download("下载 CSV", lambda: exports.csv_bytes(fix), exports.file_name(words, day, "csv"), len(fix),
                         mime="text/csv", key="dt_fix_csv", icon=":material/download:")
