"""Settings: where each is looked up, defaults, and a clear error naming a bad value."""

from __future__ import annotations

import pytest

from cardsort import settings

HOUR_LABEL = r"SESSION_HOURS \(or session_hours in .streamlit/secrets.toml\)"


class NoSecretsFile(dict):
    """Like Streamlit's ``st.secrets`` when there is no secrets.toml: every look-up raises FileNotFoundError."""

    def get(self, key, default=None):
        raise FileNotFoundError("No secrets found")


def test_every_setting_is_declared_with_help_and_who_reads_it():
    assert list(settings.SETTINGS) == [
        "DATABASE_URL", "RESEARCHER_PASSWORD_HASH", "RESEARCHER_PASSWORD", "COOKIE_SECRET", "SESSION_HOURS",
        "OIDC_SERVER_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URI", "OIDC_PROVIDER_NAME",
        "A11Y_ALLOWED_HOSTS", "A11Y_ALLOW_PRIVATE", "A11Y_CHROMIUM", "A11Y_CHROMEDRIVER", "A11Y_MAX_RUNNING_AUDITS",
        "A11Y_JOB_LEASE_SECONDS", "A11Y_JOB_MAX_ATTEMPTS", "A11Y_APP_WORKER", "A11Y_REMOTE_URL", "TEST_DATABASE_URL"]
    for name, setting in settings.SETTINGS.items():
        assert setting.name == name and setting.help and setting.used_by, name
    assert {n: s.secrets_key for n, s in settings.SETTINGS.items() if s.secrets_key} == {
        "DATABASE_URL": "DATABASE_URL", "RESEARCHER_PASSWORD_HASH": "researcher_password_hash",
        "COOKIE_SECRET": "cookie_secret", "SESSION_HOURS": "session_hours",
        "OIDC_SERVER_METADATA_URL": "auth.server_metadata_url", "OIDC_CLIENT_ID": "auth.client_id",
        "OIDC_CLIENT_SECRET": "auth.client_secret", "OIDC_REDIRECT_URI": "auth.redirect_uri",
        "OIDC_PROVIDER_NAME": "oidc_provider_name"}


def test_defaults_when_nothing_is_set(tmp_path):
    values = {name: settings.value(name, environ={}, secrets=tmp_path / "missing.toml") for name in settings.SETTINGS}
    assert values == {
        "DATABASE_URL": "sqlite:///data/app.db", "RESEARCHER_PASSWORD_HASH": None, "RESEARCHER_PASSWORD": None,
        "COOKIE_SECRET": None, "SESSION_HOURS": 12.0, "OIDC_SERVER_METADATA_URL": None, "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None, "OIDC_REDIRECT_URI": None, "OIDC_PROVIDER_NAME": "your organisation",
        "A11Y_ALLOWED_HOSTS": None, "A11Y_ALLOW_PRIVATE": False,
        "A11Y_CHROMIUM": "/usr/bin/chromium", "A11Y_CHROMEDRIVER": "/usr/bin/chromedriver",
        "A11Y_MAX_RUNNING_AUDITS": 2, "A11Y_JOB_LEASE_SECONDS": 60, "A11Y_JOB_MAX_ATTEMPTS": 3, "A11Y_APP_WORKER": True,
        "A11Y_REMOTE_URL": None,
        "TEST_DATABASE_URL": None}


def test_the_environment_wins_over_the_secrets_file_and_empty_counts_as_unset(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('DATABASE_URL = "sqlite:///from-file.db"\nsession_hours = 0.5\n')
    assert settings.value("DATABASE_URL", environ={}, secrets=secrets_file) == "sqlite:///from-file.db"
    assert settings.value("DATABASE_URL", environ={"DATABASE_URL": "sqlite:///env.db"},
                          secrets=secrets_file) == "sqlite:///env.db"
    assert settings.value("DATABASE_URL", environ={"DATABASE_URL": ""}, secrets=secrets_file) == "sqlite:///from-file.db"
    assert settings.value("SESSION_HOURS", environ={"SESSION_HOURS": "  "}, secrets=secrets_file) == 0.5
    assert settings.value("SESSION_HOURS", environ={"SESSION_HOURS": "8"}, secrets=secrets_file) == 8.0
    # A setting without a secrets key is never taken from the file:
    assert settings.value("RESEARCHER_PASSWORD", environ={}, secrets={"RESEARCHER_PASSWORD": "x"}) is None


def test_a_missing_secrets_file_or_streamlit_without_one_counts_as_empty(tmp_path):
    assert settings.raw("COOKIE_SECRET", environ={}, secrets=tmp_path / "none.toml") is None
    assert settings.raw("COOKIE_SECRET", environ={}, secrets=NoSecretsFile()) is None
    assert settings.raw("COOKIE_SECRET", environ={}, secrets={"cookie_secret": "s" * 32}) == "s" * 32


def test_a_dotted_secrets_key_is_read_inside_its_table(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('client_id = "top level: not it"\n[auth]\nclient_id = "from-auth"\n')
    assert settings.value("OIDC_CLIENT_ID", environ={}, secrets=secrets_file) == "from-auth"
    assert settings.value("OIDC_CLIENT_ID", environ={}, secrets={"auth": {"client_id": "m"}}) == "m"
    assert settings.value("OIDC_CLIENT_ID", environ={}, secrets={"auth": "not a table"}) is None
    assert settings.value("OIDC_CLIENT_ID", environ={}, secrets=NoSecretsFile()) is None


def test_the_secrets_file_is_read_only_when_the_environment_has_no_value(tmp_path):
    broken = tmp_path / "secrets.toml"
    broken.write_text("this is = = not toml")
    assert settings.value("DATABASE_URL", environ={"DATABASE_URL": "sqlite:///x.db"}, secrets=broken) == "sqlite:///x.db"


@pytest.mark.parametrize(("given", "hours"), [("8", 8.0), (" 0.5 ", 0.5), (0.25, 0.25), (24, 24.0), ("8784", 8784.0)])
def test_session_hours(given, hours):
    assert settings.value("SESSION_HOURS", environ={}, secrets={"session_hours": given}) == hours


@pytest.mark.parametrize("bad", ["abc", "twelve", "0", "-1", "nan", "inf", "9000"])
def test_a_bad_session_hours_is_named_with_its_problem(bad):
    with pytest.raises(ValueError, match=rf"^{HOUR_LABEL} must be a number of hours above 0 and at most a year, "
                                         rf"not '{bad}'$"):
        settings.value("SESSION_HOURS", environ={"SESSION_HOURS": bad})


def test_a_short_cookie_secret_is_refused_with_how_to_make_one():
    secret = "test-cookie-secret-0123456789abcdefghij"
    assert settings.value("COOKIE_SECRET", environ={"COOKIE_SECRET": secret}) == secret
    with pytest.raises(ValueError) as err:
        settings.value("COOKIE_SECRET", environ={}, secrets={"cookie_secret": "too short"})
    assert str(err.value) == (
        "COOKIE_SECRET (or cookie_secret in .streamlit/secrets.toml) must be at least 32 characters; it has 9. "
        'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"')


@pytest.mark.parametrize(("given", "on"), [("1", True), (" On ", True), ("yes", True), ("TRUE", True),
                                           ("0", False), ("off", False), ("No", False), ("", False)])
def test_allow_private_switch(given, on):
    assert settings.value("A11Y_ALLOW_PRIVATE", environ={"A11Y_ALLOW_PRIVATE": given}) is on


def test_a_bad_switch_is_named():
    with pytest.raises(ValueError, match=r"^A11Y_ALLOW_PRIVATE must be 1 \(allow local and private addresses\) "
                                         r"or 0, got 'maybe'$"):
        settings.value("A11Y_ALLOW_PRIVATE", environ={"A11Y_ALLOW_PRIVATE": "maybe"})


def test_allowed_hosts_are_a_lower_case_set():
    assert settings.value("A11Y_ALLOWED_HOSTS", environ={"A11Y_ALLOWED_HOSTS": "Example.org, .test.net,"}) == \
        frozenset({"example.org", ".test.net"})
    assert settings.value("A11Y_ALLOWED_HOSTS", environ={"A11Y_ALLOWED_HOSTS": " , "}) is None


def test_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("A11Y_CHROMIUM", "/opt/chromium")
    assert settings.value("A11Y_CHROMIUM") == "/opt/chromium"
    assert settings.text("TEST_DATABASE_URL", environ={}) is None


def test_an_undeclared_name_is_refused():
    with pytest.raises(KeyError, match="SESION_HOURS is not a declared setting"):
        settings.value("SESION_HOURS")
