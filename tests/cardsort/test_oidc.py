"""Sign-in through an identity provider, the pure parts: the OIDC_* settings, the [auth] table written from
them, who may sign in (against real accounts in a real database), and the signed note of a refusal."""

from __future__ import annotations

import stat
import tomllib

import pytest

from cardsort import accounts, oidc, store

METADATA = "https://login.example.org/.well-known/openid-configuration"
SECRET = "test-cookie-secret-0123456789abcdefghij"
ENV = {"OIDC_SERVER_METADATA_URL": METADATA, "OIDC_CLIENT_ID": "cardsort-app", "OIDC_CLIENT_SECRET": "s3cret",
       "OIDC_REDIRECT_URI": "https://cardsort.example.org/oauth2callback", "COOKIE_SECRET": SECRET}
AUTH = {"server_metadata_url": METADATA, "client_id": "cardsort-app", "client_secret": "s3cret",
        "redirect_uri": "https://cardsort.example.org/oauth2callback", "cookie_secret": SECRET}


# --- the settings -------------------------------------------------------------------------------

def test_no_provider_when_the_metadata_url_is_unset():
    assert oidc.provider(environ={"OIDC_CLIENT_ID": "x"}, secrets={}) is None


def test_the_provider_from_the_environment_and_its_auth_table():
    found = oidc.provider(environ=dict(ENV, OIDC_PROVIDER_NAME="Example Org"), secrets={})
    assert found == oidc.Provider(name="Example Org", **AUTH)
    assert found.auth_section() == AUTH
    assert oidc.provider(environ=ENV, secrets={}).name == "your organisation"


def test_the_provider_from_streamlits_own_auth_table():
    secrets = {"auth": AUTH, "oidc_provider_name": "Example Org", "cookie_secret": SECRET}
    assert oidc.provider(environ={}, secrets=secrets) == oidc.Provider(name="Example Org", **AUTH)
    # the environment wins over the file
    assert oidc.provider(environ={"OIDC_CLIENT_ID": "other"}, secrets=secrets).client_id == "other"


def test_missing_settings_are_all_named():
    with pytest.raises(ValueError) as err:
        oidc.provider(environ={"OIDC_SERVER_METADATA_URL": METADATA, "OIDC_CLIENT_ID": "x"}, secrets={})
    assert str(err.value) == (
        "OIDC_SERVER_METADATA_URL is set, so sign-in with the identity provider also needs "
        "OIDC_CLIENT_SECRET (or auth.client_secret in .streamlit/secrets.toml), "
        "OIDC_REDIRECT_URI (or auth.redirect_uri in .streamlit/secrets.toml), "
        "COOKIE_SECRET (or cookie_secret in .streamlit/secrets.toml)")


@pytest.mark.parametrize(("name", "bad", "says"), [
    ("OIDC_SERVER_METADATA_URL", "login.example.org/.well-known",
     "OIDC_SERVER_METADATA_URL (or auth.server_metadata_url in .streamlit/secrets.toml) must be an absolute "
     "http(s) URL, not 'login.example.org/.well-known'"),
    ("OIDC_SERVER_METADATA_URL", "ftp://login.example.org/x",
     "OIDC_SERVER_METADATA_URL (or auth.server_metadata_url in .streamlit/secrets.toml) must be an absolute "
     "http(s) URL, not 'ftp://login.example.org/x'"),
    ("OIDC_REDIRECT_URI", "https://cardsort.example.org/",
     "OIDC_REDIRECT_URI (or auth.redirect_uri in .streamlit/secrets.toml) must be the app's address ending in "
     "/oauth2callback (e.g. https://cardsort.example.org/oauth2callback), not 'https://cardsort.example.org/'"),
])
def test_bad_urls_are_refused_naming_the_setting(name, bad, says):
    with pytest.raises(ValueError) as err:
        oidc.provider(environ=dict(ENV, **{name: bad}), secrets={})
    assert str(err.value) == says


def test_auth_section_problems_name_each_difference_and_never_a_secret():
    wanted = oidc.provider(environ=ENV, secrets={})
    assert oidc.auth_section_problems(wanted, AUTH, "F") == []
    assert oidc.auth_section_problems(wanted, None, "F") == ["F has no [auth] table"]
    assert oidc.auth_section_problems(wanted, dict(AUTH, client_secret="old", cookie_secret=""), "F") == [
        "client_secret in [auth] of F differs from OIDC_CLIENT_SECRET", "[auth] in F has no cookie_secret"]


# --- writing Streamlit's [auth] table -------------------------------------------------------------

def test_write_auth_section_keeps_every_other_entry_and_replaces_an_old_table(tmp_path):
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    path.write_text('cookie_secret = "x"\n[auth]\nclient_id = "old"\n'
                    '[theme]\nbase = "dark"\n', encoding="utf-8")
    wanted = oidc.provider(environ=ENV, secrets={})
    assert oidc.write_auth_section(path, wanted) is True
    parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    assert parsed == {"cookie_secret": "x", "theme": {"base": "dark"}, "auth": AUTH}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text(encoding="utf-8")
    assert oidc.write_auth_section(path, wanted) is False  # the same again: nothing changes
    assert path.read_text(encoding="utf-8") == before


def test_write_auth_section_leaves_a_hand_written_table_with_more_entries(tmp_path):
    path = tmp_path / "secrets.toml"
    text = '[auth]\nclient_id = "old"\nexpose_tokens = "id"\n[auth.google]\nclient_id = "g"\n'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        oidc.write_auth_section(path, oidc.provider(environ=ENV, secrets={}))
    assert str(err.value) == (f"the [auth] table of {path} also holds expose_tokens, google, which this command "
                              "does not write: edit that table by hand (.streamlit/secrets.toml.example), or remove "
                              "those entries")
    assert path.read_text(encoding="utf-8") == text
    # a table that already holds what the settings say is left as it is, whatever its layout
    path.write_text("[auth]\n" + "".join(f'{k}="{v}"\n' for k, v in AUTH.items()), encoding="utf-8")
    assert oidc.write_auth_section(path, oidc.provider(environ=ENV, secrets={})) is False


def test_write_auth_section_creates_the_file_and_quotes_any_value(tmp_path):
    path = tmp_path / "new" / "secrets.toml"
    wanted = oidc.Provider(name="X", **dict(AUTH, client_secret='a"b\\c\nd ü'))
    assert oidc.write_auth_section(path, wanted) is True
    assert tomllib.loads(path.read_text(encoding="utf-8"))["auth"]["client_secret"] == 'a"b\\c\nd ü'


def test_write_auth_section_refuses_a_broken_file_and_leaves_it(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("cookie_secret = \n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{path} is not valid TOML: "):
        oidc.write_auth_section(path, oidc.provider(environ=ENV, secrets={}))
    assert path.read_text(encoding="utf-8") == "cookie_secret = \n"
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.toml"]


def test_the_command_writes_the_table_from_the_environment(tmp_path, monkeypatch, capsys):
    from cardsort.__main__ import main
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OIDC_PROVIDER_NAME", "Example Org")
    path = tmp_path / "secrets.toml"
    assert main(["auth-secrets", "--secrets-file", str(path)]) == 0
    assert capsys.readouterr().out == f"Wrote the [auth] table of {path} for Example Org ({METADATA}).\n"
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"auth": AUTH}
    monkeypatch.delenv("OIDC_CLIENT_SECRET")
    monkeypatch.setenv("OIDC_REDIRECT_URI", "https://cardsort.example.org/")
    assert main(["auth-secrets", "--secrets-file", str(path)]) == 2
    assert capsys.readouterr().err.startswith("error: OIDC_REDIRECT_URI (or auth.redirect_uri in "
                                              ".streamlit/secrets.toml) must be the app's address ending in")


# --- who may sign in ------------------------------------------------------------------------------

@pytest.fixture
def team(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    ada = accounts.create(engine, "Ada@Example.org", "researcher", name="Ada Lovelace")  # invited, no password
    accounts.create(engine, "boss@example.org", "admin", password="long enough")
    gone = accounts.create(engine, "gone@example.org", "researcher", password="long enough")
    accounts.disable(engine, gone.id)
    yield engine, ada
    engine.dispose()


def lookup(engine):
    return lambda email: accounts.find_by_email(engine, email)


def test_an_invited_verified_email_signs_in_as_its_account(team):
    engine, ada = team
    user = {"is_logged_in": True, "email": "ada@example.org", "email_verified": True, "name": "Ada"}
    assert oidc.account_for_user(user, "Example Org", lookup(engine)) == accounts.Account(
        id=ada.id, email="ada@example.org", name="Ada Lovelace", role="researcher")
    # a provider that does not send email_verified (Microsoft Entra ID) is the team's own directory
    assert oidc.account_for_user({"email": " ADA@example.org "}, "Example Org", lookup(engine)) == ada


def test_an_uninvited_or_disabled_email_is_refused_with_the_way_in(team):
    engine, _ = team
    assert oidc.account_for_user({"email": "eve@example.org", "email_verified": True}, "Example Org",
                                 lookup(engine)) == oidc.Refusal(
        "eve@example.org", "There is no account for eve@example.org here: ask an admin to invite you.")
    assert oidc.account_for_user({"email": "gone@example.org", "email_verified": True}, "Example Org",
                                 lookup(engine)) == oidc.Refusal(
        "gone@example.org", "There is no account for gone@example.org here: ask an admin to invite you.")


def test_an_unverified_or_missing_email_is_refused(team):
    engine, _ = team
    for verified in (False, "false", "no"):
        assert oidc.account_for_user({"email": "ada@example.org", "email_verified": verified}, "Example Org",
                                     lookup(engine)) == oidc.Refusal(
            "ada@example.org", "Example Org has not verified the email address ada@example.org. Verify it there, "
                               "then sign in again.")
    assert oidc.account_for_user({"email_verified": "true"}, "Example Org", lookup(engine)) == oidc.Refusal(
        None, "Example Org did not give this app your email address, so it cannot tell which account is yours. "
              "Ask an admin to check the sign-in set-up.")
    assert oidc.account_for_user({"email": "ada@example.org", "email_verified": "true"}, "Example Org",
                                 lookup(engine)).email == "ada@example.org"


# --- the refusal note ---------------------------------------------------------------------------------

def test_a_notice_carries_its_message_until_it_expires():
    message = "There is no account for é_x*@example.org here: ask an admin to invite you."
    notice = oidc.make_notice(SECRET, message, now=1_000_000)
    assert oidc.read_notice(SECRET, notice, now=1_000_000) == message
    assert oidc.read_notice(SECRET, notice, now=1_000_000 + oidc.NOTICE_SECONDS - 1) == message
    assert oidc.read_notice(SECRET, notice, now=1_000_000 + oidc.NOTICE_SECONDS) is None


def test_a_notice_signed_otherwise_or_changed_is_ignored():
    notice = oidc.make_notice(SECRET, "You are refused.", now=1_000_000)
    expires, body, signature = notice.split(".")
    assert oidc.read_notice("another-secret-0123456789abcdefghijkl", notice, now=1_000_000) is None
    forged = oidc.make_notice(SECRET, "Welcome, admin!", now=1_000_000).split(".")[1]
    assert oidc.read_notice(SECRET, f"{expires}.{forged}.{signature}", now=1_000_000) is None
    assert oidc.read_notice(SECRET, f"{int(expires) + 3600}.{body}.{signature}", now=1_000_000) is None
    for junk in (None, "", "a.b", "x.y.z", "ü.ü.ü", 42):
        assert oidc.read_notice(SECRET, junk, now=1_000_000) is None
