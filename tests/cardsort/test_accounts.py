"""Named accounts: creation, roles, the last admin, rate-limited sign-in and invitations (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cardsort import accounts
from cardsort.accounts import Account, TooManyAttempts

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SECRET = "invite-test-secret-0123456789abcdefghij"
PASSWORD = "correct horse battery"


def test_an_account_is_created_with_its_email_lower_cased_and_found_by_any_case(engine):
    ada = accounts.create(engine, " Ada@Example.ORG ", "researcher", name="Ada Lovelace", password=PASSWORD)
    assert ada == Account(id=ada.id, email="ada@example.org", name="Ada Lovelace", role="researcher")
    assert accounts.find_by_email(engine, "ADA@example.org") == ada
    assert accounts.get(engine, ada.id) == ada
    assert accounts.find_by_email(engine, "bob@example.org") is None
    assert accounts.find_by_email(engine, "not an email") is None
    [row] = accounts.list_accounts(engine)
    assert (row["email"], row["role"], row["has_password"], row["disabled_at"]) == ("ada@example.org", "researcher",
                                                                                     True, None)


@pytest.mark.parametrize(("args", "message"), [
    (("ada", "viewer"), "'ada' is not an email address (name@domain)"),
    (("ada@example.org", "owner"), "unknown role 'owner'; roles are admin, researcher, viewer"),
    (("ada@example.org", "viewer", "", "short"), "the password must have at least 8 characters"),
])
def test_bad_input_is_refused_naming_the_problem(engine, args, message):
    with pytest.raises(ValueError) as err:
        accounts.create(engine, *args)
    assert str(err.value) == message
    assert accounts.list_accounts(engine) == []


def test_an_email_has_one_account(engine):
    accounts.create(engine, "ada@example.org", "viewer")
    with pytest.raises(ValueError, match=r"^an account for ada@example.org exists already$"):
        accounts.create(engine, "ADA@example.org", "admin")


def test_the_last_admin_can_be_neither_demoted_nor_disabled(engine):
    ada = accounts.create(engine, "ada@example.org", "admin", password=PASSWORD)
    with pytest.raises(ValueError, match="^ada@example.org is the last admin and cannot be made viewer; "):
        accounts.set_role(engine, ada.id, "viewer")
    with pytest.raises(ValueError, match="^ada@example.org is the last admin and cannot be disabled; "):
        accounts.disable(engine, ada.id)
    bob = accounts.create(engine, "bob@example.org", "viewer")
    assert accounts.set_role(engine, bob.id, "admin").role == "admin"
    accounts.disable(engine, ada.id)
    assert accounts.get(engine, ada.id) is None and accounts.find_by_email(engine, "ada@example.org") is None
    assert accounts.has_admin(engine)
    with pytest.raises(ValueError, match="^the account ada@example.org is disabled$"):
        accounts.set_role(engine, ada.id, "admin")
    with pytest.raises(ValueError, match="^no account with id 999$"):
        accounts.set_password(engine, 999, PASSWORD)


def test_permissions_of_each_role():
    table = {role: [accounts.can(role, a) for a in ("read", "edit", "admin")] for role in accounts.ROLES}
    assert table == {"admin": [True, True, True], "researcher": [True, True, False], "viewer": [True, False, False]}
    assert not accounts.can("stranger", "read")
    with pytest.raises(ValueError, match="unknown action 'delete'"):
        accounts.can("admin", "delete")


def test_the_sixth_attempt_with_the_right_password_is_refused_until_the_window_passes(engine):
    ada = accounts.create(engine, "ada@example.org", "researcher", password=PASSWORD)
    for i in range(5):
        assert accounts.sign_in(engine, "ada@example.org", f"wrong {i}", "10.0.0.1", now=NOW + timedelta(seconds=i)) \
            is None
    with pytest.raises(TooManyAttempts) as err:
        accounts.sign_in(engine, "ada@example.org", PASSWORD, "10.0.0.2", now=NOW + timedelta(minutes=1))
    assert str(err.value) == "Too many sign-in attempts. Try again in 14 minutes."
    # an email without an account answers the same way after the same failures
    for _ in range(5):
        accounts.sign_in(engine, "nobody@example.org", "guess", "10.0.0.3", now=NOW)
    with pytest.raises(TooManyAttempts, match="Try again in 15 minutes"):
        accounts.sign_in(engine, "nobody@example.org", "guess", "10.0.0.4", now=NOW)
    # the first failure leaves the window at NOW + 15 min: then the right password works, and clears the count
    assert accounts.sign_in(engine, "Ada@example.org", PASSWORD, "10.0.0.2", now=NOW + WINDOW_END) == ada
    for _ in range(4):
        accounts.sign_in(engine, "ada@example.org", "wrong", "10.0.0.5", now=NOW + WINDOW_END)
    assert accounts.sign_in(engine, "ada@example.org", PASSWORD, "10.0.0.5", now=NOW + WINDOW_END) == ada


WINDOW_END = accounts.WINDOW + timedelta(seconds=1)


def test_an_address_gets_twenty_failures_over_any_emails(engine):
    ada = accounts.create(engine, "ada@example.org", "viewer", password=PASSWORD)
    for i in range(20):
        assert accounts.sign_in(engine, f"guess{i}@example.org", "x", "192.0.2.7", now=NOW) is None
    with pytest.raises(TooManyAttempts, match="^Too many sign-in attempts. Try again in 15 minutes.$"):
        accounts.sign_in(engine, "ada@example.org", PASSWORD, "192.0.2.7", now=NOW)
    assert accounts.sign_in(engine, "ada@example.org", PASSWORD, "192.0.2.8", now=NOW) == ada


def test_disabled_and_invited_accounts_cannot_sign_in(engine):
    accounts.create(engine, "admin@example.org", "admin", password=PASSWORD)
    bob = accounts.create(engine, "bob@example.org", "viewer", password=PASSWORD)
    accounts.create(engine, "cy@example.org", "viewer")  # invited, no password yet
    assert accounts.sign_in(engine, "cy@example.org", "", None, now=NOW) is None
    accounts.disable(engine, bob.id)
    assert accounts.sign_in(engine, "bob@example.org", PASSWORD, None, now=NOW) is None


def test_the_failure_table_keeps_no_typed_email_or_address(engine):
    import sqlalchemy as sa
    accounts.sign_in(engine, "Secret-Typed@example.org", "hunter2", "203.0.113.9", now=NOW)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(accounts.signin_failures))]
    assert len(rows) == 2
    assert not any(s in str(rows).lower() for s in ("secret-typed", "203.0.113.9", "hunter2"))


def test_an_invite_link_works_once_and_not_after_it_expires(engine):
    cy = accounts.create(engine, "cy@example.org", "viewer", name="Cy")
    token = accounts.invite_token(SECRET, cy, now=NOW.timestamp())
    assert accounts.invited_account(engine, SECRET, token, now=NOW.timestamp()) == cy
    assert accounts.invited_account(engine, SECRET + "x", token, now=NOW.timestamp()) is None
    assert accounts.invited_account(engine, SECRET, token, now=NOW.timestamp() + 7 * 86400) is None
    with pytest.raises(ValueError, match="at least 8 characters"):
        accounts.accept_invite(engine, SECRET, token, "short", now=NOW.timestamp())
    assert accounts.accept_invite(engine, SECRET, token, PASSWORD, now=NOW.timestamp()) == cy
    assert accounts.sign_in(engine, "cy@example.org", PASSWORD, None, now=NOW) == cy
    with pytest.raises(ValueError, match="^this invite link is not valid"):
        accounts.accept_invite(engine, SECRET, token, "another password", now=NOW.timestamp())


def test_a_password_change_changes_what_sessions_are_bound_to(engine):
    ada = accounts.create(engine, "ada@example.org", "admin", password=PASSWORD)
    before = accounts.session_binding(engine, ada.id)
    accounts.set_password(engine, ada.id, "another password")
    after = accounts.session_binding(engine, ada.id)
    assert before and after and before[0] == after[0] == ada and before[1] != after[1]


def test_make_run_makes_a_demo_admin_once_and_prints_its_sign_in_again(engine, tmp_path):
    password_file = tmp_path / "data" / "researcher-password"
    email, password = accounts.ensure_demo_admin(engine, password_file)
    assert email == "admin@localhost" and len(password) == 16  # token_urlsafe(12)
    assert password_file.read_text() == password + "\n" and password_file.stat().st_mode & 0o777 == 0o600
    assert accounts.sign_in(engine, email, password, None) == accounts.find_by_email(engine, email)
    assert accounts.ensure_demo_admin(engine, password_file) == (email, password)  # printed again, not replaced
    accounts.set_password(engine, accounts.find_by_email(engine, email).id, "chosen by the admin")
    assert accounts.ensure_demo_admin(engine, password_file) is None  # a chosen password is never printed
    assert [a["email"] for a in accounts.list_accounts(engine)] == ["admin@localhost"]


def test_the_demo_admin_keeps_the_password_an_earlier_make_run_generated(engine, tmp_path):
    password_file = tmp_path / "researcher-password"
    password_file.write_text("kept-from-before-accounts\n")
    assert accounts.ensure_demo_admin(engine, password_file) == ("admin@localhost", "kept-from-before-accounts")
    another = accounts.create(engine, "ada@example.org", "admin", password=PASSWORD)
    accounts.set_role(engine, accounts.find_by_email(engine, "admin@localhost").id, "viewer")
    assert accounts.ensure_demo_admin(engine, password_file) is None  # an admin exists: nothing changes
    assert accounts.find_by_email(engine, "admin@localhost").role == "viewer" and accounts.get(engine, another.id)


def _cli(tmp_path, *args, stdin=""):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "PYTHONPATH": str(ROOT),
           "COOKIE_SECRET": SECRET}
    return subprocess.run([sys.executable, "-m", "cardsort", *args], cwd=tmp_path, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_adds_lists_changes_and_disables_accounts(tmp_path):
    added = _cli(tmp_path, "account", "add", "Ada@Example.org", "--role", "admin", "--name", "Ada",
                 stdin=PASSWORD + "\n")
    assert (added.returncode, added.stdout, added.stderr) == (0, "Added ada@example.org as admin.\n", "")
    assert PASSWORD not in added.stdout + added.stderr
    invited = _cli(tmp_path, "account", "add", "cy@example.org", "--role", "viewer", "--invite", "--url",
                   "https://cards.example.org/")
    assert invited.returncode == 0
    link = invited.stdout.splitlines()[-1]
    assert link.startswith("https://cards.example.org/?invite=")
    from cardsort import store
    engine = store.make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    token = link.split("invite=")[1]
    assert accounts.invited_account(engine, SECRET, token) == accounts.find_by_email(engine, "cy@example.org")
    engine.dispose()
    assert _cli(tmp_path, "account", "role", "cy@example.org", "researcher").stdout == \
        "cy@example.org is now researcher.\n"
    refused = _cli(tmp_path, "account", "disable", "ada@example.org")
    assert (refused.returncode, refused.stderr) == (
        2, "error: ada@example.org is the last admin and cannot be disabled; make another account admin first\n")
    assert _cli(tmp_path, "account", "add", "bob@example.org", "--role", "boss", stdin="x").stderr == \
        "error: unknown role 'boss'; roles are admin, researcher, viewer\n"
    assert _cli(tmp_path, "account", "disable", "cy@example.org").stdout == "Disabled cy@example.org.\n"
    assert _cli(tmp_path, "account", "list").stdout == ("ada@example.org\tadmin\tactive\tAda\n"
                                                        "cy@example.org\tresearcher\tdisabled\t\n")


def test_researcher_password_ensure_prints_how_to_sign_in(tmp_path):
    first = _cli(tmp_path, "researcher-password", "--ensure")
    password = (tmp_path / "data" / "researcher-password").read_text().strip()
    assert first.returncode == 0
    assert first.stdout.splitlines()[-1] == (f"Sign in as admin@localhost with the password {password} "
                                             "(the demo admin; add your team on the Accounts page)")
    assert _cli(tmp_path, "researcher-password", "--ensure").stdout == first.stdout
