"""Researcher sign-in with named accounts: nothing of the researcher side without one, page by page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from app_pages._signin import EMAIL_KEY, PASSWORD_KEY, SESSION_ACCOUNT
from cardsort import accounts, auth, store
from tests.app._researcher import (
    EMAILS,
    PAGES,
    PASSWORD,
    PASSWORD_HASH,
    RESEARCHER_PAGES,
    TIMEOUT,
    account,
    app,
    texts,
)

WRONG = "That email and password do not match an account. Try again."


def sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key=EMAIL_KEY).input(email)
    at.text_input(key=PASSWORD_KEY).input(password)
    return at.button[0].click().run()


@pytest.mark.parametrize("page", RESEARCHER_PAGES)
def test_each_researcher_page_run_directly_shows_only_the_sign_in(app_db, page):
    account("admin")
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]
    # Nothing else: no study picker, table, chart, upload or download.
    for kind in ("selectbox", "table", "dataframe", "file_uploader", "tabs", "metric"):
        assert len(getattr(at, kind)) == 0, kind


def test_signed_out_the_app_offers_the_sign_in_and_no_menu(app_db):
    at = app().run()
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]
    assert len(at.sidebar.button) == 0
    assert SESSION_ACCOUNT not in at.session_state


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(app_db):
    at = app().run()
    sign_in(at, EMAILS["admin"], "not the password")
    assert [e.value for e in at.error] == [WRONG]
    assert SESSION_ACCOUNT not in at.session_state
    assert at.text_input(key=PASSWORD_KEY).value == ""  # the password field is emptied after each attempt

    sign_in(at, "ADA@example.org", PASSWORD)  # any case
    assert at.session_state[SESSION_ACCOUNT] == account("admin").id
    assert [t.value for t in at.title] == ["Studies"]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert [t.value for t in at.sidebar.text] == ["Signed in as Test admin (ada@example.org), admin"]


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(app_db):
    at = sign_in(app().run(), "nobody@example.org", PASSWORD)
    assert [e.value for e in at.error] == [WRONG]


def test_sign_out_returns_to_the_sign_in(app_db):
    at = app(signed_in=True).run()
    assert [t.value for t in at.title] == ["Studies"]
    at.sidebar.button[0].click().run()
    assert SESSION_ACCOUNT not in at.session_state
    assert [t.value for t in at.title] == ["Card sorting: researcher sign-in"]


def test_the_sixth_attempt_with_the_right_password_is_refused_and_after_the_window_it_works(app_db):
    at = app().run()
    for _ in range(accounts.ACCOUNT_LIMIT):
        sign_in(at, EMAILS["admin"], "wrong password")
        assert [e.value for e in at.error] == [WRONG]
    sign_in(at, EMAILS["admin"], PASSWORD)
    assert [e.value for e in at.error] == ["Too many sign-in attempts. Try again in 15 minutes."]
    assert SESSION_ACCOUNT not in at.session_state
    sign_in(at, "nobody@example.org", "x")  # another email from the same address: still its own count
    assert [e.value for e in at.error] == [WRONG]
    with app_db.begin() as conn:  # the failures are 15 minutes old
        conn.execute(accounts.signin_failures.update().values(at=accounts.signin_failures.c.at - accounts.WINDOW
                                                              - timedelta(seconds=1)))
    sign_in(at, EMAILS["admin"], PASSWORD)
    assert at.session_state[SESSION_ACCOUNT] == account("admin").id


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(app_db):
    account("admin")
    viewer = account("viewer")
    at = app(signed_in=True, role="viewer").run()
    assert [t.value for t in at.title] == ["Results"]  # a viewer's first page
    accounts.disable(app_db, viewer.id)
    at.run()
    assert SESSION_ACCOUNT not in at.session_state
    assert [t.value for t in at.title] == ["Sign in"]
    sign_in(at, EMAILS["viewer"], PASSWORD)
    assert [e.value for e in at.error] == [WRONG]


def test_without_an_admin_account_the_configured_password_signs_in_as_the_built_in_admin(app_db, monkeypatch):
    monkeypatch.setenv("RESEARCHER_PASSWORD", "from the environment")
    at = AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.secrets[auth.HASH_KEY] = PASSWORD_HASH  # the environment wins over secrets.toml
    at.run()
    assert "sign in with the email `admin` and the researcher password" in texts(at)
    sign_in(at, "admin", PASSWORD)
    assert [e.value for e in at.error] == [WRONG]
    sign_in(at, "admin", "from the environment")
    assert at.session_state[SESSION_ACCOUNT] == 0
    assert [t.value for t in at.sidebar.text] == ["Signed in as Built-in admin (admin), admin"]
    # once an admin account exists, the built-in admin is signed out and the password no longer works
    accounts.create(app_db, "ada@example.org", "admin", password=PASSWORD)
    at.run()
    assert SESSION_ACCOUNT not in at.session_state
    assert "sign in with the email `admin`" not in texts(at)
    sign_in(at, "admin", "from the environment")
    assert [e.value for e in at.error] == [WRONG]


def test_without_any_account_or_password_the_app_explains_how_to_set_one_up(app_db):
    at = AppTest.from_file(str(PAGES / "studies.py"), default_timeout=TIMEOUT)
    at.secrets["unrelated_setting"] = "x"  # secrets without a password hash (never the developer's own file)
    at.run()
    assert "No account is set up. Run `make run`" in texts(at)
    assert len(at.text_input) == 0 and len(at.button) == 0


def test_an_invite_link_sets_the_password_once_and_signs_in(app_db):
    account("admin")
    cy = accounts.create(app_db, "cy@example.org", "viewer", name="Cy")
    secret = "app-test-cookie-secret-0123456789abcdef"
    token = accounts.invite_token(secret, cy)
    at = AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.secrets["cookie_secret"] = secret
    at.run()
    at.query_params["invite"] = token
    at.switch_page("app_pages/login.py").run()
    assert "You are invited as Cy (cy@example.org), viewer." in texts(at)
    at.text_input(key="invite_password").input("a new password")
    at.text_input(key="invite_again").input("a new passwore")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["The two passwords differ. Type the same password twice."]
    at.text_input(key="invite_password").input("a new password")
    at.text_input(key="invite_again").input("a new password")
    at.button[0].click().run()
    assert at.session_state[SESSION_ACCOUNT] == cy.id
    assert accounts.sign_in(app_db, "cy@example.org", "a new password", None) == cy
    again = AppTest.from_file(str(PAGES / "login.py"), default_timeout=TIMEOUT)
    again.secrets["cookie_secret"] = secret
    again.query_params["invite"] = token
    again.run()
    assert "This invite link is not valid: it expired, was used already" in texts(again)


def test_failures_are_counted_in_the_apps_database_per_email_and_per_address(app_db):
    sign_in(app().run(), EMAILS["admin"], "wrong")
    with app_db.connect() as conn:  # what every replica reads
        kinds = sorted(conn.execute(sa.select(accounts.signin_failures.c.kind)).scalars())
    assert kinds == ["account", "address"]
    assert store.database_url() == str(app_db.url)


def _single_sign_on_script():
    import streamlit as st

    from app_pages._signin import current_account, sign_in_as
    from cardsort import accounts
    from cardsort.accounts import Account

    if st.button("Single sign-on"):
        st.session_state["result"] = sign_in_as(Account(int(st.query_params["id"]), "", "", ""))
    account = current_account()
    st.text(f"{account.email} {account.role}" if account else "nobody")
    del accounts


def test_sign_in_as_starts_a_session_of_an_active_account_only(app_db):
    account("admin")
    viewer = account("viewer")
    at = AppTest.from_function(_single_sign_on_script, default_timeout=TIMEOUT)
    at.query_params["id"] = str(viewer.id)
    at.run()
    assert [t.value for t in at.text] == ["nobody"]
    at.button[0].click().run()
    assert at.session_state["result"] is True and [t.value for t in at.text] == ["vic@example.org viewer"]
    accounts.disable(app_db, viewer.id)
    at.run()
    assert [t.value for t in at.text] == ["nobody"]  # disabled: signed out
    at.button[0].click().run()
    assert at.session_state["result"] is False


def test_the_accounts_page_changes_roles_keeps_an_admin_and_asks_before_disabling(app_db):
    viewer = account("viewer")
    at = app(signed_in=True, role="admin").run()
    at.switch_page("app_pages/accounts.py").run()
    assert [t.value for t in at.title] == ["Accounts"]
    table = at.dataframe[0].value
    assert table["Email"].tolist() == ["ada@example.org", "vic@example.org"]
    assert table["Status"].tolist() == ["active", "active"]
    at.selectbox(key="acc_chosen").select(account("admin").id).run()
    at.selectbox(key=f"acc_role:{account('admin').id}").select("viewer").run()
    at.button(key=f"acc_set_role:{account('admin').id}").click().run()
    assert [e.value for e in at.error] == ["Not changed: ada@example.org is the last admin and cannot be made viewer; "
                                           "make another account admin first."]
    assert at.button(key=f"acc_disable:{account('admin').id}").disabled  # not one's own account

    at.selectbox(key="acc_chosen").select(viewer.id).run()
    at.selectbox(key=f"acc_role:{viewer.id}").select("researcher").run()
    at.button(key=f"acc_set_role:{viewer.id}").click().run()
    assert [s.value for s in at.success] == ["vic@example.org is now researcher."]
    at.button(key=f"acc_disable:{viewer.id}").click().run()
    assert [w.value for w in at.warning] == [
        "Disable vic@example.org? It can no longer sign in, and its sessions end at once."]
    assert accounts.get(app_db, viewer.id) is not None  # only asked
    at.button(key=f"acc_disable_yes:{viewer.id}").click().run()
    assert [s.value for s in at.success] == [
        "Disabled vic@example.org: it can no longer sign in, and its sessions ended."]
    assert accounts.get(app_db, viewer.id) is None
    assert at.dataframe[0].value["Status"].tolist()[1].startswith("disabled ")
