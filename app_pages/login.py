"""Researcher sign-in: the app's landing page for anyone who is not signed in, and where invite links lead."""

import streamlit as st

from app_pages._signin import INVITE_PARAM, invite_form, login_form, signed_in

st.title("Card sorting: researcher sign-in")
st.write(
    "Set up card-sort studies, share the participant link, and watch the results arrive. "
    "Participants do not need to sign in: they open the link you send them."
)
invite = st.query_params.get(INVITE_PARAM)
if signed_in():
    st.success("You are signed in.")
    st.page_link("app_pages/results.py", label="Go to the results")
elif invite:
    if not invite_form(invite):
        st.error("This invite link is not valid: it expired, was used already, or the account was disabled. "
                 "Ask an admin for a new one, or sign in below if you have set your password.")
        login_form()
else:
    login_form()
