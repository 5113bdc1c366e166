"""Entry point: navigation over app_pages/ and nothing else."""

import streamlit as st

st.set_page_config(page_title="Cardsort & a11y", layout="wide")
pages = [
    st.Page("app_pages/home.py", title="Home", default=True),
    st.Page("app_pages/sort.py", title="Sort", url_path="sort", visibility="hidden"),
]
# A participant link (?study=...) shows no researcher navigation at all.
st.navigation(pages, position="hidden" if "study" in st.query_params else "sidebar").run()
