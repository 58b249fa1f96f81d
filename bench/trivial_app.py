"""The floor for the browser timing: one small plotly chart and nothing else.

    streamlit run bench/trivial_app.py
"""
import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Bar(x=["一", "二", "三"], y=[3, 1, 2])))
