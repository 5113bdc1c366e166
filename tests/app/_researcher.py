"""Shared set-up of the researcher pages' AppTests: a temporary database and a signed-in app."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._signin import PASSWORD_KEY, SESSION_FLAG
from cardsort import auth, store

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "streamlit_app.py"
PAGES = ROOT / "app_pages"
RESEARCHER_PAGES = ("studies.py", "results.py", "import_data.py")
PASSWORD = "correct horse battery staple"
PASSWORD_HASH = auth.hash_password(PASSWORD, salt=b"fixed salt 16 b.")
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


def app(*, signed_in: bool = False) -> AppTest:
    """The whole app from its entry point, with the password hash in ``st.secrets``.

    ``signed_in`` starts with a researcher session (the sign-in itself is tested in test_login.py).
    """
    at = AppTest.from_file(str(ENTRY), default_timeout=TIMEOUT)
    at.secrets[auth.HASH_KEY] = PASSWORD_HASH
    if signed_in:
        at.session_state[SESSION_FLAG] = True
    return at


def open_page(page: str, **query) -> AppTest:
    """A signed-in app on ``app_pages/<page>``, with query parameters, after its first run."""
    at = app(signed_in=True).run()  # the first run registers the pages switch_page looks up
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}")
    return at.run()


def sign_in_on(page: str, **query) -> AppTest:
    """``app_pages/<page>`` run on its own, signed in through the sign-in form it shows first."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    at.secrets[auth.HASH_KEY] = PASSWORD_HASH
    at.query_params.update(query)
    at.run()
    at.text_input(key=PASSWORD_KEY).input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, success, warning and error text of the page, one per line."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)
