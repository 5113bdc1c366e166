"""Shared set-up of the researcher pages' AppTests: a temporary database, its accounts and a signed-in app."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._signin import EMAIL_KEY, PASSWORD_KEY, SESSION_ACCOUNT
from cardsort import accounts, auth, store
from cardsort.accounts import Account

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "streamlit_app.py"
PAGES = ROOT / "app_pages"
RESEARCHER_PAGES = ("studies.py", "results.py", "import_data.py")
PASSWORD = "correct horse battery staple"
PASSWORD_HASH = auth.hash_password(PASSWORD, salt=b"fixed salt 16 b.")  # the bootstrap password's, in st.secrets
EMAILS = {"admin": "ada@example.org", "researcher": "rita@example.org", "viewer": "vic@example.org"}
TIMEOUT = 60


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """An empty SQLite database the app uses (``DATABASE_URL``), and no password in the environment."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("RESEARCHER_PASSWORD", raising=False)
    monkeypatch.delenv("RESEARCHER_PASSWORD_HASH", raising=False)
    engine = store.make_engine(url)
    yield engine
    engine.dispose()


def account(role: str = "admin") -> Account:
    """The account of ``role`` in the app's database (``EMAILS[role]``, password ``PASSWORD``), made on first use."""
    engine = store.make_engine(store.database_url())
    try:
        found = accounts.find_by_email(engine, EMAILS[role])
        return found or accounts.create(engine, EMAILS[role], role, name=f"Test {role}", password=PASSWORD)
    finally:
        engine.dispose()


def app(*, signed_in: bool = False, role: str = "admin") -> AppTest:
    """The whole app from its entry point; its database has an admin account (``account``).

    ``signed_in`` starts with a session of the account of ``role`` (the sign-in itself is tested in
    test_login.py).
    """
    at = AppTest.from_file(str(ENTRY), default_timeout=TIMEOUT)
    account("admin")
    if signed_in:
        at.session_state[SESSION_ACCOUNT] = account(role).id
    return at


def open_page(page: str, *, role: str = "admin", **query) -> AppTest:
    """A signed-in app on ``app_pages/<page>``, with query parameters, after its first run."""
    at = app(signed_in=True, role=role).run()  # the first run registers the pages switch_page looks up
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}")
    return at.run()


def sign_in_on(page: str, **query) -> AppTest:
    """``app_pages/<page>`` run on its own, signed in as the admin through the sign-in form it shows first."""
    admin = account("admin")
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    at.text_input(key=EMAIL_KEY).input(admin.email)
    at.text_input(key=PASSWORD_KEY).input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, success, warning and error text of the page, one per line."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)
