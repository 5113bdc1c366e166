"""Password hashes and the cookie secret of `make run` (the demo admin: tests/cardsort/test_accounts.py)."""

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
