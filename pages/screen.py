import streamlit as st

st.info("大屏建设中")
