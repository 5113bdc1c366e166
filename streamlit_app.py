"""Entry point: navigation over app_pages/ and nothing else.

Signed out, the app has two pages and no menu: the researcher sign-in (default) and the
participant page at /sort?study=<id>. Researcher pages join the navigation only after
sign-in; the participant page never shows in the menu.
"""

import streamlit as st

from app_pages._common import logout_button, signed_in

st.set_page_config(page_title="Card sorting", layout="wide")
participant = st.Page("app_pages/sort.py", title="Card sort", url_path="sort", visibility="hidden")
if signed_in():
    logout_button()
    page = st.navigation([
        st.Page("app_pages/studies.py", title="Studies", url_path="studies", default=True),
        st.Page("app_pages/results.py", title="Results", url_path="results"),
        st.Page("app_pages/standardise.py", title="Standardise names", url_path="standardise"),
        st.Page("app_pages/trust.py", title="Trust the results", url_path="trust"),
        st.Page("app_pages/import_data.py", title="Import results", url_path="import"),
        # Accessibility audits (a flat list: Streamlit's sectioned menu fails axe's list rules)
        st.Page("app_pages/audit.py", title="Audit a site", url_path="audit"),
        st.Page("app_pages/audit_results.py", title="Audit results", url_path="audit-results"),
        st.Page("app_pages/audit_history.py", title="Audit history", url_path="audit-history"),
        st.Page("app_pages/preview.py", title="Screen-reader preview", url_path="preview"),
        st.Page("app_pages/site_report.py", title="Site report", url_path="site-report"),
        participant,
    ], expanded=True)  # all pages listed: the collapsed menu's "View more" button breaks axe's list rules
else:
    page = st.navigation([st.Page("app_pages/login.py", title="Sign in", default=True), participant],
                         position="hidden")
page.run()
