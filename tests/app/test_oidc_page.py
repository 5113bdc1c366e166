"""Sign-in through the identity provider in the app (AppTest; the provider round trip itself is
tests/app/test_oidc_browser.py): the button, the account an identity maps to, refusals, set-up errors."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._oidc import REFUSAL
from app_pages._signin import SESSION_ACCOUNT
from cardsort import accounts, store
from tests.app._researcher import ENTRY, TIMEOUT, app

SECRET = "oidc-page-test-cookie-secret-0123456789ab"
AUTH = {"server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
        "client_id": "cardsort-app", "client_secret": "s3cret",
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": SECRET}
SECRETS = {"auth": AUTH, "cookie_secret": SECRET, "oidc_provider_name": "Example SSO"}


@pytest.fixture
def team(app_db, monkeypatch):
    """The app's database with Rita invited as a researcher (no password) and a disabled account."""
    for name in ("OIDC_SERVER_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URI",
                 "OIDC_PROVIDER_NAME", "COOKIE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    engine = store.make_engine(store.database_url())
    rita = accounts.create(engine, "rita@example.org", "researcher", name="Rita")
    gone = accounts.create(engine, "gone@example.org", "viewer", password="long enough")
    accounts.disable(engine, gone.id)
    yield engine, rita
    engine.dispose()


def provider_app(user: dict | None = None) -> AppTest:
    at = app()  # the database also has an admin account with a password (tests/app/_researcher.py)
    at.secrets = dict(SECRETS)
    at.user = user if user is not None else {"is_logged_in": False}
    return at


def test_signed_out_the_sign_in_page_offers_the_provider_above_the_password_form(team):
    at = provider_app().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    assert [b.label for b in at.button] == ["Sign in with Example SSO", "Sign in"]
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert [e.value for e in at.error] == []


def test_an_invited_identity_opens_the_studies_as_its_account(team):
    _, rita = team
    at = provider_app({"is_logged_in": True, "email": "Rita@Example.org", "email_verified": True,
                       "name": "R. at the provider"}).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Studies"]
    assert [t.value for t in at.sidebar.text] == ["Signed in as Rita (rita@example.org), researcher"]
    assert SESSION_ACCOUNT not in at.session_state  # the provider's cookie is the session, checked every run


def test_a_disabled_account_stops_at_the_next_run(team):
    engine, rita = team
    at = provider_app({"is_logged_in": True, "email": "rita@example.org", "email_verified": True}).run()
    assert [t.value for t in at.title] == ["Studies"]
    accounts.create(engine, "boss2@example.org", "admin", password="long enough")
    accounts.disable(engine, rita.id)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]  # the Studies page's address, its sign-in in place
    assert [e.value for e in at.error] == [
        r"There is no account for rita@example\.org here: ask an admin to invite you\."]
    assert at.session_state[REFUSAL].email == "rita@example.org"


@pytest.mark.parametrize(("email", "verified", "message"), [
    ("eve@example.org", True, r"There is no account for eve@example\.org here: ask an admin to invite you\."),
    ("gone@example.org", True, r"There is no account for gone@example\.org here: ask an admin to invite you\."),
    ("rita@example.org", False,
     r"Example SSO has not verified the email address rita@example\.org\. Verify it there, then sign in again\."),
])
def test_a_refused_identity_is_told_why_and_not_signed_in(team, email, verified, message):
    at = provider_app({"is_logged_in": True, "email": email, "email_verified": verified}).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    assert [e.value for e in at.error] == [message]
    assert "Signing you out of Example SSO…" in [m.value for m in at.markdown]
    assert len(at.sidebar.button) == 0  # no menu, no sign-out: nobody is signed in
    assert "Sign in with Example SSO" not in [b.label for b in at.button]  # the provider's sign-out comes first


def test_sign_out_also_signs_out_of_the_provider(team):
    at = provider_app({"is_logged_in": True, "email": "rita@example.org", "email_verified": True}).run()
    at.sidebar.button[0].click().run()
    assert at.user == {"is_logged_in": False}  # st.logout() ran
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    assert [b.label for b in at.button] == ["Sign in with Example SSO", "Sign in"]


def test_settings_that_streamlits_auth_table_does_not_hold_are_named(team, monkeypatch):
    monkeypatch.setenv("OIDC_CLIENT_ID", "another-client")
    at = provider_app().run()
    assert [e.value for e in at.error] == [
        "Sign-in through the identity provider is not set up right: client_id in [auth] of Streamlit's secrets "
        "file differs from OIDC_CLIENT_ID. Run `python -m cardsort auth-secrets` before starting the app."]
    assert [b.label for b in at.button] == ["Sign in"]  # the password form still works


def test_a_missing_setting_is_named(team):
    at = app()
    at.secrets = {"auth": {k: v for k, v in AUTH.items() if k != "client_secret"}, "cookie_secret": SECRET}
    at.user = {"is_logged_in": False}
    at.run()
    assert [e.value for e in at.error] == [
        "Sign-in through the identity provider is not set up right: OIDC_SERVER_METADATA_URL is set, so sign-in "
        "with the identity provider also needs OIDC_CLIENT_SECRET (or auth.client_secret in "
        ".streamlit/secrets.toml)."]


def test_without_a_provider_nothing_changes(team):
    at = app()
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert [e.value for e in at.error] == []


def test_invited_accounts_without_passwords_need_no_password_form(app_db, monkeypatch):
    engine = store.make_engine(store.database_url())
    accounts.create(engine, "rita@example.org", "admin", name="Rita")  # invited, no password, no bootstrap
    engine.dispose()
    at = AppTest.from_file(str(ENTRY), default_timeout=TIMEOUT)
    at.secrets = dict(SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with Example SSO"]
    assert [e.value for e in at.error] == []
