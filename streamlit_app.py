"""Entry point: navigation over app_pages/ and nothing else."""

import streamlit as st

st.set_page_config(page_title="Cardsort & a11y", layout="wide")
st.navigation([st.Page("app_pages/home.py", title="Home", default=True)]).run()
