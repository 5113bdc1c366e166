"""Entry point: navigation over app_pages/ and nothing else.

Every page is registered whether or not a researcher is signed in, so a researcher URL
(``/results?study=<id>``, a reload, a bookmark) never gives "Page not found": signed out, it shows
the sign-in form in place (each researcher page starts with ``require_login(action)``) and, once signed
in, the same page with its query parameters. Signed out there is no menu: the landing page is the
sign-in, and the participant page /sort?study=<id> never shows in the menu. A signed, expiring
cookie keeps the researcher signed in across reloads (see ``app_pages/_signin.py``).
Once per server process it first closes the audit browsers a killed earlier process left behind
(``a11y.browser.reap_orphans``).

``ACCESS`` says what each page needs ("read", "edit" or "admin", as ``cardsort.accounts.can``); the menu
shows a signed-in account only the pages its role may use, and each page refuses the others itself.
"""

from typing import Literal

import streamlit as st

from a11y.browser import reap_orphans
from app_pages._signin import SIGNED_OUT, current_account, logout_button, sync_session_cookie

# (file, title, url path, what the page needs): the menu, in this order
ACCESS = (
    ("app_pages/studies.py", "Studies", "studies", "edit"),
    ("app_pages/results.py", "Results", "results", "read"),
    ("app_pages/standardise.py", "Standardise names", "standardise", "edit"),
    ("app_pages/trust.py", "Trust the results", "trust", "read"),
    ("app_pages/import_data.py", "Import results", "import", "edit"),
    ("app_pages/paper.py", "Paper sorts", "paper", "edit"),
    # Accessibility audits (a flat list: Streamlit's sectioned menu fails axe's list rules)
    ("app_pages/audit.py", "Audit a site", "audit", "edit"),
    ("app_pages/audit_results.py", "Audit results", "audit-results", "read"),
    ("app_pages/audit_history.py", "Audit history", "audit-history", "read"),
    ("app_pages/preview.py", "Screen-reader preview", "preview", "read"),
    ("app_pages/site_report.py", "Site report", "site-report", "read"),
    ("app_pages/accounts.py", "Accounts", "accounts", "admin"),
)


@st.cache_resource(max_entries=1, show_spinner=False)
def _orphan_browsers_reaped() -> list[str]:
    """Once per server process: the profile folders of browsers left by killed processes, removed."""
    return reap_orphans()


st.set_page_config(page_title="Card sorting", layout="wide")
_orphan_browsers_reaped()
account = current_account()
researcher = account is not None
allowed = [account is not None and account.can(needs) for *_, needs in ACCESS]
home = allowed.index(True) if any(allowed) else 0  # Studies, or Results for a viewer
participant = st.Page("app_pages/sort.py", title="Card sort", url_path="sort", visibility="hidden")
login = st.Page("app_pages/login.py", title="Sign in", url_path="login", visibility="hidden")
visibility: list[Literal["visible", "hidden"]] = ["visible" if ok else "hidden" for ok in allowed]
pages = [st.Page(path, title=title, url_path=url, visibility=visibility[i])
         for i, (path, title, url, _) in enumerate(ACCESS)]


def _landing() -> None:
    """The app's address "/": on to the account's first page, or to the sign-in (also for an invite link).

    No real page is the default, because Streamlit serves its default page only at "/": a link to
    that page's own address ("/studies?study=...", a bookmark) would say "Page not found".
    """
    target = login if not researcher or st.query_params.get("invite") else pages[home]
    st.switch_page(target, query_params=st.query_params.to_dict())  # an invite link's token goes along


landing = st.Page(_landing, title="Card sorting", url_path="start", default=True, visibility="hidden")
pages += [login, participant, landing]
if researcher:
    logout_button()
    # All pages listed: the collapsed menu's "View more" button breaks axe's list rules.
    page = st.navigation(pages, expanded=True)
else:
    page = st.navigation(pages, position="hidden")
if page.url_path != "sort":  # participants never get the researcher cookie
    sync_session_cookie()
if researcher and page.url_path == login.url_path and not st.query_params.get("invite"):
    st.switch_page(pages[home])  # signed in on the sign-in page: on to the studies (a viewer: the results)
if st.session_state.pop(f"{SIGNED_OUT}:now", False) and page.url_path != login.url_path:
    st.switch_page(login)  # after "Sign out": the sign-in page, not the sign-in form of the page left
page.run()
