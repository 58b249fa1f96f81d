"""一屏观: entry and router. Page config, sign-in, navigation, shared filters, freshness."""
import streamlit as st

from boardkit import labels
from boardkit.app.auth import (
    banners,
    record_view,
    screen_viewer,
    sign_in_page,
    sign_out_button,
    signed_in_viewer,
)
from boardkit.data.db import NoDatabase
from boardkit.render.markup import md
from boardkit.app.page import build_context, forward_deep_link, freshness_line, no_database_page
from boardkit.app.refresh import automatic_run, keep_current
from core.private import keep_private

keep_private()  # the audit log and anything else this process writes: its account's alone

# An emoji favicon is drawn locally; a ":material/…:" one is fetched from fonts.gstatic.com.
st.set_page_config(page_title="一屏观", page_icon="🛡️", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title=labels.PAGES["overview"], icon=":material/dashboard:", default=True),
    st.Page("pages/hotline.py", title=labels.PAGES["hotline"], icon=":material/call:", url_path="hotline"),
    st.Page("pages/roster.py", title=labels.PAGES["roster"], icon=":material/badge:", url_path="roster"),
    st.Page("pages/alarms.py", title=labels.PAGES["alarms"], icon=":material/sensor_door:", url_path="alarms"),
    st.Page("pages/enterprises.py", title=labels.PAGES["enterprises"], icon=":material/factory:", url_path="enterprises"),
    st.Page("pages/neighbourhood.py", title=labels.PAGES["neighbourhood"], icon=":material/home_work:", url_path="neighbourhood"),
    st.Page("pages/explore.py", title=labels.PAGES["explore"], icon=":material/manage_search:", url_path="explore"),
    st.Page("pages/brief.py", title=labels.PAGES["brief"], icon=":material/description:", url_path="brief"),
    st.Page("pages/data.py", title=labels.PAGES["data"], icon=":material/database:", url_path="data"),
]
# The wall screen: no sidebar, no filters, its own layout (pages/screen.py hides the chrome).
SCREEN = st.Page("pages/screen.py", title=labels.PAGES["screen"], icon=":material/tv:", url_path="screen")
# Leaders only: who looked at or downloaded what.
AUDIT = st.Page("pages/audit.py", title=labels.PAGES["audit"], icon=":material/policy:", url_path="audit")

# What a page trusts is set below, in this run, or not at all (boardkit.app.page.context).
for set_by_router in ("viewer", "ctx"):
    st.session_state.pop(set_by_router, None)
viewer = signed_in_viewer(touch=not automatic_run())
if viewer is None:
    # Signed out: the sign-in form, and the screen (no sign-in: address-checked). Every other
    # page's address shows the form too, so a link to /brief is not "page not found", and
    # signing in reruns at that address: the linked page opens, with the link's filters.
    sign_in = st.Page(sign_in_page, title="登录", icon=":material/login:", default=True)
    linked = {f"pages/{p.url_path}.py": st.Page(sign_in_page, title=p.title, url_path=p.url_path)
              for p in PAGES[1:] + [AUDIT]}  # each page's file is named as its address
    page = st.navigation([sign_in, SCREEN] + list(linked.values()), position="hidden")
    forward_deep_link({**linked, "pages/overview.py": sign_in})
else:
    page = st.navigation({"": PAGES + ([AUDIT] if viewer.is_leader else []), "大屏": [SCREEN]})
    forward_deep_link()
on_screen = page.url_path == SCREEN.url_path
if on_screen:
    viewer = screen_viewer()
elif viewer is None:
    banners(None)
    page.run()
    st.stop()
st.session_state["viewer"] = viewer
ctx = build_context(viewer.scope, with_filters=not on_screen)
st.session_state["ctx"] = ctx
if not on_screen:
    banners(viewer)
    sign_out_button(viewer)
    if viewer.refusal:  # fail closed: the banner says why, no page is drawn
        st.stop()
    keep_current()  # ?refresh=N: the page runs again every N seconds
    record_view(viewer, page.title)
    st.caption((f"{md(viewer.area)}　" if viewer.area else "") + freshness_line(ctx.gen))
try:
    page.run()
except NoDatabase as exc:  # the file became unreadable during this run (locked, removed)
    no_database_page(exc)
