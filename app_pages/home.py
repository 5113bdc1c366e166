import streamlit as st

st.title("Card sorting and screen-reader audits")
st.write("Set up card-sort studies, watch results arrive, and audit pages for screen-reader users.")
