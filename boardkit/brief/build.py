"""The daily prevention-meeting brief (疫情防控日报): every figure from the same functions
as the overview, so the brief for day D and the board on report day D cannot disagree.

`build_brief` gathers the data; `brief_xlsx.write_workbook` and `brief_html.render_html`
turn it into files. `python -m etl brief` and the 日报 page both call `write_brief`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.localtime import local_now

from .. import labels
from ..data.clock import Clock, make_clock, moment_text
from ..data.db import ALL, Generation, Scope, query
from ..metrics.figures import Figure, stream_figures
from ..data.freshness import source_freshness
from ..queries.brief import (
    alarms_by_type,
    detail_alarms,
    detail_enterprises,
    detail_persons,
    detail_tickets,
    ending_soon_by_neighbourhood,
    enterprises_by_status,
    tickets_by_topic,
    top_questions,
)
from ..queries.overview import attention_list
from ..metrics.status import neighbourhood_status


@dataclass
class Brief:
    subdistrict: str
    clock: Clock
    generation: int
    classifier: str         # the classifier version that labelled the tickets (meta, set on load)
    generated_at: dt.datetime
    freshness: dict
    figures: dict[str, Figure]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)   # summary tables (Chinese headers)
    details: dict[str, pd.DataFrame] = field(default_factory=dict)  # detail rows per stream (masked)

    @property
    def meta_text(self) -> str:
        """When the figures were taken and from which data: what the workbook and the
        printed page both say under the title."""
        return (f"统计日 {self.clock.day:%m月%d日} 00:00–24:00；状态数字（在办、在管、未处置、待审核）"
                f"{moment_text(self.clock)}；生成于 {self.generated_at:%Y-%m-%d %H:%M}；"
                f"数据第 {self.generation} 代；话题分类器 {self.classifier}"
                + (f"；{labels.REPLAY_BADGE}（“现在”为 {self.clock.now:%Y-%m-%d %H:%M}）" if self.clock.replay else ""))

    @property
    def file_stem(self) -> str:
        return f"疫情防控日报_{self.clock.day.isoformat()}"


_ENUMS = {"request_type": ("诉求类型", labels.REQUEST_TYPE), "topic": ("话题", labels.TOPIC),
          "status": ("状态", None), "measure": ("管控措施", labels.MEASURE),
          "alarm_type": ("报警类型", labels.ALARM_TYPE), "application_status": ("审核状态", labels.APPLICATION_STATUS)}
_STATUS_BY_SHEET = {"12345工单": labels.TICKET_STATUS, "人员与隔离": labels.PERSON_STATUS,
                    "门磁报警": labels.ALARM_STATUS}


def _chinese(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Enumeration codes to their Chinese labels, columns renamed to Chinese headers."""
    frame = frame.copy()
    for column, (header, mapping) in _ENUMS.items():
        if column in frame:
            mapping = mapping or _STATUS_BY_SHEET.get(sheet, {})
            frame[column] = frame[column].map(lambda v: labels.label(mapping, v))
            frame = frame.rename(columns={column: header})
    return frame


def build_brief(gen: Generation, day: dt.date | None = None, scope: Scope = ALL,
                wall: dt.datetime | None = None, replay_at: dt.datetime | None = None) -> Brief:
    clock = make_clock(gen, day, wall, replay_at)
    # Named after the viewer's area: a sub-district head's brief bears its own sub-district's name.
    pack_name = query(gen, "SELECT any_value(subdistrict_name) AS n FROM ref_neighbourhoods "
                           "WHERE ($scope_all OR list_contains($scope_codes, code))", scope.params).iat[0, 0]
    classifier = query(gen, "SELECT any_value(value) AS v FROM meta WHERE key = 'classifier_version'").iat[0, 0]
    brief = Brief(subdistrict=pack_name or "", clock=clock, generation=gen.number, classifier=classifier or "—",
                  generated_at=local_now(), freshness=source_freshness(gen),
                  figures=stream_figures(gen, clock, scope))
    topics = tickets_by_topic(gen, clock, scope)
    topics["topic"] = topics["topic"].map(lambda v: labels.label(labels.TOPIC, v))
    brief.tables["工单话题"] = topics.rename(columns={"topic": "话题", "n": "统计日", "prev": "前一日"})
    questions = top_questions(gen, clock, scope)
    brief.tables["热点问题"] = questions.rename(columns={"faq_question": "问题编号", "n": "工单数", "question": "问题"})
    ending = ending_soon_by_neighbourhood(gen, clock, scope)
    ending["day"] = pd.to_datetime(ending["quarantine_end"]).dt.strftime("%m-%d")
    brief.tables["3日内解除隔离"] = (ending.pivot_table(index="neighbourhood", columns="day", values="n",
                                                        aggfunc="sum", fill_value=0)
                                   .reset_index().rename(columns={"neighbourhood": "居民区"}))
    brief.tables["3日内解除隔离"].columns.name = None
    alarms = alarms_by_type(gen, clock, scope)
    alarms["alarm_type"] = alarms["alarm_type"].map(lambda v: labels.label(labels.ALARM_TYPE, v))
    brief.tables["报警类型"] = alarms.rename(columns={"alarm_type": "报警类型", "n": "报警数",
                                                  "median_response": "响应中位数(分钟)", "p90_response": "响应P90(分钟)"})
    ent = enterprises_by_status(gen, clock, scope)
    ent["application_status"] = ent["application_status"].map(lambda v: labels.label(labels.APPLICATION_STATUS, v))
    brief.tables["企业审核状态"] = ent.rename(columns={"application_status": "审核状态", "n": "企业数"})
    status = neighbourhood_status(gen, clock, scope)
    brief.tables["居民区状态"] = pd.DataFrame({
        "居民区": status["name"], "状态": status["status"].map(labels.STATUS_LABELS), "原因": status["reason"]})
    from ..metrics.surges import surge_panel_rows
    surges = surge_panel_rows(gen, scope, clock.day)
    brief.tables["新热点"] = pd.DataFrame(
        [{"新热点": r["新热点"], "说明": r["说明"], "显著性": r["显著性"],
          "示例工单": "；".join(r["示例工单"])} for r in surges],
        columns=["新热点", "说明", "显著性", "示例工单"])
    attention = attention_list(gen, clock, scope)
    brief.tables["关注清单"] = attention.drop(columns=["priority"]).rename(columns={
        "kind": "事项", "neighbourhood": "居民区", "since": "起始时间", "detail": "说明"})
    for sheet, fn in (("12345工单", detail_tickets), ("人员与隔离", detail_persons),
                      ("门磁报警", detail_alarms), ("企业复工", detail_enterprises)):
        brief.details[sheet] = _chinese(fn(gen, clock, scope), sheet)
    return brief


def workbook_bytes(brief: Brief) -> bytes:
    """The brief's workbook as bytes (the city's day is ~100,000 detail rows: ~50 s in
    openpyxl, so the page makes it only when someone asks for it)."""
    import io

    from .workbook import write_workbook
    buffer = io.BytesIO()
    write_workbook(brief, buffer)
    return buffer.getvalue()


def brief_files(gen: Generation, day: dt.date | None = None, scope: Scope = ALL,
                replay_at: dt.datetime | None = None) -> tuple[str, bytes, str]:
    """(file stem, workbook bytes, HTML text) of the brief: what the page offers and the CLI writes."""
    from .printable import render_html
    brief = build_brief(gen, day, scope, replay_at=replay_at)
    return brief.file_stem, workbook_bytes(brief), render_html(brief)


def write_brief(gen: Generation, out_dir: Path, day: dt.date | None = None, scope: Scope = ALL,
                replay_at: dt.datetime | None = None) -> list[Path]:
    from core.private import share_brief
    stem, xlsx_bytes, html_text = brief_files(gen, day, scope, replay_at)
    created = None if out_dir.exists() else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx, html = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.html"
    xlsx.write_bytes(xlsx_bytes)
    html.write_text(html_text, encoding="utf-8")
    share_brief([xlsx, html], created)
    return [xlsx, html]
