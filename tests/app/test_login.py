"""Researcher sign-in: nothing of the researcher side without the password, page by page."""

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._signin import SESSION_FLAG
from tests.app._researcher import PAGES, PASSWORD, PASSWORD_HASH, RESEARCHER_PAGES, TIMEOUT, app, texts


@pytest.mark.parametrize("page", RESEARCHER_PAGES)
def test_each_researcher_page_run_directly_shows_only_the_sign_in(app_db, page):
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    at.secrets["researcher_password_hash"] = PASSWORD_HASH
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Researcher password"]
    assert [b.label for b in at.button] == ["Sign in"]
    # Nothing else: no study picker, table, chart, upload or download.
    for kind in ("selectbox", "table", "dataframe", "file_uploader", "tabs", "metric"):
        assert len(getattr(at, kind)) == 0, kind


def test_signed_out_the_app_offers_the_sign_in_and_no_menu(app_db):
    at = app().run()
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    assert len(at.sidebar.button) == 0
    assert SESSION_FLAG not in at.session_state


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(app_db):
    at = app().run()
    at.text_input[0].input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["That password is not right. Try again."]
    assert SESSION_FLAG not in at.session_state
    assert at.text_input[0].value == ""  # the field is emptied after each attempt

    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state[SESSION_FLAG] is True
    assert [t.value for t in at.title] == ["Studies"]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_sign_out_returns_to_the_sign_in(app_db):
    at = app(signed_in=True).run()
    assert [t.value for t in at.title] == ["Studies"]
    at.sidebar.button[0].click().run()
    assert SESSION_FLAG not in at.session_state
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]


def test_the_environment_password_wins_over_secrets(app_db, monkeypatch):
    monkeypatch.setenv("RESEARCHER_PASSWORD", "from the environment")
    at = app().run()
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert SESSION_FLAG not in at.session_state
    at.text_input[0].input("from the environment")
    at.button[0].click().run()
    assert at.session_state[SESSION_FLAG] is True


def test_without_any_password_configured_the_app_explains_how_to_set_one(app_db):
    at = AppTest.from_file(str(PAGES / "studies.py"), default_timeout=TIMEOUT)
    at.secrets["unrelated_setting"] = "x"  # secrets without a password hash (never the developer's own file)
    at.run()
    assert "No researcher password is set up" in texts(at)
    assert len(at.text_input) == 0 and len(at.button) == 0
