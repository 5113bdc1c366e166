"""Moving between researcher pages in AppTest: the study and the clustering method follow the researcher.

"Through the menu" clears the query parameters before switching page, as Streamlit's sidebar links do;
"by a link" keeps them. The sign-in in place on a deep link and the session's expiry are here too
(the cookie itself needs a browser: tests/app/test_researcher_browser.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from app_pages._signin import (
    EMAIL_KEY,
    PASSWORD_KEY,
    SESSION_ACCOUNT,
    SESSION_TOKEN,
    make_session_token,
    session_expiry,
)
from cardsort import accounts, store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import PASSWORD, account, app, texts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SECRET = "navigation-test-cookie-secret-0123456789"
# The widget that shows the study on each page (the Studies page's also offers "New study").
STUDY_PICKER = {"results.py": "study_choice", "trust.py": "trust_study", "standardise.py": "standardise_study",
                "import_data.py": "import_study", "studies.py": "edit_study"}
TITLES = {"results.py": "Results", "trust.py": "Trust the results", "standardise.py": "Standardise category names",
          "import_data.py": "Import results", "studies.py": "Studies"}


def sort(pid: str, *groups: tuple[str, list[str]]) -> Sort:
    return Sort(pid, tuple(Group(label, tuple(cards)) for label, cards in groups),
                started_at=T0, finished_at=T0 + timedelta(minutes=5))


@pytest.fixture
def three_studies(app_db, monkeypatch):
    """Studies A, B, C (C the newest, so the one a page opens on by default), each with sorts."""
    monkeypatch.setenv("COOKIE_SECRET", SECRET)
    for study_id in ("A", "B", "C"):
        store.create_study(app_db, study_from_spec({"name": f"Study {study_id}", "kind": "open",
                                                     "cards": ["Opening hours", "Contact us", "Renew a loan",
                                                               "Fines", "E-books"]}, study_id))
        store.import_sorts(app_db, study_id, [
            sort("p1", ("Visit", ["c1", "c2"]), ("Borrow", ["c3", "c4", "c5"])),
            sort("p2", ("Visit", ["c1", "c2", "c3"]), ("Money", ["c4"]), ("Online", ["c5"])),
            sort("p3", ("About", ["c1"]), ("Contact", ["c2"]), ("Loans", ["c3", "c4", "c5"])),
        ])
    assert [r["id"] for r in store.list_studies(app_db)][0] == "C"
    return app_db


def signed_in_app() -> AppTest:
    at = app(signed_in=True).run()  # the first run registers the pages
    assert not at.exception
    return at


def through_menu(at: AppTest, page: str) -> AppTest:
    """A click on the sidebar menu: the page's address without query parameters."""
    at.query_params.clear()
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [TITLES[page]]
    return at


def by_link(at: AppTest, page: str, **query) -> AppTest:
    at.query_params.clear()
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, at.exception
    return at


def shown_study(at: AppTest, page: str) -> tuple[str, str | None]:
    """The study the page's picker shows and the study in the address."""
    return at.selectbox(key=STUDY_PICKER[page]).value, at.query_params.get("study")


def test_the_study_picked_on_one_page_is_shown_on_every_next_page(three_studies):
    at = through_menu(signed_in_app(), "results.py")
    assert shown_study(at, "results.py") == ("C", "C")  # nothing chosen yet: the newest study
    at.selectbox(key="study_choice").select("B").run()
    assert shown_study(at, "results.py") == ("B", "B")
    for page in ("trust.py", "standardise.py", "import_data.py", "studies.py", "results.py"):
        through_menu(at, page)
        assert shown_study(at, page) == ("B", "B"), page
    # A, then B, then A: the last pick always wins, whichever page it was made on.
    through_menu(at, "trust.py").selectbox(key="trust_study").select("A").run()
    assert shown_study(at, "trust.py") == ("A", "A")
    through_menu(at, "import_data.py")
    assert shown_study(at, "import_data.py") == ("A", "A")
    at.selectbox(key="import_study").select("B").run()
    through_menu(at, "results.py")
    assert shown_study(at, "results.py") == ("B", "B")
    at.selectbox(key="study_choice").select("A").run()
    through_menu(at, "trust.py")
    assert shown_study(at, "trust.py") == ("A", "A")


def test_a_link_with_a_study_wins_over_the_study_of_the_session(three_studies):
    at = through_menu(signed_in_app(), "results.py")
    at.selectbox(key="study_choice").select("B").run()
    by_link(at, "trust.py", study="A")
    assert shown_study(at, "trust.py") == ("A", "A")
    through_menu(at, "results.py")  # and the link's study is now the researcher's study
    assert shown_study(at, "results.py") == ("A", "A")
    by_link(at, "results.py", study="no-such-study")  # an unknown id keeps the study of the session
    assert shown_study(at, "results.py") == ("A", "A")


def test_a_study_created_or_new_on_the_studies_page_and_the_shared_study(three_studies):
    at = through_menu(signed_in_app(), "studies.py")
    assert shown_study(at, "studies.py") == ("C", "C")
    at.selectbox(key="edit_study").select("A").run()
    at.selectbox(key="edit_study").select("+new").run()  # the "New study" form: no study in the address
    assert shown_study(at, "studies.py") == ("+new", None)
    at.run()
    assert shown_study(at, "studies.py") == ("+new", None)  # stays on the form while the researcher types
    through_menu(at, "results.py")
    assert shown_study(at, "results.py") == ("A", "A")  # the last study worked on
    by_link(at, "studies.py", study="B")
    assert shown_study(at, "studies.py") == ("B", "B")


def test_the_clustering_method_chosen_on_results_is_the_one_trust_uses_in_the_same_words(three_studies):
    at = by_link(signed_in_app(), "results.py", study="A")
    results_picker = at.selectbox(key="method")
    assert results_picker.value == "average" and "method" not in at.query_params
    labels = list(results_picker.options)  # what the researcher reads
    assert labels == ["Average linkage (balanced; the usual choice)", "Complete linkage (tight, small categories)",
                      "Single linkage (chains; shows outliers)"]
    results_picker.select("complete").run()
    assert "(complete linkage)" in texts(at)
    assert at.query_params.get("method") == "complete"

    through_menu(at, "trust.py")
    trust_picker = at.selectbox(key="trust_method")
    assert trust_picker.value == "complete" and at.query_params.get("method") == "complete"
    assert list(trust_picker.options) == labels
    assert trust_picker.label == results_picker.label == "Clustering method"
    assert "Dendrogram (complete linkage)" in [h.value for h in at.tabs[5].header]

    trust_picker.select("single").run()  # and back: Trust's choice is the one Results shows
    assert "Dendrogram (single linkage)" in [h.value for h in at.tabs[5].header]
    through_menu(at, "import_data.py")
    through_menu(at, "results.py")
    assert at.selectbox(key="method").value == "single" and at.query_params.get("method") == "single"
    assert "(single linkage)" in texts(at)
    at.selectbox(key="method").select("average").run()
    assert "method" not in at.query_params  # the default stays out of the address
    through_menu(at, "trust.py")
    assert at.selectbox(key="trust_method").value == "average"


def test_a_link_with_a_method_wins_over_the_method_of_the_session(three_studies):
    at = by_link(signed_in_app(), "results.py", study="A")
    at.selectbox(key="method").select("complete").run()
    by_link(at, "trust.py", study="A", method="single")
    assert at.selectbox(key="trust_method").value == "single"
    by_link(at, "trust.py", study="A", method="ward")  # not a method: the session's stays
    assert at.selectbox(key="trust_method").value == "single"


def test_a_researcher_page_opened_signed_out_shows_the_sign_in_there_then_the_page_asked_for(three_studies):
    at = app().run()
    at.query_params.update({"study": "B", "method": "complete"})
    at.switch_page("app_pages/results.py").run()  # registered though signed out: no "Page not found"
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert len(at.selectbox) == 0 and len(at.metric) == 0 and "Study B" not in texts(at)
    assert len(at.sidebar.button) == 0  # no menu, no sign-out
    at.text_input(key=EMAIL_KEY).input(account("admin").email)
    at.text_input(key=PASSWORD_KEY).input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Results"]
    assert shown_study(at, "results.py") == ("B", "B")
    assert at.selectbox(key="method").value == "complete" and at.query_params.get("method") == "complete"
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_sign_out_from_a_page_opens_the_sign_in_page_and_the_page_stays_closed(three_studies):
    at = by_link(signed_in_app(), "results.py", study="B")
    at.sidebar.button(key="sign_out").click().run()
    assert SESSION_ACCOUNT not in at.session_state and SESSION_TOKEN not in at.session_state
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    by_link(at, "results.py", study="B")
    assert [t.value for t in at.title] == ["Sign in"] and len(at.selectbox) == 0


def _password_hash(app_db, account_id: int) -> str:
    with app_db.connect() as conn:
        return conn.execute(sa.select(accounts.accounts.c.password_hash).where(
            accounts.accounts.c.id == account_id)).scalar_one()


def test_the_session_ends_when_its_token_expires_or_the_password_changes(three_studies):
    at = app().run()
    ada = account("admin")
    at.text_input(key=EMAIL_KEY).input(ada.email)
    at.text_input(key=PASSWORD_KEY).input(PASSWORD)
    at.button[0].click().run()
    token = at.session_state[SESSION_TOKEN]
    assert token.split(".")[1] == str(ada.id)  # the token names the account
    assert session_expiry(token, SECRET, _password_hash(three_studies, ada.id), 12 * 3600) is not None  # 12 h
    by_link(at, "results.py", study="A")
    assert [t.value for t in at.title] == ["Results"]

    accounts.set_password(three_studies, ada.id, "a new password")  # e.g. from another session
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and SESSION_ACCOUNT not in at.session_state

    expired = make_session_token(SECRET, ada.id, _password_hash(three_studies, ada.id), 3600,
                                 now=datetime.now().timestamp() - 2 * 3600)
    at = app()
    at.session_state[SESSION_ACCOUNT] = ada.id
    at.session_state[SESSION_TOKEN] = expired
    at.run()
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]


def test_a_bad_sign_in_setting_is_named_on_the_sign_in_page(three_studies, monkeypatch):
    monkeypatch.setenv("SESSION_HOURS", "twelve")
    at = app().run()
    assert [e.value for e in at.error] == [
        "Sign-in is not set up right: SESSION_HOURS (or session_hours in .streamlit/secrets.toml) must be a number "
        "of hours above 0 and at most a year, not 'twelve'."]
    assert len(at.text_input) == 0
    monkeypatch.setenv("SESSION_HOURS", "1")
    monkeypatch.setenv("COOKIE_SECRET", "short")
    at = app().run()
    assert "COOKIE_SECRET (or cookie_secret in .streamlit/secrets.toml) must be at least 32 characters; it has 5." \
        in at.error[0].value

