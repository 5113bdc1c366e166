"""The researcher password as the command line needs it: scrypt hashes and the local set-up of `make run`."""

from __future__ import annotations

import tomllib

import pytest

from cardsort import auth, settings

SECRET = "test-cookie-secret-0123456789abcdefghij"
HASH = auth.hash_password("correct horse", salt=b"fixed salt 16 b.")


def test_a_password_matches_its_hash_only():
    assert HASH.startswith("scrypt$") and HASH.count("$") == 2
    assert auth.verify_password("correct horse", HASH)
    assert not auth.verify_password("correct horsE", HASH)
    assert not auth.verify_password("correct horse", "bcrypt$x$y")
    assert not auth.verify_password("correct horse", "not a hash")
    with pytest.raises(ValueError, match="the password is empty"):
        auth.hash_password("")


def test_the_hash_of_an_environment_password_is_the_same_in_every_process():
    assert auth.env_password_hash("s3cret pw") == auth.env_password_hash("s3cret pw")
    assert auth.verify_password("s3cret pw", auth.env_password_hash("s3cret pw"))
    assert auth.env_password_hash("s3cret pw") != auth.env_password_hash("s3cret pX")


def test_make_run_generates_a_cookie_secret_once_and_keeps_other_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("COOKIE_SECRET", raising=False)
    secrets_file = tmp_path / ".streamlit" / "secrets.toml"
    secrets_file.parent.mkdir()
    secrets_file.write_text('researcher_password_hash = "scrypt$a$b"\n\n[connections.db]\nurl = "x"\n')
    assert auth.ensure_cookie_secret(secrets_file) is True
    first = tomllib.loads(secrets_file.read_text())
    assert len(first["cookie_secret"]) >= settings.MIN_SECRET_LENGTH
    assert first["researcher_password_hash"] == "scrypt$a$b" and first["connections"] == {"db": {"url": "x"}}
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert auth.ensure_cookie_secret(secrets_file) is False  # kept: sign-ins survive a restart
    assert tomllib.loads(secrets_file.read_text()) == first


def test_no_cookie_secret_is_generated_when_the_environment_has_one(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKIE_SECRET", SECRET)
    secrets_file = tmp_path / "secrets.toml"
    assert auth.ensure_cookie_secret(secrets_file) is False
    assert not secrets_file.exists()


@pytest.fixture
def no_password_in_environment(monkeypatch):
    monkeypatch.delenv("RESEARCHER_PASSWORD", raising=False)
    monkeypatch.delenv("RESEARCHER_PASSWORD_HASH", raising=False)


def test_make_run_generates_a_demo_password_once_and_prints_it_again(tmp_path, no_password_in_environment):
    secrets_file, password_file = tmp_path / ".streamlit" / "secrets.toml", tmp_path / "data" / "researcher-password"
    password = auth.ensure_demo_password(secrets_file, password_file)
    assert password and len(password) == 16  # token_urlsafe(12)
    stored = tomllib.loads(secrets_file.read_text())["researcher_password_hash"]
    assert auth.verify_password(password, stored)
    assert password_file.read_text() == password + "\n" and password_file.stat().st_mode & 0o777 == 0o600
    assert auth.ensure_demo_password(secrets_file, password_file) == password  # printed again, not replaced
    assert tomllib.loads(secrets_file.read_text())["researcher_password_hash"] == stored


@pytest.mark.parametrize("name", ["RESEARCHER_PASSWORD", "RESEARCHER_PASSWORD_HASH"])
def test_a_password_from_the_environment_is_never_replaced_nor_printed(tmp_path, monkeypatch,
                                                                      no_password_in_environment, name):
    monkeypatch.setenv(name, "set by the user")
    secrets_file, password_file = tmp_path / "secrets.toml", tmp_path / "researcher-password"
    assert auth.password_configured(secrets_file) is True
    assert auth.ensure_demo_password(secrets_file, password_file) is None
    assert not secrets_file.exists() and not password_file.exists()


def test_a_hash_in_the_secrets_file_counts_as_a_password(tmp_path, no_password_in_environment):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('researcher_password_hash = ""\n')
    assert auth.password_configured(secrets_file) is False  # empty counts as unset
    secrets_file.write_text(f'researcher_password_hash = "{HASH}"\n')
    assert auth.password_configured(secrets_file) is True
    assert auth.ensure_demo_password(secrets_file, tmp_path / "researcher-password") is None
    assert secrets_file.read_text() == f'researcher_password_hash = "{HASH}"\n'
