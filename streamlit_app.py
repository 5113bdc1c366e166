"""Entry point: navigation over app_pages/ and nothing else.

Every page is registered whether or not a researcher is signed in, so a researcher URL
(``/results?study=<id>``, a reload, a bookmark) never gives "Page not found": signed out, it shows
the sign-in form in place (each researcher page starts with ``require_login()``) and, once signed
in, the same page with its query parameters. Signed out there is no menu: the landing page is the
sign-in, and the participant page /sort?study=<id> never shows in the menu. A signed, expiring
cookie keeps the researcher signed in across reloads (see ``app_pages/_signin.py``).
Once per server process it first closes the audit browsers a killed earlier process left behind
(``a11y.browser.reap_orphans``).
"""

from typing import Literal

import streamlit as st

from a11y.browser import reap_orphans
from app_pages._signin import SIGNED_OUT, logout_button, signed_in, sync_session_cookie


@st.cache_resource(max_entries=1, show_spinner=False)
def _orphan_browsers_reaped() -> list[str]:
    """Once per server process: the profile folders of browsers left by killed processes, removed."""
    return reap_orphans()


st.set_page_config(page_title="Card sorting", layout="wide")
_orphan_browsers_reaped()
researcher = signed_in()
shown: Literal["visible", "hidden"] = "visible" if researcher else "hidden"
participant = st.Page("app_pages/sort.py", title="Card sort", url_path="sort", visibility="hidden")
login = st.Page("app_pages/login.py", title="Sign in", url_path="login", default=not researcher,
                visibility="hidden")
pages = [
    st.Page("app_pages/studies.py", title="Studies", url_path="studies", default=researcher, visibility=shown),
    st.Page("app_pages/results.py", title="Results", url_path="results", visibility=shown),
    st.Page("app_pages/standardise.py", title="Standardise names", url_path="standardise", visibility=shown),
    st.Page("app_pages/trust.py", title="Trust the results", url_path="trust", visibility=shown),
    st.Page("app_pages/import_data.py", title="Import results", url_path="import", visibility=shown),
    st.Page("app_pages/paper.py", title="Paper sorts", url_path="paper", visibility=shown),
    # Accessibility audits (a flat list: Streamlit's sectioned menu fails axe's list rules)
    st.Page("app_pages/audit.py", title="Audit a site", url_path="audit", visibility=shown),
    st.Page("app_pages/audit_results.py", title="Audit results", url_path="audit-results", visibility=shown),
    st.Page("app_pages/audit_history.py", title="Audit history", url_path="audit-history", visibility=shown),
    st.Page("app_pages/preview.py", title="Screen-reader preview", url_path="preview", visibility=shown),
    st.Page("app_pages/site_report.py", title="Site report", url_path="site-report", visibility=shown),
    login,
    participant,
]
if researcher:
    logout_button()
    # All pages listed: the collapsed menu's "View more" button breaks axe's list rules.
    page = st.navigation(pages, expanded=True)
else:
    page = st.navigation(pages, position="hidden")
if page.url_path != "sort":  # participants never get the researcher cookie
    sync_session_cookie()
if researcher and page.url_path == login.url_path:
    st.switch_page(pages[0])  # signed in on the sign-in page: on to the studies
if st.session_state.pop(f"{SIGNED_OUT}:now", False) and page.url_path != login.url_path:
    st.switch_page(login)  # after "Sign out": the sign-in page, not the sign-in form of the page left
page.run()
