"""Text from data or the URL, made safe for the elements that render markup.

A ticket text such as `[登录已过期，请点此重新登录](http://…)` must show as those characters,
never as a link or an image: Streamlit renders markdown in st.markdown, st.caption,
st.subheader, st.info and friends, in widget and expander labels and in `help=`, and it turns
a bare `http://…`, `www.…` or `name@host.cn` into a link as well; plotly renders a subset of
HTML (`<a href>` included) in tick labels, legends and hover boxes. Every such place passes
text from data or the URL through one of the two functions here.
"""
from __future__ import annotations

import html
import re

# CommonMark lets any ASCII punctuation be escaped with a backslash, and then shows it as
# itself: no link, image, emphasis, heading, list, table, HTML or math can start.
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-style autolinks (http://, https://, www., e-mail addresses) are found in the text
# after the escapes are undone, and Streamlit's :shortcodes: likewise: a zero-width joiner
# after every ':' and '@' and inside 'www.' breaks each pattern without changing what is seen.
_ZWJ = "\u200d"
_AUTOLINK_PARTS = re.compile(r"(\\[:@]|www(?=\\\.))", re.IGNORECASE)


def md(text) -> str:
    """`text` (anything; None is blank) as markdown that shows exactly these characters."""
    escaped = _ASCII_PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))
    return _AUTOLINK_PARTS.sub(lambda m: m.group(1) + _ZWJ, escaped)


def chart_text(text) -> str:
    """`text` for a plotly label or hover box: its pseudo-HTML tags become plain characters."""
    return html.escape("" if text is None else str(text), quote=False)
