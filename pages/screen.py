"""大屏: the wall screen (一屏观疫情). Dark, full-screen, live; `/screen?rotate=1` rotates
views. Layout and panels: boardkit.screen.layout / boardkit.screen.panels; live glue:
boardkit.screen.live; kiosk set-up: docs/screen.md."""
import streamlit as st

from boardkit.app.page import context
from boardkit.screen.live import render

ctx = context()  # board.py built it without filters: the whole area, default report day
render(ctx.scope, rotate=st.query_params.get("rotate") == "1")
