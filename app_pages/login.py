"""Researcher sign-in: the app's landing page for anyone who is not signed in."""

import streamlit as st

from app_pages._signin import login_form, signed_in

st.title("Card sorting: researcher sign-in")
st.write(
    "Set up card-sort studies, share the participant link, and watch the results arrive. "
    "Participants do not need to sign in: they open the link you send them."
)
if signed_in():
    st.success("You are signed in.")
    st.page_link("app_pages/studies.py", label="Go to your studies")
else:
    login_form()
