"""Text from data or the URL never becomes a link or an image: a ticket
text written as a markdown link, a bare URL or an e-mail address shows as characters in the
surge panel on 总览, and a 查询 link's filter text shows as characters in its heading."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from page_helpers import LURE, lure_database, open_page

from boardkit.render import charts
from boardkit.render.markup import chart_text, md

# Markdown that would render as a link or an image: [text](…), ![alt](…), <http://…>, and
# the bare http://, www. and name@host forms that Streamlit links by itself.
LINK_MARKUP = re.compile(r"(?<!\\)\]\(|(?<!\\)<https?:|https?://|www\.|[\w.+-]@[\w-]+\.", re.IGNORECASE)


def test_md_shows_every_character_and_no_link():
    for text in (LURE, "![x](http://evil.cn/x.png) <http://evil.cn>", "HTTPS://EVIL.EXAMPLE WWW.EVIL.CN", ":red[红] :material/home: $x$", "<b>粗</b> 1. *a* _b_"):
        escaped = md(text)
        assert not LINK_MARKUP.search(escaped), escaped
        # What is seen: the escapes and the zero-width joiners go, the characters stay.
        assert re.sub(r"\\(.)", r"\1", escaped.replace("\u200d", "")) == text
    assert md(None) == ""


def test_chart_text_and_every_chart_label_is_plain():
    assert chart_text('<a href="http://e">点</a> & 1') == '&lt;a href="http://e"&gt;点&lt;/a&gt; &amp; 1'
    bad = '<a href="http://evil.example">餐饮</a>'
    frame = pd.DataFrame({"x": [bad, "零售"], "n": [3, 2], "kind": [bad, "k"], "v": [1, 2]})
    figures = [charts.bars(frame, "x", "n", None, horizontal=True),
               charts.stacked_bars(frame, "x", "kind", {bad: "#000", "k": "#111"}, {}, None, horizontal=True),
               charts.grouped_bars(frame, "x", {"n": "数", "v": "值"}, None),
               charts.explore_chart(frame, "x", "n", "kind")]
    for fig in figures:
        spec = json.dumps(json.loads(fig.to_json()), ensure_ascii=False)
        assert "<a" not in spec and "&lt;a href" in spec, spec[:400]


@pytest.fixture(scope="module")
def lure_db(isolated_board_env, tmp_path_factory):
    db = lure_database(tmp_path_factory.mktemp("lure"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOARD_DB", str(db))
        yield db


def _shown(at) -> list[str]:
    """The values of every element that renders markdown, expander labels included."""
    values = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                                   "subheader", "header") for e in getattr(at, kind)]
    return values + [e.label for e in at.expander]


def test_overview_surge_panel_shows_the_lure_as_text(lure_db):
    at = open_page("pages/overview.py")
    shown = _shown(at)
    examples = [v for v in shown if "请点此重新登录" in v]
    # Three example tickets of each flagged item (the question and its topic), cut to 60 characters.
    assert len(examples) == 6, shown
    assert all(md(LURE) in v for v in examples)
    assert [v for v in shown if LINK_MARKUP.search(v)] == []


def test_explore_heading_shows_a_linked_filter_as_text(lure_db):
    at = open_page("pages/explore.py", {"ds": "hotline", "f.content": "[点此](http://evil.example) www.evil.cn"})
    heading = at.subheader[0].value
    assert heading.endswith(md("含[点此](http://evil.example) www.evil.cn")), heading
    assert [v for v in _shown(at) if LINK_MARKUP.search(v)] == []
